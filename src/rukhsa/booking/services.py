"""Every write to a registration: hold a seat, confirm on payment, release, expire.

Capacity (docs/capacity.md): `Session.seats_taken` counts held + confirmed registrations. It only
changes inside a transaction that holds the session's row lock (PostgreSQL `SELECT … FOR
UPDATE` with a short lock timeout; SQLite serialises writers with IMMEDIATE transactions), and a
CHECK constraint refuses `seats_taken > capacity` as the last line of defence (booking.seats). Locks
are taken in one order: payment (by the payments app) → sessions (by id) → registrations.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.utils import formats
from django.utils.translation import gettext as _

from rukhsa.accounts.models import User
from rukhsa.booking import payment as booking_payment
from rukhsa.booking import seats, waitlist
from rukhsa.booking.errors import BookingError, Busy, SessionFull
from rukhsa.booking.models import ACTIVE, PendingChange, Registration, Status
from rukhsa.booking.notify import registration_notify
from rukhsa.booking.seats import (
    expire_lapsed_holds,
    free_seats,
    lock_sessions,
    seat_transaction,
    take_seat,
)
from rukhsa.booking.selectors import Gap, catalogue_attach, held_or_confirmed, readiness_gaps
from rukhsa.catalog.models import Session, SessionStatus, Specialization
from rukhsa.catalog.selectors import candidate_opens_at, session_hosts
from rukhsa.core import clock, rows
from rukhsa.core.audit import audit_batch, audit_log
from rukhsa.core.compiled import Compiled
from rukhsa.payments.models import Order, Payment

logger = logging.getLogger("rukhsa.booking")

# --- Eligibility -------------------------------------------------------------------------------


def eligibility_refusal(*, candidate: User, session: Session, specialization_id: int) -> str | None:
    """The first rule of PRODUCT §4 this booking breaks, as a sentence; None when eligible."""
    period = session.period
    now = clock.now()
    gaps = readiness_gaps(candidate)
    if Gap.MOBILE in gaps or Gap.EMAIL in gaps:
        return _("Verify your mobile number and email address before registering.")
    if Gap.PROFILE in gaps:
        return _(
            "Add your qualification, major, teaching experience and employment to your personal "
            "data before registering."
        )
    opens_at = candidate_opens_at(period, gender=candidate.gender, in_service=candidate.in_service)
    if opens_at is None:
        return _("Registration in this period is not open to you.")
    if now < opens_at:
        return _("Your registration for this period opens on %(when)s (Riyadh time).") % {
            "when": formats.date_format(opens_at.astimezone(clock.RIYADH), "DATETIME_FORMAT")
        }
    if now >= period.registration_closes_at:
        return _("Registration for this period has closed.")
    if not period.offers(session.centre.mode):
        return _("This period does not offer this kind of test.")
    if session.status != SessionStatus.OPEN or session.date <= clock.today():
        return _("This session is no longer available. Please choose another.")
    if not session.centre.active:
        return _("This test centre is not available. Please choose another.")
    if session.centre.gender != candidate.gender:
        return _("This test centre does not serve your gender. Please choose another centre.")
    if not session_hosts(session, specialization_id):
        return _("This session does not host your specialization. Please choose another.")
    return None


def active_registration(*, candidate: User, test_id: int) -> Registration | None:
    """The candidate's held (and still live) or confirmed (test day not passed) registration."""
    for registration in Registration.objects.filter(
        candidate=candidate, test_id=test_id, status__in=ACTIVE
    ).select_related("session"):
        if registration.is_current():
            return registration
    return None


# --- Hold --------------------------------------------------------------------------------------


