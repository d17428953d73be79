"""Reads for the booking pages, each ownership-checked where a candidate names an object."""

from datetime import date
from enum import StrEnum

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from rukhsa.accounts.models import User
from rukhsa.booking.models import ACTIVE, PendingChange, Registration, Status
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Centre, Period, Session, SessionStatus, Specialization
from rukhsa.core import clock
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


def registration_for(*, candidate: User, reference: str) -> Registration:
    """The candidate's own registration, or 404 (never another candidate's)."""
    registration = (
        Registration.objects.select_related(
            "test", "period", "specialization", "session__centre__city__region"
        )
        .filter(candidate=candidate, reference=reference.upper())
        .first()
    )
    if registration is None:
        raise Http404
    return registration


def registrations_of(*, candidate: User) -> QuerySet[Registration]:
    return Registration.objects.filter(candidate=candidate).select_related(
        "test", "specialization", "session__centre__city"
    )


def active_registrations(*, candidate: User) -> list[Registration]:
    """Held (live) and confirmed registrations whose test day has not passed."""
    return [
        r
        for r in Registration.objects.filter(candidate=candidate, status__in=ACTIVE).select_related(
            "session"
        )
        if r.is_current()
    ]


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


def dates_for_choice(
    *, period: Period, specialization: Specialization, gender: str, centre: Centre
) -> list[date]:
    """The dates a centre has a session with a free seat on (seats of lapsed holds count as
    free), in order. One query."""
    sessions = _with_lapsed_holds(
        catalog.bookable_sessions(
            period=period,
            mode=centre.mode,
            specialization=specialization,
            gender=gender,
            include_full=True,
        ).filter(centre=centre)
    )
    return list(
        sessions.filter(seats_taken__lt=F("capacity") + F("seats_lapsed"))
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()
    )


def sessions_for_choice(
    *,
    period: Period,
    specialization: Specialization,
    gender: str,
    centre: Centre,
    day: date | None,
) -> QuerySet[Session]:
    """The sittings (paper) or time slots of a date (digital) at a centre, full ones included
    so they can be shown as full; seats of lapsed holds count as free. One query."""
    if day is not None:
        return _with_lapsed_holds(
            catalog.session_slots(
                period=period,
                specialization=specialization,
                gender=gender,
                centre=centre,
                day=day,
                include_full=True,
            )
        )
    return _with_lapsed_holds(
        catalog.bookable_sessions(
            period=period,
            mode=centre.mode,
            specialization=specialization,
            gender=gender,
            include_full=True,
        )
        .filter(centre=centre)
        .order_by("date", "start_time")
    )


def session_for_review(*, period: Period, session_id: str) -> Session | None:
    if not str(session_id).isdigit():
        return None
    return (
        Session.objects.select_related("centre__city", "period__test")
        .filter(
            pk=int(session_id), period=period, status=SessionStatus.OPEN, date__gt=clock.today()
        )
        .first()
    )


def invoice_for(registration: Registration) -> Invoice | None:
    """The tax invoice of the registration's payment, if it was paid."""
    if registration.order_id is None:
        return None
    return Invoice.objects.filter(order_id=registration.order_id).first()
