"""Changing and cancelling a confirmed appointment in a real browser (PRODUCT §5), in Arabic (the
default), every page checked with axe-core.

registration → change (city → centre → date → time, or → sitting for paper) → back to the
registration with the new appointment and the history of changes; registration → cancel
(refund shown) → cancelled, payment refunded; past the deadline no change or cancel is offered.

The change itself is the journey of the visual guide's services 3.5 and 3.6
(tests/browser/journeys/changes.py), walked here with this file's catalogue; the checks only
these tests make run at the journey's steps (`Checked`). The registrations are confirmed
without a browser (tests/booking/booking_helpers.py: the real services and the sandbox
gateway). Elements are found by name, value and href; visible Arabic text is compared only with
what the message catalogue itself gives (gettext under "ar").

With RUKHSA_SHOTS=/some/dir set, the tests also leave phone- and desktop-width screenshots there.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import ngettext
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import changes
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Centre, Gender, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.payments.models import Payment
from tests.booking.booking_helpers import confirmed
from tests.browser.journeys import World, axe_shot
from tests.browser.journeys.changes import (
    HISTORY,
    change_appointment,
    change_path,
    open_registration,
    radio_values,
    registration_path,
    shown_time,
)
from tests.browser.journeys.steps import expect_path, follow, say, submit
from tests.browser.support import assert_accessible, doc_screenshots
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def arabic(message: str, **values: Any) -> str:
    """The Arabic the server shows for `message` (from the same compiled catalogue)."""
    return say("ar", message, **values)


def screenshot(page: Page, name: str) -> None:
    doc_screenshots(page, name)


class Checked:
    """The `shot` these tests give the change journey: axe-core on every step's page, then the
    test's own checks at the steps it names (the step's choice is made, not yet sent), and a
    screenshot "<name>-<step>" into $RUKHSA_SHOTS. `steps` is the journey's steps, in order."""

    def __init__(self, name: str, checks: dict[str, Callable[[Page], None]]) -> None:
        self.name = name
        self.checks = checks
        self.steps: list[str] = []

    def __call__(self, page: Page, key: str, *, focus: str | None = None) -> None:
        self.steps.append(key)
        axe_shot(page, key, focus=focus)
        if key in self.checks:
            self.checks[key](page)
        screenshot(page, f"{self.name}-{key}")


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
def world(context: BrowserContext, base_url: str) -> World:
    """The test's browser (the `page` fixture's context), in Arabic; `world.log_in(user)` signs
    in with a server-side session cookie (the log-in form is covered by
    test_accounts_journeys.py)."""
    return World(context=context, base_url=base_url, language="ar")


def open_checked(page: Page, reference: str) -> None:
    """The registration's page, in Arabic, checked with axe-core."""
    open_registration(page, reference, "ar")
    assert_accessible(page)


def follow_checked(page: Page, href: str) -> None:
    follow(page, f"#main a[href='{href}']")
    assert_accessible(page)


def seats(session: Session) -> int:
    return Session.objects.get(pk=session.pk).seats_taken


# --- Journeys --------------------------------------------------------------------------------


def test_digital_change_city_centre_date_time_then_the_new_slot_and_the_history(
    page: Page, cat: Catalogue, make_user: Callable[..., User], world: World
) -> None:
    user = make_user()
    reference = confirmed(user, cat.slot, cat.spec).reference
    world.log_in(user)

    def on_registration(page: Page) -> None:
        expect(page.locator(HISTORY)).to_have_count(0)
        deadline = page.locator("#main p.muted")
        expect(deadline).to_contain_text(re.compile(r"\d"))  # "you can change or cancel until …"

    def on_city(page: Page) -> None:
        # The journey checks the heading: "Change your computer-based test appointment".
        assert sorted(radio_values(page, "city")) == ["jeddah", "riyadh"]

    def on_centre(page: Page) -> None:
        assert sorted(radio_values(page, "centre")) == sorted(
            [cat.digital.code, cat.digital_north.code]
        )
        assert cat.paper.code not in radio_values(page, "centre")  # the same mode only

    def on_date(page: Page) -> None:
        assert radio_values(page, "date") == [
            cat.slot.date.isoformat(),
            cat.slot_next_day.date.isoformat(),
        ]

    def on_time(page: Page) -> None:
        # The current slot is marked and cannot be chosen; the full one is shown but cannot be
        # chosen either. (The journey checks the step's heading and the confirmation.)
        assert radio_values(page, "session") == [
            str(cat.slot.pk),
            str(cat.slot_late.pk),
            str(cat.slot_full.pk),
        ]
        expect(page.locator(f"input[name=session][value='{cat.slot.pk}']")).to_be_disabled()
        expect(page.locator("#main li.option-current")).to_contain_text(
            arabic("Your current appointment")
        )
        expect(page.locator(f"input[name=session][value='{cat.slot_full.pk}']")).to_be_disabled()

    shot = Checked(
        "change-digital",
        {
            "registration": on_registration,
            "city": on_city,
            "centre": on_centre,
            "date": on_date,
            "slot": on_time,
        },
    )
    change_appointment(page, shot, reference=reference, session=cat.slot_late, language="ar")
    assert shot.steps == ["registration", "city", "centre", "date", "slot", "changed"]

    # Back on the registration (the journey checks the message and the new centre, date and
    # time): the old time is gone and the history of changes has the move.
    details = page.locator("#main dl.data")
    expect(details).not_to_contain_text(shown_time(cat.slot.start_time, "ar"))
    history = page.locator(HISTORY)
    expect(history.locator("h2")).to_have_text(arabic("History of changes"))
    expect(history.locator("li")).to_have_count(1)
    expect(history.locator("li")).to_contain_text(shown_time(cat.slot.start_time, "ar"))
    expect(history.locator("li")).to_contain_text(shown_time(cat.slot_late.start_time, "ar"))
    # One change of the two allowed is left: the change button is still offered.
    expect(page.locator(f"#main a[href='{change_path(reference)}']")).to_have_count(1)

    registration = Registration.objects.get(reference=reference)
    assert registration.session_id == cat.slot_late.pk
    assert registration.changes_count == 1 and registration.ticket_version == 2
    assert (seats(cat.slot), seats(cat.slot_late)) == (0, 1)


