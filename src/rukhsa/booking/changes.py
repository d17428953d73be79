"""After confirmation: change the appointment, cancel with a refund, the operator's cancelled
sessions, and test reminders (PRODUCT §5).

The same capacity rules as holds (docs/capacity.md): seats change only under the sessions' row
locks, taken in id order, so two candidates swapping A→B and B→A at once cannot deadlock.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rukhsa.accounts.models import User
from rukhsa.booking import payment as booking_payment
from rukhsa.booking import waitlist
from rukhsa.booking.errors import BookingError, SessionFull
from rukhsa.booking.models import PendingChange, Registration, RegistrationChange, Status
from rukhsa.booking.notify import registration_notify
from rukhsa.booking.seats import (
    expire_lapsed_holds,
    free_seats,
    lock_sessions,
    seat_transaction,
    take_seat,
)
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.money import format_sar
from rukhsa.payments.models import Order, Payment


def change_deadline(registration: Registration) -> datetime:
    """The last moment the appointment may be changed or cancelled (72 h paper, 48 h digital)."""
    return registration.session.starts_at - registration.test.change_deadline(registration.mode)


def change_refusal(registration: Registration, *, now: datetime | None = None) -> str | None:
    """Why this registration cannot be changed now, or None."""
    now = now or clock.now()
    if registration.status != Status.CONFIRMED:
        return _("Only a confirmed registration can be changed.")
    if registration.checked_in_at:
        return _("This test was already attended.")
    if registration.displaced_at:
        return None  # the operator cancelled the session: no deadline, no fee, not counted
    if now > change_deadline(registration):
        hours = int(registration.test.change_deadline(registration.mode).total_seconds() // 3600)
        return ngettext(
            "Appointments can be changed until %(hours)d hour before the test; that time has "
            "passed.",
            "Appointments can be changed until %(hours)d hours before the test; that time has "
            "passed.",
            hours,
        ) % {"hours": hours}
    if registration.changes_count >= registration.test.max_changes:
        allowed = registration.test.max_changes
        return ngettext(
            "You have already changed this appointment %(count)d time, the most allowed.",
            "You have already changed this appointment %(count)d times, the most allowed.",
            allowed,
        ) % {"count": allowed}
    return None


def cancel_refusal(registration: Registration, *, now: datetime | None = None) -> str | None:
    """Why this registration cannot be cancelled now, or None (the change limit does not
    apply to cancelling)."""
    now = now or clock.now()
    if registration.status != Status.CONFIRMED:
        return _("Only a confirmed registration can be cancelled.")
    if registration.checked_in_at:
        return _("This test was already attended.")
    if not registration.displaced_at and now > change_deadline(registration):
        return _cancel_too_late(registration)
    return None


def _cancel_too_late(registration: Registration) -> str:
    hours = int(registration.test.change_deadline(registration.mode).total_seconds() // 3600)
    return ngettext(
        "Registrations can be cancelled until %(hours)d hour before the test; that time has "
        "passed.",
        "Registrations can be cancelled until %(hours)d hours before the test; that time has "
        "passed.",
        hours,
    ) % {"hours": hours}


def change_options(registration: Registration) -> QuerySet[Session]:
    """Sessions this registration may move to: same period and mode, hosting the
    specialization, for the candidate's gender, with a free seat, not the current one."""
    return (
        catalog.bookable_sessions(
            period=registration.period,
            mode=registration.mode,
            specialization=registration.specialization_id,
            gender=registration.candidate.gender,
        )
        .exclude(pk=registration.session_id)
        .select_related("centre__city")
        .order_by("date", "start_time", "centre__code")
    )


def registration_change(
    *, registration: Registration, new_session_id: int, actor: User, reason: str = ""
) -> Registration:
    """Move a confirmed registration to another session: the new seat is taken and the old one
    freed in one transaction — both happen or neither."""
    refusal = change_refusal(registration)
    if refusal:
        raise BookingError(refusal, code="not_changeable")
    target = change_options(registration).filter(pk=new_session_id).select_related("centre").first()
    if target is None:
        raise BookingError(
            _("This session is not available for your change. Please choose another."),
            code="not_available",
        )
    if change_fee_due(registration):
        raise BookingError(
            _("A change fee applies: pay it to complete the change."), code="fee_required"
        )
    return _swap(registration=registration, target_id=target.pk, actor=actor, reason=reason)


def change_fee_due(registration: Registration) -> bool:
    return bool(registration.test.change_fee_halalas) and not registration.displaced_at