def registration_hold(
    *,
    candidate: User,
    session_id: int,
    specialization_id: int,
    session: Session | None = None,
    specialization: Specialization | None = None,
    open_payment: bool = False,
) -> Registration:
    """Take a seat for `hold_minutes`, create the order to pay, and tell the candidate.

    A view that has just read the session (with its period, test, centre and city) and the
    specialization may pass them in, so they are not read again; eligibility is checked on them
    all the same, and the seat under the session's row lock. `open_payment`: the candidate goes
    straight on to pay, so the order's first payment attempt is made with it, in the same
    transaction (`registration.opened_payment`; `seat_fee_pay_url` sends it to the gateway).
    """
    if session is None or session.pk != session_id:
        session = (
            Session.objects.select_related("period__test", "centre__city")
            .filter(pk=session_id)
            .first()
        )
    if session is None:
        raise BookingError(_("This session is no longer available. Please choose another."))
    refusal = eligibility_refusal(
        candidate=candidate, session=session, specialization_id=specialization_id
    )
    if refusal:
        raise BookingError(refusal, code="not_eligible")
    test = session.period.test

    def ask() -> waitlist.BeforeHold:
        # The list, the candidate's own waiting entry, a lapsed hold in the session and the
        # candidate's own registrations: one read.
        return waitlist.before_hold(
            session_id=session.pk,
            period_id=session.period_id,
            candidate_id=candidate.pk,
            test_id=test.pk,
            now=clock.now(),
        )

    known = ask()
    if known.candidate_registered:  # a first booking (an opening's many) skips this read
        if _candidate_registrations_settle(candidate=candidate, test_id=test.pk):
            raise BookingError(
                _(
                    "You already have an active registration for this test. "
                    "Open it from “My registrations”."
                ),
                code="already_registered",
            )
        known = ask()  # settling may have freed a seat (the candidate's own lapsed hold)
    now = clock.now()
    waitlist.serve_list_first(
        session_id=session.pk, period_id=session.period_id, now=now, known=known
    )
    if _visibly_full(session, lapsed_hold=known.lapsed_hold, now=now):
        # Told without queueing for the lock: no seat can come free (no lapsed hold to expire).
        raise _session_full()
    # The order's and the hold's audit rows go in with one statement, inside the transaction.
    with seat_transaction(claim_first=True), audit_batch():
        # No hold had lapsed here a moment ago: lock the row and take a free seat in one
        # statement. (A hold lapsing since is expired by the next booking that needs its seat,
        # or by the periodic job: its seat goes to the waiting list first either way.)
        if not known.lapsed_hold and seats.seat_claim_free(session):
            locked = session  # the view's read, with the row's counts, day and time as now
        else:  # a lapsed hold to expire first, or no free seat: lock the row and look
            locked = lock_sessions([session.pk])[session.pk]
            if known.lapsed_hold or locked.seats_taken >= locked.capacity:
                expire_lapsed_holds(locked, now=now)
            if locked.status != SessionStatus.OPEN:
                raise BookingError(_("This session is no longer available. Please choose another."))
            if locked.seats_taken >= locked.capacity:
                raise _session_full()
            take_seat(locked)
            # The message names the centre: the one read with the session (the locked row has
            # no join).
            locked.centre = session.centre
        registration = Registration(
            candidate=candidate,
            test=test,
            period=session.period,
            session=locked,
            specialization_id=specialization_id,
            mode=session.centre.mode,
            status=Status.HELD,
            held_until=now + timedelta(minutes=test.hold_minutes),
            created_at=now,
        )
        if specialization is not None and specialization.pk == specialization_id:
            registration.specialization = specialization  # named in the order's description
        # The order first (it names the registration by its reference), so the registration
        # goes in with it: one insert each, no update.
        registration.order = booking_payment.seat_fee_order(registration=registration, test=test)
        try:
            # No savepoint: on a clash the whole transaction is rolled back (the seat and the
            # order too), as the error leaves it at once.
            rows.insert(registration)
        except IntegrityError as exc:
            raise BookingError(
                _("You already have an active registration for this test."),
                code="already_registered",
            ) from exc
        if open_payment:
            registration.opened_payment = booking_payment.seat_fee_payment_open(
                registration=registration
            )
        audit_log(action="registration.held", actor=candidate, subject=candidate, obj=registration)
        if known.candidate_waiting:
            waitlist.registration_held(registration=registration)
    # Rendered and stored after the commit, so the session's lock is held as briefly as possible.
    registration_notify(registration, "seat_held")
    return registration


def _candidate_registrations_settle(*, candidate: User, test_id: int) -> bool:
    """Before a hold, with one read of the candidate's held and confirmed registrations: True
    when one is active for `test_id` (`Registration.is_current`); otherwise expire the
    candidate's own lapsed holds (they must not block them) and complete the confirmed
    registrations whose test day has passed (nor a test already sat), as `holds_expire` and
    `registrations_complete_past` do for this candidate."""
    mine = list(held_or_confirmed(candidate).select_related("session"))
    if any(r.test_id == test_id and r.is_current() for r in mine):
        return True
    now, today = clock.now(), clock.today()
    if any(r.status == Status.HELD and r.held_until <= now for r in mine):
        holds_expire(candidate=candidate, now=now)
    past = [r.pk for r in mine if r.status == Status.CONFIRMED and r.session.date < today]
    if past:
        Registration.objects.filter(pk__in=past, status=Status.CONFIRMED).update(
            status=Status.COMPLETED
        )
    return False


def _session_full() -> SessionFull:
    return SessionFull(_("Sorry, this session is full. Please choose another date or centre."))


def _visibly_full(session: Session, *, lapsed_hold: bool, now: datetime) -> bool:
    """Full by the counter, with no lapsed hold (seat or change) that could free a seat.

    The counter is the session's as this request read it a moment ago (the view's read): a seat
    taken since is found under the lock, as before; `lapsed_hold` comes from `before_hold`."""
    if session.seats_taken < session.capacity or lapsed_hold:
        return False
    return not PendingChange.objects.filter(
        to_session_id=session.pk, state=PendingChange.State.HELD, held_until__lte=now
    ).exists()