def test_paper_change_to_another_centre_through_its_sittings(
    page: Page, cat: Catalogue, make_user: Callable[..., User], world: World
) -> None:
    user = make_user(identity_type="resident")
    reference = confirmed(user, cat.sitting, cat.spec).reference
    world.log_in(user)

    def on_city(page: Page) -> None:
        # The journey checks the heading: "Change your paper test appointment".
        assert radio_values(page, "city") == ["riyadh"]  # Jeddah has no paper centre

    def on_centre(page: Page) -> None:
        centres = radio_values(page, "centre")
        assert cat.paper_east.code in centres
        assert cat.digital.code not in centres and cat.digital_north.code not in centres

    def on_sitting(page: Page) -> None:
        # Paper: no date step; the centre's sittings are listed with their dates (the journey
        # checks the chosen one's date and time).
        assert page.locator("input[name=date]").count() == 0
        assert radio_values(page, "session") == [str(cat.sitting_east.pk)]

    shot = Checked("change-paper", {"city": on_city, "centre": on_centre, "sitting": on_sitting})
    change_appointment(page, shot, reference=reference, session=cat.sitting_east, language="ar")
    assert shot.steps == ["registration", "city", "centre", "sitting", "changed"]

    # Back on the registration (the journey checks the message and the new centre): the
    # history has both centres.
    expect(page.locator(HISTORY)).to_contain_text(cat.paper.name_ar)
    expect(page.locator(HISTORY)).to_contain_text(cat.paper_east.name_ar)
    registration = Registration.objects.get(reference=reference)
    assert registration.session_id == cat.sitting_east.pk
    assert (seats(cat.sitting), seats(cat.sitting_east)) == (0, 1)


def test_cancel_shows_the_refund_then_cancels_and_refunds_the_card(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    world: World,
) -> None:
    user = make_user()
    registration = confirmed(user, cat.slot, cat.spec)
    reference = registration.reference
    payment = Payment.objects.get(order=registration.order)
    assert payment.amount_halalas == 11500 and payment.refunded_halalas == 0
    world.log_in(user)
    open_checked(page, reference)

    follow_checked(page, f"/registrations/{reference}/cancel/")
    expect(page.locator("h1")).to_have_text(arabic("Cancel the registration"))
    expect(page.locator("#main dl.data")).to_contain_text(arabic("Refund to your card"))
    expect(page.locator("#main dl.data")).to_contain_text("115.00")
    expect(page.locator(f"#main a[href='{registration_path(reference)}']")).to_be_visible()
    screenshot(page, "change-cancel")
    submit(page)

    expect_path(page, registration_path(reference))
    assert_accessible(page)
    expect(page.locator(".flash-success")).to_have_text(
        arabic("Your registration was cancelled. The refund is on its way to your card.")
    )
    expect(page.locator("#main .badge")).to_have_text(arabic("Cancelled"))
    expect(page.locator("#main a[href$='/change/']")).to_have_count(0)
    expect(page.locator("#main a[href$='/cancel/']")).to_have_count(0)
    screenshot(page, "change-cancel-done")

    assert Registration.objects.get(reference=reference).status == Status.CANCELLED
    assert seats(cat.slot) == 0
    # The refund task ran on commit of the cancelling request (immediate task backend).
    payment.refresh_from_db()
    assert payment.refunded_halalas == 11500


