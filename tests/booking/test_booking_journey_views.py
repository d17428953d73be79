"""The registration journey as a candidate clicks through it, without JavaScript."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from rukhsa.booking.models import Registration, Status
from rukhsa.booking.views import TERMS_KEY


def start(client, cat):
    return client.post(reverse("booking:notes", args=[cat.period.code]), {"accept": "yes"})


def choose(client, cat, **params):
    return client.get(reverse("booking:choose", args=[cat.period.code]), params)


def test_available_tests_list_the_open_period(cat, candidate_client):
    html = candidate_client.get(reverse("booking:start")).content.decode()
    assert reverse("booking:notes", args=[cat.period.code]) in html


def test_terms_must_be_accepted_first(cat, candidate_client):
    response = choose(candidate_client, cat)
    assert response["Location"] == reverse("booking:notes", args=[cat.period.code])
    response = candidate_client.post(reverse("booking:notes", args=[cat.period.code]), {})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert start(candidate_client, cat)["Location"] == reverse(
        "booking:choose", args=[cat.period.code]
    )
    assert cat.period.code in candidate_client.session[TERMS_KEY]


def test_steps_in_order_digital(cat, candidate_client):
    start(candidate_client, cat)
    assert choose(candidate_client, cat).context["step"] == "mode"
    assert choose(candidate_client, cat, mode="digital").context["step"] == "specialization"
    response = choose(candidate_client, cat, mode="digital", spec="math")
    assert response.context["step"] == "city"
    response = choose(candidate_client, cat, mode="digital", spec="math", city="riyadh")
    assert response.context["step"] == "centre"
    assert [c.code for c in response.context["options"]] == ["RUH-D-M"]  # not the women's
    response = choose(
        candidate_client, cat, mode="digital", spec="math", city="riyadh", centre="RUH-D-M"
    )
    assert response.context["step"] == "date"
    response = choose(
        candidate_client,
        cat,
        mode="digital",
        spec="math",
        city="riyadh",
        centre="RUH-D-M",
        date=cat.slot.date.isoformat(),
    )
    assert response.context["step"] == "slot"
    html = response.content.decode()
    slots = {s.pk: s.full for s in response.context["options"]}
    assert slots == {cat.slot.pk: False, cat.slot_late.pk: True}
    assert f'value="{cat.slot_late.pk}" disabled' in html  # full is shown, not selectable


def test_paper_goes_from_centre_to_sittings(cat, candidate_client):
    start(candidate_client, cat)
    response = choose(
        candidate_client, cat, mode="paper", spec="physics", city="riyadh", centre="RUH-P-M"
    )
    assert response.context["step"] == "sitting"
    assert [s.pk for s in response.context["options"]] == [cat.sitting.pk]


def test_bad_values_send_back_to_the_step_with_a_sentence(cat, candidate_client):
    start(candidate_client, cat)
    for params in (
        {"mode": "telepathy"},
        {"mode": "digital", "spec": "nope"},
        {"mode": "digital", "spec": "math", "city": "atlantis"},
        {"mode": "digital", "spec": "math", "city": "riyadh", "centre": "RUH-D-F"},
        {
            "mode": "digital",
            "spec": "math",
            "city": "riyadh",
            "centre": "RUH-D-M",
            "date": "2026-02-30",
        },
    ):
        response = choose(candidate_client, cat, **params)
        assert response.status_code == 200
        assert response.context["choice"].problems, params


def test_review_then_confirm_holds_the_seat(cat, candidate_client, candidate):
    start(candidate_client, cat)
    url = reverse("booking:review", args=[cat.period.code])
    response = candidate_client.get(url, {"session": cat.slot.pk, "spec": "math"})
    html = response.content.decode()
    assert "115.00" in html and "15.00" in html
    response = candidate_client.post(url, {"session": cat.slot.pk, "spec": "math"})
    registration = Registration.objects.get(candidate=candidate)
    assert response["Location"] == reverse("booking:registration", args=[registration.reference])
    page = candidate_client.get(response["Location"]).content.decode()
    assert "data-deadline" in page and reverse("booking:pay", args=[registration.reference]) in page


def test_confirming_a_full_session_says_so(cat, candidate_client):
    start(candidate_client, cat)
    response = candidate_client.post(
        reverse("booking:review", args=[cat.period.code]),
        {"session": cat.slot_late.pk, "spec": "math"},
    )
    assert response.status_code == 409
    assert "مكتمل" in response.content.decode()


def test_review_with_a_forged_session_goes_back(cat, candidate_client):
    start(candidate_client, cat)
    for session in ("abc", "999999", "²", "١٢", cat.women_slot.pk):
        response = candidate_client.post(
            reverse("booking:review", args=[cat.period.code]), {"session": session, "spec": "math"}
        )
        assert response.status_code in (302, 409)
    assert not Registration.objects.exists()


def test_another_candidate_cannot_see_or_act_on_my_registration(
    cat, candidate_client, candidate, stranger
):
    start(candidate_client, cat)
    candidate_client.post(
        reverse("booking:review", args=[cat.period.code]), {"session": cat.slot.pk, "spec": "math"}
    )
    registration = Registration.objects.get(candidate=candidate)
    other = Client()
    other.force_login(stranger)
    ref = registration.reference
    assert other.get(reverse("booking:registration", args=[ref])).status_code == 404
    assert other.post(reverse("booking:pay", args=[ref])).status_code == 404
    assert other.post(reverse("booking:release", args=[ref])).status_code == 404
    assert ref not in other.get(reverse("booking:registrations")).content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.HELD


def test_journey_pages_need_login(cat, client):
    for url in (
        reverse("booking:start"),
        reverse("booking:choose", args=[cat.period.code]),
        reverse("booking:registrations"),
    ):
        assert client.get(url).status_code == 302


def test_step_query_count_does_not_grow(cat, candidate_client, django_assert_max_num_queries):
    start(candidate_client, cat)
    with django_assert_max_num_queries(14):
        choose(
            candidate_client,
            cat,
            mode="digital",
            spec="math",
            city="riyadh",
            centre="RUH-D-M",
            date=cat.slot.date.isoformat(),
        )


def test_dashboard_points_to_the_held_seat(cat, candidate_client, candidate):
    from rukhsa.booking import services

    registration = services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    html = candidate_client.get(reverse("dashboard")).content.decode()
    assert reverse("booking:registration", args=[registration.reference]) in html
    assert reverse("booking:start") in html


def test_a_lapsed_hold_shows_its_seat_free_without_writing(cat, candidate_client, make_user):
    """The slot page counts the seat of a hold whose time ran out as free, and writes nothing
    while rendering: the hold is given back by the periodic job or the next hold."""
    from datetime import time

    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rukhsa.booking import services
    from rukhsa.catalog.models import Session
    from rukhsa.core import clock
    from tests.catalog.factories import make_session

    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    # Another day with seats keeps the centre on offer while this day is full.
    make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date + timedelta(days=1),
        start=time(11),
        capacity=5,
        specializations=[cat.spec],
    )
    other = services.registration_hold(
        candidate=make_user(), session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    params = {
        "mode": "digital",
        "spec": "math",
        "city": "riyadh",
        "centre": "RUH-D-M",
        "date": cat.slot.date.isoformat(),
    }
    start(candidate_client, cat)
    response = choose(candidate_client, cat, **params)
    assert response.context["step"] == "date"  # held: the date has no free seat
    assert cat.slot.date not in response.context["options"]

    with time_machine.travel(clock.now() + timedelta(minutes=16), tick=False):
        with CaptureQueriesContext(connection) as queries:
            response = choose(candidate_client, cat, **params)
        assert response.context["step"] == "slot"
        slot = {s.pk: s for s in response.context["options"]}[cat.slot.pk]
        assert slot.is_full is False and slot.seats_free == 1
        assert f'value="{cat.slot.pk}" required' in response.content.decode()
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
            and "django_session" not in q["sql"]
        ]
        assert writes == []
        assert Registration.objects.get(pk=other.pk).status == Status.HELD
        assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1
