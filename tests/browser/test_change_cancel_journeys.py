"""Changing and cancelling a confirmed appointment in a real browser (PRODUCT §5), in Arabic (the
default), every page checked with axe-core.

registration → change (city → centre → date → time, or → sitting for paper) → back to the
registration with the new appointment and the history of changes; registration → cancel
(refund shown) → cancelled, payment refunded; past the deadline no change or cancel is offered.

The registrations are confirmed without a browser (tests/booking/booking_helpers.py: the real
services and the sandbox gateway). Elements are found by name, value and href; visible Arabic
text is compared only with what the message catalogue itself gives (gettext under "ar").

With RUKHSA_SHOTS=/some/dir set, the journeys also leave phone-width screenshots there.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.defaultfilters import time as time_filter
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import changes
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Centre, Gender, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.core.templatetags.rukhsa import dual_date_weekday
from rukhsa.payments.models import Payment
from tests.booking.booking_helpers import confirmed
from tests.browser.support import assert_accessible
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTRATION_PATH = re.compile(r"^https?://[^/]+/registrations/([A-Za-z0-9-]+)/$")
HISTORY = "section[aria-labelledby=history-h]"


def arabic(message: str, **values: Any) -> str:
    """The Arabic the server shows for `message` (from the same compiled catalogue)."""
    with translation.override("ar"):
        text = gettext(message)
        return text % values if values else text


def shown_time(value: time) -> str:
    with translation.override("ar"):
        return time_filter(value, "TIME_FORMAT")


def shown_date(session: Session) -> str:
    with translation.override("ar"):
        return dual_date_weekday(session.date)


def shot(page: Page, name: str) -> None:
    """A full-page screenshot into $RUKHSA_SHOTS, when it is set (for the docs)."""
    folder = os.environ.get("RUKHSA_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


# --- The catalogue --------------------------------------------------------------------------


@dataclass
class Catalogue:
    period: Period
    spec: Specialization
    digital: Centre  # men, Riyadh
    digital_north: Centre  # men, Riyadh
    paper: Centre  # men, Riyadh
    paper_east: Centre  # men, Riyadh
    slot: Session  # digital, day 10, 08:00 (the booked one)
    slot_late: Session  # digital, day 10, 11:00 (the one changed to)
    slot_full: Session  # digital, day 10, 14:00, full
    slot_next_day: Session  # digital, day 11, 09:00
    sitting: Session  # paper, day 15 (the booked one)
    sitting_east: Session  # paper, another centre, day 16


@pytest.fixture
def cat(db: object) -> Catalogue:
    """One period, both modes; two digital and two paper men's centres in Riyadh and a digital
    one in Jeddah; sessions 10+ days ahead, so every deadline is far away."""
    test = make_test(code="SPLT", fee_halalas=10000, hold_minutes=15)  # 100 + 15% VAT = 115.00
    period = make_period(test, code="p-open")
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    digital = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    digital_north = make_centre(
        mode=Mode.DIGITAL,
        gender=Gender.MALE,
        code="RUH-D-N",
        name_ar="مركز شمال الرياض",
        name_en="North Riyadh centre",
    )
    paper = make_centre(mode=Mode.PAPER, gender=Gender.MALE, code="RUH-P-M")
    paper_east = make_centre(
        mode=Mode.PAPER,
        gender=Gender.MALE,
        code="RUH-P-E",
        name_ar="مركز شرق الرياض",
        name_en="East Riyadh centre",
    )
    jeddah = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="JED-D-M", city_code="jeddah")
    day = clock.today() + timedelta(days=10)

    def session(centre: Centre, days: int, hour: int, **fields: Any) -> Session:
        return make_session(
            centre,
            period,
            day=day + timedelta(days=days),
            start=time(hour),
            specializations=[spec],
            **fields,
        )

    session(jeddah, 0, 9, capacity=10)
    session(digital_north, 1, 10, capacity=10)
    return Catalogue(
        period=period,
        spec=spec,
        digital=digital,
        digital_north=digital_north,
        paper=paper,
        paper_east=paper_east,
        slot=session(digital, 0, 8, capacity=10),
        slot_late=session(digital, 0, 11, capacity=10),
        slot_full=session(digital, 0, 14, capacity=1, seats_taken=1),
        slot_next_day=session(digital, 1, 9, capacity=10),
        sitting=session(paper, 5, 8, capacity=40),
        sitting_east=session(paper_east, 6, 8, capacity=40),
    )


# --- Small steps a person takes ------------------------------------------------------------


@pytest.fixture
def log_in(base_url: str) -> Callable[[Page, User], None]:
    """Sign `user` in on `page` with the session cookie of a server-side login (the login form
    itself is covered by test_accounts_journeys.py)."""

    def sign_in(page: Page, user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])

    return sign_in


def open_registration(page: Page, reference: str) -> None:
    page.goto(f"/registrations/{reference}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert_accessible(page)


def follow(page: Page, href: str) -> None:
    with page.expect_navigation():
        page.locator(f"#main a[href='{href}']").click()
    assert_accessible(page)


def radio_values(page: Page, name: str) -> list[str]:
    return [r.get_attribute("value") or "" for r in page.locator(f"input[name={name}]").all()]


def choose(page: Page, name: str, value: str, *, shot_as: str = "") -> None:
    """One change step: the radio `name=value`, then the step form's submit button; the page
    that answers is checked with axe-core."""
    if shot_as:
        shot(page, shot_as)
    page.check(f"input[type=radio][name={name}][value='{value}']")
    with page.expect_navigation():
        page.locator("#main form button[type=submit]").click()
    assert_accessible(page)


def expect_back_on_registration(page: Page, reference: str) -> None:
    expect(page).to_have_url(re.compile(rf"/registrations/{re.escape(reference)}/$"))


def seats(session: Session) -> int:
    return Session.objects.get(pk=session.pk).seats_taken


# --- Journeys --------------------------------------------------------------------------------


def test_digital_change_city_centre_date_time_then_the_new_slot_and_the_history(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user()
    reference = confirmed(user, cat.slot, cat.spec).reference
    log_in(page, user)
    open_registration(page, reference)
    expect(page.locator(HISTORY)).to_have_count(0)
    deadline = page.locator("#main p.muted")
    expect(deadline).to_contain_text(re.compile(r"\d"))  # "you can change or cancel until …"

    follow(page, f"/registrations/{reference}/change/")
    expect(page.locator("h1")).to_have_text(arabic("Change your computer-based test appointment"))
    assert sorted(radio_values(page, "city")) == ["jeddah", "riyadh"]
    choose(page, "city", "riyadh", shot_as="change-1-city")

    assert sorted(radio_values(page, "centre")) == sorted(
        [cat.digital.code, cat.digital_north.code]
    )
    assert cat.paper.code not in radio_values(page, "centre")  # the same mode only
    choose(page, "centre", cat.digital.code, shot_as="change-2-centre")

    assert radio_values(page, "date") == [
        cat.slot.date.isoformat(),
        cat.slot_next_day.date.isoformat(),
    ]
    choose(page, "date", cat.slot.date.isoformat(), shot_as="change-3-date")

    # The time step: the current slot is not offered; the full one is shown but cannot be chosen.
    assert radio_values(page, "session") == [str(cat.slot_late.pk), str(cat.slot_full.pk)]
    expect(page.locator(f"input[name=session][value='{cat.slot_full.pk}']")).to_be_disabled()
    expect(page.locator("#main legend h2")).to_have_text(arabic("Choose the new session"))
    expect(page.locator("#main form[method=post] button[type=submit]")).to_have_text(
        arabic("Change the appointment")
    )
    choose(page, "session", str(cat.slot_late.pk), shot_as="change-4-time")

    expect_back_on_registration(page, reference)
    expect(page.locator(".flash-success")).to_have_text(
        arabic("Your appointment was changed. Your new admission ticket replaces the old one.")
    )
    details = page.locator("#main dl.data")
    expect(details).to_contain_text(shown_time(cat.slot_late.start_time))
    expect(details).not_to_contain_text(shown_time(cat.slot.start_time))
    history = page.locator(HISTORY)
    expect(history.locator("h2")).to_have_text(arabic("History of changes"))
    expect(history.locator("li")).to_have_count(1)
    expect(history.locator("li")).to_contain_text(shown_time(cat.slot.start_time))
    expect(history.locator("li")).to_contain_text(shown_time(cat.slot_late.start_time))
    # One change of the two allowed is left: the change button is still offered.
    expect(page.locator(f"#main a[href='/registrations/{reference}/change/']")).to_have_count(1)
    shot(page, "change-5-done")

    registration = Registration.objects.get(reference=reference)
    assert registration.session_id == cat.slot_late.pk
    assert registration.changes_count == 1 and registration.ticket_version == 2
    assert (seats(cat.slot), seats(cat.slot_late)) == (0, 1)


def test_paper_change_to_another_centre_through_its_sittings(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user(identity_type="resident")
    reference = confirmed(user, cat.sitting, cat.spec).reference
    log_in(page, user)
    open_registration(page, reference)

    follow(page, f"/registrations/{reference}/change/")
    expect(page.locator("h1")).to_have_text(arabic("Change your paper test appointment"))
    assert radio_values(page, "city") == ["riyadh"]  # Jeddah has no paper centre
    choose(page, "city", "riyadh")
    centres = radio_values(page, "centre")
    assert cat.paper_east.code in centres
    assert cat.digital.code not in centres and cat.digital_north.code not in centres
    choose(page, "centre", cat.paper_east.code)

    # Paper: no date step; the centre's sittings are listed with their dates.
    assert page.locator("input[name=date]").count() == 0
    assert radio_values(page, "session") == [str(cat.sitting_east.pk)]
    expect(page.locator("#main form[method=post]")).to_contain_text(shown_date(cat.sitting_east))
    choose(page, "session", str(cat.sitting_east.pk), shot_as="change-paper-sitting")

    expect_back_on_registration(page, reference)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#main dl.data")).to_contain_text(cat.paper_east.name_ar)
    expect(page.locator(HISTORY)).to_contain_text(cat.paper.name_ar)
    expect(page.locator(HISTORY)).to_contain_text(cat.paper_east.name_ar)
    registration = Registration.objects.get(reference=reference)
    assert registration.session_id == cat.sitting_east.pk
    assert (seats(cat.sitting), seats(cat.sitting_east)) == (0, 1)


def test_cancel_shows_the_refund_then_cancels_and_refunds_the_card(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user()
    registration = confirmed(user, cat.slot, cat.spec)
    reference = registration.reference
    payment = Payment.objects.get(order=registration.order)
    assert payment.amount_halalas == 11500 and payment.refunded_halalas == 0
    log_in(page, user)
    open_registration(page, reference)

    follow(page, f"/registrations/{reference}/cancel/")
    expect(page.locator("h1")).to_have_text(arabic("Cancel the registration"))
    expect(page.locator("#main dl.data")).to_contain_text(arabic("Refund to your card"))
    expect(page.locator("#main dl.data")).to_contain_text("115.00")
    expect(page.locator(f"#main a[href='/registrations/{reference}/']")).to_be_visible()
    shot(page, "change-cancel")
    with page.expect_navigation():
        page.locator("#main form[method=post] button[type=submit]").click()

    expect_back_on_registration(page, reference)
    assert_accessible(page)
    expect(page.locator(".flash-success")).to_have_text(
        arabic("Your registration was cancelled. The refund is on its way to your card.")
    )
    expect(page.locator("#main .badge")).to_have_text(arabic("Cancelled"))
    expect(page.locator("#main a[href$='/change/']")).to_have_count(0)
    expect(page.locator("#main a[href$='/cancel/']")).to_have_count(0)
    shot(page, "change-cancel-done")

    assert Registration.objects.get(reference=reference).status == Status.CANCELLED
    assert seats(cat.slot) == 0
    # The refund task ran on commit of the cancelling request (immediate task backend).
    payment.refresh_from_db()
    assert payment.refunded_halalas == 11500


def test_past_the_48_hour_deadline_no_change_or_cancel_is_offered_and_why(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user()
    reference = confirmed(user, cat.slot, cat.spec).reference
    # The session now starts in about 40 hours: within the 48-hour deadline of a digital test.
    starts = (clock.local_now() + timedelta(hours=40)).replace(minute=0, second=0, microsecond=0)
    Session.objects.filter(pk=cat.slot.pk).update(date=starts.date(), start_time=starts.time())
    why = arabic(
        "Appointments can be changed until %(hours)d hours before the test; that time has passed.",
        hours=48,
    )
    log_in(page, user)
    open_registration(page, reference)
    expect(page.locator("#main .badge")).to_have_text(arabic("Confirmed"))
    expect(page.locator("#main a[href$='/change/']")).to_have_count(0)
    expect(page.locator("#main a[href$='/cancel/']")).to_have_count(0)
    expect(page.locator("#main p.muted").first).to_have_text(why)

    # A typed change address says the same and offers no choice.
    page.goto(f"/registrations/{reference}/change/")
    expect(page.locator(".error-summary[role=alert]")).to_have_text(why)
    expect(page.locator("#main form")).to_have_count(0)
    assert_accessible(page)
    shot(page, "change-too-late")

    # A typed cancel address says why and offers no button to press.
    page.goto(f"/registrations/{reference}/cancel/")
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    expect(page.locator("#main form[method=post]")).to_have_count(0)
    assert_accessible(page)
    shot(page, "change-too-late-cancel")
    assert Registration.objects.get(reference=reference).status == Status.CONFIRMED


# --- Regressions ---------------------------------------------------------------------------------


def test_a_cancelled_registration_shows_no_empty_notice(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user()
    registration = confirmed(user, cat.slot, cat.spec)
    changes.registration_cancel(registration=registration, actor=user)
    log_in(page, user)
    open_registration(page, registration.reference)
    expect(page.locator("#main .badge")).to_have_text(arabic("Cancelled"))
    for notice in page.locator("#main .notice").all():
        assert notice.inner_text().strip(), "an empty notice is shown"


def test_the_change_offers_no_centre_whose_only_session_is_the_current_one(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    log_in: Callable[[Page, User], None],
) -> None:
    user = make_user()
    reference = confirmed(user, cat.sitting, cat.spec).reference
    log_in(page, user)
    page.goto(f"/registrations/{reference}/change/?city=riyadh")
    assert_accessible(page)
    # RUH-P-M has no paper sitting but the candidate's own.
    assert radio_values(page, "centre") == [cat.paper_east.code]
