"""The web guide in a real browser: reached from the booking page by its "how does this work?"
link, and every guide page axe-clean in Arabic and in English at phone width."""

from collections.abc import Callable

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, expect

from rukhsa.guide import content
from tests.browser.journeys import World, demo
from tests.browser.journeys.steps import expect_language, expect_path, follow
from tests.browser.support import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_booking_pages_how_does_this_work_link_opens_the_registration_guide(
    context: BrowserContext, base_url: str
) -> None:
    call_command("load_demo", verbosity=0)
    World(context=context, base_url=base_url, language="ar").log_in(demo.candidate("ar"))
    page = context.new_page()
    page.goto(f"/register/{demo.OPEN_PERIOD}/")
    expect_language(page, "ar")
    help_links = page.locator("aside.guide-help a.guide-help-link")
    expect(help_links).to_have_count(2)
    follow(page, "aside.guide-help a[href='/guide/register-digital/']")
    expect_path(page, "/guide/register-digital/")
    expect_language(page, "ar")
    service = content.BY_SLUG["register-digital"]
    steps = page.locator("li.guide-step")
    expect(steps).to_have_count(len(service.steps))
    first = steps.first.locator("img")
    expect(first).to_be_visible()
    assert first.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    # Go to the service, then back to the guide's contents.
    expect(page.locator(".guide-actions a.button").first).to_have_attribute("href", "/register/")
    follow(page, ".guide-actions a[href='/guide/']")
    expect_path(page, "/guide/")
    assert_accessible(page)


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_every_guide_page_passes_axe(
    new_context: Callable[..., BrowserContext], base_url: str, language: str
) -> None:
    context = new_context(locale="ar-SA" if language == "ar" else "en-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.goto("/guide/")
    expect_language(page, language)
    assert_accessible(page)
    for service in content.SERVICES:
        page.goto(service.guide_url())
        expect_language(page, language)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
