"""Reads for the candidate journey: period → specialization → city → centre → date → slot.

Each selector runs a fixed number of queries whatever the size of the catalogue (tests pin the
numbers). The choose steps' lists (specializations, cities, centres) are the same for every
candidate of a gender, so they are cached under a versioned key (catalog/choices.py) and come
back as lists. They take plain values (gender string, in-service flag) rather than a user, so the
catalogue does not depend on accounts.

A session is *bookable* for a candidate when it is open, in the future, at an active centre of
the chosen mode that serves the candidate's gender, hosts the chosen specialization, belongs to
a period offering that mode, and has a free seat (``seats_taken < capacity``: one column
comparison, kept true by the booking service and a database constraint).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from rukhsa.catalog import choices
from rukhsa.catalog.models import (
    Centre,
    City,
    Period,
    PriorityWindow,
    Session,
    SessionStatus,
    Specialization,
)
from rukhsa.core import clock

CodedT = TypeVar("CodedT", Specialization, City, Centre)

# --- Periods ----------------------------------------------------------------------------------


def _matching_windows(*, gender: str, in_service: bool) -> Q:
    """Priority windows that apply to a candidate of this gender and employment."""
    q = Q(gender="") | Q(gender=gender)
    if not in_service:
        q &= Q(in_service_only=False)
    return q


def candidate_opens_at(period: Period, *, gender: str, in_service: bool) -> datetime | None:
    """When this candidate may start registering for the period, or None if never.

    Without priority windows: when registration opens. With windows: the earliest window that
    matches the candidate, but never before registration opens. None when windows exist and
    none matches. Uses ``period.windows`` (prefetch it to avoid a query per period).
    """
    windows = list(period.windows.all())
    if not windows:
        return period.registration_opens_at
    matching = [w.opens_at for w in windows if w.matches(gender=gender, in_service=in_service)]
    if not matching:
        return None
    return max(period.registration_opens_at, min(matching))


def open_periods(*, gender: str, in_service: bool, at: datetime | None = None) -> QuerySet[Period]:
    """Periods this candidate may register for right now. One query."""
    now = at or clock.now()
    windows = PriorityWindow.objects.filter(period=OuterRef("pk"))
    return (
        Period.objects.filter(registration_opens_at__lte=now, registration_closes_at__gt=now)
        .filter(
            ~Exists(windows)
            | Exists(
                windows.filter(
                    _matching_windows(gender=gender, in_service=in_service), opens_at__lte=now
                )
            )
        )
        .select_related("test")
        .order_by("registration_closes_at", "code")
    )


@dataclass(frozen=True)
class PeriodOffer:
    """A period not yet closed, with when this candidate's registration opens."""

    period: Period
    opens_at: datetime | None
    closes_at: datetime
    is_open: bool

    @property
    def not_for_candidate(self) -> bool:
        return self.opens_at is None


def _with_windows(periods: QuerySet[Period]) -> QuerySet[Period]:
    return periods.select_related("test").prefetch_related(
        Prefetch("windows", queryset=PriorityWindow.objects.order_by("opens_at"))
    )


def _periods_not_closed(now: datetime) -> list[Period]:
    """Periods whose registration has not closed at `now`, with their test and priority
    windows."""
    periods = Period.objects.filter(registration_closes_at__gt=now)
    return list(_with_windows(periods).order_by("registration_closes_at", "code"))


def _periods_not_closed_cached(now: datetime) -> list[Period]:
    """The same, cached with the choose steps' options (a save of a period, a test or a window
    bumps their version) and filtered again against `now`, so a period that closed since it was
    cached is not offered."""
    periods = choices.cached("periods-open", (), lambda: _periods_not_closed(now))
    return [p for p in periods if p.registration_closes_at > now]


def candidate_periods(
    *, gender: str, in_service: bool, at: datetime | None = None
) -> list[PeriodOffer]:
    """Every period still taking registrations, opened or not yet for this candidate.

    So the page can say "your registration opens on …". Two queries (periods, windows).
    """
    now = at or clock.now()
    # Now: from the cache; another moment (a test, a report): read as it was then.
    periods = _periods_not_closed_cached(now) if at is None else _periods_not_closed(now)
    offers = []
    for period in periods:
        opens_at = candidate_opens_at(period, gender=gender, in_service=in_service)
        offers.append(
            PeriodOffer(
                period=period,
                opens_at=opens_at,
                closes_at=period.registration_closes_at,
                is_open=opens_at is not None and opens_at <= now,
            )
        )
    return offers


# --- Sessions ---------------------------------------------------------------------------------


def bookable_sessions(
    *,
    period: Period,
    mode: str,
    specialization: Specialization | int,
    gender: str,
    include_full: bool = False,
    today: date | None = None,
) -> QuerySet[Session]:
    """The base of every session selector below (no query until evaluated)."""
    if not period.offers(mode):
        return Session.objects.none()
    qs = Session.objects.filter(
        period=period,
        status=SessionStatus.OPEN,
        date__gt=today or clock.today(),
        centre__active=True,
        centre__mode=mode,
        centre__gender=gender,
        specializations=specialization,
    )
    if not include_full:
        qs = qs.filter(seats_taken__lt=F("capacity"))
    return qs


PERIOD_CODE_MAX = 40  # Period.code's max_length
SPECIALIZATION_CODE_MAX = 40  # Specialization.code's max_length
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # a SlugField's characters


def period_by_code(code: str) -> Period | None:
    """The period with this code, with its test, or None. Cached with the choose steps'
    options (every save of a period or a test bumps their version); one query on a miss."""
    if not code or len(code) > PERIOD_CODE_MAX:
        return None
    return choices.cached(
        "period",
        (code,),
        lambda: _with_windows(Period.objects.filter(code=code)).first(),
        rows=True,
    )


