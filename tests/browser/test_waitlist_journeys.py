"""The waiting list in a real browser, in Arabic, every page checked with axe-core: a candidate
joins the list of a full time, another candidate cancels, the freed seat is offered (account
page with its countdown, and the SMS/email in the outbox), the candidate pays and gets the
admission ticket."""

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status, WaitlistEntry
from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.browser.journeys import axe_shot
from tests.browser.journeys.booking import pay, see_confirmed_test
from tests.browser.journeys.demo import MADA_OK
from tests.browser.journeys.steps import log_in_form, logout_button
from tests.browser.journeys.waitlist import free_a_seat, join_waitlist, take_offer
from tests.browser.support import latest_message
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def arabic(message: str) -> str:
    with translation.override("ar"):
        return gettext(message)


def test_a_candidate_waits_for_a_full_time_gets_the_freed_seat_pays_and_has_the_ticket(
    page: Page, make_user: Callable[..., User]
) -> None:
    test = make_test(code="SPLT", fee_halalas=10000, hold_minutes=15)
    period = make_period(test, code="p-open")
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    day = clock.today() + timedelta(days=10)
    make_session(centre, period, day=day, start=time(8), capacity=10, specializations=[spec])
    full = make_session(centre, period, day=day, start=time(14), capacity=1, specializations=[spec])
    holder = make_user()
    held = services.registration_hold(
        candidate=holder, session_id=full.pk, specialization_id=spec.pk
    )
    Registration.objects.filter(pk=held.pk).update(status=Status.CONFIRMED)

    user = make_user()
    log_in_form(page, user.identity_number, PASSWORD)
    expect(logout_button(page)).to_be_visible()
    join_waitlist(
        page,
        axe_shot,
        period_code=period.code,
        spec=spec.code,
        city="riyadh",
        centre=centre.code,
        date=day.isoformat(),
        full_session=str(full.pk),
        language="ar",
    )
    place = arabic("Your place in line: %(place)s") % {"place": 1}
    expect(page.locator("#main .badge").first).to_have_text(place)
    assert WaitlistEntry.objects.get(candidate=user).state == "waiting"

    free_a_seat(full)  # the other candidate cancels: the seat is held for the list at once

    reference = take_offer(page, axe_shot, language="ar")
    offered = Registration.objects.get(reference=reference)
    assert (offered.candidate_id, offered.session_id, offered.status) == (user.pk, full.pk, "held")
    message = latest_message(page.context, user.email)
    assert reference in message and arabic("A seat is offered to you") in message
    sms = latest_message(page.context, user.mobile)
    assert reference in sms and f"/registrations/{reference}/" in sms

    pay(page, axe_shot, number=MADA_OK, language="ar")
    assert Registration.objects.get(reference=reference).status == Status.CONFIRMED
    see_confirmed_test(page, axe_shot, reference=reference, language="ar")
    entry = WaitlistEntry.objects.get(candidate=user)
    assert (entry.state, entry.end_reason) == ("ended", "seated")