def test_past_the_48_hour_deadline_no_change_or_cancel_is_offered_and_why(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    world: World,
) -> None:
    user = make_user()
    reference = confirmed(user, cat.slot, cat.spec).reference
    # The session now starts in about 40 hours: within the 48-hour deadline of a digital test.
    starts = (clock.local_now() + timedelta(hours=40)).replace(minute=0, second=0, microsecond=0)
    Session.objects.filter(pk=cat.slot.pk).update(date=starts.date(), start_time=starts.time())
    with translation.override("ar"):
        why = ngettext(
            "Appointments can be changed until %(hours)d hour before the test; that time has "
            "passed.",
            "Appointments can be changed until %(hours)d hours before the test; that time has "
            "passed.",
            48,
        ) % {"hours": 48}
    world.log_in(user)
    open_checked(page, reference)
    expect(page.locator("#main .badge")).to_have_text(arabic("Confirmed"))
    expect(page.locator("#main a[href$='/change/']")).to_have_count(0)
    expect(page.locator("#main a[href$='/cancel/']")).to_have_count(0)
    expect(page.locator("#main p.muted").first).to_have_text(why)

    # A typed change address says the same and offers no choice.
    page.goto(change_path(reference))
    expect(page.locator(".error-summary[role=alert]")).to_have_text(why)
    expect(page.locator("#main form")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "change-too-late")

    # A typed cancel address says why and offers no button to press.
    page.goto(f"/registrations/{reference}/cancel/")
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    expect(page.locator("#main form[method=post]")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "change-too-late-cancel")
    assert Registration.objects.get(reference=reference).status == Status.CONFIRMED


# --- Regressions ---------------------------------------------------------------------------------


def test_a_cancelled_registration_shows_no_empty_notice(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    world: World,
) -> None:
    user = make_user()
    registration = confirmed(user, cat.slot, cat.spec)
    changes.registration_cancel(registration=registration, actor=user)
    world.log_in(user)
    open_checked(page, registration.reference)
    expect(page.locator("#main .badge")).to_have_text(arabic("Cancelled"))
    for notice in page.locator("#main .notice").all():
        assert notice.inner_text().strip(), "an empty notice is shown"


def test_the_change_offers_no_centre_whose_only_session_is_the_current_one(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    world: World,
) -> None:
    user = make_user()
    reference = confirmed(user, cat.sitting, cat.spec).reference
    world.log_in(user)
    page.goto(change_path(reference) + "?city=riyadh")
    assert_accessible(page)
    # RUH-P-M has no paper sitting but the candidate's own.
    assert radio_values(page, "centre") == [cat.paper_east.code]


def test_another_time_the_same_day_takes_three_screens_from_the_registration(
    page: Page,
    cat: Catalogue,
    make_user: Callable[..., User],
    world: World,
) -> None:
    """The change page opens on the current city, centre and day with the current time marked;
    a time is chosen, the confirmation shows old → new, and confirming lands on the
    registration: three page loads after the registration page, each checked with axe."""
    user = make_user()
    reference = confirmed(user, cat.slot, cat.spec).reference
    world.log_in(user)
    open_checked(page, reference)
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )

    follow(page, f"#main a[href='{change_path(reference)}']")  # 1
    assert_accessible(page)
    expect(page.locator("#main legend h2")).to_have_text(arabic("Choose the new session"))
    expect(page.locator("#main nav.choices")).to_contain_text(cat.digital.name_ar)
    expect(page.locator("#main li.option-current")).to_contain_text(
        arabic("Your current appointment")
    )
    page.locator(f"#main input[name=session][value='{cat.slot_late.pk}']").check()
    screenshot(page, "change-same-day")
    submit(page, "#main form:has(input[type=radio])")  # 2

    assert_accessible(page)
    expect(page.locator("#change-confirm h2")).to_have_text(arabic("Confirm the change"))
    expect(page.locator("#main .change-old")).to_contain_text(shown_time(cat.slot.start_time, "ar"))
    expect(page.locator("#main .change-new")).to_contain_text(
        shown_time(cat.slot_late.start_time, "ar")
    )
    assert Registration.objects.get(reference=reference).session_id == cat.slot.pk
    screenshot(page, "change-confirm")
    submit(page, "#change-confirm form")  # 3

    expect_path(page, registration_path(reference))
    expect(page.locator(".flash-success")).to_be_visible()
    assert len(loads) == 3, loads
    assert Registration.objects.get(reference=reference).session_id == cat.slot_late.pk