def change_fee_hold(
    *, registration: Registration, new_session_id: int, actor: User
) -> PendingChange:
    """With a change fee: hold the new seat and create the fee order; the old seat is kept and
    nothing else changes until the fee is paid (then `change_fee_paid` swaps)."""
    refusal = change_refusal(registration)
    if refusal:
        raise BookingError(refusal, code="not_changeable")
    if not change_options(registration).filter(pk=new_session_id).exists():
        raise BookingError(
            _("This session is not available for your change. Please choose another."),
            code="not_available",
        )
    now = clock.now()
    test = registration.test
    with seat_transaction():
        target = lock_sessions([new_session_id])[new_session_id]
        expire_lapsed_holds(target, now=now)
        _expire_pending_changes_of_locked_session(target, now=now)
        for earlier in PendingChange.objects.select_for_update().filter(
            registration=registration, state=PendingChange.State.HELD
        ):
            if earlier.to_session_id == target.pk and earlier.held_until > now:
                return earlier  # pressed twice: the same held change
            raise BookingError(
                _(
                    "Another change of this appointment is waiting for its fee. Pay it or wait "
                    "until it lapses."
                ),
                code="pending",
            )
        if target.seats_taken >= target.capacity:
            raise SessionFull(_("Sorry, this session is full. Please choose another."))
        take_seat(target)
        pending = PendingChange.objects.create(
            registration=registration,
            to_session=target,
            held_until=now + timedelta(minutes=test.hold_minutes),
            created_at=now,
        )
        pending.order = booking_payment.change_fee_order(pending=pending, registration=registration)
        pending.save(update_fields=["order"])
        audit_log(
            action="registration.change_fee_held",
            actor=actor,
            subject=registration.candidate,
            obj=registration,
            changes={"session": (registration.session_id, target.pk)},
        )
    return pending


def change_fee_paid(*, order: Order, payment: Payment) -> Registration | None:
    """The change fee was paid (inside the payment's transaction): apply the change. If the
    held seat lapsed and is gone meanwhile, the fee is refunded and nothing changes."""
    pending = PendingChange.objects.filter(order=order).first()
    if pending is None:
        return None
    registration = pending.registration
    sessions = lock_sessions([registration.session_id, pending.to_session_id])
    pending = PendingChange.objects.select_for_update().get(pk=pending.pk)
    fresh = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("test", "candidate", "specialization", "session__centre")
        .get(pk=registration.pk)
    )
    if pending.state == PendingChange.State.APPLIED:
        return fresh
    target = sessions[pending.to_session_id]
    seat_held = pending.state == PendingChange.State.HELD
    can_take = target.status == SessionStatus.OPEN and target.seats_taken < target.capacity
    if fresh.status != Status.CONFIRMED or (not seat_held and not can_take):
        if seat_held:
            free_seats(target.pk, 1)
        pending.state = PendingChange.State.EXPIRED
        pending.save(update_fields=["state"])
        booking_payment.refund_after_commit(
            payment=payment,
            amount_halalas=payment.amount_halalas,
            reason="change fee paid after the held seat was gone",
        )
        return fresh
    if not seat_held:
        take_seat(target)
    pending.state = PendingChange.State.APPLIED
    pending.save(update_fields=["state"])
    return _apply_swap(
        fresh, target=target, actor=fresh.candidate, reason="change fee paid", now=clock.now()
    )


def _expire_pending_changes_of_locked_session(session: Session, *, now: datetime) -> int:
    lapsed = PendingChange.objects.filter(
        to_session=session, state=PendingChange.State.HELD, held_until__lte=now
    ).update(state=PendingChange.State.EXPIRED)
    free_seats(session.pk, lapsed)
    session.seats_taken -= lapsed
    if lapsed and waitlist.seats_freed(session.pk, now=now):
        session.refresh_from_db(fields=["seats_taken"])
    return lapsed


def change_holds_expire(*, now: datetime | None = None) -> int:
    """Periodic: lapsed change holds give their new seat back (the old one was never freed)."""
    now = now or clock.now()
    session_ids = sorted(
        set(
            PendingChange.objects.filter(
                state=PendingChange.State.HELD, held_until__lte=now
            ).values_list("to_session_id", flat=True)[:1000]
        )
    )
    total = 0
    for session_id in session_ids:
        with seat_transaction():
            session = lock_sessions([session_id])[session_id]
            total += _expire_pending_changes_of_locked_session(session, now=now)
    return total


def _swap(
    *,
    registration: Registration,
    target_id: int,
    actor: User | None,
    reason: str,
    durable: bool = True,
) -> Registration:
    now = clock.now()
    with seat_transaction(durable=durable):
        sessions = lock_sessions([registration.session_id, target_id])
        fresh = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("test", "candidate", "specialization", "session__centre")
            .get(pk=registration.pk)
        )
        refusal = change_refusal(fresh, now=now)
        if refusal:
            raise BookingError(refusal, code="not_changeable")
        target = sessions[target_id]
        if target.status != SessionStatus.OPEN:
            raise BookingError(_("This session is no longer available. Please choose another."))
        expire_lapsed_holds(target, now=now)
        if target.seats_taken >= target.capacity:
            raise SessionFull(_("Sorry, this session is full. Your appointment was not changed."))
        take_seat(target)
        return _apply_swap(fresh, target=target, actor=actor, reason=reason, now=now)


