"""The database refuses what breaks a catalogue invariant; the admin says why in a sentence."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from rukhsa.catalog import models
from rukhsa.catalog.models import Domain, Period, PriorityWindow, Session
from rukhsa.core import clock
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)

pytestmark = pytest.mark.django_db


def refused(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_session_capacity_must_be_positive() -> None:
    period, centre = make_period(), make_centre()
    refused(
        lambda: Session.objects.create(
            centre=centre, period=period, date=period.first_test_day, start_time=time(8), capacity=0
        )
    )


def test_seats_taken_can_never_exceed_capacity() -> None:
    session = make_session(make_centre(), make_period(), capacity=2, seats_taken=2)
    refused(lambda: Session.objects.filter(pk=session.pk).update(seats_taken=3))
    refused(lambda: Session.objects.filter(pk=session.pk).update(capacity=1))


def test_one_session_per_centre_date_and_time() -> None:
    period, centre = make_period(), make_centre()
    make_session(centre, period, start=time(8))
    refused(lambda: make_session(centre, period, start=time(8)))


def test_test_money_and_percent_rules() -> None:
    refused(lambda: make_test(fee_halalas=-1))
    refused(lambda: make_test(refund_percent=101))
    refused(lambda: make_test(pass_mark=101))
    refused(lambda: make_test(vat_basis_points=10001))
    refused(lambda: make_test(duration_minutes=0))


def test_period_windows_and_days_are_ordered() -> None:
    now = clock.now()
    refused(lambda: make_period(registration_opens_at=now, registration_closes_at=now))
    today = clock.today()
    refused(
        lambda: make_period(
            first_test_day=today + timedelta(days=9), last_test_day=today + timedelta(days=8)
        )
    )
    refused(lambda: make_period(results_published_at=now))  # before registration closes


def test_one_priority_window_per_group() -> None:
    period = make_period()
    PriorityWindow.objects.create(period=period, gender="female", opens_at=clock.now())
    refused(
        lambda: PriorityWindow.objects.create(period=period, gender="female", opens_at=clock.now())
    )


def test_domain_needs_questions() -> None:
    spec = make_specialization()
    refused(
        lambda: Domain.objects.create(
            specialization=spec, name_ar="أ", name_en="A", question_count=0
        )
    )


def test_vat_and_total_in_halalas() -> None:
    test = models.Test(fee_halalas=10000, vat_basis_points=1500)
    assert (test.vat_halalas, test.total_halalas) == (1500, 11500)
    assert test.vat_rate == Decimal("0.15")
    odd = models.Test(fee_halalas=333, vat_basis_points=1500)  # 49.95 rounds half up
    assert odd.vat_halalas == 50


def test_admin_shows_constraint_sentences(admin_client_otp) -> None:  # type: ignore[no-untyped-def]
    period, centre = make_period(), make_centre()
    spec = make_specialization()
    response = admin_client_otp.post(
        "/admin/catalog/session/add/",
        {
            "centre": centre.pk,
            "period": period.pk,
            "date": period.first_test_day.isoformat(),
            "start_time": "08:00",
            "capacity": "0",
            "status": "open",
            "specializations": [spec.pk],
        },
    )
    assert response.status_code == 200
    assert "The capacity must be at least one seat." in response.content.decode()
    assert not Session.objects.exists()


def test_admin_refuses_a_session_outside_the_test_days(admin_client_otp) -> None:  # type: ignore[no-untyped-def]
    period, centre = make_period(), make_centre()
    response = admin_client_otp.post(
        "/admin/catalog/session/add/",
        {
            "centre": centre.pk,
            "period": period.pk,
            "date": (period.last_test_day + timedelta(days=1)).isoformat(),
            "start_time": "08:00",
            "capacity": "20",
            "status": "open",
            "specializations": [make_specialization().pk],
        },
    )
    assert "within the period" in response.content.decode()
    assert not Session.objects.exists()


def test_admin_refuses_registration_closing_before_it_opens(admin_client_otp) -> None:  # type: ignore[no-untyped-def]
    test = make_test()
    response = admin_client_otp.post(
        "/admin/catalog/period/add/",
        {
            "test": test.pk,
            "code": "p1",
            "name_ar": "ف",
            "name_en": "P",
            "modes": "both",
            "registration_opens_at_0": "2030-02-01",
            "registration_opens_at_1": "08:00",
            "registration_closes_at_0": "2030-01-01",
            "registration_closes_at_1": "08:00",
            "first_test_day": "2030-03-01",
            "last_test_day": "2030-03-20",
            "windows-TOTAL_FORMS": "0",
            "windows-INITIAL_FORMS": "0",
        },
    )
    assert "Registration must open before it closes." in response.content.decode()
    assert not Period.objects.exists()


def test_admin_refuses_malformed_licence_levels(admin_client_otp) -> None:  # type: ignore[no-untyped-def]
    response = admin_client_otp.post(
        "/admin/catalog/test/add/",
        {
            "code": "X",
            "name_ar": "س",
            "name_en": "X",
            "fee_halalas": "100",
            "vat_basis_points": "1500",
            "duration_minutes": "180",
            "pass_mark": "50",
            "licence_levels": '{"bands": [{"level": "expert", "min": 80, "max": 100},'
            ' {"level": "advanced", "min": 70, "max": 85}]}',
            "change_deadline_paper_hours": "72",
            "change_deadline_digital_hours": "48",
            "hold_minutes": "15",
            "max_changes": "2",
            "change_fee_halalas": "0",
            "refund_percent": "100",
            "reporting_minutes_paper": "60",
            "reporting_minutes_digital": "30",
        },
    )
    assert "Score bands must not overlap." in response.content.decode()
    assert not models.Test.objects.exists()


def test_admin_refuses_a_centre_outside_saudi_arabia(admin_client_otp) -> None:  # type: ignore[no-untyped-def]
    from tests.catalog.factories import city

    response = admin_client_otp.post(
        "/admin/catalog/centre/add/",
        {
            "code": "X1",
            "name_ar": "م",
            "name_en": "C",
            "city": city().pk,
            "mode": "digital",
            "gender": "male",
            "active": "on",
            "address_ar": "ع",
            "address_en": "A",
            "latitude": "48.85",
            "longitude": "2.35",
        },
    )
    assert "The location must be in Saudi Arabia" in response.content.decode()
