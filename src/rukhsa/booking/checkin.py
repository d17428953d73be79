"""Check-in at the test centre (PRODUCT §5): scan the ticket's QR code or type the reference.

``checkin_record`` checks, in this order, and refuses with one clear sentence:
1. the token's signature (a scanned code that is forged or altered is refused);
2. that the registration exists and is confirmed;
3. the ticket version (a ticket replaced by a change of appointment is refused);
4. the session (another session is refused, naming the candidate's own);
5. the day (check-in is open only on the session's date, in Riyadh);
6. once: attendance is marked by a conditional UPDATE (… WHERE checked_in_at IS NULL), so two
   devices scanning the same ticket at the same moment record it once; the second is told when
   the first happened.
A typed reference has no signature or version to check (staff type it when a ticket cannot be
scanned, after looking at the identity document); steps 2 and 4 to 6 still apply.
Every check-in, and every refusal, is written to the audit log.
"""

import re
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rukhsa.booking.models import Registration, Status
from rukhsa.booking.tickets import TicketTokenInvalid, looks_like_token, ticket_token_verify
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.digits import is_number, normalize_digits
from rukhsa.core.hijri import dual_date

_REFERENCE = re.compile(r"^RK-?([0-9A-Z]{4})-?([0-9A-Z]{4})$")


