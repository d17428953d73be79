"""The demo: the earlier period has published results for the demo candidate and a cohort."""

from django.test import Client
from django.urls import reverse

from rukhsa.demo import loader
from rukhsa.results.demo import demo_results_load
from rukhsa.results.models import Result
from tests.results.conftest import english


def test_demo_results_are_published_with_a_cohort_and_idempotent(db) -> None:
    loader.load_demo()
    mine = Result.objects.select_related("candidate", "period").get(
        candidate__identity_key=loader.CANDIDATE_ID
    )
    assert (
        mine.period.code == loader.PAST_PERIOD and mine.passed and mine.domain_scores.count() >= 3
    )
    cohort = Result.objects.filter(
        period=mine.period, specialization=mine.specialization, attendance="present"
    ).exclude(pk=mine.pk)
    assert (
        cohort.count() >= 30 and cohort.filter(published_at__isnull=False).count() == cohort.count()
    )
    assert demo_results_load() == 0  # a second run creates nothing
    client = english(Client())
    client.force_login(mine.candidate)
    page = client.get(reverse("results:detail", args=[mine.pk])).content.decode()
    assert "Cohort average" in page and "indicative level is Advanced" in page
