"""Reads for the booking pages, each ownership-checked where a candidate names an object."""

import copy
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from rukhsa.accounts.models import User
from rukhsa.booking.models import (
    ACTIVE,
    PendingChange,
    Registration,
    Status,
    WaitlistEntry,
    WaitlistOffer,
)
from rukhsa.catalog import choices
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Centre, City, Period, Session, SessionStatus, Specialization
from rukhsa.core import clock
from rukhsa.core.compiled import Compiled
from rukhsa.core.digits import is_number
from rukhsa.payments.models import Invoice


class Gap(StrEnum):
    """Something the candidate must do before booking (PRODUCT §4)."""

    MOBILE = "mobile"
    EMAIL = "email"
    PROFILE = "profile"


def readiness_gaps(candidate: User) -> list[Gap]:
    """The one rule of booking readiness: verified mobile and email, complete personal data.

    The booking pages and the dashboard show the gaps as steps; the hold refuses while any is
    left (`services.eligibility_refusal`).
    """
    gaps = []
    if not candidate.mobile_verified_at:
        gaps.append(Gap.MOBILE)
    if not candidate.email_verified_at:
        gaps.append(Gap.EMAIL)
    if not candidate.profile_complete:
        gaps.append(Gap.PROFILE)
    return gaps


# Compiled once per process (core/compiled.py): the registration with its session is the read
# of every registration page, and its compiling cost five times its running.
_REGISTRATION = Compiled(
    lambda candidate_id, reference: Registration.objects.select_related("session").filter(
        candidate_id=candidate_id, reference=reference
    )[:1],
    kinds=(int, str),
)


def registration_for(*, candidate: User, reference: str) -> Registration:
    """The candidate's own registration, or 404 (never another candidate's)."""
    registration = _REGISTRATION.first(candidate.pk, reference.upper())
    if registration is None:
        raise Http404
    registration.candidate = candidate  # already loaded: no second query for the owner
    catalogue_attach(registration)  # the catalogue rows from the cache, not joins
    return registration


def catalogue_attach(registration: Registration) -> None:
    """Give a registration read with its session alone its catalogue rows from the cache: its
    period (with the test), specialization, and its session's centre with city and region.

    Joining all of them in the registration's query costs PostgreSQL more to plan than to run:
    eight tables took about 2.5 ms of planning against 0.25 ms for three (the registration, its
    session and centre), on every registration page. A row the cache cannot give (deleted
    since) is left to the usual lazy read."""
    with choices.snapshot():
        period = catalog.period_by_id(registration.period_id)
        if period is not None:
            registration.period = period
            if period.test_id == registration.test_id:
                registration.test = period.test
        specialization = catalog.specialization_by_id(registration.specialization_id)
        if specialization is not None:
            registration.specialization = specialization
        session = registration.session
        if session is not None:
            centre = catalog.centre_by_id(session.centre_id)
            if centre is not None:
                session.centre = centre
            if period is not None and session.period_id == period.pk:
                session.period = period


def registrations_of(*, candidate: User) -> QuerySet[Registration]:
    return Registration.objects.filter(candidate=candidate).select_related(
        "test", "specialization", "session__centre__city"
    )


def held_or_confirmed(candidate: Any) -> QuerySet[Registration]:
    """The candidate's held and confirmed registrations, live or not (`candidate`: a user, an
    id or an ``OuterRef``)."""
    return Registration.objects.filter(candidate=candidate, status__in=ACTIVE)


def active_registrations(*, candidate: User) -> list[Registration]:
    """Held (live) and confirmed registrations whose test day has not passed."""
    return [r for r in held_or_confirmed(candidate).select_related("session") if r.is_current()]


# Compiled once per process (core/compiled.py).
_HOLDS_ANY = Compiled(
    lambda candidate_id: User.objects.filter(pk=candidate_id).values_list(
        Exists(held_or_confirmed(candidate_id))
    )[:1],
    kinds=(int,),
)


def holds_any(*, candidate: User) -> bool:
    """Whether the candidate has a held or confirmed registration at all: one small compiled
    question that spares a first-time candidate (an opening's many) the joined read of
    `active_registrations`."""
    return _HOLDS_ANY.flags(candidate.pk) == (True,)