class CheckInError(Exception):
    """A refused check-in: ``message`` is the sentence for the staff member."""

    def __init__(self, code: str, message: str, registration: Registration | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.registration = registration


def normalize_reference(text: str) -> str | None:
    """'rk 7k3q 9xpm', 'RK7K3Q9XPM' → 'RK-7K3Q-9XPM'; None when it cannot be a reference."""
    compact = normalize_digits(text).upper().replace(" ", "")
    match = _REFERENCE.match(compact)
    return f"RK-{match.group(1)}-{match.group(2)}" if match else None


def session_label(session: Session) -> str:
    centre = session.centre
    return _("%(centre)s, %(date)s at %(time)s") % {
        "centre": centre.name,
        "date": dual_date(session.date, weekday=True),
        "time": formats.time_format(session.start_time, "TIME_FORMAT"),
    }


def _refuse(
    code: str,
    message: str,
    *,
    staff: Any,
    session: Session,
    registration: Registration | None = None,
    ip: str | None = None,
) -> CheckInError:
    audit_log(
        action="booking.checkin_refused",
        actor=staff,
        subject=registration.candidate if registration is not None else None,
        obj=registration,
        note=f"{code}; session {session.pk}",
        ip=ip,
    )
    return CheckInError(code, message, registration)


def checkin_record(
    *, staff: Any, session: Session, token_or_reference: str, ip: str | None = None
) -> Registration:
    """Mark the candidate present in ``session``, or raise ``CheckInError`` saying why not."""
    text = (token_or_reference or "").strip()
    version: int | None = None
    if not text:
        raise CheckInError(
            "empty", _("Scan the ticket's QR code or type the registration reference.")
        )
    if looks_like_token(text):
        try:
            reference, version = ticket_token_verify(text)
        except TicketTokenInvalid:
            raise _refuse(
                "forged",
                _(
                    "This ticket code is not genuine: it was not issued by Rukhsa or it was "
                    "altered. Do not admit the candidate on this ticket."
                ),
                staff=staff,
                session=session,
                ip=ip,
            ) from None
    else:
        normalized = normalize_reference(text)
        if normalized is None:
            raise CheckInError(
                "unreadable",
                _("This is neither a ticket code nor a reference like RK-7K3Q-9XPM."),
            )
        reference = normalized

    registration = (
        Registration.objects.select_related("candidate", "specialization", "session__centre__city")
        .filter(reference=reference)
        .first()
    )
    if registration is None:
        raise _refuse(
            "unknown",
            _("No registration has the reference %(reference)s.") % {"reference": reference},
            staff=staff,
            session=session,
            ip=ip,
        )

    def refuse(code: str, message: str) -> CheckInError:
        return _refuse(
            code, message, staff=staff, session=session, registration=registration,
            ip=ip,
        )  # fmt: skip

    if registration.status != Status.CONFIRMED:
        raise refuse(
            "not_confirmed",
            _("Registration %(reference)s is not confirmed (%(status)s).")
            % {"reference": reference, "status": registration.get_status_display()},
        )
    if version is not None and version != registration.ticket_version:
        raise refuse(
            "superseded",
            _(
                "This ticket was replaced by a newer one: the appointment was changed. Ask the "
                "candidate for the current ticket."
            ),
        )
    if registration.session_id != session.pk:
        raise refuse(
            "wrong_session",
            _("This candidate is booked for another session: %(session)s.")
            % {"session": session_label(registration.session)},
        )
    if session.status == SessionStatus.CANCELLED:
        raise refuse("session_cancelled", _("This session was cancelled."))
    today = clock.today()
    if session.date != today:
        raise refuse(
            "wrong_day",
            _("This session is on %(date)s, not today. Check-in is open only on the test day.")
            % {"date": dual_date(session.date, weekday=True)},
        )
    moment = clock.now()
    with transaction.atomic():
        updated = Registration.objects.filter(
            pk=registration.pk,
            status=Status.CONFIRMED,
            session_id=session.pk,
            checked_in_at__isnull=True,
            **({"ticket_version": version} if version is not None else {}),
        ).update(checked_in_at=moment, checked_in_by=staff)
        if updated == 1:
            registration.checked_in_at, registration.checked_in_by = moment, staff
            audit_log(
                action="booking.checkin",
                actor=staff,
                subject=registration.candidate,
                obj=registration,
                changes={"checked_in_at": (None, moment.isoformat())},
                note=f"session {session.pk}; {'QR code' if version is not None else 'typed'}",
                ip=ip,
            )
            return registration
    registration.refresh_from_db()
    if registration.checked_in_at is not None:
        first = registration.checked_in_at.astimezone(clock.RIYADH)
        by = registration.checked_in_by
        raise refuse(
            "already",
            _("Already checked in at %(time)s by %(staff)s.")
            % {
                "time": formats.time_format(first, "TIME_FORMAT")
                + ("" if first.date() == today else " " + dual_date(first.date())),
                "staff": by.display_name(get_language() or "ar") if by is not None else "—",
            },
        )
    raise refuse(  # the registration changed between the read and the update
        "changed", _("This registration changed a moment ago. Scan or type it again.")
    )


# --- Reads for the staff pages -----------------------------------------------------------------


def checkin_sessions(
    *, centre_query: str = "", day: date | None = None, limit: int = 400
) -> tuple[list[Session], list[Session]]:
    """(today's sessions, the other sessions), not cancelled: those of ``day`` when given, else
    from 3 days ago to 14 days ahead; optionally only at centres whose code, name or city
    contains ``centre_query``."""
    today = clock.today()
    sessions = Session.objects.exclude(status=SessionStatus.CANCELLED)
    if day is not None:
        sessions = sessions.filter(date=day)
    else:
        sessions = sessions.filter(
            date__gte=today - timedelta(days=3), date__lte=today + timedelta(days=14)
        )
    sessions = sessions.select_related("centre__city").order_by(
        "date", "start_time", "centre__code"
    )
    query = normalize_digits(centre_query).strip()
    if query:
        sessions = sessions.filter(
            Q(centre__code__icontains=query)
            | Q(centre__name_ar__icontains=query)
            | Q(centre__name_en__icontains=query)
            | Q(centre__city__name_ar__icontains=query)
            | Q(centre__city__name_en__icontains=query)
        )
    chosen = list(sessions[:limit])
    return [s for s in chosen if s.date == today], [s for s in chosen if s.date != today]


def checkin_session(session_id: object) -> Session | None:
    if not is_number(session_id or ""):
        return None
    return (
        Session.objects.select_related("centre__city", "period__test")
        .filter(pk=int(str(session_id)))
        .first()
    )


def session_attendance(session: Session) -> tuple[int, int]:
    """(checked in, confirmed) for the session."""
    counts = Registration.objects.filter(session=session, status=Status.CONFIRMED).aggregate(
        confirmed=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    return counts["present"], counts["confirmed"]


def roster(session: Session) -> list[Registration]:
    """The confirmed registrations of a session, by name in the active language."""
    registrations = list(
        Registration.objects.filter(session=session, status=Status.CONFIRMED).select_related(
            "candidate", "specialization", "checked_in_by"
        )
    )
    language = get_language() or "ar"
    registrations.sort(key=lambda r: (r.candidate.display_name(language), r.reference))
    return registrations