def registration_release(*, registration: Registration, actor: User) -> Registration:
    """The candidate gives the held seat back before paying."""
    with seat_transaction():
        lock_sessions([registration.session_id])
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        if fresh.status != Status.HELD:
            return fresh
        fresh.status = Status.CANCELLED
        fresh.ended_at = clock.now()
        fresh.end_reason = "released by candidate"
        fresh.save(update_fields=["status", "ended_at", "end_reason"])
        free_seats(fresh.session_id, 1)
        audit_log(action="registration.released", actor=actor, subject=fresh.candidate, obj=fresh)
        waitlist.seats_freed(fresh.session_id, ended_registrations=[fresh.pk])
    return fresh


# --- Expiry ------------------------------------------------------------------------------------


def holds_expire(
    *, candidate: User | None = None, centre_id: int | None = None, now: datetime | None = None
) -> int:
    """Expire every lapsed hold (optionally only a candidate's or a centre's), freeing seats.

    Safe to run twice or late; one short transaction per session.
    """
    now = now or clock.now()
    lapsed = Registration.objects.filter(status=Status.HELD, held_until__lte=now)
    if candidate is not None:
        lapsed = lapsed.filter(candidate=candidate)
    if centre_id is not None:
        lapsed = lapsed.filter(session__centre_id=centre_id)
    session_ids = sorted(set(lapsed.values_list("session_id", flat=True)[:1000]))
    total = 0
    for session_id in session_ids:
        try:
            with seat_transaction():
                session = lock_sessions([session_id])[session_id]
                total += expire_lapsed_holds(session, now=now)
        except Busy:
            logger.info("Session %s busy; its lapsed holds expire on the next run", session_id)
    return total


def registrations_complete_past(*, candidate: User | None = None) -> int:
    """Confirmed registrations whose test day has passed are no longer active: the candidate
    may register for the test again (a later period). Safe to run twice or late."""
    past = Registration.objects.filter(status=Status.CONFIRMED, session__date__lt=clock.today())
    if candidate is not None:
        past = past.filter(candidate=candidate)
    return Registration.objects.filter(
        pk__in=list(past.values_list("pk", flat=True)[:5000])
    ).update(status=Status.COMPLETED)


# --- Payment (the orders themselves: booking.payment) -----------------------------------------


# The confirmation's reads, compiled once per process (core/compiled.py): the paid order's
# registration, then that registration locked with its candidate.
_ORDERS_REGISTRATION = Compiled(
    lambda order_id: Registration.objects.filter(order_id=order_id).values_list("pk", "session_id")[
        :1
    ],
    kinds=(int,),
)
_LOCKED_WITH_CANDIDATE = Compiled(
    lambda pk: (
        Registration.objects.select_for_update(of=("self",))
        .select_related("candidate")
        .filter(pk=pk)
        .order_by()
    ),
    kinds=(int,),
)


def registration_confirm_paid(*, order: Order, payment: Payment) -> Registration | None:
    """The order of a registration was paid (called inside the payment's transaction).

    A live or lapsed-but-unreleased hold is confirmed on its seat. A released hold is confirmed
    if a seat is still free; otherwise (or if the candidate has since registered elsewhere) the
    payment is refunded in full and the candidate told.
    """
    found = _ORDERS_REGISTRATION.rows(order.pk)
    if not found:
        logger.error("Paid order %s has no registration", order.pk)
        return None
    registration_id, session_id = found[0]
    session = lock_sessions([session_id])[session_id]
    registration = _LOCKED_WITH_CANDIDATE.first(registration_id)
    if registration is None:
        raise Registration.DoesNotExist(f"Registration {registration_id} does not exist.")
    # The locked session, and the catalogue rows from the cache rather than joins (cheaper to
    # plan: `catalogue_attach`).
    registration.session = session
    catalogue_attach(registration)
    now = clock.now()
    if registration.status == Status.CONFIRMED:
        return registration
    if registration.status == Status.HELD:
        return _confirm(registration, now=now)
    other_active = (
        Registration.objects.filter(
            candidate=registration.candidate, test=registration.test, status__in=ACTIVE
        )
        .exclude(pk=registration.pk)
        .exists()
    )
    seat_free = session.status == SessionStatus.OPEN and session.seats_taken < session.capacity
    if registration.status == Status.EXPIRED and seat_free and not other_active:
        take_seat(session)
        return _confirm(registration, now=now)
    registration.end_reason = "paid after the hold ended; no seat; refunded"
    registration.save(update_fields=["end_reason"])
    audit_log(
        action="registration.late_payment_refunded",
        subject=registration.candidate,
        obj=registration,
    )
    booking_payment.refund_after_commit(
        payment=payment,
        amount_halalas=payment.amount_halalas,
        reason="paid after the seat hold ended and no seat was free",
    )
    registration_notify(registration, "late_payment_refunded")
    return registration


def _confirm(registration: Registration, *, now: datetime) -> Registration:
    registration.status = Status.CONFIRMED
    registration.confirmed_at = now
    registration.ended_at = None
    registration.end_reason = ""
    rows.update(registration, ["status", "confirmed_at", "ended_at", "end_reason"])
    audit_log(action="registration.confirmed", subject=registration.candidate, obj=registration)
    registration_notify(registration, "registration_confirmed")
    return registration
