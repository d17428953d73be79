"""The waiting list (قائمة الانتظار): a full time → join the list for it → your place in line →
a seat frees (another candidate cancels) and is offered to you: the account page shows it with
its countdown → the offered seat's page, to pay it (the payment itself is journey 3.3).

`join_waitlist` and `take_offer` are the two halves; between them the caller frees a seat
(through the services: that is another candidate's doing, not a step of this one).
"""

import re

from playwright.sync_api import Page, expect

from rukhsa.booking import changes
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Mode, Session
from tests.browser.journeys import Shot, World, demo, guide, no_shot
from tests.browser.journeys.booking import (
    CHOOSE_FORM,
    choose,
    expect_held,
    registration_reference,
    start_registration,
)
from tests.browser.journeys.steps import MAIN_FORM, expect_language, expect_path, follow, submit

WAITLIST_SECTION = "#main section[aria-labelledby=waitlist-h]"


def join_waitlist(
    page: Page,
    shot: Shot,
    *,
    period_code: str,
    spec: str,
    city: str,
    centre: str,
    date: str,
    full_session: str,
    language: str = "ar",
) -> None:
    """From the account page to the full time of a day, then onto its waiting list."""
    start_registration(page, no_shot, period_code=period_code, language=language)
    choose(page, no_shot, "mode", Mode.DIGITAL)
    choose(page, no_shot, "specialization", spec)
    choose(page, no_shot, "city", city)
    choose(page, no_shot, "centre", centre)
    choose(page, no_shot, "date", date)
    full = f"{CHOOSE_FORM} li:has(input[name=session][value='{full_session}'])"
    expect(page.locator(f"{full} input")).to_be_disabled()
    join_link = f"{full} a[href*='/waitlist/'][href*='session={full_session}']"
    expect(page.locator(join_link)).to_be_visible()
    shot(page, "full", focus=full)
    follow(page, join_link)
    expect_path(page, f"/register/{period_code}/waitlist/")
    expect_language(page, language)
    expect(page.locator(f"{MAIN_FORM} input[name=session]")).to_have_value(full_session)
    shot(page, "join", focus=MAIN_FORM)
    submit(page)
    expect_path(page, "/waitlist/")
    expect(page.locator("#main .flash-success")).to_be_visible()
    expect(page.locator(f"{WAITLIST_SECTION} .badge")).to_have_count(1)
    expect(page.locator(f"{WAITLIST_SECTION} form[action$='/leave/']")).to_be_visible()
    shot(page, "place", focus=f"{WAITLIST_SECTION} li")


def take_offer(page: Page, shot: Shot, *, language: str = "ar") -> str:
    """The account page shows the offered seat with its countdown; open it to pay. Returns the
    offered registration's reference."""
    page.goto("/dashboard/")
    expect_language(page, language)
    offer = f"{WAITLIST_SECTION} li:has(.countdown)"
    expect(page.locator(offer)).to_be_visible()
    expect(page.locator(f"{offer} [data-remaining]")).to_have_text(re.compile(r"^\d{1,3}:\d{2}$"))
    shot(page, "offer", focus=offer)
    follow(page, f"{offer} a[href^='/registrations/']")
    reference = registration_reference(page)
    expect_held(page)
    shot(page, "held", focus="#main .pay-now")
    return reference


def free_a_seat(session: Session) -> None:
    """Another candidate with a seat in `session` cancels it (the seat goes to the list)."""
    holder = (
        Registration.objects.filter(session=session, status=Status.CONFIRMED)
        .select_related("candidate")
        .order_by("pk")
        .first()
    )
    assert holder is not None, f"nobody to cancel in {session}"
    changes.registration_cancel(registration=holder, actor=holder.candidate)


# --- The guide's journey on the demo database --------------------------------------------------


@guide("waiting-list")
def guide_waiting_list(page: Page, shot: Shot, world: World) -> None:
    world.log_in(demo.candidate(world.language))
    full = demo.full_session(demo.DIGITAL_CENTRE)
    join_waitlist(
        page,
        shot,
        period_code=demo.OPEN_PERIOD,
        spec=demo.SPECIALIZATION,
        city=demo.CITY,
        centre=demo.DIGITAL_CENTRE,
        date=full.date.isoformat(),
        full_session=str(full.pk),
        language=world.language,
    )
    free_a_seat(full)
    take_offer(page, shot, language=world.language)