def period_by_id(pk: int) -> Period | None:
    """The period with its test and priority windows, or None; cached like `period_by_code`."""
    return choices.cached(
        "period-by-id",
        (pk,),
        lambda: _with_windows(Period.objects.filter(pk=pk)).first(),
        rows=True,
    )


def centre_by_id(pk: int) -> Centre | None:
    """The centre with its city and region, or None; cached with the choose steps' options."""
    return choices.cached(
        "centre-by-id",
        (pk,),
        lambda: Centre.objects.select_related("city__region").filter(pk=pk).first(),
        rows=True,
    )


def specialization_by_id(pk: int) -> Specialization | None:
    return choices.cached(
        "specialization-by-id",
        (pk,),
        lambda: Specialization.objects.filter(pk=pk).first(),
        rows=True,
    )


def active_specialization(code: str) -> Specialization | None:
    """The active specialization with this code, or None. Cached with the choose steps' options
    (every save of a specialization bumps their version); one query on a miss."""
    if not code or len(code) > SPECIALIZATION_CODE_MAX or not _SLUG.fullmatch(code):
        return None  # no such code (and no such key in the cache)
    return choices.cached(
        "specialization",
        (code,),
        lambda: Specialization.objects.filter(code=code, active=True).first(),
        rows=True,
    )


def session_hosts(session: Session, specialization_id: int) -> bool:
    """Whether the session hosts this active specialization. The session's active
    specializations are cached with the choose steps' options (a change of a session's
    specializations or of a specialization bumps their version); one query on a miss."""
    hosted = choices.cached(
        "session-specializations",
        (session,),
        lambda: sorted(session.specializations.filter(active=True).values_list("pk", flat=True)),
        rows=True,
    )
    return specialization_id in hosted


def period_specializations(
    *, period: Period, mode: str | None = None, gender: str | None = None
) -> list[Specialization]:
    """Active specializations with at least one open session with a free seat.

    ``mode`` and ``gender`` narrow it to what this candidate could book. Cached
    (catalog/choices.py); one query on a miss."""
    return choices.cached(
        "specializations",
        (period, mode, gender),
        lambda: list(_period_specializations(period=period, mode=mode, gender=gender)),
    )


def _period_specializations(
    *, period: Period, mode: str | None, gender: str | None
) -> QuerySet[Specialization]:
    sessions = Session.objects.filter(
        period=period,
        status=SessionStatus.OPEN,
        date__gt=clock.today(),
        centre__active=True,
        seats_taken__lt=F("capacity"),
        specializations=OuterRef("pk"),
    )
    if mode is not None:
        if not period.offers(mode):
            return Specialization.objects.none()
        sessions = sessions.filter(centre__mode=mode)
    if gender is not None:
        sessions = sessions.filter(centre__gender=gender)
    return Specialization.objects.filter(Exists(sessions), active=True).order_by("order", "code")


def cities_with_seats(
    *, period: Period, mode: str, specialization: Specialization | int, gender: str
) -> list[City]:
    """Cities with a bookable session, with their region. Cached; one query on a miss."""

    def compute() -> list[City]:
        sessions = bookable_sessions(
            period=period, mode=mode, specialization=specialization, gender=gender
        ).filter(centre__city=OuterRef("pk"))
        return list(
            City.objects.filter(Exists(sessions))
            .select_related("region")
            .order_by("region__order", "order", "code")
        )

    return choices.cached("cities", (period, mode, specialization, gender), compute)


def centres_with_seats(
    *,
    period: Period,
    mode: str,
    specialization: Specialization | int,
    gender: str,
    city: City | int,
) -> list[Centre]:
    """Centres in a city with a bookable session. Cached; one query on a miss."""

    def compute() -> list[Centre]:
        sessions = bookable_sessions(
            period=period, mode=mode, specialization=specialization, gender=gender
        ).filter(centre=OuterRef("pk"))
        return list(
            Centre.objects.filter(Exists(sessions), city=city)
            .select_related("city")
            .order_by("name_en", "code")
        )

    return choices.cached("centres", (period, mode, specialization, gender, city), compute)


def by_code(options: Iterable[CodedT], code: str) -> CodedT | None:
    """The option with this code among a choose step's options, or None."""
    if not code:
        return None
    return next((option for option in options if option.code == code), None)


def dates_with_seats(
    *,
    period: Period,
    specialization: Specialization | int,
    gender: str,
    centre: Centre,
) -> list[date]:
    """The dates a centre has a bookable session on, in order. One query."""
    return list(
        bookable_sessions(
            period=period, mode=centre.mode, specialization=specialization, gender=gender
        )
        .filter(centre=centre)
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()
    )


def session_slots(
    *,
    period: Period,
    specialization: Specialization | int,
    gender: str,
    centre: Centre,
    day: date,
    include_full: bool = False,
) -> QuerySet[Session]:
    """The sessions of a centre on a date, each annotated with ``free`` and ``full``. One query.

    With ``include_full`` the full ones are listed too (shown as مكتمل, not selectable).
    """
    return (
        bookable_sessions(
            period=period,
            mode=centre.mode,
            specialization=specialization,
            gender=gender,
            include_full=include_full,
        )
        .filter(centre=centre, date=day)
        .annotate(
            free=ExpressionWrapper(F("capacity") - F("seats_taken"), output_field=IntegerField()),
            full=Case(
                When(seats_taken__gte=F("capacity"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("start_time")
    )
