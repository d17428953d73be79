"""Helpers for browser tests: the development outbox read through the browser, and axe-core.

Import them in test modules (``from tests.browser.support import assert_accessible``); the
fixtures that use them live in tests/browser/conftest.py.
"""

import os
import re
import time
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

_axe = Axe()
_CODE = re.compile(r"(?<![\w/])(\d{6})(?![\w/])")


# --- The development outbox, read through the browser ----------------------------------------


def _normalise(recipient: str) -> str:
    """E.164 for phone numbers (Saudi local forms accepted), lower case for emails."""
    value = recipient.strip()
    if "@" in value:
        return value.lower()
    try:
        number = phonenumbers.parse(value, "SA")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def latest_message(context: BrowserContext, recipient: str, *, wait_s: float = 5.0) -> str:
    """The body (subject included) of the newest outbox message to `recipient`."""
    wanted = _normalise(recipient)
    outbox = context.new_page()
    try:
        deadline = time.monotonic() + wait_s
        while True:
            outbox.goto("/dev/outbox/")
            seen = []
            for item in outbox.locator("li.outbox-item").all():
                to = item.locator(".ltr-value").first.inner_text()
                seen.append(to)
                if _normalise(to) == wanted:
                    return item.inner_text()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"No message to {recipient} in the outbox; recipients seen: {seen}"
                )
            time.sleep(0.25)
    finally:
        outbox.close()


def latest_code(context: BrowserContext, recipient: str) -> str:
    """The 6-digit code in the newest outbox message to `recipient`."""
    body = latest_message(context, recipient)
    # Links carry tokens; look for the code outside them.
    text = " ".join(line for line in body.splitlines() if "://" not in line)
    match = _CODE.search(text)
    assert match, f"No 6-digit code in the newest message to {recipient}:\n{body}"
    return match.group(1)


# --- Accessibility ----------------------------------------------------------------------------


def axe_violations(page: Page, *, context: str | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (all impacts); `context` is a selector."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)  # once per document
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options).then(r => r.violations)",
        [context, {"resultTypes": ["violations"]}],
    )


def assert_accessible(page: Page, *, context: str | None = None) -> None:
    """Run axe-core on the page as it is now; fail on any violation, whatever its impact
    (minor and moderate included)."""
    violations = axe_violations(page, context=context)
    if not violations:
        return
    lines = [f"axe-core: {len(violations)} violation(s) on {page.url}"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation["nodes"][:8]:
            lines.append(f"    target: {node['target']}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    pytest.fail("\n".join(lines), pytrace=False)


def doc_screenshots(page: Page, name: str) -> None:
    """Full-page pictures of the current page at phone and desktop width ("<name>-390.png",
    "<name>-1280.png") into $RUKHSA_SHOTS, when it is set: the docs' screenshots."""
    folder = os.environ.get("RUKHSA_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, height in ((PHONE["width"], PHONE["height"]), (DESKTOP["width"], DESKTOP["height"])):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)
