"""Results fixtures: the booking catalogue (`cat`) with domains, confirmed registrations of its
period, and helpers to write results files."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from rukhsa.accounts.models import User
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Domain, Mode
from rukhsa.core import clock
from tests.booking.conftest import Catalogue, cat  # noqa: F401  (the fixture)
from tests.catalog.conftest import make_staff, staff_client  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Sentences the services return (import errors, level reasons) in English, whatever the
    Arabic catalogue holds; pages follow the client's own language choice."""
    from django.utils import translation

    with translation.override("en"):
        yield


@dataclass
class Setup:
    cat: Catalogue
    domains: list[Domain]  # of cat.spec (mathematics): 10, 20 and 30 questions
    other_domains: list[Domain]  # of cat.other_spec (physics)


@pytest.fixture
def setup(cat: Catalogue) -> Setup:  # noqa: F811
    domains = [
        Domain.objects.create(
            specialization=cat.spec,
            name_ar=f"مجال {n}",
            name_en=f"Domain {n}",
            question_count=count,
            order=n,
        )
        for n, count in enumerate((10, 20, 30), start=1)
    ]
    other = [
        Domain.objects.create(
            specialization=cat.other_spec,
            name_ar="الميكانيكا",
            name_en="Mechanics",
            question_count=25,
            order=1,
        )
    ]
    return Setup(cat=cat, domains=domains, other_domains=other)


@pytest.fixture
def register(setup: Setup, make_user: Callable[..., User]) -> Callable[..., Registration]:
    """A confirmed registration of the catalogue's period (a new candidate unless given)."""

    def make(
        candidate: User | None = None,
        *,
        spec: Any = None,
        status: str = Status.CONFIRMED,
        period: Any = None,
    ) -> Registration:
        now = clock.now()
        return Registration.objects.create(
            candidate=candidate or make_user(),
            test=setup.cat.test,
            period=period or setup.cat.period,
            session=setup.cat.sitting,
            specialization=spec or setup.cat.spec,
            mode=Mode.PAPER,
            status=status,
            held_until=now + timedelta(minutes=15),
            confirmed_at=now if status == Status.CONFIRMED else None,
        )

    return make


def key(domain: Domain) -> str:
    return f"D{domain.pk}"


def header(setup: Setup, *, with_other: bool = True) -> list[str]:
    domains = setup.domains + (setup.other_domains if with_other else [])
    return ["reference", "attendance", *(key(d) for d in domains), "total_score"]


def row(
    setup: Setup,
    reference: str,
    attendance: str = "present",
    correct: tuple[Any, ...] = (8, 15, 20),
    total: Any = 72,
    other: Any = "",
) -> list[Any]:
    return [reference, attendance, *correct, other, total]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(
    setup: Setup, rows: list[list[Any]], *, dry_run: bool, xlsx: bool = False, period: Any = None
) -> Any:
    from rukhsa.results.services import results_import

    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    return results_import(
        period=period or setup.cat.period,
        file=io.BytesIO(data),
        file_name="results.xlsx" if xlsx else "results.csv",
        dry_run=dry_run,
    )


def english(client: Any = None) -> Any:
    """A client (new, or the one given) that chose English."""
    from django.conf import settings
    from django.test import Client

    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files go to a folder of the test's own (the default storage is MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
