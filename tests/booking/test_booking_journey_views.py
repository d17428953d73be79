"""The registration journey as a candidate clicks through it, without JavaScript."""

from datetime import time, timedelta

from django.test import Client
from django.urls import reverse

from rukhsa.booking.models import Registration, Status, TermsAcceptance
from rukhsa.booking.terms import terms_version
from tests.catalog.factories import make_centre, make_session


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
    assert TermsAcceptance.objects.filter(period=cat.period).count() == 1


def test_steps_with_one_answer_are_taken_and_shown_chosen(cat, candidate_client):
    """Digital math for men: one specialization, one city, one centre — straight to the date."""
    start(candidate_client, cat)
    assert choose(candidate_client, cat).context["step"] == "mode"
    response = choose(candidate_client, cat, mode="digital")
    assert response.context["step"] == "date"
    choice = response.context["choice"]
    assert (choice.specialization, choice.city.code, choice.centre) == (
        cat.spec,
        "riyadh",
        cat.digital,
    )
    assert choice.single == {"spec", "city", "centre"}
    html = response.content.decode()
    for name, value in (("spec", "math"), ("city", "riyadh"), ("centre", "RUH-D-M")):
        assert f'data-chosen="{name}" data-value="{value}"' in html
    assert html.count("الوحيد المتاح") == 3  # "the only one with seats", no "change" link
    assert "pick=spec" not in html and "pick=mode" in html  # the kind of test can change


def test_steps_in_order_when_each_has_a_choice(cat, candidate_client):
    """Two specializations, two cities, two centres: each is a step of its own."""
    jeddah = make_centre(mode="digital", gender="male", code="JED-D-M", city_code="jeddah")
    second = make_centre(mode="digital", gender="male", code="RUH-D-M2")
    day = cat.slot.date
    make_session(jeddah, cat.period, day=day, capacity=5, specializations=[cat.spec])
    make_session(second, cat.period, day=day, capacity=5, specializations=[cat.spec])
    make_session(
        second, cat.period, day=day, start=time(11), capacity=5, specializations=[cat.other_spec]
    )
    start(candidate_client, cat)
    assert choose(candidate_client, cat, mode="digital").context["step"] == "specialization"
    response = choose(candidate_client, cat, mode="digital", spec="math")
    assert response.context["step"] == "city"
    assert [c.code for c in response.context["options"]] == ["riyadh", "jeddah"]
    response = choose(candidate_client, cat, mode="digital", spec="math", city="riyadh")
    assert response.context["step"] == "centre"
    assert [c.code for c in response.context["options"]] == ["RUH-D-M", "RUH-D-M2"]
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
    slots = {s.pk: s.is_full for s in response.context["options"]}
    assert slots == {cat.slot.pk: False, cat.slot_late.pk: True}
    assert f'value="{cat.slot_late.pk}" disabled' in html  # full is shown, not selectable
    assert 'class="month"' in html  # the calendar stays above the times
    assert 'aria-current="date"' in html


def test_the_city_of_residence_is_preselected_and_can_be_changed(cat, candidate_client, candidate):
    jeddah = make_centre(mode="digital", gender="male", code="JED-D-M", city_code="jeddah")
    make_session(jeddah, cat.period, day=cat.slot.date, capacity=5, specializations=[cat.spec])
    candidate.city = "jeddah"
    candidate.save(update_fields=["city"])
    start(candidate_client, cat)
    response = choose(candidate_client, cat, mode="digital")
    choice = response.context["choice"]
    assert choice.city.code == "jeddah" and choice.home_city
    assert response.context["step"] == "date"  # Jeddah's one centre is taken too
    html = response.content.decode()
    assert "مدينة إقامتك" in html  # "your city of residence"
    # "change" asks for the city again, without choosing it for the candidate.
    response = choose(candidate_client, cat, mode="digital", spec="math", pick="city")
    assert response.context["step"] == "city"
    # A city of residence without seats is not chosen.
    candidate.city = "dammam"
    candidate.save(update_fields=["city"])
    assert choose(candidate_client, cat, mode="digital").context["step"] == "city"


def test_terms_are_accepted_once_and_asked_again_when_they_change(cat, candidate, client):
    client.force_login(candidate)
    start(client, cat)
    client.logout()  # the acceptance is kept on the candidate, not in the session
    client.force_login(candidate)
    choose_url = reverse("booking:choose", args=[cat.period.code])
    assert client.get(choose_url, {"mode": "digital"}).status_code == 200
    html = client.get(reverse("booking:start")).content.decode()
    assert f'href="{choose_url}"' in html  # the available tests lead straight to the choices
    notes = client.get(reverse("booking:notes", args=[cat.period.code])).content.decode()
    assert 'name="accept"' not in notes  # still readable, says they were accepted
    # The period's terms change (another fee): the notes are asked again.
    cat.test.fee_halalas += 1000
    cat.test.save(update_fields=["fee_halalas"])
    response = client.get(choose_url, {"mode": "digital"})
    assert response["Location"] == reverse("booking:notes", args=[cat.period.code])
    html = client.get(reverse("booking:start")).content.decode()
    assert f'href="{choose_url}"' not in html
    assert start(client, cat)["Location"] == choose_url
    assert TermsAcceptance.objects.get(candidate=candidate).terms_version == terms_version(
        cat.period
    )


