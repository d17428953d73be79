"""Results in a real browser (PRODUCT §6): the list (4.1), the details (4.2), the PDF score
report with its QR code, and the public verification page; every page checked with axe-core.

The data is the demo's: ``load_demo`` builds the catalogue, the demo candidate (national ID
1000000008) and, through ``demo_results_load()``, the earlier period's published results — the
demo candidate's passed mathematics result with per-domain details and a cohort of 40 others
(so the cohort average shows). Visible text is compared with what the server itself computes
(``selectors.result_detail``) and with the message catalogue (gettext under "ar" or "en").
"""

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import BrowserContext, Locator, Page, expect

from rukhsa.accounts.models import User
from rukhsa.results import selectors
from rukhsa.results.demo import CANDIDATE_ID, demo_id
from rukhsa.results.models import Result
from rukhsa.results.views import masked_name
from tests.browser.support import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def say(language: str, message: str, **values: Any) -> str:
    """What the server shows for `message` in `language` (the same compiled catalogue). A
    message with a literal "%" is written as makemessages keeps it ("%%") and then formatted, as
    the template tags do."""
    with translation.override(language):
        text = gettext(message)
        return text % values if values or "%%" in message else text


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
def log_in(base_url: str) -> Callable[[BrowserContext, User], None]:
    """Sign `user` in with the session cookie of a server-side login (the login form itself is
    covered by test_accounts_journeys.py)."""

    def sign_in(context: BrowserContext, user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])

    return sign_in


def expect_language(page: Page, language: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")


def switch_language(page: Page, to: str) -> None:
    switch = page.locator("header form.lang-switch button[name=language]")
    expect(switch).to_have_attribute("value", to)
    with page.expect_navigation():
        switch.click()


def definitions(section: Locator) -> dict[str, str]:
    """A description list as {term: description}, as read on the page."""
    terms = [t.strip() for t in section.locator("dl > dt").all_inner_texts()]
    values = [v.strip() for v in section.locator("dl > dd").all_inner_texts()]
    return dict(zip(terms, values, strict=True))


def detail_path(result: Result) -> str:
    return f"/results/{result.pk}/"


def report_path(result: Result) -> str:
    return f"/results/{result.pk}/report.pdf"


# --- The journey, in either language ----------------------------------------------------------


def check_list(page: Page, result: Result, language: str) -> None:
    expect(page).to_have_url(re.compile(r"/results/$"))
    expect_language(page, language)
    with translation.override(language):
        spec, test = result.specialization.name, result.period.test.name
    expect(page.locator("#main h1")).to_have_text(say(language, "My results"))
    item = page.locator("ul.result-list > li").filter(
        has=page.locator(f"a[href='{detail_path(result)}']")
    )
    expect(item).to_have_count(1)
    expect(item.locator("h2")).to_have_text(spec)
    expect(item).to_contain_text(test)
    expect(item.locator(".result-score")).to_have_text(
        say(language, "%(score)s out of 100", score=result.score)
    )
    expect(item.locator(".badge.result-passed")).to_have_text(say(language, "Passed"))
    assert_accessible(page)


def check_details(page: Page, result: Result, language: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(detail_path(result)) + "$"))
    expect_language(page, language)
    with translation.override(language):
        d = selectors.result_detail(result)
        spec, test = result.specialization.name, result.period.test.name
    assert d.cohort_shown and d.cohort_size >= 30 and d.level_reason
    # Score 80 (the expert band) with a bachelor's degree and 7 years: capped at advanced.
    assert result.score == 80 and d.level.level == "advanced"
    summary = page.locator("section[aria-labelledby=summary-title]")
    expect(summary.locator("h2")).to_have_text(spec)
    expect(summary).to_contain_text(test)
    expect(summary.locator(".result-score")).to_have_text(
        say(language, "%(score)s out of 100", score=result.score)
    )
    shown = definitions(summary)
    assert shown[say(language, "Pass mark")] == say(
        language, "%(mark)s out of 100", mark=result.period.test.pass_mark
    )
    assert shown[say(language, "Status")] == say(language, "Passed")

    # The indicative licence level and the sentence that explains it.
    level = page.locator("section[aria-labelledby=level-title]")
    expect(level.locator("h2")).to_have_text(say(language, "Indicative licence level"))
    expect(level.locator(".level-name")).to_have_text(d.level_label)
    expect(level).to_contain_text(d.level_reason)

    # One row per domain: name, band, a drawn bar (SVG) with the cohort line, the figures.
    domains = page.locator("section[aria-labelledby=domains-title]")
    expect(domains).to_contain_text(
        say(language, "Bands: high is 80%% or more, medium 50%% to 79%%, low below 50%%.")
    )
    with translation.override(language):
        cohort_note = translation.ngettext(
            "The line on each bar is the average of %(counter)s candidate in the same period "
            "and specialization.",
            "The line on each bar is the average of %(counter)s candidates in the same period "
            "and specialization.",
            d.cohort_size,
        ) % {"counter": d.cohort_size}
    expect(domains).to_contain_text(cohort_note)
    rows = domains.locator("ul.domain-list > li")
    expect(rows).to_have_count(len(d.domains))
    bands = set()
    for i, row in enumerate(d.domains):
        item = rows.nth(i)
        expect(item.locator("h3")).to_have_text(row.name)
        expect(item.locator(f".badge.band-{row.band}")).to_have_text(row.band_label)
        bands.add(row.band)
        bar = item.locator("svg.bar")
        expect(bar).to_be_visible()
        box = bar.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 0, box
        fill = bar.locator("rect.bar-fill")
        expect(fill).to_have_class(re.compile(rf"\bband-{row.band}\b"))
        expect(fill).to_have_attribute("width", row.bar_width)
        expect(bar.locator("rect.bar-cohort")).to_have_count(1)
        expect(item.locator(".domain-figures")).to_contain_text(
            say(
                language,
                "%(percent)s%% correct (%(correct)s of %(questions)s questions)",
                percent=row.percent_text,
                correct=row.correct,
                questions=row.questions,
            )
        )
        expect(item.locator(".domain-figures")).to_contain_text(
            say(language, "Cohort average: %(average)s%%", average=row.cohort_text)
        )
    assert bands == {"high", "medium", "low"}, bands  # the demo spans every band
    expect(page.locator(".code")).to_have_text(result.code_display)
    assert_accessible(page)


