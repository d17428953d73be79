"""Seats: the one place `Session.seats_taken` changes (docs/capacity.md).

Every change happens inside `seat_transaction()` after `lock_sessions()` has locked the sessions'
rows in id order (PostgreSQL `SELECT … FOR UPDATE` with a short lock timeout; SQLite serialises
writers with IMMEDIATE transactions); `take_seat` only succeeds while a seat is free, and a CHECK
constraint refuses `seats_taken > capacity` as the last line of defence. A new hold with nothing to
expire first locks the row and takes the seat with one conditional `UPDATE` (`seat_claim_free`).
Used by the booking services (hold, confirm, release, expire) and by changes and cancellations.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import psycopg
from django.db import OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from rukhsa.booking.errors import Busy, SessionFull
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.notify import registration_notify
from rukhsa.catalog import choices
from rukhsa.catalog.models import Session, SessionStatus

LOCK_TIMEOUT = "3s"

# Inside `seat_transaction(claim_first=True)` on PostgreSQL: the lock timeout is still to be set
# (by the claim's statement, or by `lock_sessions` when the claim is not made first).
_timeout_pending: ContextVar[bool] = ContextVar("seat_timeout_pending", default=False)


def busy() -> Busy:
    return Busy(_("Many candidates are booking at this moment. Please try again in a few seconds."))


@contextmanager
def seat_transaction(*, durable: bool = True, claim_first: bool = False) -> Any:
    """A transaction for seat changes; a lock wait over LOCK_TIMEOUT becomes Busy.

    `claim_first`: the block's first statement is `seat_claim_free` or `lock_sessions` (the
    hold's), which sets the lock timeout with it, in the same round trip for the claim."""
    pending = _timeout_pending.set(False)
    try:
        with transaction.atomic(durable=durable):
            if connection.vendor == "postgresql":
                if claim_first:
                    _timeout_pending.set(True)
                else:
                    _lock_timeout_set()
            yield
    except OperationalError as exc:
        text = str(exc).lower()
        if "lock" in text or "timeout" in text or "busy" in text:
            raise busy() from exc
        raise
    finally:
        _timeout_pending.reset(pending)


def _lock_timeout_sql() -> str:
    return f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"


def _lock_timeout_set() -> None:
    _timeout_pending.set(False)
    with connection.cursor() as cursor:
        cursor.execute(_lock_timeout_sql())


def _lock_timeout_if_pending() -> None:
    """Before a statement that may wait for a row lock in a `claim_first` transaction."""
    if _timeout_pending.get():
        _lock_timeout_set()


def rows_for_update(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The row lock itself (`SELECT … FOR UPDATE`); the race-control tests replace it."""
    return sessions.select_for_update()


def lock_sessions(ids: Iterable[int]) -> dict[int, Session]:
    """Lock the sessions' rows in id order and return them fresh."""
    ordered = sorted(set(ids))
    _lock_timeout_if_pending()
    qs = rows_for_update(Session.objects.filter(pk__in=ordered).order_by("pk"))
    return {session.pk: session for session in qs}


def seat_claim(session: Session) -> bool:
    """The conditional increment (`… WHERE seats_taken < capacity`); True when it took a seat.

    The race-control tests replace it with a read-modify-write to show the race it prevents.
    """
    updated = Session.objects.filter(pk=session.pk, seats_taken__lt=F("capacity")).update(
        seats_taken=F("seats_taken") + 1
    )
    return updated == 1


def seat_claim_free(session: Session) -> bool:
    """Lock the session's row and take one of its seats in one statement, when the session is
    open and a seat is free (`UPDATE … WHERE status = 'open' AND seats_taken < capacity
    RETURNING …`): the row lock is the same as `lock_sessions`' (the statement waits for it under
    the transaction's lock timeout), the condition `seat_claim`'s. True when a seat was taken:
    `session` then carries the row as it is now (counts, status, day and time). False when nothing
    changed (full, closed or gone): the caller locks the row with `lock_sessions` and looks.

    For a session that needs nothing else under its lock first (no lapsed hold to expire): the
    opening's usual hold, two statements and their building fewer than locking, then claiming.
    The race-control tests replace it so that every hold takes the path they replace."""
    with connection.cursor() as cursor:
        sql = _CLAIM_SQL.get(connection.vendor) or _claim_sql()
        params: list[Any] = [session.pk, SessionStatus.OPEN.value]
        if _timeout_pending.get() and isinstance(cursor.cursor, psycopg.ClientCursor):
            # The lock timeout and the claim in one round trip (psycopg's client-side binding
            # sends both statements at once): the claim's row is the second result.
            _timeout_pending.set(False)
            cursor.execute(f"{_lock_timeout_sql()}; {sql}", params)
            cursor.nextset()
        else:
            _lock_timeout_if_pending()
            cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    meta: Any = Session._meta
    for name, value in zip(_CLAIM_RETURNS, row, strict=True):
        setattr(session, name, meta.get_field(name).to_python(value))
    choices.seat_taken(centre_id=session.centre_id, filled=session.seats_taken >= session.capacity)
    return True


_CLAIM_RETURNS = ("seats_taken", "capacity", "status", "date", "start_time")
_CLAIM_SQL: dict[str, str] = {}


def _claim_sql() -> str:
    """The claim's statement, its names from the model (built once per database vendor)."""
    qn = connection.ops.quote_name
    meta: Any = Session._meta
    column = {name: qn(meta.get_field(name).column) for name in (*_CLAIM_RETURNS, "id")}
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {column['seats_taken']} = {column['seats_taken']} + 1 "  # noqa: S608
        f"WHERE {column['id']} = %s AND {column['status']} = %s "
        f"AND {column['seats_taken']} < {column['capacity']} "
        f"RETURNING {', '.join(column[name] for name in _CLAIM_RETURNS)}"
    )
    _CLAIM_SQL[connection.vendor] = sql
    return sql


def take_seat(session: Session) -> None:
    if not seat_claim(session):
        raise SessionFull(_("Sorry, this session has just become full. Please choose another."))
    session.seats_taken += 1
    # The cached choose-step options count this seat as free: the centre's always, the steps
    # above it when this was the session's last seat.
    choices.seat_taken(centre_id=session.centre_id, filled=session.seats_taken >= session.capacity)


def free_seats(session_id: int, count: int) -> None:
    if count:
        Session.objects.filter(pk=session_id).update(seats_taken=F("seats_taken") - count)
        choices.seats_freed()  # the cached choose-step options count these seats as taken


def expire_lapsed_holds(session: Session, *, now: datetime) -> int:
    """Within the session's lock: lapsed holds become expired and free their seats."""
    lapsed = list(
        Registration.objects.filter(
            session=session, status=Status.HELD, held_until__lte=now
        ).values_list("pk", flat=True)
    )
    if not lapsed:
        return 0
    count = Registration.objects.filter(pk__in=lapsed, status=Status.HELD).update(
        status=Status.EXPIRED, ended_at=now, end_reason="hold expired"
    )
    free_seats(session.pk, count)
    session.seats_taken -= count
    for registration in Registration.objects.filter(pk__in=lapsed).select_related(
        "candidate", "test", "specialization", "session__centre"
    ):
        registration_notify(registration, "hold_expired")
    _waitlist_first(session, now=now, ended=lapsed)
    return count


def _waitlist_first(session: Session, *, now: datetime, ended: list[int]) -> None:
    """Freed seats go to the waiting list first, under this same lock (booking.waitlist)."""
    from rukhsa.booking import waitlist

    if waitlist.seats_freed(session.pk, now=now, ended_registrations=ended):
        session.refresh_from_db(fields=["seats_taken"])
