"""Fixtures for the payments tests: orders, the sandbox journey, hook recorders."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rukhsa.accounts.models import User
from rukhsa.payments import hooks
from rukhsa.payments.models import Order
from rukhsa.payments.services import order_create
from tests.payments.payments_helpers import DECLINED, INSUFFICIENT, PAID_CARDS  # noqa: F401


@pytest.fixture(autouse=True)
def _no_real_subscribers() -> Iterator[None]:
    """Payments tests see only the hooks they subscribe themselves."""
    with hooks.isolated():
        yield


@pytest.fixture
def hook_calls() -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    for event in hooks.EVENTS:
        hooks.subscribe(
            event,
            lambda order, payment, event=event: calls.append((event, str(payment.uuid))),
        )
    return calls


@pytest.fixture
def make_order(make_user: Callable[..., User]) -> Callable[..., Order]:
    def make(owner: User | None = None, **fields: Any) -> Order:
        values: dict[str, Any] = {
            "owner": owner or make_user(),
            "kind": "registration",
            "subject_ref": "registration:42",
            "description_ar": "رسوم اختبار الرخصة المهنية - الرياضيات",
            "description_en": "Professional licence test fee - Mathematics",
            "net_halalas": 10000,
            "vat_basis_points": 1500,
            "return_path": "/dashboard/",
        }
        values.update(fields)
        return order_create(**values)

    return make


@pytest.fixture
def order(make_order: Callable[..., Order], candidate: User) -> Order:
    return make_order(owner=candidate)
