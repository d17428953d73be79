"""Small steps a person takes, shared by every journey. Elements are found by name, value and
id, never by visible text, so the steps work in Arabic and in English."""

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

MAIN_FORM = "#main form[method=post]"


@dataclass
class Tally:
    """What a journey cost the candidate: `screens` (documents loaded: every page load, a
    redirect's landing page once) and `actions` (clicks, ticks and choices that ask something of
    the person). Started with `count(page)`; the steps below add their actions."""

    screens: int = 0
    actions: int = 0


_TALLIES: dict[int, Tally] = {}


def count(page: Page) -> Tally:
    """Count the page loads and actions on `page` from now on (the current page is not one)."""
    tally = Tally()
    _TALLIES[id(page)] = tally

    def loaded(_page: Page) -> None:
        tally.screens += 1

    page.on("load", loaded)
    return tally


def acted(page: Page, actions: int = 1) -> None:
    """Count an action the person took (when the page is being counted)."""
    tally = _TALLIES.get(id(page))
    if tally is not None:
        tally.actions += actions


def expect_path(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$"))


def expect_language(page: Page, language: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def submit(page: Page, form: str | Locator = MAIN_FORM) -> None:
    """Press the form's (first) submit button and wait for the answer page."""
    scope = page.locator(form).first if isinstance(form, str) else form
    acted(page)
    with page.expect_navigation():
        scope.locator("button[type=submit]").first.click()


def follow(page: Page, selector: str) -> None:
    """Click the (first) link matching `selector` and wait for the page it opens."""
    acted(page)
    with page.expect_navigation():
        page.locator(selector).first.click()


def log_in_form(page: Page, identifier: str, password: str, nationality: str = "") -> None:
    """The log-in form, filled and sent (where it leads is the caller's to check)."""
    page.goto("/accounts/login/")
    page.fill("#id_identifier", identifier)
    if nationality:
        page.check("#id_passport")  # passport holders only: the box opens the select
        page.select_option("#id_nationality", nationality)
    page.fill("#id_password", password)
    submit(page)


def logout_button(page: Page) -> Locator:
    """The header's log-out button; on a phone it is in the menu, which a person opens first."""
    summary = page.locator("header details.site-menu:not([open]) > summary")
    if summary.count() and summary.is_visible():
        summary.click()
    return page.locator("header form[action$='/accounts/logout/'] button[type=submit]")


def enter_code(page: Page, code: str) -> None:
    page.fill("#id_code", code)
    submit(page)


def say(language: str, message: str, **values: Any) -> str:
    """What the server shows for `message` in `language` (the same compiled catalogue). A
    message with a literal "%" is written as makemessages keeps it ("%%") and then formatted, as
    the template tags do."""
    with translation.override(language):
        text = gettext(message)
        return text % values if values or "%%" in message else text