def test_accepting_the_terms_is_one_statement(cat, candidate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rukhsa.booking.terms import terms_accept

    for _ in range(2):  # the first acceptance, then again (the row is updated, not doubled)
        with CaptureQueriesContext(connection) as queries:
            terms_accept(candidate=candidate, period=cat.period)
        assert len(queries) == 1
    assert TermsAcceptance.objects.filter(candidate=candidate).count() == 1


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
    # Confirming goes straight on to the payment page ...
    assert "/payments/sandbox-gateway/" in response["Location"]
    # ... and the registration page keeps the held seat and “Pay now” for later.
    page = candidate_client.get(
        reverse("booking:registration", args=[registration.reference])
    ).content.decode()
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
    assert response.context["choice"].options["date"][cat.slot.date].level == "none"

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


# --- The month calendar of computer-based dates ------------------------------------------------


DIGITAL = {"mode": "digital", "spec": "math", "city": "riyadh", "centre": "RUH-D-M"}


def test_the_calendar_shows_seats_left_in_words_and_full_days_not_choosable(cat, candidate_client):
    from rukhsa.booking.selectors import FEW_SEATS

    full_day = cat.slot.date + timedelta(days=1)
    few_day = cat.slot.date + timedelta(days=2)
    make_session(cat.digital, cat.period, day=full_day, capacity=3, seats_taken=3,
                 specializations=[cat.spec])  # fmt: skip
    make_session(cat.digital, cat.period, day=few_day, capacity=40, seats_taken=40 - FEW_SEATS,
                 specializations=[cat.spec])  # fmt: skip
    start(candidate_client, cat)
    response = choose(candidate_client, cat, **DIGITAL)
    assert response.context["step"] == "date"
    html = response.content.decode()
    calendar = response.context["calendar"]
    assert "<caption>" in html and html.count('<th scope="col">') == 7
    # Sunday first, in Arabic; Gregorian month with its Hijri months beside.
    assert calendar.weekdays[0][1] == "الأحد" and "هـ" in calendar.caption
    assert all(week[0].day.weekday() == 6 for week in calendar.weeks)
    cells = {c.day: c for week in calendar.weeks for c in week if c.in_month}
    many, full, few = cells[cat.slot.date], cells[full_day], cells[few_day]
    assert (many.words, few.words, full.words) == ("مقاعد كثيرة", "مقاعد قليلة", "مكتمل")
    assert many.url and few.url and not full.url  # a full day is shown, not choosable
    assert f'data-date="{full_day.isoformat()}"><span' in html  # no link in its cell
    assert f"date={full_day.isoformat()}" not in html
    # A day's times appear below the calendar, the day marked as chosen.
    response = choose(candidate_client, cat, **DIGITAL, date=few_day.isoformat())
    assert response.context["step"] == "slot"
    assert response.context["calendar"] is not None
    assert 'aria-current="date"' in response.content.decode()


def test_months_are_navigable_when_the_period_spans_them(cat, candidate_client):
    later = (cat.slot.date.replace(day=1) + timedelta(days=40)).replace(day=3)
    make_session(cat.digital, cat.period, day=later, capacity=10, specializations=[cat.spec])
    start(candidate_client, cat)
    first = choose(candidate_client, cat, **DIGITAL).context["calendar"]
    assert first.first == cat.slot.date.replace(day=1)
    assert f"month={later:%Y-%m}" in first.next_url and not first.previous_url
    response = choose(candidate_client, cat, **DIGITAL, month=f"{later:%Y-%m}")
    second = response.context["calendar"]
    assert second.first == later.replace(day=1) and second.previous_url and not second.next_url
    assert not response.context["choice"].problems


def test_bad_dates_and_months_get_a_sentence_never_an_error(cat, candidate_client):
    full_day = cat.slot.date + timedelta(days=1)
    make_session(cat.digital, cat.period, day=full_day, capacity=1, seats_taken=1,
                 specializations=[cat.spec])  # fmt: skip
    start(candidate_client, cat)
    for extra in (
        {"date": "2026-02-30"},
        {"date": "yesterday"},
        {"date": "٢٠٢٦-١٢-١٢"},
        {"date": (cat.slot.date + timedelta(days=3)).isoformat()},  # no test that day
        {"date": full_day.isoformat()},  # full
        {"month": "2026-13"},
        {"month": "nope"},
        {"month": "2099-01"},  # no test days then
        {"month": "-1-1"},
    ):
        response = choose(candidate_client, cat, **DIGITAL, **extra)
        assert response.status_code == 200, extra
        assert response.context["step"] == "date", extra
        [problem] = response.context["choice"].problems
        assert problem and 'class="month"' in response.content.decode(), extra


def test_htmx_gets_the_same_step_in_the_journey_region(cat, candidate_client):
    """With JavaScript, htmx asks for the next step and swaps #journey; without it, the same
    URL answers the whole page. Either way the same choices and the same HTML."""
    start(candidate_client, cat)
    plain = choose(candidate_client, cat, **DIGITAL, date=cat.slot.date.isoformat())
    swapped = candidate_client.get(
        reverse("booking:choose", args=[cat.period.code]),
        {**DIGITAL, "date": cat.slot.date.isoformat()},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert swapped.status_code == 200 and swapped.context["step"] == plain.context["step"]
    html = swapped.content.decode()
    # Only the journey's own links and form are boosted (the readiness and waiting-list links
    # open their pages as usual).
    assert 'id="journey" hx-target="#journey"' in html
    assert html.count('hx-boost="true"') == 3  # the choices' summary, the calendar, the form
    assert "django_htmx/htmx-2.min.js" in html
    # The review is answered the same way, its hold form a plain POST (no hx-boost).
    review = candidate_client.get(
        reverse("booking:review", args=[cat.period.code]),
        {"session": cat.slot.pk, "spec": "math"},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    ).content.decode()
    assert '<div id="journey" class="card">' in review and 'method="post"' in review


def test_a_journey_swap_gets_exactly_the_journey_region_of_the_full_page(cat, candidate_client):
    """htmx swapping #journey (HX-Target: journey) gets only that region, skipping the page
    chrome, and it is the very markup of the full page's #journey, for every kind of step."""
    start(candidate_client, cat)
    url = reverse("booking:choose", args=[cat.period.code])
    swap = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "journey"}
    for params in (
        {},
        DIGITAL,
        {**DIGITAL, "date": cat.slot.date.isoformat()},
        {**DIGITAL, "pick": "city"},
        {**DIGITAL, "date": "2001-02-30"},
    ):
        full = choose(candidate_client, cat, **params)
        region = candidate_client.get(url, params, headers=swap)
        assert region.status_code == full.status_code == 200, params
        assert region.context["step"] == full.context["step"], params
        html, page = region.content.decode(), full.content.decode()
        assert html.startswith('<div id="journey" hx-target="#journey"'), params
        assert html.endswith("</div>") and html.count("<div") == html.count("</div>"), params
        assert page.index(html) == page.index('<div id="journey"'), params
        assert "<html" not in html and "site-header" not in html, params
        assert "HX-Target" in region["Vary"] and "HX-Request" in full["Vary"]
    # A history restore (htmx reloading the whole page) gets the whole page.
    restore = candidate_client.get(url, headers={**swap, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_a_journey_swap_with_flash_messages_waiting_gets_the_full_page(cat, rf, candidate):
    """The region has no place for flash messages: while some wait, the full page shows them."""
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore
    from django_htmx.middleware import HtmxDetails

    from rukhsa.booking.views import _journey_swap

    request = rf.get("/", headers={"HX-Request": "true", "HX-Target": "journey"})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)
    assert _journey_swap(request)
    messages.info(request, "Saved.")
    assert not _journey_swap(request)
    request.htmx = HtmxDetails(rf.get("/", headers={"HX-Request": "true", "HX-Target": "main"}))
    assert not _journey_swap(rf.get("/")) and not _journey_swap(request)


def test_accepted_periods_are_the_candidates_own_current_ones(cat, candidate, stranger):
    from rukhsa.booking import terms
    from tests.catalog.factories import make_period

    other = make_period(cat.test, code="p-later")
    assert terms._ACCEPTANCES.compiled()
    assert terms.accepted_periods(candidate=candidate, periods=[cat.period, other]) == set()
    terms.terms_accept(candidate=candidate, period=cat.period)
    terms.terms_accept(candidate=stranger, period=other)
    periods = [cat.period, other]
    assert terms.accepted_periods(candidate=candidate, periods=periods) == {cat.period.pk}
    assert terms.accepted_periods(candidate=stranger, periods=periods) == {other.pk}
    assert terms.accepted_periods(candidate=candidate, periods=[other]) == set()
    assert terms.accepted_periods(candidate=candidate, periods=[]) == set()
    TermsAcceptance.objects.filter(candidate=candidate).update(terms_version="older notes")
    assert terms.accepted_periods(candidate=candidate, periods=periods) == set()
