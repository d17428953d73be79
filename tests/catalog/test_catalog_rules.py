"""Licence levels: score bands capped by qualification and experience, configurable per test."""

import pytest
from django.core.exceptions import ValidationError

from rukhsa.catalog.rules import default_licence_levels, licence_level, validate_licence_levels

RULES = default_licence_levels()


@pytest.mark.parametrize(
    ("score", "qualification", "years", "level"),
    [
        (49, "bachelor", 20, None),
        (50, "bachelor", 0, "practitioner"),
        (75, "bachelor", 5, "practitioner"),
        (75, "bachelor", 6, "advanced"),
        (95, "bachelor", 10, "advanced"),
        (95, "bachelor", 11, "expert"),
        (85, "master", 3, "advanced"),
        (85, "master", 8, "expert"),
        (85, "doctorate", 1, "advanced"),
        (85, "doctorate", 5, "expert"),
        (100, "diploma", 30, "teacher"),
        (60, "diploma", 0, "teacher"),
    ],
)
def test_level_is_banded_then_capped(
    score: int, qualification: str, years: int, level: str | None
) -> None:
    assert (
        licence_level(RULES, score=score, qualification=qualification, experience_years=years)
        == level
    )


def test_default_rules_are_valid() -> None:
    validate_licence_levels(RULES)


@pytest.mark.parametrize(
    "rules",
    [
        [],
        {"bands": [{"level": "guru", "min": 50, "max": 100}]},
        {"bands": [{"level": "expert", "min": 90, "max": 80}]},
        {
            "bands": [
                {"level": "advanced", "min": 50, "max": 80},
                {"level": "expert", "min": 80, "max": 100},
            ]
        },
        {"bands": [], "caps": {"bachelor": {"advanced": 8, "expert": 4}}},
        {"bands": [], "caps": {"astronaut": {}}},
    ],
)
def test_malformed_rules_are_refused(rules: object) -> None:
    with pytest.raises(ValidationError):
        validate_licence_levels(rules)
