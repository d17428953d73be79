"""Candidate pages: my results, result details (bars, bands, cohort, level), ownership."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rukhsa.results.models import Result
from rukhsa.results.services import results_publish
from tests.results.conftest import header, row, run_import


def publish(setup, rows) -> None:
    run_import(setup, [header(setup), *rows], dry_run=False)
    results_publish(period=setup.cat.period)


def en_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def mine(setup, register, make_user):
    user = make_user(qualification="bachelor", experience_years=7, preferred_language="en")
    reg = register(user)
    publish(setup, [row(setup, reg.reference, correct=(4, 16, 27), total=84)])
    return Result.objects.get(registration=reg)


def test_list_shows_score_status_and_absent(setup, register, make_user, mine) -> None:
    other_reg = register(mine.candidate, spec=setup.cat.other_spec, status="cancelled")
    assert other_reg  # cancelled registrations have no result
    client = en_client(mine.candidate)
    page = client.get(reverse("results:list")).content.decode()
    assert "Mathematics" in page and "84 out of 100" in page and "Passed" in page

    absent_user = make_user()
    reg = register(absent_user)
    run_import(setup, [header(setup), [reg.reference, "absent", "", "", "", "", ""]], dry_run=False)
    results_publish(period=setup.cat.period)
    page = Client()
    page.force_login(absent_user)
    assert (
        "غائب" in page.get(reverse("results:list")).content.decode()
        or "Absent" in page.get(reverse("results:list")).content.decode()
    )


def test_details_show_bars_bands_pass_mark_and_level_reason(mine) -> None:
    page = en_client(mine.candidate).get(reverse("results:detail", args=[mine.pk])).content.decode()
    assert "Pass mark" in page and "50 out of 100" in page
    assert "40% correct (4 of 10 questions)" in page and "band-low" in page
    assert "80% correct (16 of 20 questions)" in page and "band-high" in page
    assert "90% correct (27 of 30 questions)" in page
    assert re.search(r'class="bar-fill band-low"[^>]*width="40.0"', page)
    assert (
        "Your score qualifies for Expert, but Expert needs 11 years of experience with a "
        "bachelor&#x27;s degree; you have 7, so your indicative level is Advanced." in page
    )
    assert "Cohort average" not in page  # a cohort of one
    assert 'style="' not in page  # the CSP allows no inline styles


def test_cohort_average_only_from_30_present_candidates(setup, register, make_user, mine) -> None:
    url = reverse("results:detail", args=[mine.pk])
    results_rows = [
        row(setup, register().reference, correct=(10, 10, 10), total=60) for _ in range(28)
    ]
    results_rows.append([register().reference, "absent", "", "", "", "", ""])
    results_rows.append(
        row(
            setup,
            register(spec=setup.cat.other_spec).reference,
            correct=("", "", ""),
            other=20,
            total=80,
        )
    )
    publish(setup, results_rows)
    page = en_client(mine.candidate).get(url).content.decode()
    assert "Cohort average" not in page  # 29 present in mathematics
    publish(setup, [row(setup, register().reference, correct=(10, 10, 10), total=60)])
    page = en_client(mine.candidate).get(url).content.decode()
    # 29 × 100% and my 40% → 98%; the physics and absent candidates do not count
    assert "Cohort average: 98%" in page and "30 candidates" in page


def test_another_candidates_result_and_report_are_404(mine, stranger) -> None:
    client = Client()
    client.force_login(stranger)
    assert client.get(reverse("results:detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("results:report_pdf", args=[mine.pk])).status_code == 404
    assert client.get(reverse("results:detail", args=[999999])).status_code == 404
    anonymous = Client().get(reverse("results:detail", args=[mine.pk]))
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


def _more_results(setup, candidate, count: int) -> None:
    """Published results of the same candidate in other tests (one registration per test)."""
    from rukhsa.booking.models import Registration
    from rukhsa.core import clock
    from rukhsa.results.models import DomainScore
    from tests.catalog.factories import make_period, make_test

    for _ in range(count):
        period = make_period(make_test())
        reg = Registration.objects.create(
            candidate=candidate,
            test=period.test,
            period=period,
            session=setup.cat.sitting,
            specialization=setup.cat.spec,
            mode="paper",
            status="confirmed",
            held_until=clock.now(),
        )
        result = Result.objects.create(
            registration=reg,
            candidate=candidate,
            period=period,
            specialization=setup.cat.spec,
            attendance="present",
            score=66,
            passed=True,
            published_at=clock.now(),
        )
        DomainScore.objects.bulk_create(
            DomainScore(
                result=result, domain=d, correct=5, question_count=d.question_count, percent=50
            )
            for d in setup.domains
        )


def test_query_counts_do_not_grow(setup, mine, django_assert_max_num_queries) -> None:
    client = en_client(mine.candidate)
    _more_results(setup, mine.candidate, 1)
    with django_assert_max_num_queries(6) as small:
        client.get(reverse("results:list"))
    client.get(reverse("results:detail", args=[mine.pk]))  # the first opening marks it seen
    with django_assert_max_num_queries(8) as detail:
        client.get(reverse("results:detail", args=[mine.pk]))
    _more_results(setup, mine.candidate, 4)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("results:list")).content.decode()
    assert page.count("66 out of 100") == 5
    with django_assert_max_num_queries(len(detail.captured_queries)):
        client.get(reverse("results:detail", args=[mine.pk]))


def test_arabic_page_is_rtl_with_the_arabic_specialization(mine) -> None:
    client = Client()
    client.force_login(mine.candidate)
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("results:detail", args=[mine.pk])).content.decode()
    assert 'dir="rtl"' in page and "الرياضيات" in page
    # bars grow from the right: the 40% bar starts at x=60
    assert re.search(r'class="bar-fill band-low"[^>]*x="60.0"', page)
