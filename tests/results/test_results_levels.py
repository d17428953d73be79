"""The indicative licence level over bands × qualifications × experience edges, and the bands."""

from decimal import Decimal

import pytest
from django.utils import translation

from rukhsa.catalog.rules import default_licence_levels
from rukhsa.results import levels

RULES = default_licence_levels()

# (qualification, years needed for advanced, for expert); higher diploma is read like a bachelor.
CAPS = [
    ("bachelor", 6, 11),
    ("higher_diploma", 6, 11),
    ("master", 3, 8),
    ("doctorate", 1, 5),
]


def level(score: int, qualification: str, years: int | None, passed: bool = True) -> str | None:
    return levels.licence_level(
        RULES, score=score, passed=passed, qualification=qualification, experience_years=years
    ).level


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (49, None),
        (50, "practitioner"),
        (69, "practitioner"),
        (70, "advanced"),
        (79, "advanced"),
        (80, "expert"),
        (100, "expert"),
    ],
)
def test_score_bands_for_an_uncapped_candidate(score: int, band: str | None) -> None:
    assert level(score, "doctorate", 30) == band


@pytest.mark.parametrize(("qualification", "advanced", "expert"), CAPS)
def test_experience_edges_for_each_qualification(
    qualification: str, advanced: int, expert: int
) -> None:
    # Expert score: one year short of expert → advanced; one year short of advanced too →
    # practitioner; exactly the years → the level.
    assert level(85, qualification, expert) == "expert"
    assert level(85, qualification, expert - 1) == "advanced"
    assert level(85, qualification, advanced) == "advanced"
    assert level(85, qualification, advanced - 1) == "practitioner"
    # Advanced score never goes above advanced, whatever the experience.
    assert level(75, qualification, 40) == "advanced"
    assert level(75, qualification, advanced) == "advanced"
    assert level(75, qualification, advanced - 1) == "practitioner"
    # Practitioner needs no experience.
    assert level(55, qualification, 0) == "practitioner"
    assert level(55, qualification, None) == "practitioner"


@pytest.mark.parametrize("score", [50, 69, 70, 79, 80, 100])
@pytest.mark.parametrize("years", [0, 5, 11, 40])
def test_a_diploma_leads_to_teacher_only(score: int, years: int) -> None:
    assert level(score, "diploma", years) == "teacher"


@pytest.mark.parametrize("score", [0, 49, 50, 80])
def test_no_level_when_not_passed_or_absent(score: int) -> None:
    assert level(score, "doctorate", 30, passed=False) is None
    outcome = levels.licence_level(
        RULES, score=None, passed=False, qualification="master", experience_years=9
    )
    assert outcome.level is None and outcome.reason == levels.NO_LEVEL_NOT_PASSED


def test_passed_below_every_band_and_missing_qualification() -> None:
    rules = {**RULES, "bands": [{"level": "practitioner", "min": 60, "max": 100}]}
    outcome = levels.licence_level(
        rules, score=55, passed=True, qualification="master", experience_years=3
    )
    assert outcome.level is None and outcome.reason == levels.NO_LEVEL_BELOW_BANDS
    outcome = levels.licence_level(
        RULES, score=90, passed=True, qualification="", experience_years=3
    )
    assert outcome.level is None and outcome.reason == levels.NO_LEVEL_NO_PROFILE


def test_rules_are_read_from_the_test_configuration() -> None:
    rules = {
        "bands": [
            {"level": "practitioner", "min": 60, "max": 84},
            {"level": "expert", "min": 85, "max": 100},
        ],
        "caps": {"bachelor": {"expert": 2}},
    }
    assert (
        levels.licence_level(
            rules, score=86, passed=True, qualification="bachelor", experience_years=2
        ).level
        == "expert"
    )
    assert (
        levels.licence_level(
            rules, score=84, passed=True, qualification="bachelor", experience_years=20
        ).level
        == "practitioner"
    )
    # A qualification the rules do not mention is not capped.
    assert (
        levels.licence_level(
            rules, score=90, passed=True, qualification="master", experience_years=0
        ).level
        == "expert"
    )


def test_the_sentence_explains_an_experience_cap() -> None:
    outcome = levels.licence_level(
        RULES, score=84, passed=True, qualification="bachelor", experience_years=7
    )
    assert outcome.level == "advanced" and outcome.score_level == "expert"
    with translation.override("en"):
        assert levels.explain(outcome) == (
            "Your score qualifies for Expert, but Expert needs 11 years of experience with a "
            "bachelor's degree; you have 7, so your indicative level is Advanced."
        )


def test_the_sentence_explains_two_steps_and_the_qualification_cap() -> None:
    with translation.override("en"):
        two = levels.explain(
            levels.licence_level(
                RULES, score=90, passed=True, qualification="master", experience_years=2
            )
        )
        assert "Expert needs 8 years" in two and "Advanced needs 3" in two
        assert two.endswith("so your indicative level is Practitioner.")
        diploma = levels.explain(
            levels.licence_level(
                RULES, score=90, passed=True, qualification="diploma", experience_years=20
            )
        )
        assert "with a diploma the highest level is Teacher" in diploma
        earned = levels.explain(
            levels.licence_level(
                RULES, score=72, passed=True, qualification="master", experience_years=3
            )
        )
        assert earned.startswith("Your score of 72 qualifies for Advanced")


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        ("0", "low"),
        ("49", "low"),
        ("49.9", "low"),
        ("50", "medium"),
        ("79", "medium"),
        ("79.9", "medium"),
        ("80", "high"),
        ("100", "high"),
    ],
)
def test_domain_band_thresholds(percent: str, band: str) -> None:
    assert levels.domain_band(Decimal(percent)) == band


def test_stored_percent_never_rounds_across_a_band_edge() -> None:
    from rukhsa.results.importer import percent_of

    assert percent_of(39, 49) == Decimal("79.5")  # 79.59… truncated, still medium
    assert levels.domain_band(percent_of(79999, 100000)) == "medium"
    assert percent_of(4, 5) == Decimal("80.0") and levels.domain_band(percent_of(4, 5)) == "high"
