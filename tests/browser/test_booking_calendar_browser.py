# ruff: noqa: F811
"""Fewer booking screens and the month calendar, in a real browser (issue #17, items 2 and 3).

Screens are page loads counted from the account page to the sandbox card page
(`journeys.steps.count`), actions the clicks, ticks and choices on the way. With JavaScript the
choose steps, the calendar and the review are swapped into one page by htmx; without it every
step is a page of its own and still works. Every page of the journey passes axe-core with no
violation of any impact, in Arabic and in English.
"""

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import terms
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Mode
from tests.browser.journeys import Shot, no_shot
from tests.browser.journeys.booking import (
    CARD_PATH,
    CARD_PATH_NO_SCRIPT,
    register,
    without_javascript,
)
from tests.browser.journeys.steps import count, expect_language, say
from tests.browser.support import assert_accessible, doc_screenshots
from tests.browser.test_booking_journeys import Catalogue, cat, log_in  # noqa: F401 (fixture)
from tests.catalog.factories import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_clean(page: Page, key: str, *, focus: str | None = None) -> None:
    """No axe-core violation at all (every impact, minor included) on the step's page."""
    assert_accessible(page)


def screenshot(page: Page, name: str) -> None:
    doc_screenshots(page, name)


def a_full_day(cat: Catalogue) -> str:
    """A day at the men's computer-based centre whose only session is full."""
    day = cat.slot.date + timedelta(days=1)
    make_session(
        cat.digital, cat.period, day=day, start=time(9), capacity=2, seats_taken=2,
        specializations=[cat.spec],
    )  # fmt: skip
    return day.isoformat()


def book_digital(page: Page, cat: Catalogue, shot: Shot, language: str) -> str:
    return register(
        page,
        shot,
        period_code=cat.period.code,
        mode=Mode.DIGITAL,
        spec=cat.spec.code,
        city="riyadh",
        centre=cat.digital.code,
        date=cat.slot.date.isoformat(),
        session=str(cat.slot.pk),
        language=language,
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_digital_booking_with_the_calendar_takes_five_screens_and_passes_axe(
    page: Page, cat: Catalogue, make_user: Callable[..., User], language: str
) -> None:
    user = make_user(city="riyadh", preferred_language=language)
    full_day = a_full_day(cat)
    log_in(page, user)
    tally = count(page)
    seen: list[str] = []

    def check(page: Page, key: str, *, focus: str | None = None) -> None:
        seen.append(key)
        axe_clean(page, key)
        expect_language(page, language)
        if key == "date":
            calendar = page.locator("#main section.calendar table.month")
            expect(calendar.locator("caption")).to_be_visible()
            expect(calendar.locator("thead th[scope=col]")).to_have_count(7)
            full = calendar.locator(f"td[data-date='{full_day}']")
            expect(full).to_contain_text(say(language, "Full"))  # in words, not colour alone
            expect(full.locator("a")).to_have_count(0)  # shown, not choosable
            free = calendar.locator(f"td[data-date='{cat.slot.date.isoformat()}'] a")
            expect(free).to_contain_text(say(language, "Many seats"))
            free.focus()  # keyboard reachable
            expect(free).to_be_focused()
        if language == "ar" and key in ("specialization", "date", "slot", "review"):
            screenshot(page, f"booking-{key}-{language}")

    reference = book_digital(page, cat, check, language)
    expect(page).to_have_url(CARD_PATH)
    assert (tally.screens, tally.actions) == (5, 10), tally
    assert seen == ["tests", "notes", "mode", "specialization", "city", "centre", "date",
                    "slot", "review"]  # fmt: skip
    axe_clean(page, "card")
    assert Registration.objects.get(reference=reference).status == Status.HELD


def test_with_the_terms_already_accepted_the_booking_takes_four_screens(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user(city="riyadh")
    terms.terms_accept(candidate=user, period=cat.period)
    log_in(page, user)
    tally = count(page)
    book_digital(page, cat, axe_clean, "ar")
    assert (tally.screens, tally.actions) == (4, 8), tally


def test_without_javascript_the_plain_steps_still_book_a_seat(
    new_context: Callable[..., BrowserContext], cat: Catalogue, make_user: Callable[..., User]
) -> None:
    page = without_javascript(new_context(java_script_enabled=False).new_page())
    user = make_user(city="riyadh")
    log_in(page, user)
    tally = count(page)
    reference = book_digital(page, cat, no_shot, "ar")  # (axe-core needs JavaScript)
    expect(page).to_have_url(CARD_PATH_NO_SCRIPT)  # the spent grant stays in the address bar
    # dashboard, tests, notes, mode, calendar, the day's times, review, card page.
    assert (tally.screens, tally.actions) == (8, 10), tally
    assert Registration.objects.get(reference=reference).status == Status.HELD