def _apply_swap(
    fresh: Registration, *, target: Session, actor: User | None, reason: str, now: datetime
) -> Registration:
    """Within the locks, with the new seat already taken: free the old seat and move."""
    old_session_id = fresh.session_id
    free_seats(old_session_id, 1)
    waitlist.seats_freed(old_session_id, now=now)
    counted = fresh.displaced_at is None
    RegistrationChange.objects.create(
        registration=fresh,
        from_session_id=old_session_id,
        to_session=target,
        changed_at=now,
        changed_by=actor,
        reason=reason,
        counted=counted,
    )
    fresh.session = target
    fresh.ticket_version = F("ticket_version") + 1
    if counted:
        fresh.changes_count = F("changes_count") + 1
    fresh.displaced_at = None
    fresh.save(update_fields=["session", "ticket_version", "changes_count", "displaced_at"])
    fresh.refresh_from_db()
    audit_log(
        action="registration.changed",
        actor=actor,
        subject=fresh.candidate,
        obj=fresh,
        changes={"session": (old_session_id, target.pk)},
        note=reason,
    )
    registration_notify(fresh, "appointment_changed")
    return fresh


def refund_amount(registration: Registration, paid_halalas: int) -> int:
    """The test's refund percent of what was paid; all of it when the operator cancelled."""
    if registration.displaced_at:
        return paid_halalas
    return paid_halalas * registration.test.refund_percent // 100


def registration_cancel(*, registration: Registration, actor: User) -> Registration:
    """Cancel a confirmed registration until the change deadline: seat freed, refund sent once
    (pressing twice refunds once), a credit note issued by the payments app, candidate told."""
    now = clock.now()
    with seat_transaction():
        lock_sessions([registration.session_id])
        fresh = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("test", "candidate", "specialization", "session__centre", "order")
            .get(pk=registration.pk)
        )
        if fresh.status == Status.CANCELLED:
            return fresh  # pressed twice: nothing more happens
        if fresh.status != Status.CONFIRMED:
            raise BookingError(_("Only a confirmed registration can be cancelled."))
        refusal = cancel_refusal(fresh, now=now)
        if refusal:
            raise BookingError(refusal, code="too_late")
        payment = booking_payment.seat_fee_paid(fresh)
        amount = refund_amount(fresh, payment.amount_halalas) if payment else 0
        fresh.status = Status.CANCELLED
        fresh.ended_at = now
        fresh.end_reason = (
            "cancelled after the operator cancelled the session"
            if fresh.displaced_at
            else "cancelled by the candidate"
        )
        fresh.save(update_fields=["status", "ended_at", "end_reason"])
        free_seats(fresh.session_id, 1)
        waitlist.seats_freed(fresh.session_id, now=now)
        audit_log(
            action="registration.cancelled",
            actor=actor,
            subject=fresh.candidate,
            obj=fresh,
            note=f"refund {amount} halalas",
        )
        if payment and amount:
            booking_payment.refund_after_commit(
                payment=payment, amount_halalas=amount, reason="registration cancelled"
            )
        _notify_with(fresh, "registration_cancelled", refund=amount)
    return fresh


def cancel_refund_halalas(registration: Registration) -> int:
    """What cancelling now would refund (shown on the cancel page before confirming)."""
    payment = booking_payment.seat_fee_paid(registration)
    return refund_amount(registration, payment.amount_halalas) if payment else 0


def _notify_with(registration: Registration, kind: str, **extra: Any) -> None:
    registration_notify(registration, kind, extra={k: format_sar(v) for k, v in extra.items()})


# --- Operator-cancelled sessions ---------------------------------------------------------------


def on_session_cancelled(*, session: Session, actor: User | None, reason: str = "") -> None:
    """Called inside the transaction that cancelled the session: every confirmed candidate is
    marked displaced (may re-book with no deadline or fee, or cancel with a full refund) and
    told; live holds on the session are released."""
    now = clock.now()
    Registration.objects.filter(session=session, status=Status.HELD).update(
        status=Status.CANCELLED, ended_at=now, end_reason="session cancelled by the operator"
    )
    confirmed = list(
        Registration.objects.filter(session=session, status=Status.CONFIRMED).select_related(
            "candidate", "test", "specialization", "session__centre"
        )
    )
    Registration.objects.filter(pk__in=[r.pk for r in confirmed]).update(displaced_at=now)
    for registration in confirmed:
        registration.displaced_at = now
        audit_log(
            action="registration.displaced",
            actor=actor,
            subject=registration.candidate,
            obj=registration,
            note=reason,
        )
        registration_notify(registration, "session_cancelled", extra={"reason": reason})


# --- Reminders ---------------------------------------------------------------------------------

REMINDER_DAYS = (3, 1)


def reminders_send(*, today: date | None = None) -> int:
    """Remind confirmed candidates 3 days and 1 day before the test; each reminder once."""
    today = today or clock.today()
    sent = 0
    for days in REMINDER_DAYS:
        day = today + timedelta(days=days)
        registrations = Registration.objects.filter(
            status=Status.CONFIRMED, session__date=day
        ).select_related("candidate", "test", "specialization", "session__centre")
        for registration in registrations.iterator(chunk_size=500):
            created = registration_notify(
                registration,
                "test_reminder",
                extra={"days": days},
                dedupe=f"test_reminder:{registration.pk}:{days}:{registration.session_id}",
            )
            sent += 1 if created else 0
    return sent
