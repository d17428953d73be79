"""The sandbox gateway's own API: a charge per merchant's id, the 3-D Secure step once."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rukhsa.payments.sandbox import api
from rukhsa.payments.sandbox.models import ChargeStatus, SandboxCharge, ThreeDSState

pytestmark = pytest.mark.django_db


def _create(given_id: str = "order-1:attempt-1", amount: int = 34500) -> dict:
    return api.charge_create(
        amount=amount,
        currency="SAR",
        description="Seat fee",
        callback_url="https://rukhsa.example/payments/return/x/",
        given_id=given_id,
        metadata={"order": "1"},
    )


def test_the_same_merchants_id_gives_the_same_charge():
    first = _create()
    again = _create(amount=1)  # a repeated request: the charge made the first time, unchanged
    assert again["id"] == first["id"]
    assert again["amount"] == 34500
    assert SandboxCharge.objects.count() == 1
    assert _create(given_id="order-1:attempt-2")["id"] != first["id"]


def test_a_first_charge_is_one_insert():
    with CaptureQueriesContext(connection) as queries:
        _create()
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1 and statements[0].startswith("INSERT")


@pytest.mark.parametrize(
    ("authenticated", "outcome", "status", "three_ds", "event"),
    [
        (True, "paid", ChargeStatus.PAID, ThreeDSState.AUTHENTICATED, "payment_paid"),
        (True, "declined", ChargeStatus.FAILED, ThreeDSState.AUTHENTICATED, "payment_failed"),
        (False, "paid", ChargeStatus.FAILED, ThreeDSState.FAILED, "payment_failed"),
    ],
)
def test_the_3ds_step_writes_once_and_queues_the_webhook(
    monkeypatch, django_capture_on_commit_callbacks, authenticated, outcome, status, three_ds, event
):
    queued: list[tuple] = []
    monkeypatch.setattr(
        api, "sandbox_webhook_deliver", SimpleNamespace(enqueue=lambda *a: queued.append(a))
    )
    charge = SandboxCharge.objects.get(pk=_create()["id"])
    assert api.card_submit(charge, scheme="visa", masked_number="4111 **** 1111", outcome=outcome)
    charge.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        done = api.three_ds_complete(charge, authenticated=authenticated)
    stored = SandboxCharge.objects.get(pk=charge.pk)
    for field in ("status", "three_ds", "message", "pending_outcome", "updated_at"):
        assert getattr(done, field) == getattr(stored, field), field
    assert (stored.status, stored.three_ds, stored.pending_outcome) == (status, three_ds, "")
    assert [args[1] for args in queued] == [event]
    with pytest.raises(api.ChargeStateError):  # once only
        api.three_ds_complete(charge, authenticated=True)
    assert len(queued) == 1
