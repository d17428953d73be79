"""Reads for the booking pages, each ownership-checked where a candidate names an object."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rukhsa.accounts.models import User
from rukhsa.booking.models import ACTIVE, Registration
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Centre, Period, Session, SessionStatus, Specialization
from rukhsa.core import clock


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
    today = clock.today()
    return [
        r
        for r in Registration.objects.filter(candidate=candidate, status__in=ACTIVE).select_related(
            "session"
        )
        if (r.status == "confirmed" and r.session.date >= today) or r.hold_live()
    ]


def sessions_for_choice(
    *,
    period: Period,
    specialization: Specialization,
    gender: str,
    centre: Centre,
    day: date | None,
) -> QuerySet[Session]:
    """The sittings (paper) or time slots of a date (digital) at a centre, full ones included
    so they can be shown as full. One query."""
    if day is not None:
        return catalog.session_slots(
            period=period,
            specialization=specialization,
            gender=gender,
            centre=centre,
            day=day,
            include_full=True,
        )
    return (
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


def invoice_for(registration: Registration) -> Any:
    """The tax invoice of the registration's payment, if it was paid."""
    if registration.order_id is None:
        return None
    from rukhsa.payments.models import Invoice

    return Invoice.objects.filter(order_id=registration.order_id).first()
