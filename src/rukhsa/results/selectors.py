"""Reads for the results pages; every candidate read is ownership-checked and publication-gated."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.http import Http404

from rukhsa.accounts.models import User
from rukhsa.results import levels
from rukhsa.results.models import CODE_ALPHABET, CODE_LENGTH, Attendance, DomainScore, Result
from rukhsa.results.services import published_q

COHORT_MINIMUM = 30


def _base() -> QuerySet[Result]:
    return Result.objects.select_related("period__test", "specialization", "registration__session")


def results_of(*, candidate: User) -> list[Result]:
    """The candidate's published results, newest period first (one query)."""
    return list(
        _base()
        .filter(published_q(), candidate=candidate)
        .order_by("-period__first_test_day", "-id")
    )


@dataclass(frozen=True)
class ResultRow:
    """A line of the results list: the result, its indicative level and whether it is new."""

    result: Result
    level_label: str

    @property
    def is_new(self) -> bool:
        return self.result.seen_at is None


def result_rows(*, candidate: User) -> list[ResultRow]:
    """The results list with each result's indicative level (no query per row)."""
    rows = []
    for result in results_of(candidate=candidate):
        outcome = levels.licence_level(
            result.period.test.licence_levels,
            score=result.score,
            passed=result.passed,
            qualification=result.qualification,
            experience_years=result.experience_years,
        )
        rows.append(ResultRow(result=result, level_label=levels.level_label(outcome.level)))
    return rows


def unseen_results(candidate: Any, now: Any = None) -> QuerySet[Result]:
    """Published results the candidate has not opened yet (`candidate`: a user, an id or an
    ``OuterRef``; published as of `now`, by default the clock's)."""
    return Result.objects.filter(published_q(now), candidate=candidate, seen_at__isnull=True)


def new_results(*, candidate: User) -> list[Result]:
    """Published results the candidate has not opened yet (the dashboard announces them by
    specialization, with a link): only those columns are read, as the dashboard is the page
    every candidate opens first."""
    return list(
        unseen_results(candidate)
        .select_related("specialization")
        .only("pk", "specialization__name_ar", "specialization__name_en")
        .order_by("-period__first_test_day", "id")  # as Result's own ordering
    )


def result_for_candidate(*, candidate: User, result_id: int) -> Result:
    """The candidate's own published result, or 404 (another's, unpublished, unknown)."""
    result = _base().filter(published_q(), candidate=candidate, pk=result_id).first()
    if result is None:
        raise Http404
    return result


def width_bucket(percent: Decimal | float) -> int:
    """0, 5, 10 … 100: the CSS class step for a bar (.w-0 … .w-100)."""
    return int(min(max(float(percent), 0), 100) // 5 * 5)


@dataclass
class DomainRow:
    name: str
    correct: int
    questions: int
    percent: Decimal
    band: str
    band_label: str
    cohort: Decimal | None

    # Numbers for the bar, written with a full stop whatever the language.
    @property
    def percent_text(self) -> str:
        """The percent as people read it: rounded to one decimal (13 of 14 → "92.9")."""
        return _number(displayed_percent(self.correct, self.questions, self.percent))

    @property
    def cohort_text(self) -> str:
        return _number(self.cohort) if self.cohort is not None else ""

    @property
    def bar_width(self) -> str:
        return f"{self.percent:.1f}"

    @property
    def bar_x(self) -> str:
        return f"{100 - self.percent:.1f}"

    @property
    def cohort_x(self) -> str:
        return f"{min(self.cohort, Decimal('99.2')):.1f}" if self.cohort is not None else ""

    @property
    def cohort_x_rtl(self) -> str:
        return (
            f"{max(Decimal('99.2') - self.cohort, Decimal(0)):.1f}"
            if self.cohort is not None
            else ""
        )


def displayed_percent(correct: int, questions: int, stored: Decimal) -> Decimal:
    """Percent correct rounded half up to one decimal place, for display.

    The stored value is truncated so that its band is exact; rounding can only move a value
    across a band edge (50, 80) with 400 or more questions in a domain, and then the stored
    value is shown instead, so the figure and its band never disagree.
    """
    if questions <= 0:
        return stored
    rounded = (Decimal(correct) * 100 / Decimal(questions)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return rounded if levels.domain_band(rounded) == levels.domain_band(stored) else stored


def _number(value: Decimal) -> str:
    """79.0 → "79", 79.5 → "79.5"."""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.1f}"


@dataclass
class ResultDetail:
    result: Result
    domains: list[DomainRow]
    cohort_size: int
    cohort_shown: bool
    level: levels.LevelOutcome
    level_label: str
    level_reason: str


def cohort_averages(result: Result) -> tuple[dict[int, Decimal], int]:
    """Average percent per domain over the published, present results of the same period and
    specialization (one aggregate query), and the cohort's size."""
    rows = list(
        DomainScore.objects.filter(
            published_q(prefix="result__"),
            result__period_id=result.period_id,
            result__specialization_id=result.specialization_id,
            result__attendance=Attendance.PRESENT,
        )
        .values("domain_id")
        .annotate(average=Avg("percent"), size=Count("id"))
        .order_by()
    )
    averages = {r["domain_id"]: Decimal(str(r["average"])).quantize(Decimal("0.1")) for r in rows}
    size = max((r["size"] for r in rows), default=0)
    return averages, size


def result_detail(result: Result) -> ResultDetail:
    scores = list(result.domain_scores.select_related("domain"))
    averages, size = cohort_averages(result) if scores else ({}, 0)
    shown = size >= COHORT_MINIMUM
    rows = [
        DomainRow(
            name=s.domain.name,
            correct=s.correct,
            questions=s.question_count,
            percent=s.percent,
            band=levels.domain_band(s.percent),
            band_label=levels.band_label(levels.domain_band(s.percent)),
            cohort=averages.get(s.domain_id) if shown else None,
        )
        for s in scores
    ]
    outcome = levels.licence_level(
        result.period.test.licence_levels,
        score=result.score,
        passed=result.passed,
        qualification=result.qualification,
        experience_years=result.experience_years,
    )
    return ResultDetail(
        result=result,
        domains=rows,
        cohort_size=size,
        cohort_shown=shown,
        level=outcome,
        level_label=levels.level_label(outcome.level),
        level_reason=levels.explain(outcome),
    )


def normalize_code(text: str) -> str:
    """What a person typed, as a stored code: no dashes or spaces, upper case, O→0, I/L→1."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans("OIL", "011"))


def result_by_code(text: str) -> Result | None:
    """The published result with this verification code, or None (never an error)."""
    code = normalize_code(text or "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return (
        Result.objects.select_related(
            "candidate", "period__test", "specialization", "registration__session"
        )
        .filter(published_q(), verification_code=code)
        .first()
    )