def _with_lapsed_holds(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate ``seats_lapsed``: seats counted in ``seats_taken`` by holds (of a seat or of a
    change) whose time has run out. A page read counts them as free without writing anything;
    the periodic job, and the next hold on the session under its lock, give them back."""
    seat_holds = (
        Registration.objects.filter(
            session=OuterRef("pk"), status=Status.HELD, held_until__lte=clock.now()
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    change_holds = (
        PendingChange.objects.filter(
            to_session=OuterRef("pk"), state=PendingChange.State.HELD, held_until__lte=clock.now()
        )
        .order_by()
        .values("to_session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return sessions.annotate(
        seats_lapsed=Coalesce(Subquery(seat_holds), 0) + Coalesce(Subquery(change_holds), 0)
    )


# A day with seats is shown as having "few" left when at most this many, or this share of its
# seats, are free (docs/rules-booking.md).
FEW_SEATS = 5
FEW_PERCENT = 10


class Seats(StrEnum):
    """How many seats a day has left, as the calendar says it."""

    NONE = "none"
    FEW = "few"
    MANY = "many"


@dataclass(frozen=True)
class DaySeats:
    """A test day at a centre: its free seats (lapsed holds count as free) of its capacity."""

    day: date
    free: int
    capacity: int

    @property
    def level(self) -> Seats:
        if self.free <= 0:
            return Seats.NONE
        if self.free <= max(FEW_SEATS, self.capacity * FEW_PERCENT // 100):
            return Seats.FEW
        return Seats.MANY


def centre_seats(*, period: Period, centre: Centre) -> dict[int, tuple[int, int]]:
    """Each open future session of the period at a centre: its seats taken and the seats of its
    lapsed holds (which the pages count as free). Cached under the centre's seat version (every
    seat taken there bumps it), so during an opening it is read again after each seat taken at
    the centre: one small query, shared by the calendar and the times list of every
    specialization and gender (the sessions themselves come from `_centre_sessions`)."""
    return choices.cached(
        "centre-seats",
        (period, centre),
        lambda: _read_centre_seats(period_id=period.pk, centre_id=centre.pk),
        centre=centre,
    )


def _read_centre_seats(*, period_id: int, centre_id: int) -> dict[int, tuple[int, int]]:
    """The statement `_with_lapsed_holds` builds, written out: it runs after every seat taken
    at a centre during an opening, and building it through the ORM cost more CPU than running
    it (about 2 of 3 ms). Same tables and conditions; the dates are adapted as the ORM does."""
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(clock.now())
    sql = (
        f"SELECT s.id, s.seats_taken,"  # noqa: S608 — table names from the models, values as parameters
        f" (SELECT COUNT(*) FROM {quote(Registration._meta.db_table)} r"
        f"   WHERE r.session_id = s.id AND r.status = %s AND r.held_until <= %s)"
        f" + (SELECT COUNT(*) FROM {quote(PendingChange._meta.db_table)} c"
        f"   WHERE c.to_session_id = s.id AND c.state = %s AND c.held_until <= %s)"
        f" FROM {quote(Session._meta.db_table)} s"
        f" WHERE s.period_id = %s AND s.centre_id = %s AND s.status = %s AND s.date > %s"
    )
    params = [
        Status.HELD.value,
        now,
        PendingChange.State.HELD.value,
        now,
        period_id,
        centre_id,
        SessionStatus.OPEN.value,
        connection.ops.adapt_datefield_value(clock.today()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (taken, int(lapsed or 0)) for pk, taken, lapsed in cursor.fetchall()}


def _centre_sessions(
    *, period: Period, specialization: Specialization, gender: str, centre: Centre
) -> list[Session]:
    """Every open future session of the choice at a centre, full ones included, by date and
    time, as the catalogue has them: cached with the catalogue rows (adding, closing or moving
    a session is a catalogue write), their seats read apart (`centre_seats`)."""
    return choices.cached(
        "centre-sessions",
        (period, specialization, gender, centre),
        lambda: list(
            catalog.bookable_sessions(
                period=period,
                mode=centre.mode,
                specialization=specialization,
                gender=gender,
                include_full=True,
            )
            .filter(centre=centre)
            .order_by("date", "start_time", "pk")
        ),
        rows=True,
    )


def _seated(session: Session, seats: dict[int, tuple[int, int]]) -> Session:
    """A copy of a cached session with its seats as read now (one no longer open: full)."""
    taken, lapsed = seats.get(session.pk, (session.capacity, 0))
    seated = copy.copy(session)  # the cached one is shared: never changed
    seated.seats_taken = taken
    seated.seats_lapsed = lapsed  # type: ignore[attr-defined]
    return seated


def day_seats_for_choice(
    *, period: Period, specialization: Specialization, gender: str, centre: Centre
) -> dict[date, DaySeats]:
    """Every test day a centre has for the choice, full days included, with its seats left
    (the digital calendar); from the cached sessions and seats, no query when both are
    cached."""
    seats = centre_seats(period=period, centre=centre)
    free: dict[date, int] = {}
    capacity: dict[date, int] = {}
    sessions = _centre_sessions(
        period=period, specialization=specialization, gender=gender, centre=centre
    )
    for session in sessions:
        taken, lapsed = seats.get(session.pk, (session.capacity, 0))
        day = session.date
        free[day] = free.get(day, 0) + max(0, session.capacity - taken + lapsed)
        capacity[day] = capacity.get(day, 0) + session.capacity
    return {day: DaySeats(day, free[day], capacity[day]) for day in sorted(free)}


def dates_for_choice(
    *, period: Period, specialization: Specialization, gender: str, centre: Centre
) -> list[date]:
    """The dates a centre has a session with a free seat on (seats of lapsed holds count as
    free), in order: the calendar's days that are not full."""
    days = day_seats_for_choice(
        period=period, specialization=specialization, gender=gender, centre=centre
    )
    return [day for day, seats in days.items() if seats.free > 0]


