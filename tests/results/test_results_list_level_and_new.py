"""What a candidate notices about results: percentages rounded as people round them, the level
on the results list, and the dashboard announcing a result until it has been opened."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from rukhsa.results.importer import percent_of
from rukhsa.results.models import Result
from rukhsa.results.selectors import displayed_percent
from rukhsa.results.services import results_publish
from tests.results.conftest import header, row, run_import


def en_client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def mine(setup, register, make_user):
    user = make_user(qualification="bachelor", experience_years=7, preferred_language="en")
    reg = register(user)
    # 17 of 30 is 56.67%: stored truncated (56.6), shown rounded (56.7).
    run_import(
        setup,
        [header(setup), row(setup, reg.reference, correct=(4, 16, 17), total=84)],
        dry_run=False,
    )
    results_publish(period=setup.cat.period)
    return Result.objects.get(registration=reg)


def test_percent_is_rounded_for_display_and_never_crosses_a_band_edge() -> None:
    assert displayed_percent(13, 14, percent_of(13, 14)) == Decimal("92.9")  # not 92.8
    assert displayed_percent(2, 3, percent_of(2, 3)) == Decimal("66.7")
    assert displayed_percent(1, 8, percent_of(1, 8)) == Decimal("12.5")
    # 319 of 400 is 79.75%: rounding would show 79.8, fine; 1599 of 2000 is 79.95% → "80.0"
    # would contradict its medium band, so the stored (truncated) figure is shown.
    assert displayed_percent(1599, 2000, percent_of(1599, 2000)) == Decimal("79.9")


def test_details_and_report_show_the_rounded_percent(mine) -> None:
    client = en_client(mine.candidate)
    page = client.get(reverse("results:detail", args=[mine.pk])).content.decode()
    assert "56.7% correct (17 of 30 questions)" in page
    assert "56.6%" not in page


def test_list_shows_the_indicative_level(mine) -> None:
    page = en_client(mine.candidate).get(reverse("results:list")).content.decode()
    # Score 84 is expert by score; a bachelor with 7 years' experience is capped at advanced.
    assert "Indicative licence level: Advanced" in page


def test_dashboard_announces_a_new_result_until_it_is_opened(mine) -> None:
    client = en_client(mine.candidate)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Your result in Mathematics is out." in dashboard
    assert reverse("results:detail", args=[mine.pk]) in dashboard
    assert 'badge todo">New<' in client.get(reverse("results:list")).content.decode()

    client.get(reverse("results:detail", args=[mine.pk]))
    assert (
        "Your result in Mathematics is out."
        not in client.get(reverse("dashboard")).content.decode()
    )
    assert 'badge todo">New<' not in client.get(reverse("results:list")).content.decode()


def test_another_candidate_opening_nothing_changes_my_new_result(mine, make_user) -> None:
    stranger = en_client(make_user())
    assert stranger.get(reverse("results:detail", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.seen_at is None
