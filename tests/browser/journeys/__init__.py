"""The candidate journeys, defined once and used twice.

Each journey is the steps a person takes in the browser, with its expectations (so a journey
that no longer matches the pages fails), and at each step worth a picture a call
``shot(page, "key")``. The end-to-end tests call the journeys with their own data and a
``shot`` that checks accessibility (``axe_shot``) or does nothing (``no_shot``); the visual
guide (tests/browser/test_guide_journeys.py, ``make guide``) calls the ``GUIDE`` entry of each
of the twelve services against the demo database with a camera that checks the step's key
against rukhsa.guide.content and, when capturing, saves the picture.

Modules: ``steps`` (small steps shared by all journeys), ``accounts`` (1.1, 2.1, 2.2),
``booking`` (3.1–3.4), ``changes`` (3.5, 3.6), ``waitlist`` (3.7), ``results`` (4.1, 4.2).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page

from tests.browser.support import assert_accessible, latest_code


class Shot(Protocol):
    def __call__(self, page: Page, key: str, *, focus: str | None = None) -> None:
        """The page is at step `key`; `focus` is a selector for what the step is about."""


def no_shot(page: Page, key: str, *, focus: str | None = None) -> None:
    """For tests that only walk the journey."""


def axe_shot(page: Page, key: str, *, focus: str | None = None) -> None:
    """For tests: every step's page passes axe-core."""
    assert_accessible(page)


@dataclass
class World:
    """What a guide journey starts from: the demo database (`load_demo`, nothing else) and a
    fresh browser context in `language` ("ar" or "en")."""

    context: BrowserContext
    base_url: str
    language: str

    def log_in(self, user: Any) -> None:
        """Sign `user` in with the cookie of a server-side login (the log-in form itself is
        a step of the journeys that show it)."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": self.base_url}]
        )

    def code(self, recipient: str) -> str:
        """The newest 6-digit code sent to `recipient`, read from the development outbox."""
        return latest_code(self.context, recipient)


GuideJourney = Callable[[Page, Shot, World], None]
GUIDE: dict[str, GuideJourney] = {}


def guide(slug: str) -> Callable[[GuideJourney], GuideJourney]:
    """Register the guide's journey for the service `slug` (rukhsa.guide.content)."""

    def register(function: GuideJourney) -> GuideJourney:
        assert slug not in GUIDE, f"two guide journeys for {slug}"
        GUIDE[slug] = function
        return function

    return register


def load_all() -> dict[str, GuideJourney]:
    """Import every journey module (each registers its services) and return the registry."""
    from tests.browser.journeys import (  # noqa: F401
        accounts,
        booking,
        changes,
        results,
        waitlist,
    )

    return GUIDE
