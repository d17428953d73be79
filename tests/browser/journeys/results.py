"""Result journeys: 4.1 see your result, 4.2 see its details and download the score report.

What the pages show is compared with what the server itself computes
(``selectors.result_detail``) and with the message catalogue in the journey's language.
"""

import re

from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from rukhsa.results import selectors
from rukhsa.results.models import Result
from tests.browser.journeys import Shot, World, demo, guide
from tests.browser.journeys.steps import expect_language, expect_path, follow, say

LIST_PATH = "/results/"
SUMMARY = "section[aria-labelledby=summary-title]"
LEVEL = "section[aria-labelledby=level-title]"
DOMAINS = "section[aria-labelledby=domains-title]"


def definitions(section: Locator) -> dict[str, str]:
    """A description list as {term: description}, as read on the page."""
    terms = [t.strip() for t in section.locator("dl > dt").all_inner_texts()]
    values = [v.strip() for v in section.locator("dl > dd").all_inner_texts()]
    return dict(zip(terms, values, strict=True))


def detail_path(result: Result) -> str:
    return f"/results/{result.pk}/"


def report_path(result: Result) -> str:
    return f"/results/{result.pk}/report.pdf"


def list_item(result: Result) -> str:
    """The result's entry in "My results"."""
    return f"#main ul.result-list > li:has(a[href='{detail_path(result)}'])"


def details_button(result: Result) -> str:
    return f"#main ul.result-list a.button[href='{detail_path(result)}']"


def report_link(result: Result) -> str:
    return f"#main a[href='{report_path(result)}']"


# --- What each page shows -----------------------------------------------------------------------


def check_list(page: Page, result: Result, language: str) -> None:
    expect_path(page, LIST_PATH)
    expect_language(page, language)
    with translation.override(language):
        spec, test = result.specialization.name, result.period.test.name
    expect(page.locator("#main h1")).to_have_text(say(language, "My results"))
    item = page.locator(list_item(result))
    expect(item).to_have_count(1)
    expect(item.locator("h2")).to_have_text(spec)
    expect(item).to_contain_text(test)
    expect(item.locator(".result-score")).to_have_text(
        say(language, "%(score)s out of 100", score=result.score)
    )
    expect(item.locator(".badge.result-passed")).to_have_text(say(language, "Passed"))


def check_summary(page: Page, result: Result, language: str) -> None:
    """The top of the details page: the score, the pass mark and the status."""
    expect_path(page, detail_path(result))
    expect_language(page, language)
    with translation.override(language):
        spec, test = result.specialization.name, result.period.test.name
    summary = page.locator(SUMMARY)
    expect(summary.locator("h2")).to_have_text(spec)
    expect(summary).to_contain_text(test)
    expect(summary.locator(".result-score")).to_have_text(
        say(language, "%(score)s out of 100", score=result.score)
    )
    shown = definitions(summary)
    assert shown[say(language, "Pass mark")] == say(
        language, "%(mark)s out of 100", mark=result.period.test.pass_mark
    )
    # The status leads, beside the score, with the score report's button right below.
    expect(summary.locator(".result-headline .badge.result-passed")).to_have_text(
        say(language, "Passed")
    )


def check_level(page: Page, result: Result, language: str) -> None:
    """The indicative licence level and the sentence that explains it."""
    with translation.override(language):
        d = selectors.result_detail(result)
    assert d.level_reason
    # Score 80 (the expert band) with a bachelor's degree and 7 years: capped at advanced.
    assert result.score == 80 and d.level.level == "advanced"
    level = page.locator(LEVEL)
    expect(level.locator("h2")).to_have_text(say(language, "Indicative licence level"))
    expect(level.locator(".level-name")).to_have_text(d.level_label)
    expect(level).to_contain_text(d.level_reason)


def check_domains(page: Page, result: Result, language: str) -> None:
    """One row per domain: name, band, a drawn bar (SVG) with the cohort line, the figures."""
    expect_path(page, detail_path(result))
    expect_language(page, language)
    with translation.override(language):
        d = selectors.result_detail(result)
    assert d.cohort_shown and d.cohort_size >= 30
    domains = page.locator(DOMAINS)
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


def download_report(page: Page, result: Result, language: str) -> bytes:
    """Click the report link as a person would: headless Chromium opens the PDF inline in its
    viewer (whose document is the viewer's HTML), so the file's bytes are then fetched again
    with the same browser context's cookies, as "Save" would."""
    link = page.locator(report_link(result))
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


# --- 4.1 See your result ------------------------------------------------------------------------


def view_result(page: Page, shot: Shot, *, result: Result, language: str) -> None:
    """Account page → “My results” → the result's details: score, pass mark, status, level."""
    page.goto("/dashboard/")
    expect_path(page, "/dashboard/")
    expect_language(page, language)
    to_results = f"#main ul.steps a[href='{LIST_PATH}']"
    expect(page.locator(to_results)).to_be_visible()
    shot(page, "dashboard", focus=f"#main ul.steps > li:has(a[href='{LIST_PATH}'])")
    follow(page, to_results)

    check_list(page, result, language)
    shot(page, "list", focus=list_item(result))
    follow(page, details_button(result))

    check_summary(page, result, language)
    shot(page, "result", focus=f"#main {SUMMARY}")
    check_level(page, result, language)
    shot(page, "level", focus=f"#main {LEVEL}")


# --- 4.2 See your result's details ----------------------------------------------------------------


def result_details(page: Page, shot: Shot, *, result: Result, language: str) -> bytes:
    """“My results” → the result's details → each domain → the score report (PDF), whose
    bytes are returned."""
    page.goto(LIST_PATH)
    expect_path(page, LIST_PATH)
    expect_language(page, language)
    expect(page.locator(details_button(result))).to_be_visible()
    shot(page, "result", focus=details_button(result))
    follow(page, details_button(result))

    check_domains(page, result, language)
    shot(page, "domains", focus=f"#main {DOMAINS} ul.domain-list")

    expect(page.locator("#main .code")).to_have_text(result.code_display)
    shot(page, "report", focus=report_link(result))
    return download_report(page, result, language)


# --- The guide: the demo candidate's published result -------------------------------------------


def demo_result(world: World) -> Result:
    user = demo.candidate(world.language)
    world.log_in(user)
    return Result.objects.select_related("period__test", "specialization", "registration").get(
        candidate=user, published_at__isnull=False
    )


@guide("view-result")
def guide_view_result(page: Page, shot: Shot, world: World) -> None:
    view_result(page, shot, result=demo_result(world), language=world.language)


@guide("result-details")
def guide_result_details(page: Page, shot: Shot, world: World) -> None:
    result_details(page, shot, result=demo_result(world), language=world.language)
