"""The indicative licence level and the domain bands: pure functions, no database.

The rules come from the test's ``licence_levels`` JSON (see ``rukhsa.catalog.rules`` for its
shape and validation): a passing score falls in a band (practitioner 50–69, advanced 70–79,
expert 80–100 by default); the qualification may cap the level (a diploma leads to "teacher"
only), and each level may need a number of years of teaching experience for that qualification
(bachelor: advanced 6, expert 11; master: 3 and 8; doctorate: 1 and 5; higher diploma: like a
bachelor). The level is lowered one step at a time until the candidate meets its requirement.

``explain`` turns the outcome into one translated sentence that says why.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from rukhsa.catalog.rules import LEVEL_NAMES, LEVELS

HIGH = "high"
MEDIUM = "medium"
LOW = "low"


def domain_band(percent: Decimal | float | int) -> str:
    """high ≥ 80 %, medium 50–79 %, low < 50 %."""
    if percent >= 80:
        return HIGH
    if percent >= 50:
        return MEDIUM
    return LOW


def band_label(band: str) -> str:
    return {HIGH: _("High"), MEDIUM: _("Medium"), LOW: _("Low")}[band]


# Why a level is what it is.
NO_LEVEL_NOT_PASSED = "not_passed"  # absent or below the pass mark
NO_LEVEL_BELOW_BANDS = "below_bands"  # passed, but below every band
NO_LEVEL_NO_PROFILE = "no_qualification"  # no qualification on record
EARNED = "earned"  # the score's band, allowed by qualification and experience
CAPPED = "capped"  # lowered by the qualification and/or experience


@dataclass(frozen=True)
class ExperienceStep:
    """The level was lowered from ``level`` because it needs ``years_needed`` years."""

    level: str
    years_needed: int


@dataclass(frozen=True)
class LevelOutcome:
    level: str | None
    reason: str
    score: int | None = None
    score_level: str | None = None  # what the score alone earns
    qualification: str = ""
    years: int = 0
    qualification_cap: str | None = None  # set when the qualification lowered the level
    steps: tuple[ExperienceStep, ...] = field(default=())  # experience requirements not met


def licence_level(
    rules: dict[str, Any],
    *,
    score: int | None,
    passed: bool,
    qualification: str,
    experience_years: int | None,
) -> LevelOutcome:
    """The indicative licence level of a result under a test's rules."""
    if score is None or not passed:
        return LevelOutcome(level=None, reason=NO_LEVEL_NOT_PASSED, score=score)
    band = next((b for b in rules.get("bands", []) if b["min"] <= score <= b["max"]), None)
    if band is None:
        return LevelOutcome(level=None, reason=NO_LEVEL_BELOW_BANDS, score=score)
    if not qualification:
        return LevelOutcome(
            level=None, reason=NO_LEVEL_NO_PROFILE, score=score, score_level=band["level"]
        )
    years = experience_years or 0
    cap: dict[str, Any] = rules.get("caps", {}).get(qualification, {})
    rank = LEVELS.index(band["level"])
    qualification_cap = None
    if "max_level" in cap and LEVELS.index(cap["max_level"]) < rank:
        rank = LEVELS.index(cap["max_level"])
        qualification_cap = cap["max_level"]
    steps = []
    while rank > 0 and years < cap.get(LEVELS[rank], 0):
        steps.append(ExperienceStep(LEVELS[rank], cap[LEVELS[rank]]))
        rank -= 1
    level = LEVELS[rank]
    return LevelOutcome(
        level=level,
        reason=CAPPED if level != band["level"] else EARNED,
        score=score,
        score_level=band["level"],
        qualification=qualification,
        years=years,
        qualification_cap=qualification_cap,
        steps=tuple(steps),
    )


def level_label(level: str | None) -> str:
    return str(LEVEL_NAMES[level]) if level else ""


def qualification_phrase(qualification: str) -> str:
    """ "with a bachelor's degree" — a phrase that fits the sentences below."""
    return {
        "diploma": _("with a diploma"),
        "bachelor": _("with a bachelor's degree"),
        "higher_diploma": _("with a higher diploma"),
        "master": _("with a master's degree"),
        "doctorate": _("with a doctorate"),
    }.get(qualification, qualification)


def explain(outcome: LevelOutcome) -> str:
    """One sentence (two at most) that says why the indicative level is what it is."""
    if outcome.reason == NO_LEVEL_NOT_PASSED:
        return _("An indicative licence level is given to candidates who pass the test.")
    if outcome.reason == NO_LEVEL_BELOW_BANDS:
        return _(
            "Your score of %(score)s is below the lowest licence band, so no indicative level "
            "can be given."
        ) % {"score": outcome.score}
    if outcome.reason == NO_LEVEL_NO_PROFILE:
        return _(
            "Add your qualification and teaching experience to your personal data to see your "
            "indicative licence level."
        )
    level = level_label(outcome.level)
    score_level = level_label(outcome.score_level)
    qualification = qualification_phrase(outcome.qualification)
    if outcome.reason == EARNED:
        return _(
            "Your score of %(score)s qualifies for %(level)s, and your qualification and "
            "experience allow it."
        ) % {"score": outcome.score, "level": level}
    parts = []
    if outcome.qualification_cap:
        parts.append(
            _(
                "Your score qualifies for %(score_level)s, but %(qualification)s the highest "
                "level is %(cap)s."
            )
            % {
                "score_level": score_level,
                "qualification": qualification,
                "cap": level_label(outcome.qualification_cap),
            }
        )
    if outcome.steps:
        first, last = outcome.steps[0], outcome.steps[-1]
        values = {
            "score_level": score_level
            if not outcome.qualification_cap
            else level_label(first.level),
            "top": level_label(first.level),
            "top_years": first.years_needed,
            "next": level_label(last.level),
            "next_years": last.years_needed,
            "qualification": qualification,
            "years": outcome.years,
            "level": level,
        }
        if len(outcome.steps) == 1:
            parts.append(
                _(
                    "Your score qualifies for %(score_level)s, but %(top)s needs %(top_years)s "
                    "years of experience %(qualification)s; you have %(years)s, so your "
                    "indicative level is %(level)s."
                )
                % values
                if not outcome.qualification_cap
                else _(
                    "%(top)s needs %(top_years)s years of experience %(qualification)s; you "
                    "have %(years)s, so your indicative level is %(level)s."
                )
                % values
            )
        else:
            parts.append(
                _(
                    "Your score qualifies for %(score_level)s, but %(top)s needs %(top_years)s "
                    "years of experience %(qualification)s and %(next)s needs %(next_years)s; "
                    "you have %(years)s, so your indicative level is %(level)s."
                )
                % values
                if not outcome.qualification_cap
                else _(
                    "%(top)s needs %(top_years)s years of experience %(qualification)s and "
                    "%(next)s needs %(next_years)s; you have %(years)s, so your indicative level "
                    "is %(level)s."
                )
                % values
            )
    else:
        parts.append(_("Your indicative level is %(level)s.") % {"level": level})
    return " ".join(parts)
