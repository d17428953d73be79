"""The waiting list (قائمة الانتظار, PRODUCT §11; rules in docs/waitlist.md).

A candidate who finds every fitting session full joins the list of a test with one wish: a
specific session, or any session of the period in a city (optionally between dates, optionally of
one mode). Whenever a seat frees in a session — a hold lapses, a held seat is given back, a
registration is cancelled or changed away, an operator raises the capacity — `seats_freed` is
called **inside the same transaction, under the session's row lock**, and takes the seat for the
first candidate in line whose wish fits, as an ordinary held registration with the offer's own
time to pay. The public never races the list for that seat.

Lock order, as everywhere in booking: sessions (by id) → registrations → waiting-list entries.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils.translation import gettext as _

from rukhsa.accounts.models import User
from rukhsa.booking import payment as booking_payment
from rukhsa.booking.errors import BookingError, Busy
from rukhsa.booking.models import (
    ACTIVE,
    Registration,
    Status,
    WaitlistEntry,
    WaitlistOffer,
)
from rukhsa.booking.notify import registration_notify
from rukhsa.booking.seats import (
    expire_lapsed_holds,
    free_seats,
    lock_sessions,
    seat_transaction,
    take_seat,
)
from rukhsa.booking.selectors import held_or_confirmed, open_waitlist_entries
from rukhsa.catalog import selectors as catalog
from rukhsa.catalog.models import City, Mode, Period, Session, SessionStatus, Specialization
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.compiled import Compiled
from rukhsa.notifications.services import message_send

logger = logging.getLogger("rukhsa.booking.waitlist")

State = WaitlistEntry.State
End = WaitlistEntry.End
OfferState = WaitlistOffer.State

# A candidate who lets this many offers lapse leaves the list.
MAX_LAPSES = 2


def offer_minutes() -> int:
    """How long an offered seat stays held for the candidate (setting WAITLIST_OFFER_MINUTES)."""
    return max(1, int(settings.WAITLIST_OFFER_MINUTES))


# --- Joining and leaving -----------------------------------------------------------------------


def _candidate_refusal(*, candidate: User, period: Period) -> str | None:
    """The booking rules that do not depend on a session (PRODUCT §4), as a sentence."""
    if not candidate.mobile_verified_at or not candidate.email_verified_at:
        return _("Verify your mobile number and email address before registering.")
    if not candidate.profile_complete:
        return _(
            "Add your qualification, major, teaching experience and employment to your personal "
            "data before registering."
        )
    opens_at = catalog.candidate_opens_at(
        period, gender=candidate.gender, in_service=candidate.in_service
    )
    now = clock.now()
    if opens_at is None or now < opens_at:
        return _("Registration in this period is not open to you yet.")
    if now >= period.registration_closes_at:
        return _("Registration for this period has closed.")
    return None


def waitlist_join(
    *,
    candidate: User,
    period: Period,
    specialization_id: int,
    session_id: int | None = None,
    city_id: int | None = None,
    mode: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> WaitlistEntry:
    """Put the candidate on the list of the period's test with one wish; the same eligibility
    as booking. Refusals are BookingError sentences."""
    from rukhsa.booking import services

    refusal = _candidate_refusal(candidate=candidate, period=period)
    if refusal:
        raise BookingError(refusal, code="not_eligible")
    specialization = Specialization.objects.filter(pk=specialization_id, active=True).first()
    if specialization is None:
        raise BookingError(_("Please choose your specialization again."), code="invalid")
    session: Session | None = None
    city: City | None = None
    if session_id is not None:
        session = (
            Session.objects.select_related("centre__city", "period__test")
            .filter(pk=session_id, period=period)
            .first()
        )
        if session is None:
            raise BookingError(_("This session is no longer available. Please choose another."))
        refusal = services.eligibility_refusal(
            candidate=candidate, session=session, specialization_id=specialization.pk
        )
        if refusal:
            raise BookingError(refusal, code="not_eligible")
        if session.seats_taken < session.capacity:
            raise BookingError(
                _("This session has a free seat: you can book it now."), code="seats_free"
            )
        city = session.centre.city
        mode, date_from, date_to = session.centre.mode, None, None
    else:
        city = City.objects.filter(pk=city_id).first() if city_id else None
        if city is None:
            raise BookingError(_("Please choose a city."), code="invalid")
        if mode and (mode not in Mode.values or not period.offers(mode)):
            raise BookingError(_("This period does not offer this kind of test."), code="invalid")
        if date_from and date_to and date_from > date_to:
            raise BookingError(_("The first date must not be after the last date."), code="invalid")
        fitting = _city_sessions(
            period=period,
            specialization=specialization,
            gender=candidate.gender,
            city=city,
            mode=mode,
            date_from=date_from,
            date_to=date_to,
        )
        if not fitting.exists():
            raise BookingError(
                _("No session of this test in this city fits your wish. Please change it."),
                code="no_sessions",
            )
    if services.active_registration(candidate=candidate, test_id=period.test_id):
        raise BookingError(
            _(
                "You already have an active registration for this test. "
                "Open it from “My registrations”."
            ),
            code="already_registered",
        )
    now = clock.now()
    entry = WaitlistEntry(
        candidate=candidate,
        test_id=period.test_id,
        period=period,
        specialization=specialization,
        session=session,
        city=city,
        mode=mode,
        date_from=date_from,
        date_to=date_to,
        joined_at=now,
        queued_at=now,
    )
    try:
        with transaction.atomic():
            entry.save()
            audit_log(action="waitlist.joined", actor=candidate, subject=candidate, obj=entry)
    except IntegrityError as exc:
        raise BookingError(
            _(
                "You are already on the waiting list for this test. Leave it first to change "
                "your wish."
            ),
            code="already_listed",
        ) from exc
    return entry


def _city_sessions(
    *,
    period: Period,
    specialization: Specialization,
    gender: str,
    city: City,
    mode: str,
    date_from: date | None,
    date_to: date | None,
) -> QuerySet[Session]:
    """The open future sessions a city wish could be offered (full ones included)."""
    qs = Session.objects.filter(
        period=period,
        status=SessionStatus.OPEN,
        date__gt=clock.today(),
        centre__city=city,
        centre__gender=gender,
        centre__active=True,
        specializations=specialization,
    )
    if mode:
        qs = qs.filter(centre__mode=mode)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


class _OfferedMeanwhile(Exception):
    """A seat was offered between reading the entry and locking it: lock its session too."""


def waitlist_leave(*, entry: WaitlistEntry, actor: User) -> WaitlistEntry:
    """One click: the entry ends; a seat offered to the candidate and not paid is given back and
    goes to the next in line."""
    for _attempt in range(3):
        try:
            return _leave(entry=entry, actor=actor)
        except _OfferedMeanwhile:
            continue
    raise Busy(_("Many candidates are booking at this moment. Please try again in a few seconds."))


def _leave(*, entry: WaitlistEntry, actor: User) -> WaitlistEntry:
    now = clock.now()
    offer = entry.offers.filter(state=OfferState.OUT).select_related("registration").first()
    with seat_transaction():
        if offer is not None:
            lock_sessions([offer.registration.session_id])  # sessions first: the lock order
        fresh = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not fresh.is_open:
            return fresh
        if offer is None and fresh.offers.filter(state=OfferState.OUT).exists():
            raise _OfferedMeanwhile
        if offer is not None:
            registration = Registration.objects.select_for_update().get(pk=offer.registration_id)
            offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
            if offer.state == OfferState.OUT and registration.status == Status.HELD:
                registration.status = Status.CANCELLED
                registration.ended_at = now
                registration.end_reason = "offer given back: left the waiting list"
                registration.save(update_fields=["status", "ended_at", "end_reason"])
                free_seats(registration.session_id, 1)
                offer.state = OfferState.DECLINED
                offer.resolved_at = now
                offer.save(update_fields=["state", "resolved_at"])
        _end(fresh, End.LEFT, now=now, notify=False)
        audit_log(action="waitlist.left", actor=actor, subject=fresh.candidate, obj=fresh)
        if offer is not None:
            _offer_free_seats(offer.registration.session_id, now=now, skip={fresh.pk})
    return fresh


# --- The hook: a seat freed under the session's lock -------------------------------------------


class BeforeHold(NamedTuple):
    """What a public booking needs to know about the list and the session, read at once."""

    period_waiting: bool  # someone waits in the session's period
    candidate_waiting: bool  # the candidate waits for the test (the hold ends that entry)
    lapsed_hold: bool  # the session has a hold past its time (a seat to free)
    candidate_registered: bool  # the candidate has a held or confirmed registration


def _before_hold_query(
    session_id: int, period_id: int, candidate_id: int, test_id: int, now: datetime
) -> QuerySet[Session]:
    waiting = WaitlistEntry.objects.filter(state=State.WAITING)
    # Unordered: the session's default ordering would join its centre only to sort one row,
    # which costs PostgreSQL more planning than the four questions.
    return (
        Session.objects.filter(pk=session_id)
        .order_by()
        .values_list(
            Exists(waiting.filter(period_id=period_id)),
            Exists(waiting.filter(candidate_id=candidate_id, test_id=test_id)),
            Exists(
                Registration.objects.filter(
                    session_id=session_id, status=Status.HELD, held_until__lte=now
                )
            ),
            Exists(held_or_confirmed(candidate_id)),
        )[:1]
    )


# Compiled once per process (core/compiled.py): every hold of an opening asks it.
_BEFORE_HOLD = Compiled(_before_hold_query, kinds=(int, int, int, int, datetime))


def before_hold(
    *, session_id: int, period_id: int, candidate_id: int, test_id: int, now: datetime
) -> BeforeHold:
    """One statement (four EXISTS on the session's row) instead of one per question."""
    flags = _BEFORE_HOLD.flags(session_id, period_id, candidate_id, test_id, now)
    return BeforeHold(*flags) if flags else BeforeHold(True, True, True, True)


def serve_list_first(
    *, session_id: int, period_id: int, now: datetime, known: BeforeHold | None = None
) -> None:
    """Before a public booking: the session's lapsed holds expire in their own short
    transaction, so the seats they free go to the list and stay with it even when the public
    booking is then refused (its transaction rolls back). `known`: the answers of
    `before_hold`, read just before (nothing asked again)."""
    if known is not None:
        if not (known.period_waiting and known.lapsed_hold):
            return
    elif (
        not WaitlistEntry.objects.filter(state=State.WAITING, period_id=period_id).exists()
        or not Registration.objects.filter(
            session_id=session_id, status=Status.HELD, held_until__lte=now
        ).exists()
    ):
        return
    try:
        with seat_transaction():
            expire_lapsed_holds(lock_sessions([session_id])[session_id], now=now)
    except Busy:
        logger.info("Session %s busy; its lapsed holds are served by the next writer", session_id)


def seats_freed(
    session_id: int, *, now: datetime | None = None, ended_registrations: Iterable[int] = ()
) -> int:
    """Called inside the transaction that freed seats in the session, with its row lock held:
    offers that just ended (lapsed, given back) are settled, then every free seat is offered to
    the first fitting candidate in line. Returns the number of offers made."""
    now = now or clock.now()
    _settle_offers(list(ended_registrations), now=now)
    return _offer_free_seats(session_id, now=now, skip=set())


def seats_added(*, session: Session, actor: Any = None) -> None:
    """The operator raised the session's capacity (inside the admin's transaction): the list
    fills the new seats at once."""
    with seat_transaction(durable=False):
        lock_sessions([session.pk])
        made = _offer_free_seats(session.pk, now=clock.now(), skip=set())
        if made:
            audit_log(
                action="waitlist.capacity_filled",
                actor=actor,
                obj=session,
                note=f"{made} seat(s) offered from the waiting list",
            )


def _settle_offers(registration_ids: list[int], *, now: datetime) -> set[int]:
    """Offers whose held seat just ended: a lapse sends the entry to the end of the line (the
    second lapse ends it); a seat given back ends it. Returns the entries settled."""
    if not registration_ids:
        return set()
    settled: set[int] = set()
    offers = (
        WaitlistOffer.objects.select_for_update(of=("self",))
        .filter(registration_id__in=registration_ids, state=OfferState.OUT)
        .select_related("registration", "entry")
    )
    for offer in offers:
        entry = WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
        lapsed = offer.registration.status == Status.EXPIRED
        offer.state = OfferState.LAPSED if lapsed else OfferState.DECLINED
        offer.resolved_at = now
        offer.save(update_fields=["state", "resolved_at"])
        settled.add(entry.pk)
        if entry.state != State.OFFERED:
            continue
        if not lapsed:
            _end(entry, End.DECLINED, now=now)
            continue
        entry.lapses += 1
        if entry.lapses >= MAX_LAPSES:
            entry.save(update_fields=["lapses"])
            _end(entry, End.LAPSED, now=now)
        else:
            entry.state = State.WAITING
            entry.queued_at = now
            entry.save(update_fields=["lapses", "state", "queued_at"])
    return settled


def offer_refusal(session: Session, *, now: datetime) -> str | None:
    """Why no seat of this session may be offered now (never a wrong offer), or None."""
    period = session.period
    test = period.test
    if session.status != SessionStatus.OPEN or not session.centre.active:
        return "session not open"
    if session.date <= now.astimezone(clock.RIYADH).date():
        return "session day reached"
    if now >= period.registration_closes_at:
        return "registration closed"
    if _offer_until(session, now=now) - now < timedelta(minutes=test.hold_minutes):
        return "too close to the change deadline or the close of registration"
    return None


def _offer_until(session: Session, *, now: datetime) -> datetime:
    """An offer never outlives the registration window nor the session's change deadline."""
    period = session.period
    deadline = session.starts_at - period.test.change_deadline(session.centre.mode)
    return min(now + timedelta(minutes=offer_minutes()), period.registration_closes_at, deadline)


def _line_for(session: Session) -> QuerySet[WaitlistEntry]:
    """Waiting entries whose wish this session fits, first in line first."""
    fits_city = Q(
        session__isnull=True,
        city_id=session.centre.city_id,
    ) & (Q(mode="") | Q(mode=session.centre.mode))
    fits_city &= Q(date_from__isnull=True) | Q(date_from__lte=session.date)
    fits_city &= Q(date_to__isnull=True) | Q(date_to__gte=session.date)
    return (
        WaitlistEntry.objects.filter(
            Q(session=session) | fits_city,
            state=State.WAITING,
            period_id=session.period_id,
            candidate__gender=session.centre.gender,
            specialization__in=session.specializations.filter(active=True),
        )
        .select_related("candidate", "specialization")
        .order_by("queued_at", "pk")
    )


def _offer_free_seats(session_id: int, *, now: datetime, skip: set[int]) -> int:
    session = Session.objects.select_related("period__test", "centre__city").get(pk=session_id)
    if session.seats_taken >= session.capacity or offer_refusal(session, now=now):
        return 0
    made = 0
    while session.seats_taken < session.capacity:
        entry = (
            _line_for(session)
            .exclude(pk__in=skip)
            .select_for_update(of=("self",), skip_locked=True)
            .first()
        )
        if entry is None:
            break
        skip.add(entry.pk)
        if _offer_to(entry, session, now=now):
            made += 1
    return made


def _offer_to(entry: WaitlistEntry, session: Session, *, now: datetime) -> bool:
    """Take a seat of the (locked) session for the entry's candidate as a held registration."""
    candidate = entry.candidate
    test = session.period.test
    today = now.astimezone(clock.RIYADH).date()
    for other in Registration.objects.filter(
        candidate=candidate, test=test, status__in=ACTIVE
    ).select_related("session"):
        if other.status == Status.CONFIRMED and other.session.date < today:
            continue  # a test already sat (completed by the periodic job)
        if other.status == Status.CONFIRMED or other.held_until > now:
            _end(entry, End.BOOKED, now=now, notify=False)  # holds or has a seat elsewhere
            return False
        return False  # a lapsed hold not yet expired: skip this seat, keep the place
    registration = Registration(
        candidate=candidate,
        test=test,
        period=session.period,
        session=session,
        specialization=entry.specialization,
        mode=session.centre.mode,
        status=Status.HELD,
        held_until=_offer_until(session, now=now),
        created_at=now,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        return False
    take_seat(session)
    registration.order = booking_payment.seat_fee_order(registration=registration, test=test)
    registration.save(update_fields=["order"])
    WaitlistOffer.objects.create(
        entry=entry, registration=registration, session=session, offered_at=now
    )
    entry.state = State.OFFERED
    entry.save(update_fields=["state"])
    audit_log(
        action="waitlist.offered", subject=candidate, obj=registration, note=f"entry {entry.pk}"
    )
    registration_notify(
        registration,
        "waitlist_offer",
        dedupe=f"waitlist_offer:{registration.pk}",
    )
    return True


def _end(entry: WaitlistEntry, reason: str, *, now: datetime, notify: bool = True) -> None:
    entry.state = State.ENDED
    entry.end_reason = reason
    entry.ended_at = now
    entry.save(update_fields=["state", "end_reason", "ended_at"])
    if notify:
        _notify_ended(entry)


def _notify_ended(entry: WaitlistEntry) -> None:
    candidate = entry.candidate
    message_send(
        kind="waitlist_ended",
        language=candidate.preferred_language or settings.LANGUAGE_CODE,
        recipient=candidate,
        sms_to=candidate.mobile if candidate.mobile_verified_at else None,
        email_to=candidate.email if candidate.email_verified_at else None,
        dedupe_key=f"waitlist_ended:{entry.pk}",
        context={
            "reason": entry.end_reason,
            "test_ar": entry.test.name_ar,
            "test_en": entry.test.name_en,
            "path": "/waitlist/",
        },
    )


# --- Other booking events ----------------------------------------------------------------------


def registration_held(*, registration: Registration) -> None:
    """The candidate took a seat the ordinary way: a waiting entry for the test ends."""
    now = clock.now()
    for entry in WaitlistEntry.objects.select_for_update().filter(
        candidate_id=registration.candidate_id, test_id=registration.test_id, state=State.WAITING
    ):
        _end(entry, End.BOOKED, now=now, notify=False)


def _offer_pending(registration_id: Any) -> QuerySet[WaitlistOffer]:
    """The offer a registration was held under, not yet accepted."""
    return WaitlistOffer.objects.filter(registration_id=registration_id).exclude(
        state=OfferState.ACCEPTED
    )


def _open_for_test(candidate_id: Any, test_id: Any) -> QuerySet[WaitlistEntry]:
    return open_waitlist_entries(candidate_id).filter(test_id=test_id)


def _on_the_list_query(registration_id: int, candidate_id: int, test_id: int) -> QuerySet[User]:
    return User.objects.filter(pk=candidate_id).values_list(
        Exists(_offer_pending(registration_id)), Exists(_open_for_test(candidate_id, test_id))
    )[:1]


# Compiled once per process (core/compiled.py): every confirmation asks it.
_ON_THE_LIST = Compiled(_on_the_list_query, kinds=(int, int, int))


def registration_confirmed(*, registration: Registration) -> None:
    """A registration was paid (in the payment's transaction): an offered seat is accepted and
    the entry ends — a candidate seated from the list is never put back on it. A candidate
    with no offer for it and no open entry for the test (an opening's many) costs one small
    question, not the two locking reads below."""
    if registration.status != Status.CONFIRMED:
        return
    on_the_list = _ON_THE_LIST.flags(
        registration.pk, registration.candidate_id, registration.test_id
    )
    if on_the_list is not None and not any(on_the_list):
        return
    now = clock.now()
    offer = _offer_pending(registration.pk).select_for_update().first()
    if offer is not None:
        offer.state = OfferState.ACCEPTED
        offer.resolved_at = now
        offer.save(update_fields=["state", "resolved_at"])
        audit_log(action="waitlist.accepted", subject=registration.candidate, obj=registration)
    for entry in _open_for_test(
        registration.candidate_id, registration.test_id
    ).select_for_update():
        seated = offer is not None and entry.pk == offer.entry_id
        _end(entry, End.SEATED if seated else End.BOOKED, now=now, notify=False)


def on_session_cancelled(*, session: Session, actor: Any, reason: str = "") -> None:
    """The operator cancelled a session (inside that transaction, after booking released its
    holds): offers on it are withdrawn — a city wish keeps its place, a wish for this session
    ends and the candidate is told."""
    now = clock.now()
    for offer in WaitlistOffer.objects.select_for_update(of=("self",)).filter(
        session=session, state=OfferState.OUT
    ):
        offer.state = OfferState.DECLINED
        offer.resolved_at = now
        offer.save(update_fields=["state", "resolved_at"])
        WaitlistEntry.objects.filter(pk=offer.entry_id, state=State.OFFERED).update(
            state=State.WAITING
        )
    for entry in WaitlistEntry.objects.select_for_update().filter(
        session=session, state__in=[State.WAITING, State.OFFERED]
    ):
        _end(entry, End.SESSION_CANCELLED, now=now)


def entries_close_due(*, now: datetime | None = None) -> int:
    """Periodic: entries of periods whose registration has closed end (the candidate is told).
    Safe to run twice or late."""
    now = now or clock.now()
    ended = 0
    due = WaitlistEntry.objects.filter(
        state=State.WAITING, period__registration_closes_at__lte=now
    ).values_list("pk", flat=True)[:2000]
    for pk in list(due):
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update()
                .filter(pk=pk, state=State.WAITING)
                .select_related("candidate", "test")
                .first()
            )
            if entry is not None:
                _end(entry, End.CLOSED, now=now)
                ended += 1
    return ended
