#!/usr/bin/env python3
"""Screenshots of the booking journey for the demo candidate, from available tests to invoice.

    .venv/bin/python scripts/screenshots_booking.py [URL] [--out /tmp/rukhsa-booking-shots]

URL defaults to http://127.0.0.1:8014: a server with DEBUG on and the demo data loaded
(`manage.py load_demo`). Logs in as the demo candidate (national ID 1000000008), books a
computer-based slot (Jeddah's men's centre first, where the demo has a full slot) and pays with
the sandbox's mada test card through 3-D Secure. Saves, in Arabic at 390 px:

    01-available-tests  02-notes  03-choose-mode  04-choose-specialization  05-choose-city
    06-choose-centre  07-choose-date  08-choose-slot  09-review  10-registration-countdown
    11-sandbox-card  12-3ds  13-confirmed  14-invoice  15-invoice-pdf (pdftoppm -png -r 70)

and 09-review-en-desktop, 13-confirmed-en-desktop in English at 1280 px. Each page is also run
through axe-core (when axe-playwright-python is installed); serious and critical violations
are printed at the end. If the candidate still holds a seat for the open period, it is released
first; a confirmed one stops the script (load the demo into a fresh database).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGE_COOKIE = "django_language"
CANDIDATE_ID = "1000000008"
CANDIDATE_PASSWORD = "Rukhsa-Demo-2026"  # noqa: S105 - the published demo credential
OPEN_PERIOD = "splt-demo-open"
MADA_OK = "4201320111111010"
PREFERRED = {"city": "jeddah", "centre": "JED-DM1"}  # the demo's full slot is there
REGISTRATION = re.compile(r"/registrations/([A-Za-z0-9-]+)/$")


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.problems: list[str] = []
        try:
            from axe_playwright_python.sync_playwright import Axe
        except ImportError:
            print("axe-playwright-python is not installed: no accessibility check.")
            self.axe: Any = None
        else:
            self.axe = Axe()

    def shoot(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            self.problems.append(f"{path.name}: page is {overflow}px wider than the viewport")
        if self.axe is not None:
            for v in self.axe.run(page).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:4]
                    self.problems.append(f"{path.name}: axe {v['id']} ({v['impact']}) {targets}")
        print(f"saved {path}")


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(form).first.locator("button[type=submit]").first.click()


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", CANDIDATE_ID)
    page.fill("#id_password", CANDIDATE_PASSWORD)
    submit(page, "#main form[method=post]")
    if page.locator("form[action='/accounts/logout/']").count() == 0:
        sys.exit(f"Could not log in as the demo candidate {CANDIDATE_ID}; is the demo loaded?")


def set_language(context: BrowserContext, base: str, language: str) -> None:
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": base}])


def free_the_period(page: Page) -> None:
    """Release a seat the demo candidate still holds for the open period (earlier runs)."""
    page.goto("/register/")
    existing = page.locator("#main a.button[href^='/registrations/']").first
    if existing.count() == 0:
        return
    with page.expect_navigation():
        existing.click()
    release = page.locator("form[action$='/release/'] button[type=submit]")
    if release.count() == 0:
        sys.exit(
            f"The demo candidate already has a confirmed registration ({page.url}). Load the "
            "demo into a fresh database (a new RUKHSA_VAR_DIR) and run again."
        )
    with page.expect_navigation():
        release.click()
    print(f"released an earlier held seat ({page.url})")


def choose(page: Page, name: str) -> None:
    """Tick the preferred (else the first enabled) radio of this step and go on."""
    radios = page.locator(f"input[type=radio][name={name}]:not([disabled])")
    preferred = PREFERRED.get(name)
    wanted = radios.and_(page.locator(f"[value='{preferred}']")) if preferred else radios
    (wanted if wanted.count() else radios).first.check()
    submit(page, "#main form[method=get]")


def in_english_on_desktop(page: Page, base: str, shooter: Shooter, name: str) -> None:
    """The same page in English at 1280 px, then back to Arabic at 390 px."""
    set_language(page.context, base, "en")
    page.set_viewport_size(DESKTOP)
    page.reload()
    shooter.shoot(page, f"{name}-en-desktop")
    set_language(page.context, base, "ar")
    page.set_viewport_size(PHONE)
    page.reload()


def walk(page: Page, base: str, shooter: Shooter) -> None:
    log_in(page)
    set_language(page.context, base, "ar")
    free_the_period(page)

    page.goto("/register/")
    shooter.shoot(page, "01-available-tests")
    with page.expect_navigation():
        page.locator(f"a[href='/register/{OPEN_PERIOD}/']").click()
    shooter.shoot(page, "02-notes")
    page.check("#id_accept")
    submit(page, "#main form[method=post]")

    for number, step in (
        ("03", "mode"), ("04", "specialization"), ("05", "city"), ("06", "centre"),
        ("07", "date"),
    ):  # fmt: skip
        shooter.shoot(page, f"{number}-choose-{step}")
        if step == "mode":
            page.check("input[name=mode][value=digital]")
            submit(page, "#main form[method=get]")
        else:
            choose(page, {"specialization": "spec"}.get(step, step))
    shooter.shoot(page, "08-choose-slot")
    if page.locator("input[name=session][disabled]").count() == 0:
        shooter.problems.append("08-choose-slot.png: no full slot on this date (demo data?)")
    choose(page, "session")

    shooter.shoot(page, "09-review")
    in_english_on_desktop(page, base, shooter, "09-review")
    submit(page, "#main form[method=post]")
    match = REGISTRATION.search(page.url)
    if not match:
        sys.exit(f"The seat was not held; the review page says: {page.inner_text('#main')}")
    page.wait_for_timeout(1500)  # let the countdown tick once
    shooter.shoot(page, "10-registration-countdown")

    with page.expect_navigation():
        page.locator("form[action$='/pay/'] button[type=submit]").click()
    page.fill("#id_name", "DEMO CANDIDATE")
    page.fill("#id_number", MADA_OK)
    page.fill("#id_expiry", "12/30")
    page.fill("#id_cvc", "123")
    page.locator("details.test-cards").evaluate("d => d.open = true")
    shooter.shoot(page, "11-sandbox-card")
    submit(page, "#main form:has(#id_number)")
    shooter.shoot(page, "12-3ds")
    with page.expect_navigation():
        page.click("button[name=result][value=authenticate]")

    shooter.shoot(page, "13-confirmed")
    registration_url = page.url
    invoice = page.locator("a[href^='/payments/invoices/']").first
    invoice_path = invoice.get_attribute("href") or ""
    in_english_on_desktop(page, base, shooter, "13-confirmed")
    page.goto(registration_url)  # the flash is gone after the reload; the page is the same

    page.goto(invoice_path)
    shooter.shoot(page, "14-invoice")
    response = page.context.request.get(invoice_path.rstrip("/") + ".pdf")
    if not response.ok:
        sys.exit(f"The invoice PDF answered {response.status}")
    pdf = shooter.out / "invoice.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm") is None:
        shooter.problems.append("pdftoppm is not installed: no 15-invoice-pdf.png")
        return
    target = shooter.out / "15-invoice-pdf"
    command = ["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), str(target)]
    subprocess.run(command, check=True)
    print(f"saved {shooter.out / '15-invoice-pdf.png'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8014")
    default_out = Path(tempfile.gettempdir()) / "rukhsa-booking-shots"
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.url.rstrip("/")
    shooter = Shooter(args.out)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            base_url=base, viewport=PHONE, locale="ar-SA", timezone_id="Asia/Riyadh"
        )
        context.set_default_timeout(15_000)
        try:
            walk(context.new_page(), base, shooter)
        finally:
            context.close()
            browser.close()
    if shooter.problems:
        print("\nProblems:")
        for problem in shooter.problems:
            print(f"- {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