def sessions_for_choice(
    *,
    period: Period,
    specialization: Specialization,
    gender: str,
    centre: Centre,
    day: date | None,
) -> list[Session]:
    """The sittings (paper) or time slots of a date (digital) at a centre, full ones included
    so they can be shown as full; seats of lapsed holds count as free. From the cached
    sessions and seats (catalog/choices.py), no query when both are cached."""
    seats = centre_seats(period=period, centre=centre)
    sessions = _centre_sessions(
        period=period, specialization=specialization, gender=gender, centre=centre
    )
    return [_seated(s, seats) for s in sessions if day is None or s.date == day]


_SESSION_FOR_REVIEW = Compiled(
    lambda session_id, period_id, today: Session.objects.filter(
        pk=session_id, period_id=period_id, status=SessionStatus.OPEN, date__gt=today
    ).order_by()[:1],
    kinds=(int, int, date),
)


def session_for_review(*, period: Period, session_id: str) -> Session | None:
    """The open session of this period, with its centre, city and region; its period is the one
    passed in (the cached period, with its test and priority windows: the hold's eligibility
    reads them without a query).

    Only the session's own row is read (its seat counts must be fresh): the centre with its city
    comes from the cached catalogue rows (`centre_by_id`, bumped by every catalogue write). The
    join PostgreSQL planned on every review and hold cost it 0.27 ms of planning against 0.05
    ms for the one table. A centre the cache cannot give is left to the usual lazy read."""
    if not is_number(session_id):
        return None
    session = _SESSION_FOR_REVIEW.first(int(session_id), period.pk, clock.today())
    if session is not None:
        session.period = period
        centre = catalog.centre_by_id(session.centre_id)
        if centre is not None:
            session.centre = centre
    return session


_INVOICE_OF_ORDER = Compiled(
    lambda order_id: Invoice.objects.filter(order_id=order_id).order_by("pk")[:1], kinds=(int,)
)


def invoice_for(registration: Registration) -> Invoice | None:
    """The tax invoice of the registration's payment, if it was paid."""
    if registration.order_id is None:
        return None
    return _INVOICE_OF_ORDER.first(registration.order_id)


# --- Waiting list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitlistPlace:
    """One of the candidate's waiting-list entries as the pages show it."""

    entry: WaitlistEntry
    place: int | None  # 1 = first in line; None while a seat is offered
    offer: Registration | None  # the live offered seat (a held registration), if any


def waitlist_cities(*, period: Period, specialization: Specialization, user: User) -> Any:
    """Cities with at least one open future session of the period for this specialization and
    the candidate's gender (full ones included: that is the point of the list)."""
    sessions = Session.objects.filter(
        period=period,
        status=SessionStatus.OPEN,
        date__gt=clock.today(),
        centre__gender=user.gender,
        centre__active=True,
        specializations=specialization,
        centre__city=OuterRef("pk"),
    )
    return City.objects.filter(Exists(sessions)).select_related("region")


