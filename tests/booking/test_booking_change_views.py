"""A change starts from the current booking (services 3.5 and 3.6 as a candidate sees them):
the current city, centre and date are already chosen, the current session is marked, a missing
option is explained, and nothing moves before the old → new confirmation."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from rukhsa.booking.models import Registration, RegistrationChange
from rukhsa.catalog.models import Mode, Session
from tests.booking.booking_helpers import client_for, confirmed
from tests.catalog.factories import make_centre, make_session


@pytest.fixture
def same_day(cat):
    """Another free time on the candidate's current day, at the same centre."""
    return make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(11),
        capacity=5,
        specializations=[cat.spec],
    )


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_change_page_opens_on_the_current_day_with_the_current_session_marked(
    cat, candidate, same_day
):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = _english(client_for(candidate))
    page = client.get(reverse("booking:change", args=[registration.reference]))
    assert page.context["step"] == "session"
    assert page.context["city"].code == "riyadh"
    assert page.context["centre"] == cat.digital
    assert page.context["day"] == cat.slot.date
    html = page.content.decode()
    current = html.split('class="option-current"', 1)[1].split("</li>", 1)[0]
    assert "Your current appointment" in current and "disabled" in current
    assert f'name="session" value="{same_day.pk}" required' in html


def test_a_same_day_change_takes_three_screens_from_the_registration(cat, candidate, same_day):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:change", args=[registration.reference])
    loads = 0
    # 1: the change page, already on the current day's times.
    page = client.get(url)
    loads += 1
    assert page.context["step"] == "session"
    # 2: choosing a time shows the confirmation, old → new; nothing moves yet.
    confirm = client.get(url, {"session": same_day.pk, "date": cat.slot.date.isoformat()})
    loads += 1
    assert confirm.context["step"] == "confirm" and confirm.context["new"] == same_day
    html = confirm.content.decode()
    assert "change-old" in html and "change-new" in html
    assert Registration.objects.get(pk=registration.pk).session_id == cat.slot.pk
    # 3: confirming commits and lands on the registration.
    done = client.post(url, {"session": same_day.pk, "confirm": "yes"}, follow=True)
    loads += 1
    assert done.redirect_chain[-1][0] == reverse(
        "booking:registration", args=[registration.reference]
    )
    assert loads <= 3
    registration.refresh_from_db()
    assert registration.session_id == same_day.pk and registration.changes_count == 1
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 0
    assert Session.objects.get(pk=same_day.pk).seats_taken == 1


def test_a_post_without_the_confirmation_changes_nothing(cat, candidate, same_day):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:change", args=[registration.reference])
    response = client.post(url, {"session": same_day.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?session={same_day.pk}"
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk and registration.changes_count == 0
    assert not RegistrationChange.objects.filter(registration=registration).exists()
    assert client.get(response["Location"]).context["step"] == "confirm"


def test_a_forged_or_current_session_is_not_confirmed(cat, candidate, same_day):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:change", args=[registration.reference])
    for value in (str(cat.slot.pk), str(cat.women_slot.pk), "abc", "999999", "²", "9" * 30):
        page = client.get(url, {"session": value})
        assert page.status_code == 200 and page.context["step"] != "confirm", value
    for value in ("²", "9" * 30):
        assert client.post(url, {"session": value, "confirm": "yes"}).status_code == 409
    page = client.post(url, {"session": cat.slot.pk, "confirm": "yes"})
    assert page.status_code == 409
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk


def test_no_other_time_on_the_current_day_is_explained(cat, candidate):
    """The only other time that day (14:00) is full; the next free day is offered instead."""
    nextday = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date + timedelta(days=1),
        start=time(9),
        capacity=5,
        specializations=[cat.spec],
    )
    registration = confirmed(candidate, cat.slot, cat.spec)
    page = _english(client_for(candidate)).get(
        reverse("booking:change", args=[registration.reference])
    )
    assert page.context["step"] == "date"
    assert list(page.context["options"]) == [nextday.date]
    assert (
        "There is no other time with free seats on your current date at this centre."
        in page.content.decode()
    )


def test_no_other_session_in_the_current_city_is_explained(cat, candidate):
    jeddah = make_session(
        make_centre(mode=Mode.PAPER, city_code="jeddah", code="JED-P-M"),
        cat.period,
        day=cat.sitting.date + timedelta(days=1),
        start=time(8),
        capacity=40,
        specializations=[cat.spec],
    )
    registration = confirmed(candidate, cat.sitting, cat.spec)
    page = _english(client_for(candidate)).get(
        reverse("booking:change", args=[registration.reference])
    )
    assert page.context["step"] == "city"
    assert [c.code for c in page.context["options"]] == [jeddah.centre.city.code]
    assert "There is no other session with free seats in Riyadh." in page.content.decode()


def test_paper_opens_on_the_current_centre_and_the_links_go_back_a_step(cat, candidate):
    sitting2 = make_session(
        cat.paper,
        cat.period,
        day=cat.sitting.date + timedelta(days=7),
        start=time(8),
        capacity=40,
        specializations=[cat.spec],
    )
    registration = confirmed(candidate, cat.sitting, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:change", args=[registration.reference])
    page = client.get(url)
    assert page.context["step"] == "session" and page.context["centre"] == cat.paper
    assert sitting2 in page.context["options"]
    city_step = client.get(url, {"pick": "city"})
    assert city_step.context["step"] == "city"
    assert 'value="riyadh" required checked' in city_step.content.decode()
    centre_step = client.get(url, {"city": "riyadh"})
    assert centre_step.context["step"] == "centre"
    assert f'value="{cat.paper.code}" required checked' in centre_step.content.decode()
