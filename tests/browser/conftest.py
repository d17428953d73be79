"""Browser test infrastructure: headless Chromium through Playwright against the live server.

Fixtures
- ``browser``: one Chromium for the session (Debian's /usr/bin/chromium; Playwright cannot
  download its own here). Missing locally: the browser tests are skipped; under ``CI``: they fail.
- ``base_url``: the live server's URL, with DEBUG on so the development outbox answers.
- ``viewport``: phone (390x844) by default; override per test with
  ``@pytest.mark.parametrize("viewport", [DESKTOP])``.
- ``new_context``: a factory for fresh browser contexts (no cookies), closed after the test.
- ``context`` / ``page``: the test's own context and page (relative URLs resolve to the server).
- ``outbox_code``: ``outbox_code("0551234567")`` reads the newest code sent to that mobile or
  email, the way a person would: it opens /dev/outbox/ in another tab and reads the message.

Helpers (tests/browser/support.py)
- ``assert_accessible(page)``: axe-core; fails on any violation, whatever its impact.
- ``latest_code(context, recipient)``: what ``outbox_code`` does, for any context.
"""

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.support import PHONE, latest_code

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by fixtures such
# as make_user while the live server runs) would otherwise refuse to work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("RUKHSA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
# Where a failing test leaves a full-page screenshot of its page.
FAILURE_DIR = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(tempfile.gettempdir()) / "rukhsa-browser-failures"
)


# --- Browser, server, context, page ------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (install the Debian package `chromium`)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; browser tests are required under CI", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def base_url(live_server: Any, settings: Any) -> str:
    settings.DEBUG = True  # the development outbox (/dev/outbox/) answers only with DEBUG on
    return str(live_server.url)


@pytest.fixture
def viewport() -> dict[str, int]:
    return PHONE


@pytest.fixture
def new_context(
    browser: Browser, base_url: str, viewport: dict[str, int]
) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh contexts (their own cookies), as a second device or a new browser would be."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", viewport)
        options.setdefault("locale", "ar-SA")
        options.setdefault("timezone_id", "Asia/Riyadh")
        ctx = browser.new_context(base_url=base_url, **options)
        ctx.set_default_timeout(TIMEOUT_MS)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
        page.screenshot(path=str(FAILURE_DIR / f"{name}.png"), full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def outbox_code(context: BrowserContext) -> Callable[[str], str]:
    return lambda recipient: latest_code(context, recipient)
