"""Results in a real browser (PRODUCT §6): the list (4.1), the details (4.2), the PDF score
report with its QR code, and the public verification page; every page checked with axe-core.

The data is the demo's: ``load_demo`` builds the catalogue, the demo candidate (national ID
1000000008) and, through ``demo_results_load()``, the earlier period's published results — the
demo candidate's passed mathematics result with per-domain details and a cohort of 40 others
(so the cohort average shows). The list, the details and the report are the journeys of the
visual guide's services 4.1 and 4.2 (tests/browser/journeys/results.py), which compare what
they show with what the server itself computes (``selectors.result_detail``) and with the
message catalogue (gettext under "ar" or "en").
"""

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.models import User
from rukhsa.results.demo import CANDIDATE_ID, demo_id
from rukhsa.results.models import Result
from rukhsa.results.views import masked_name
from tests.browser.journeys import World, axe_shot
from tests.browser.journeys.results import (
    definitions,
    detail_path,
    report_path,
    result_details,
    view_result,
)
from tests.browser.journeys.steps import expect_language, say
from tests.browser.support import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


@dataclass
class Demo:
    candidate: User
    result: Result
    other: User  # a cohort candidate with a result of their own


@pytest.fixture
def demo(db: object) -> Demo:
    call_command("load_demo", verbosity=0)  # catalogue, people, and demo_results_load()
    result = Result.objects.select_related("candidate", "period__test", "specialization").get(
        candidate__identity_key=CANDIDATE_ID
    )
    assert result.passed and result.published_at and result.domain_scores.count() >= 3
    other = User.objects.get(identity_key=demo_id(1))
    assert Result.objects.filter(candidate=other).exists()
    return Demo(candidate=result.candidate, result=result, other=other)


@pytest.fixture
def log_in(context: BrowserContext, base_url: str) -> Callable[[User], None]:
    """Sign `user` in on the test's browser (World.log_in: the session cookie of a server-side
    login; the log-in form itself is covered by test_accounts_journeys.py)."""
    return World(context=context, base_url=base_url, language="ar").log_in


def switch_language(page: Page, to: str) -> None:
    switch = page.locator("header form.lang-switch button[name=language]")
    expect(switch).to_have_attribute("value", to)
    with page.expect_navigation():
        switch.click()


def run(*command: str) -> str:
    """A poppler or zbar tool, by its full path (they are checked for before use)."""
    tool = shutil.which(command[0]) or command[0]
    done = subprocess.run(  # noqa: S603 - fixed arguments and our own temporary files
        [tool, *command[1:]], check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout


def qr_payloads(pdf: bytes, folder: Path) -> list[str]:
    """What a phone reads from the report's first page (pdftoppm + zbarimg)."""
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    run("pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(folder / "page"))
    decoded = run(
        "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(folder / "page.png")
    )
    return [line for line in decoded.splitlines() if line]


def journey(page: Page, demo: Demo, language: str, tmp_path: Path) -> None:
    """The results page in Arabic, switched to `language` if it is another; then 4.1 (account
    page → list → details) and 4.2 (list → domains → report), every page checked with axe-core;
    the report's QR code leads to the result's verification page."""
    result = demo.result
    page.goto("/results/")
    if language != "ar":
        expect_language(page, "ar")
        switch_language(page, language)
    view_result(page, axe_shot, result=result, language=language)
    pdf = result_details(page, axe_shot, result=result, language=language)
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        urls = qr_payloads(pdf, tmp_path)
        assert len(urls) == 1, urls
        assert urlsplit(urls[0]).path == f"/verify/{result.verification_code}/", urls


# --- The tests --------------------------------------------------------------------------------


def test_demo_candidate_sees_results_details_and_report_in_arabic(
    page: Page, demo: Demo, log_in: Callable[[User], None], tmp_path: Path
) -> None:
    log_in(demo.candidate)
    journey(page, demo, "ar", tmp_path)


def test_demo_candidate_sees_results_details_and_report_in_english(
    page: Page, demo: Demo, log_in: Callable[[User], None], tmp_path: Path
) -> None:
    log_in(demo.candidate)
    journey(page, demo, "en", tmp_path)
    # The choice holds on the next page too.
    page.goto("/results/")
    expect_language(page, "en")


def test_stranger_verifies_the_reports_code_and_a_made_up_code_is_not_valid(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    result = demo.result
    stranger = new_context().new_page()  # a fresh browser: no cookies, nobody logged in
    stranger.goto(f"/verify/{result.verification_code}/")
    expect_language(stranger, "ar")
    card = stranger.locator("section.verify-valid")
    expect(card.locator("h2")).to_have_text(say("ar", "Valid result"))
    with translation.override("ar"):
        name, test = masked_name(result.candidate, "ar"), result.period.test.name
        spec = result.specialization.name
    assert name == "محمد ق."
    shown = definitions(card)
    assert shown[say("ar", "Name")] == name
    assert shown[say("ar", "Test")] == test
    assert shown[say("ar", "Specialization")] == spec
    assert shown[say("ar", "Score")] == say("ar", "%(score)s out of 100", score=result.score)
    assert shown[say("ar", "Status")] == say("ar", "Passed")
    assert shown[say("ar", "Verification code")] == result.code_display
    text = stranger.locator("#main").inner_text()
    assert result.candidate.name_ar not in text and result.candidate.name_ar_family not in text
    assert CANDIDATE_ID not in text
    assert_accessible(stranger)

    stranger.goto("/verify/ZZZZ9999ZZZZ9999/")
    invalid = stranger.locator("section.verify-invalid")
    expect(invalid).to_have_attribute("role", "alert")
    expect(invalid.locator("h2")).to_have_text(say("ar", "Not valid"))
    assert ARABIC_LETTER.search(say("ar", "Not valid"))
    expect(stranger.locator("section.verify-valid")).to_have_count(0)
    assert_accessible(stranger)


def test_another_candidate_gets_404_for_the_demo_candidates_result_and_report(
    page: Page, demo: Demo, log_in: Callable[[User], None]
) -> None:
    log_in(demo.other)
    response = page.goto("/results/")
    assert response and response.status == 200
    expect_language(page, "ar")
    expect(page.locator(f"a[href='{detail_path(demo.result)}']")).to_have_count(0)
    assert_accessible(page)
    for path in (detail_path(demo.result), report_path(demo.result)):
        response = page.request.get(path)
        assert response.status == 404, (path, response.status)
    response = page.goto(detail_path(demo.result))
    assert response and response.status == 404
    assert_accessible(page)