def download_report(page: Page, result: Result, language: str) -> bytes:
    """Click the report link as a person would: headless Chromium opens the PDF inline in its
    viewer (whose document is the viewer's HTML), so the file's bytes are then fetched again
    with the same browser context's cookies, as "Save" would."""
    link = page.locator(f"a[href='{report_path(result)}']")
    expect(link).to_have_text(say(language, "Download the score report (PDF)"))
    with page.expect_response(lambda r: r.url.endswith(report_path(result))) as answer:
        link.click()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert f'filename="score-report-{result.registration.reference}.pdf"' in disposition
    saved = page.context.request.get(report_path(result))
    assert saved.status == 200 and saved.headers["content-type"] == "application/pdf"
    body = saved.body()
    assert body.startswith(b"%PDF-"), body[:20]
    return body


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
    result = demo.result
    page.goto("/results/")
    if language != "ar":
        expect_language(page, "ar")
        switch_language(page, language)
    check_list(page, result, language)
    page.locator(f"ul.result-list a.button[href='{detail_path(result)}']").click()
    check_details(page, result, language)
    pdf = download_report(page, result, language)
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        urls = qr_payloads(pdf, tmp_path)
        assert len(urls) == 1, urls
        assert urlsplit(urls[0]).path == f"/verify/{result.verification_code}/", urls


# --- The tests --------------------------------------------------------------------------------


def test_demo_candidate_sees_results_details_and_report_in_arabic(
    page: Page, demo: Demo, log_in: Callable[..., None], tmp_path: Path
) -> None:
    log_in(page.context, demo.candidate)
    journey(page, demo, "ar", tmp_path)


def test_demo_candidate_sees_results_details_and_report_in_english(
    page: Page, demo: Demo, log_in: Callable[..., None], tmp_path: Path
) -> None:
    log_in(page.context, demo.candidate)
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
    page: Page, demo: Demo, log_in: Callable[..., None]
) -> None:
    log_in(page.context, demo.other)
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
