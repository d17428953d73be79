#!/usr/bin/env python3
"""Screenshots of the account pages in Arabic and English, at phone and desktop width.

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--out /tmp/rukhsa-shots]

Runs against a server started with DEBUG=1 (the sign-up code is read from /dev/outbox/). It
signs up a demo citizen the first time (and logs in on later runs), then saves
<page>-<ar|en>-<phone|desktop>.png for: sign-up (empty and with errors), login, recovery, code
entry, dashboard, profile, profile edit and change mobile. With axe-playwright-python installed
it also prints any serious or critical axe-core violation per page.
"""

import argparse
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LANGUAGES = ("ar", "en")
LANGUAGE_COOKIE = "django_language"
PASSWORD = "Qasr-Almasmak-6620"  # noqa: S105 - a demo account on a development server
MOBILE = "0550000733"
EMAIL = "screenshots.candidate@example.com"
CODE = re.compile(r"(?<![\w/])(\d{6})(?![\w/])")


def luhn_number(first: str, serial: int) -> str:
    """A 10-digit national ID (first=1) or iqama (first=2) with a valid Luhn check digit."""
    body = f"{first}{serial:08d}"
    for check in "0123456789":
        digits = [int(d) for d in body + check]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2:
                d *= 2
                d -= 9 if d > 9 else 0
            total += d
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


NATIONAL_ID = luhn_number("1", 7330)


def submit(page: Page) -> None:
    button = page.locator("#main form[method=post]").first.locator("button[type=submit]").first
    with page.expect_navigation():
        button.click()


def latest_code(context: BrowserContext, recipient_digits: str) -> str:
    """The code in the newest outbox message whose recipient ends with these digits."""
    outbox = context.new_page()
    try:
        for _attempt in range(20):
            outbox.goto("/dev/outbox/")
            for item in outbox.locator("li.outbox-item").all():
                to = re.sub(r"\D", "", item.locator(".ltr-value").first.inner_text())
                if to.endswith(recipient_digits):
                    text = " ".join(
                        line for line in item.inner_text().splitlines() if "://" not in line
                    )
                    match = CODE.search(text)
                    if match:
                        return match.group(1)
                    break
            time.sleep(0.5)
    finally:
        outbox.close()
    raise SystemExit(f"No code for …{recipient_digits} in /dev/outbox/ (is DEBUG on?)")


def log_in(page: Page) -> bool:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", NATIONAL_ID)
    page.fill("#id_password", PASSWORD)
    submit(page)
    if "/accounts/verify/mobile/" in page.url:
        page.fill("#id_code", latest_code(page.context, MOBILE[1:]))
        submit(page)
    return "/dashboard/" in page.url


def sign_up(page: Page) -> None:
    page.goto("/accounts/signup/")
    page.check("input[name=identity_type][value=citizen]")
    page.fill("#id_identity_number", NATIONAL_ID)
    page.check("input[name=birth_calendar][value=hijri]")
    for name, value in (("birth_day", "21"), ("birth_month", "10"), ("birth_year", "1410")):
        page.fill(f"#id_{name}", value)
    names = {
        "name_ar_first": "نورة",
        "name_ar_father": "عبدالله",
        "name_ar_grandfather": "سالم",
        "name_ar_family": "القحطاني",
        "name_en_first": "Noura",
        "name_en_father": "Abdullah",
        "name_en_grandfather": "Salem",
        "name_en_family": "Alqahtani",
    }
    for name, value in names.items():
        page.fill(f"#id_{name}", value)
    page.check("input[name=gender][value=female]")
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_email", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_confirm", PASSWORD)
    page.check("#id_accept_terms")
    page.check("#id_accept_privacy")
    submit(page)
    if "/accounts/verify/mobile/" not in page.url:
        raise SystemExit(f"Sign-up did not reach the mobile code page (at {page.url}).")
    page.fill("#id_code", latest_code(page.context, MOBILE[1:]))
    submit(page)


