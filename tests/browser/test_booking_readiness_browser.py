"""Readiness before the first step, in a real browser, in Arabic, each page checked with axe-core:
a candidate whose education is missing is told on the available tests (before any choice), goes
straight to the profile from the booking step they are on, and comes back to the same step with
every choice kept."""

import os
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.browser.journeys.steps import follow, log_in_form, say, submit
from tests.browser.support import assert_accessible
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot into $RUKHSA_SHOTS, when it is set (for the docs)."""
    folder = os.environ.get("RUKHSA_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_missing_education_is_said_first_and_fixing_it_comes_back_to_the_same_step(
    page: Page, make_user: object
) -> None:
    period = make_period(make_test(code="SPLT"), code="p-open")
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    make_session(
        centre,
        period,
        day=clock.today() + timedelta(days=10),
        start=time(8),
        capacity=10,
        specializations=[spec],
    )
    user = make_user(qualification="", major="")  # type: ignore[operator]
    log_in_form(page, user.identity_number, PASSWORD)

    # Told on the available tests, before any choice, with a link to the profile.
    page.goto("/register/")
    notice = page.locator("#readiness")
    expect(notice).to_contain_text(
        say("ar", "Add your qualification, major, teaching experience and employment.")
    )
    assert_accessible(page)
    screenshot(page, "readiness-start")
    follow(page, "#main a[href='/register/p-open/']")
    expect(page.locator("#readiness")).to_be_visible()  # the notes say it too
    screenshot(page, "readiness-notes")
    page.check("#id_accept")
    submit(page)

    # Some choices made: the kind of test and the specialization.
    page.goto("/register/p-open/choose/?mode=digital&spec=math&pick=city")  # asked again
    step = page.url
    expect(page.locator("#main legend h2")).to_have_text(say("ar", "Choose the city"))
    follow(page, "#readiness a[href^='/accounts/profile/edit/']")
    assert_accessible(page)
    page.select_option("#id_qualification", "bachelor")
    page.fill("#id_major", "الرياضيات")
    submit(page)

    # Back on the same step, the choices kept, nothing left to do.
    expect(page).to_have_url(re.compile(re.escape(step) + "$"))
    expect(page.locator("#main legend h2")).to_have_text(say("ar", "Choose the city"))
    expect(page.locator("#main nav.choices")).to_contain_text("الرياضيات")
    expect(page.locator("#readiness")).to_have_count(0)
    assert_accessible(page)
