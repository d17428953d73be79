"""Opening day in a real browser, in Arabic: a candidate who arrives before registration opens
waits in the waiting room, gets a place in line after the opening, is admitted when the operator
resumes admission, continues where they were going and books a seat. Every page checked with
axe-core; the waiting room refreshes itself (htmx here; <meta refresh> without JavaScript)."""

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Gender, Mode
from rukhsa.core import clock
from tests.browser.journeys import axe_shot
from tests.browser.journeys.booking import register
from tests.browser.journeys.steps import log_in_form, logout_button
from tests.browser.support import assert_accessible
from tests.catalog.factories import make_centre, make_period, make_session, make_specialization
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def arabic(message: str, **values: object) -> str:
    with translation.override("ar"):
        return gettext(message) % values if values else gettext(message)


def test_arrive_early_wait_in_line_be_admitted_and_book(
    page: Page, make_user: Callable[..., User]
) -> None:
    opening = clock.now() + timedelta(seconds=12)
    period = make_period(code="p-opening", registration_opens_at=opening)
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    centre = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    slot = make_session(
        centre,
        period,
        day=clock.today() + timedelta(days=10),
        start=time(8),
        capacity=10,
        specializations=[spec],
    )
    QueueSettings.objects.create(period=period, rate_per_minute=60, max_active=50)
    services.queue_control(period_id=period.pk, action="pause")  # the operator holds the line
    user = make_user()
    log_in_form(page, user.identity_number, PASSWORD)
    expect(logout_button(page)).to_be_visible()

    # Before the opening: the waiting room, with the opening time and no need to hurry.
    page.goto("/register/")
    expect(page.locator("h1")).to_have_text(arabic("You are in the waiting room"))
    expect(page.locator("#queue-status")).to_contain_text(
        arabic("No need to refresh: this page updates itself.")
    )
    assert page.evaluate("typeof window.htmx") == "object"  # the page polls by itself
    assert_accessible(page)

    # After the opening (the page updated itself): a place in line, admission paused.
    place = page.locator(".queue-place")
    expect(place).to_have_text(arabic("Your place in line: %(place)s", place=1), timeout=30_000)
    expect(page.locator("#queue-status")).to_contain_text(
        arabic("Admission is paused for a moment. Your place is kept.")
    )
    assert_accessible(page)

    # The operator resumes: the page takes the candidate on to where they were going.
    services.queue_control(period_id=period.pk, action="resume")
    expect(page).to_have_url(f"{page.url.split('/waiting-room/')[0]}/register/", timeout=20_000)
    expect(page.locator(f"#main a[href='/register/{period.code}/']")).to_be_visible()

    reference = register(
        page,
        axe_shot,
        period_code=period.code,
        mode=Mode.DIGITAL,
        spec=spec.code,
        city="riyadh",
        centre=centre.code,
        date=slot.date.isoformat(),
        session=str(slot.pk),
        language="ar",
    )
    assert Registration.objects.get(reference=reference).status == Status.HELD
