"""Licence-level rules of a test: score bands capped by qualification and experience.

Stored per test as JSON (``Test.licence_levels``) so an operator can change them without a
release; validated here so a malformed rule set is refused with a clear sentence.

Shape::

    {
      "bands": [{"level": "practitioner", "min": 50, "max": 69}, ...],
      "caps": {
        "bachelor": {"advanced": 6, "expert": 11},   # minimum years of experience per level
        "diploma": {"max_level": "teacher"},         # highest level this qualification reaches
      }
    }

A passing score falls in one band; the level is then lowered, step by step, until the
candidate's qualification and years of experience allow it. A qualification with no entry in
``caps`` is not capped.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Ordered from lowest to highest.
LEVELS: tuple[str, ...] = ("teacher", "practitioner", "advanced", "expert")
LEVEL_NAMES = {
    "teacher": _("Teacher"),
    "practitioner": _("Practitioner"),
    "advanced": _("Advanced"),
    "expert": _("Expert"),
}
QUALIFICATIONS: tuple[str, ...] = ("diploma", "bachelor", "higher_diploma", "master", "doctorate")


def default_licence_levels() -> dict[str, Any]:
    return {
        "bands": [
            {"level": "practitioner", "min": 50, "max": 69},
            {"level": "advanced", "min": 70, "max": 79},
            {"level": "expert", "min": 80, "max": 100},
        ],
        "caps": {
            "diploma": {"max_level": "teacher"},
            "bachelor": {"advanced": 6, "expert": 11},
            "higher_diploma": {"advanced": 6, "expert": 11},
            "master": {"advanced": 3, "expert": 8},
            "doctorate": {"advanced": 1, "expert": 5},
        },
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_licence_levels(value: Any) -> None:
    """Refuse a rule set that is not the shape above, with overlapping bands or bad caps."""
    if not isinstance(value, dict) or not isinstance(value.get("bands"), list):
        raise ValidationError(
            _("The licence levels must have a list of score bands."), code="levels_shape"
        )
    previous_max = -1
    for band in sorted(value["bands"], key=lambda b: b.get("min", 0) if isinstance(b, dict) else 0):
        if not isinstance(band, dict) or set(band) != {"level", "min", "max"}:
            raise ValidationError(
                _("Each score band needs exactly a level, a minimum and a maximum."),
                code="band_shape",
            )
        if band["level"] not in LEVELS:
            raise ValidationError(
                _("“%(level)s” is not a licence level. Use one of: %(levels)s."),
                params={"level": band["level"], "levels": ", ".join(LEVELS)},
                code="band_level",
            )
        low, high = band["min"], band["max"]
        if not (_is_int(low) and _is_int(high) and 0 <= low <= high <= 100):
            raise ValidationError(
                _("A score band must run from a whole number to a larger one from 0 to 100."),
                code="band_range",
            )
        if low <= previous_max:
            raise ValidationError(_("Score bands must not overlap."), code="band_overlap")
        previous_max = high
    caps = value.get("caps", {})
    if not isinstance(caps, dict):
        raise ValidationError(_("The caps must map qualifications to rules."), code="caps_shape")
    for qualification, cap in caps.items():
        if qualification not in QUALIFICATIONS:
            raise ValidationError(
                _("“%(name)s” is not a qualification. Use one of: %(names)s."),
                params={"name": qualification, "names": ", ".join(QUALIFICATIONS)},
                code="cap_qualification",
            )
        if not isinstance(cap, dict) or not set(cap) <= {"max_level", *LEVELS}:
            raise ValidationError(
                _("The cap for %(name)s may only give a highest level and years per level."),
                params={"name": qualification},
                code="cap_shape",
            )
        if "max_level" in cap and cap["max_level"] not in LEVELS:
            raise ValidationError(
                _("“%(level)s” is not a licence level. Use one of: %(levels)s."),
                params={"level": cap["max_level"], "levels": ", ".join(LEVELS)},
                code="cap_level",
            )
        years = [cap[level] for level in LEVELS if level in cap]
        if any(not _is_int(y) or y < 0 or y > 60 for y in years) or years != sorted(years):
            raise ValidationError(
                _(
                    "Years of experience for %(name)s must be whole numbers from 0 to 60 that "
                    "do not decrease from one level to the next."
                ),
                params={"name": qualification},
                code="cap_years",
            )


def licence_level(
    rules: dict[str, Any], *, score: int, qualification: str, experience_years: int | None
) -> str | None:
    """The indicative licence level for a score, or None when the score is below every band."""
    level = next(
        (b["level"] for b in rules["bands"] if b["min"] <= score <= b["max"]),
        None,
    )
    if level is None:
        return None
    cap = rules.get("caps", {}).get(qualification, {})
    rank = LEVELS.index(level)
    if "max_level" in cap:
        rank = min(rank, LEVELS.index(cap["max_level"]))
    years = experience_years or 0
    while rank > 0 and years < cap.get(LEVELS[rank], 0):
        rank -= 1
    return LEVELS[rank]
