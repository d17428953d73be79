"""The 404 and 403 pages in a real browser, in Arabic and English: the product's own pages
(heading, landmarks, a way home) and axe-core finds nothing, of any impact."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from tests.booking.test_booking_ticket import new_staff
from tests.browser.support import assert_accessible, axe_violations
from tests.browser.test_checkin_browser import staff_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_not_found_and_forbidden_pages_pass_axe(
    page: Page,
    context: BrowserContext,
    base_url: str,
    settings: Any,
    make_user: Callable[..., User],
    language: str,
) -> None:
    settings.DEBUG = False  # the pages people see, not Django's technical ones
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)

    staff = new_staff(make_user)  # staff with an authenticator, but no check-in permission
    page.goto("/admin/login/")
    staff_log_in(page, staff)
    response = page.goto("/staff/check-in/")
    assert response is not None and response.status == 403
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)


def test_the_check_fails_on_a_moderate_or_minor_violation(page: Page) -> None:
    """The shared check counts every impact: a page with no main landmark and text outside any
    region (both "moderate" in axe-core) fails it."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head>'
        "<body><h1>Heading</h1><p>Text outside any landmark.</p></body></html>"
    )
    impacts = {v["impact"] for v in axe_violations(page)}
    assert impacts and impacts <= {"moderate", "minor"}, impacts
    with pytest.raises(pytest.fail.Exception, match="landmark-one-main"):
        assert_accessible(page)