def ensure_account(browser: Browser, url: str) -> None:
    context = browser.new_context(base_url=url)
    page = context.new_page()
    if not log_in(page):
        sign_up(page)
        if "/dashboard/" not in page.url:
            raise SystemExit(f"Could not sign up or log in (at {page.url}).")
    context.close()


class Shooter:
    def __init__(self, out: Path, check_axe: bool) -> None:
        self.out = out
        self.axe = None
        if check_axe:
            try:
                from axe_playwright_python.sync_playwright import Axe
            except ImportError:
                print("axe-playwright-python is not installed: no accessibility check.")
            else:
                self.axe = Axe()
        self.problems: list[str] = []

    def shoot(self, page: Page, name: str, language: str, width: str) -> None:
        html_lang = page.locator("html").get_attribute("lang")
        if html_lang != language:
            self.problems.append(f"{name}-{language}-{width}: html lang is {html_lang!r}")
        path = self.out / f"{name}-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"saved {path}")
        if self.axe is not None:
            violations = [
                v
                for v in self.axe.run(page).response["violations"]
                if v.get("impact") in ("serious", "critical")
            ]
            for v in violations:
                targets = [n["target"] for n in v["nodes"][:5]]
                self.problems.append(f"{path.name}: axe {v['id']} ({v['impact']}) {targets}")


def shoot_all(browser: Browser, url: str, shooter: Shooter) -> None:
    # One anonymous and one logged-in context for everything: the recovery request is made once
    # (every request counts against the per-IP code limit), later visits reuse its session.
    anonymous = browser.new_context(base_url=url, locale="ar-SA")
    member = browser.new_context(base_url=url, locale="ar-SA")
    visitor, candidate = anonymous.new_page(), member.new_page()
    if not log_in(candidate):
        raise SystemExit(f"Could not log in (at {candidate.url}).")
    recovery_requested = False
    for language in LANGUAGES:
        cookie = {"name": LANGUAGE_COOKIE, "value": language, "url": url}
        anonymous.add_cookies([cookie])
        member.add_cookies([cookie])  # login restored the saved language; this switches it
        for width, viewport in WIDTHS.items():
            page = visitor
            page.set_viewport_size(viewport)
            page.goto("/accounts/signup/")
            shooter.shoot(page, "signup", language, width)
            page.check("input[name=identity_type][value=resident]")
            page.fill("#id_identity_number", "2123")
            page.fill("#id_name_ar_first", "Noura")
            page.fill("#id_email", "not-an-email")
            submit(page)
            shooter.shoot(page, "signup-errors", language, width)
            page.goto("/accounts/login/")
            shooter.shoot(page, "login", language, width)
            page.goto("/accounts/recover/")
            shooter.shoot(page, "recover", language, width)
            if not recovery_requested:
                # An identity no account has: the answer is the same, and no code is sent.
                page.fill("#id_identifier", luhn_number("1", 9990))
                submit(page)
                recovery_requested = True
            else:
                page.goto("/accounts/recover/code/")
            shooter.shoot(page, "recover-code", language, width)

            page = candidate
            page.set_viewport_size(viewport)
            for name, path in (
                ("dashboard", "/dashboard/"),
                ("profile", "/accounts/profile/"),
                ("profile-edit", "/accounts/profile/edit/"),
                ("change-mobile", "/accounts/profile/mobile/"),
                ("verify-email", "/accounts/verify/email/"),
            ):
                page.goto(path)
                if page.url.rstrip("/").endswith(path.rstrip("/")):
                    shooter.shoot(page, name, language, width)
    with candidate.expect_navigation():
        candidate.locator("header form[action$='/accounts/logout/'] button").click()
    anonymous.close()
    member.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="/tmp/rukhsa-shots", type=Path)  # noqa: S108
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--no-axe", action="store_true", help="skip the axe-core check")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    shooter = Shooter(args.out, check_axe=not args.no_axe)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            ensure_account(browser, url)
            shoot_all(browser, url, shooter)
        finally:
            browser.close()
    for problem in shooter.problems:
        print("PROBLEM", problem)
    return 1 if shooter.problems else 0


if __name__ == "__main__":
    sys.exit(main())
