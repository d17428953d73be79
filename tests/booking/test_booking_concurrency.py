"""Under any concurrency, held + confirmed never exceeds capacity (PostgreSQL row locks).

Each test starts real threads, each with its own database connection, all released at the
same instant by a barrier. A control run with the locks replaced from the test side (no row
lock, a read-modify-write instead of the conditional increment) shows that the test can see the
race it guards against.
"""

import threading
import time as wall_clock
from collections import Counter
from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from django.db import connection

from rukhsa.booking import seats, services
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.services import BookingError
from rukhsa.catalog.models import Session
from tests.catalog.factories import make_session

pytestmark = [pytest.mark.django_db(transaction=True)]


def run_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, all starting together; return results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcome(result: Any) -> str:
    if isinstance(result, Registration):
        return "held"
    if isinstance(result, BookingError):
        return result.code
    return repr(result)


def hold_jobs(cat, make_user, session, count: int) -> list[Callable[[], Any]]:
    users = [make_user() for _ in range(count)]
    return [
        (
            lambda user=user: services.registration_hold(
                candidate=user, session_id=session.pk, specialization_id=cat.spec.pk
            )
        )
        for user in users
    ]


def test_fifty_candidates_ten_seats_exactly_ten_win(cat, make_user):
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(16),
        capacity=10,
        specializations=[cat.spec],
    )
    results = run_at_once(hold_jobs(cat, make_user, session, 50))
    counts = Counter(outcome(r) for r in results)
    assert counts["held"] == 10, counts
    assert counts["full"] + counts["busy"] == 40, counts
    session.refresh_from_db()
    active = Registration.objects.filter(session=session, status__in=["held", "confirmed"])
    assert active.count() == 10 == session.seats_taken <= session.capacity


def test_same_candidate_confirming_twice_at_once_gets_one_registration(cat, candidate):
    jobs = [
        (
            lambda: services.registration_hold(
                candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
            )
        )
        for _ in range(2)
    ]
    results = run_at_once(jobs)
    assert sorted(outcome(r) for r in results) == ["already_registered", "held"]
    assert Registration.objects.filter(candidate=candidate, status=Status.HELD).count() == 1
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1


def _racy_claim(session: Session) -> bool:
    """Read, wait, write: the lost update the conditional increment prevents."""
    taken = Session.objects.get(pk=session.pk).seats_taken
    wall_clock.sleep(0.01)
    Session.objects.filter(pk=session.pk).update(seats_taken=taken + 1)
    return True


@pytest.mark.postgres
def test_control_without_locks_the_race_is_visible(cat, make_user, monkeypatch):
    """The same burst with the locks replaced overbooks: the tests above can fail."""
    monkeypatch.setattr(seats, "seat_claim_free", lambda session: False)  # lock, then claim
    monkeypatch.setattr(seats, "rows_for_update", lambda sessions: sessions)
    monkeypatch.setattr(seats, "seat_claim", _racy_claim)
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(17),
        capacity=10,
        specializations=[cat.spec],
    )
    overbooked = False
    for _attempt in range(5):
        run_at_once(hold_jobs(cat, make_user, session, 30))
        active = Registration.objects.filter(session=session, status="held").count()
        if active > session.capacity:
            overbooked = True
            break
        Registration.objects.filter(session=session).delete()
        Session.objects.filter(pk=session.pk).update(seats_taken=0)
    assert overbooked, "the race was never seen without locks; the test would prove nothing"


def _confirm_directly(registration: Registration) -> Registration:
    """Confirmed without going through a gateway (payments are not what these tests race)."""
    Registration.objects.filter(pk=registration.pk).update(status=Status.CONFIRMED)
    registration.refresh_from_db()
    return registration


def test_two_changes_into_the_last_seat_one_wins(cat, make_user):
    from rukhsa.booking import changes

    last = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(18),
        capacity=1,
        specializations=[cat.spec],
    )
    movers = [make_user() for _ in range(2)]
    registrations = [
        _confirm_directly(
            services.registration_hold(
                candidate=user, session_id=cat.slot.pk, specialization_id=cat.spec.pk
            )
        )
        for user in movers
    ]
    jobs = [
        (
            lambda r=r, u=u: changes.registration_change(
                registration=r, new_session_id=last.pk, actor=u
            )
        )
        for r, u in zip(registrations, movers, strict=True)
    ]
    results = run_at_once(jobs)
    winners = [r for r in results if isinstance(r, Registration)]
    assert len(winners) == 1, results
    assert Session.objects.get(pk=last.pk).seats_taken == 1
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1
    assert Registration.objects.filter(session=last, status="confirmed").count() == 1


def test_crossing_swaps_do_not_deadlock(cat, make_user):
    from rukhsa.booking import changes

    a = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(19),
        capacity=3,
        specializations=[cat.spec],
    )
    b = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(20),
        capacity=3,
        specializations=[cat.spec],
    )
    first, second = make_user(), make_user()
    on_a = _confirm_directly(
        services.registration_hold(candidate=first, session_id=a.pk, specialization_id=cat.spec.pk)
    )
    on_b = _confirm_directly(
        services.registration_hold(candidate=second, session_id=b.pk, specialization_id=cat.spec.pk)
    )
    results = run_at_once(
        [
            lambda: changes.registration_change(
                registration=on_a, new_session_id=b.pk, actor=first
            ),
            lambda: changes.registration_change(
                registration=on_b, new_session_id=a.pk, actor=second
            ),
        ]
    )
    assert all(isinstance(r, Registration) for r in results), results
    for session in (a, b):
        session.refresh_from_db()
        active = Registration.objects.filter(session=session, status="confirmed").count()
        assert session.seats_taken == active == 1


@pytest.mark.postgres
def test_a_hold_queued_behind_a_long_lock_is_told_to_try_again(cat, make_user, monkeypatch):
    """The one-statement claim waits for the session's row lock under the transaction's lock
    timeout, as the locking read did: past it the candidate gets "busy, try again" (a sentence,
    never a 500), and nothing is written."""
    from django.db import transaction
    from django.utils import translation

    from rukhsa.booking.errors import Busy

    monkeypatch.setattr(seats, "LOCK_TIMEOUT", "200ms")
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                list(Session.objects.select_for_update().filter(pk=cat.slot.pk))
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        candidate = make_user()
        with translation.override("ar"), pytest.raises(Busy) as refused:
            services.registration_hold(
                candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
            )
        assert "يُرجى المحاولة مرة أخرى" in str(refused.value.message)  # "please try again"
    finally:
        release.set()
        holder.join(timeout=10)
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 0
    assert not Registration.objects.filter(candidate=candidate).exists()