def _place(entry: WaitlistEntry) -> int:
    """1 + the waiting entries of the same period, specialization and city ahead in line."""
    ahead = WaitlistEntry.objects.filter(
        state=WaitlistEntry.State.WAITING,
        period_id=entry.period_id,
        specialization_id=entry.specialization_id,
        city_id=entry.city_id,
    ).filter(Q(queued_at__lt=entry.queued_at) | Q(queued_at=entry.queued_at, pk__lt=entry.pk))
    return ahead.count() + 1


def open_waitlist_entries(candidate: Any) -> QuerySet[WaitlistEntry]:
    """The candidate's waiting-list entries still open: waiting or offered a seat."""
    return WaitlistEntry.objects.filter(
        candidate=candidate,
        state__in=[WaitlistEntry.State.WAITING, WaitlistEntry.State.OFFERED],
    )


def waitlist_of(*, candidate: User) -> list[WaitlistPlace]:
    """The candidate's open entries (waiting or offered), with place or live offer."""
    entries = open_waitlist_entries(candidate).select_related(
        "test", "specialization", "city", "session__centre"
    )
    places = []
    for entry in entries:
        offer = None
        if entry.state == WaitlistEntry.State.OFFERED:
            found = (
                WaitlistOffer.objects.filter(entry=entry, state=WaitlistOffer.State.OUT)
                .select_related("registration__session__centre", "registration__test")
                .first()
            )
            offer = found.registration if found and found.registration.hold_live() else None
        places.append(
            WaitlistPlace(
                entry=entry,
                place=None if entry.state == WaitlistEntry.State.OFFERED else _place(entry),
                offer=offer,
            )
        )
    return places


def waitlist_entry_for(*, candidate: User, entry_id: int) -> WaitlistEntry:
    """The candidate's own entry, or 404 (never another candidate's)."""
    entry = WaitlistEntry.objects.filter(candidate=candidate, pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


def waitlist_figures() -> list[dict[str, Any]]:
    """Back office: per city, then per session of that city, the entries waiting, offers out,
    accepted and lapsed. Two grouped queries (and two for the names when there are rows)."""
    cities: dict[int, dict[str, Any]] = {}
    sessions: dict[int, dict[str, Any]] = {}
    waiting = (
        WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING)
        .values("city_id", "session_id")
        .annotate(n=Count("pk"))
    )
    for row in waiting:
        cities.setdefault(row["city_id"], _blank())["waiting"] += row["n"]
        if row["session_id"]:
            sessions.setdefault(row["session_id"], _blank(city=row["city_id"]))["waiting"] += row[
                "n"
            ]
    offers = WaitlistOffer.objects.values(
        "session_id", "session__centre__city_id", "state"
    ).annotate(n=Count("pk"))
    for offer in offers:
        city_id = offer["session__centre__city_id"]
        cities.setdefault(city_id, _blank())[offer["state"]] += offer["n"]
        sessions.setdefault(offer["session_id"], _blank(city=city_id))[offer["state"]] += offer["n"]
    if not cities:
        return []
    city_names = {c.pk: c.name for c in City.objects.filter(pk__in=cities)}
    session_names = {
        s.pk: str(s) for s in Session.objects.filter(pk__in=sessions).select_related("centre")
    }
    rows: list[dict[str, Any]] = []
    for city_id in sorted(cities, key=lambda pk: city_names.get(pk, "")):
        rows.append({"kind": "city", "key": city_id, "name": city_names.get(city_id, "?"),
                     **cities[city_id]})  # fmt: skip
        for session_id in sorted(
            (pk for pk, values in sessions.items() if values["city"] == city_id),
            key=lambda pk: session_names.get(pk, ""),
        ):
            rows.append(
                {
                    "kind": "session",
                    "key": session_id,
                    "name": session_names.get(session_id, "?"),
                    **sessions[session_id],
                }
            )
    return rows


def _blank(*, city: int | None = None) -> dict[str, Any]:
    return {"city": city, "waiting": 0, "out": 0, "accepted": 0, "lapsed": 0, "declined": 0}
