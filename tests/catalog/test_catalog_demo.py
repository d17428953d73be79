"""The demo loader: everything PRODUCT §10 promises, and a second run changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F

from rukhsa.catalog.models import Centre, Domain, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.core.digits import luhn_valid
from rukhsa.demo import loader

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    counts: dict[str, object] = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"catalog", "accounts", "otp_totp", "auth"}
    }
    counts["sessions"] = sorted(
        Session.objects.values_list(
            "centre__code", "date", "start_time", "capacity", "seats_taken", "status"
        )
    )
    counts["users"] = sorted(
        apps.get_model("accounts", "User").objects.values_list("identity_key", "password")
    )
    return counts


def test_load_demo_twice_changes_nothing() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = snapshot()
    call_command("load_demo", stdout=out)
    assert snapshot() == first
    text = out.getvalue()
    assert loader.CANDIDATE_PASSWORD in text and loader.STAFF_PASSWORD in text
    assert "otpauth://totp/" in text


def test_demo_data_is_what_a_newcomer_is_promised(rf) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    assert luhn_valid(loader.CANDIDATE_ID) and luhn_valid(loader.STAFF_ID)
    assert Specialization.objects.count() >= 12
    for spec in Specialization.objects.all():
        assert 3 <= Domain.objects.filter(specialization=spec).count() <= 6
    open_period = Period.objects.get(code=loader.OPEN_PERIOD)
    assert open_period.registration_opens_at <= clock.now() < open_period.registration_closes_at
    assert (open_period.first_test_day - clock.today()).days == 21
    past = Period.objects.get(code=loader.PAST_PERIOD)
    assert past.results_published_at < clock.now() and past.last_test_day < clock.today()
    centres = Centre.objects.select_related("city__region")
    assert len({c.city_id for c in centres}) >= 8
    assert len({c.city.region_id for c in centres}) >= 6
    assert {(c.mode, c.gender) for c in centres} == {
        ("paper", "male"),
        ("paper", "female"),
        ("digital", "male"),
        ("digital", "female"),
    }
    sessions = Session.objects.filter(period=open_period)
    assert sessions.filter(seats_taken=F("capacity")).count() == 2  # Jeddah and Riyadh, first day
    assert (
        sessions.filter(
            seats_taken__lt=F("capacity"), seats_taken__gte=F("capacity") - 3, seats_taken__gt=0
        ).count()
        >= 3
    )
    digital = sessions.filter(centre__mode="digital")
    assert set(digital.values_list("start_time__hour", flat=True)) == {8, 11, 14}
    assert {d.weekday() for d in digital.values_list("date", flat=True)} == {6, 0, 1, 2, 3}
    assert all(19 <= c <= 45 for c in digital.values_list("capacity", flat=True))
    request = rf.post("/")
    candidate = authenticate(
        request, username=loader.CANDIDATE_ID, password=loader.CANDIDATE_PASSWORD
    )
    assert candidate is not None and candidate.in_service and candidate.gender == "male"
    assert candidate.contacts_verified and candidate.experience_years == 7
    staff = authenticate(request, username="staff@rukhsa.example", password=loader.STAFF_PASSWORD)
    assert staff is not None and staff.is_superuser
    assert staff.totpdevice_set.get().key == loader.STAFF_TOTP_KEY


def test_national_scale_in_miniature(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rukhsa.demo import national
    from rukhsa.demo.national import load_national, national_id

    monkeypatch.setattr(national, "SESSIONS", 2_000)  # 300 centres as at full scale

    loader.load_demo()
    period = Period.objects.get(code=loader.OPEN_PERIOD)
    load_national(period, lambda _m: None, candidates=50)
    user_model = apps.get_model("accounts", "User")
    before = (user_model.objects.count(), Session.objects.count())
    load_national(period, lambda _m: None, candidates=50)
    assert (user_model.objects.count(), Session.objects.count()) == before
    assert Centre.objects.filter(code__startswith="NAT-").count() == 300
    assert Session.objects.filter(centre__code__startswith="NAT-").count() == 2_000
    assert luhn_valid(national_id(123_456))
    generated = user_model.objects.get(identity_key=national_id(7))
    assert generated.check_password("Rukhsa-Candidate-2026")
