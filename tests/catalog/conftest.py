"""Fixtures for the catalogue and the back office: staff in each role, OTP-verified clients,
and a Chromium of the catalogue's own for the browser test."""

import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rukhsa.accounts.models import User
from rukhsa.core.admin_site import roles_setup, staff_totp_enrol
from tests.conftest import PASSWORD

STAFF_PASSWORD = PASSWORD
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Sentences from services are asserted in English (the msgids); pages choose by cookie."""
    with translation.override("en"):
        yield


@pytest.fixture
def make_staff(make_user: Callable[..., User]) -> Callable[..., User]:
    """A staff user, in a role (Group name) or a superuser, with a confirmed TOTP device."""

    def make(
        role: str | None = None, *, superuser: bool = False, totp: bool = True, **fields: Any
    ) -> User:
        user = make_user(is_staff=True, is_superuser=superuser, **fields)
        if role:
            roles_setup()
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get(name=role))
        if totp:
            staff_totp_enrol(user=user)
        return user

    return make


def en_client() -> Client:
    """A client that chose English (the back office is Arabic unless the person chooses)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def verified_client(user: User) -> Client:
    """A client logged in with password and second factor (the session the login form makes)."""
    client = en_client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff_client(make_staff: Callable[..., User]) -> Callable[..., Client]:
    def make(role: str | None = None, *, superuser: bool = False) -> Client:
        return verified_client(make_staff(role, superuser=superuser))

    return make


@pytest.fixture
def admin_client_otp(staff_client: Callable[..., Client]) -> Client:
    return staff_client(superuser=True)


@pytest.fixture
def chromium_run() -> Callable[[Callable[[Any], None]], None]:
    """Run a scenario ``scenario(browser)`` with a Chromium of its own, in its own thread.

    Playwright's sync API allows one instance per thread; the thread keeps this fixture
    independent of any session-wide browser other test folders start.
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; browser tests are required under CI")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def run(scenario: Callable[[Any], None]) -> None:
        errors: queue.Queue[BaseException] = queue.Queue()

        def target() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                    )
                    try:
                        scenario(browser)
                    finally:
                        browser.close()
            except BaseException as error:  # re-raised in the test's thread
                errors.put(error)

        thread = threading.Thread(target=target, name="chromium")
        thread.start()
        thread.join(timeout=180)
        if thread.is_alive():
            raise AssertionError("The browser scenario did not finish within 180 s.")
        if not errors.empty():
            raise errors.get()

    return run
