"""The waiting-list pages as a candidate uses them (Arabic by default), and who may reach them."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.booking import services, waitlist
from rukhsa.booking.models import WaitlistEntry
from rukhsa.core import clock
from tests.booking.booking_helpers import client_for

pytestmark = pytest.mark.django_db


def join_url(cat) -> str:
    return reverse("booking:waitlist_join", args=[cat.period.code])


def test_a_full_slot_links_to_the_waiting_list(cat, candidate_client):
    candidate_client.post(reverse("booking:notes", args=[cat.period.code]), {"accept": "yes"})
    html = candidate_client.get(
        reverse("booking:choose", args=[cat.period.code]),
        {
            "mode": "digital",
            "spec": "math",
            "city": "riyadh",
            "centre": "RUH-D-M",
            "date": cat.slot.date.isoformat(),
        },
    ).content.decode()
    assert f"{join_url(cat)}?spec=math&amp;session={cat.slot_late.pk}" in html
    assert "انضم إلى قائمة الانتظار" in html


def test_join_a_full_session_then_see_the_place(cat, candidate, candidate_client):
    page = candidate_client.get(join_url(cat), {"spec": "math", "session": cat.slot_late.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "رغبتك: هذه الجلسة" in html and "60 دقيقة" in html
    response = candidate_client.post(join_url(cat), {"spec": "math", "session": cat.slot_late.pk})
    assert response["Location"] == reverse("booking:waitlist")
    html = candidate_client.get(reverse("booking:waitlist")).content.decode()
    assert "مكانك في الدور: 1" in html
    assert WaitlistEntry.objects.get(candidate=candidate).session_id == cat.slot_late.pk
    # the registrations page and the dashboard show the place too
    for url in (reverse("booking:registrations"), reverse("dashboard")):
        assert "مكانك في الدور: 1" in candidate_client.get(url).content.decode()


def test_joining_twice_is_refused_with_a_sentence(cat, candidate_client):
    data = {"spec": "math", "session": cat.slot_late.pk}
    candidate_client.post(join_url(cat), data)
    response = candidate_client.post(join_url(cat), data)
    assert response.status_code == 409
    assert "أنت مسجَّل في قائمة الانتظار لهذا الاختبار من قبل" in response.content.decode()


def test_city_wish_bad_dates_are_told_next_to_the_field(cat, candidate_client):
    city = cat.digital.city
    response = candidate_client.post(
        join_url(cat), {"spec": "math", "city": city.pk, "date_from": "tomorrow"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "أدخل تاريخًا بالصيغة 2026-12-31." in html and 'id="id_date_from_error"' in html
    response = candidate_client.post(
        join_url(cat),
        {
            "spec": "math",
            "city": city.pk,
            "date_from": cat.sitting.date.isoformat(),
            "date_to": cat.slot.date.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "يجب ألا يسبق التاريخ الأخير التاريخ الأول." in response.content.decode()
    response = candidate_client.post(join_url(cat), {"spec": "math", "city": "not-a-city"})
    assert response.status_code == 400
    assert "يُرجى اختيار مدينة من القائمة." in response.content.decode()


def test_city_wish_joins(cat, candidate, candidate_client):
    response = candidate_client.post(
        join_url(cat), {"spec": "math", "city": cat.digital.city_id, "mode": "digital"}
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(candidate=candidate)
    assert (entry.session_id, entry.city_id, entry.mode) == (None, cat.digital.city_id, "digital")


def test_unknown_specialization_goes_back_to_the_choice(cat, candidate_client):
    response = candidate_client.get(join_url(cat), {"spec": "nope"})
    assert response["Location"] == reverse("booking:choose", args=[cat.period.code])


def test_unknown_period_is_404(candidate_client):
    assert candidate_client.get(reverse("booking:waitlist_join", args=["nope"])).status_code == 404


def test_leaving_is_one_click_and_only_for_the_owner(cat, candidate, stranger):
    entry = waitlist.waitlist_join(
        candidate=candidate,
        period=cat.period,
        specialization_id=cat.spec.pk,
        session_id=cat.slot_late.pk,
    )
    url = reverse("booking:waitlist_leave", args=[entry.pk])
    assert client_for(stranger).post(url).status_code == 404
    assert client_for(candidate).get(url).status_code == 405
    response = client_for(candidate).post(url)
    assert response["Location"] == reverse("booking:waitlist")
    entry.refresh_from_db()
    assert entry.state == "ended"


def test_anonymous_visitors_are_sent_to_log_in(cat):
    client = Client()
    for url in (
        join_url(cat),
        reverse("booking:waitlist"),
        reverse("booking:waitlist_leave", args=[1]),
    ):
        response = client.post(url) if url.endswith("/leave/") else client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_live_offer_shows_with_its_countdown_on_dashboard_and_registrations(
    cat, candidate, make_user
):
    holder = make_user()
    session = cat.slot_late
    session.seats_taken = 0
    session.save()
    services.registration_hold(
        candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
    )
    waitlist.waitlist_join(
        candidate=candidate, period=cat.period, specialization_id=cat.spec.pk, session_id=session.pk
    )
    with time_machine.travel(clock.now() + timedelta(minutes=16), tick=False):
        services.holds_expire()
        client = client_for(candidate)
        for url in (
            reverse("dashboard"),
            reverse("booking:registrations"),
            reverse("booking:waitlist"),
        ):
            html = client.get(url).content.decode()
            assert "عُرض عليك مقعد" in html, url
            assert 'class="countdown" data-deadline=' in html, url
            assert "60:00" in html, url
            assert "سدِّد ثمن المقعد المعروض" in html, url


# --- Any input: a sentence, never a server error -----------------------------------------------

FIELDS = ("spec", "session", "city", "mode", "date_from", "date_to")


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_join_page_never_errs_on_any_input(cat, candidate, method):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.accounts.test_fuzz import nasty

    client = client_for(candidate)
    base = {"spec": "math", "city": str(cat.digital.city_id)}

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        field=st.sampled_from(FIELDS),
        value=st.one_of(nasty, st.sampled_from(["²", "٣", "99999999999"])),
    )
    def run(field: str, value: str) -> None:
        data = {**base, field: value}
        response = getattr(client, method)(join_url(cat), data)
        assert response.status_code in (200, 302, 400, 409), (field, value)
        WaitlistEntry.objects.filter(candidate=candidate).delete()

    run()
