"""The waiting list under a burst (PostgreSQL row locks; required under CI).

30 candidates wait for a full session of 30 seats. At the same instant 20 holds on it have
lapsed (the periodic job and every booking attempt may expire them), 10 confirmed candidates
cancel, and 50 members of the public try to book it. Every freed seat must go to the list, in
the order of the line; none to the public; never over capacity; nobody holding two seats.
"""

from collections import Counter
from datetime import time, timedelta

import pytest

from rukhsa.booking import changes, services, waitlist
from rukhsa.booking.errors import Busy
from rukhsa.booking.models import Registration, Status, WaitlistEntry, WaitlistOffer
from rukhsa.catalog.models import Session
from rukhsa.core import clock
from tests.booking.test_booking_concurrency import outcome, run_at_once
from tests.catalog.factories import make_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def retrying(job, attempts: int = 20):
    """A candidate pressing again when told the system is busy."""

    def run():
        for _ in range(attempts):
            try:
                return job()
            except Busy:
                continue
        return job()

    return run


def burst(cat, make_user):
    """The scene above; returns (session, line, public, results)."""
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(21),
        capacity=30,
        specializations=[cat.spec],
    )
    lapsing = [
        services.registration_hold(
            candidate=make_user(), session_id=session.pk, specialization_id=cat.spec.pk
        )
        for _ in range(20)
    ]
    cancelling = [
        services.registration_hold(
            candidate=make_user(), session_id=session.pk, specialization_id=cat.spec.pk
        )
        for _ in range(10)
    ]
    Registration.objects.filter(pk__in=[r.pk for r in cancelling]).update(status=Status.CONFIRMED)
    Registration.objects.filter(pk__in=[r.pk for r in lapsing]).update(
        held_until=clock.now() - timedelta(minutes=1)
    )
    assert Session.objects.get(pk=session.pk).seats_taken == 30
    line = [make_user() for _ in range(30)]
    for user in line:
        waitlist.waitlist_join(
            candidate=user,
            period=cat.period,
            specialization_id=cat.spec.pk,
            session_id=session.pk,
        )
    public = [make_user() for _ in range(50)]

    jobs = [
        (
            lambda user=user: services.registration_hold(
                candidate=user, session_id=session.pk, specialization_id=cat.spec.pk
            )
        )
        for user in public
    ]
    for registration in cancelling:
        registration.refresh_from_db()
        jobs.append(
            retrying(
                lambda r=registration: changes.registration_cancel(
                    registration=r, actor=r.candidate
                )
            )
        )
    jobs += [retrying(services.holds_expire) for _ in range(2)]
    return session, line, public, run_at_once(jobs)


def test_freed_seats_go_to_the_list_in_order_never_to_the_public(cat, make_user):
    session, line, public, results = burst(cat, make_user)
    public_outcomes = Counter(outcome(r) for r in results[:50])
    assert set(public_outcomes) <= {"full", "busy"}, public_outcomes
    cancelled = [r for r in results[50:60] if isinstance(r, Registration)]
    assert [r.status for r in cancelled] == ["cancelled"] * 10, results[50:60]
    services.holds_expire()  # the clock's next run: nothing is left to do
    session.refresh_from_db()
    active = Registration.objects.filter(session=session, status__in=["held", "confirmed"])
    assert active.count() == 30 == session.seats_taken == session.capacity
    # every freed seat went to the list, none to the public
    assert not Registration.objects.filter(candidate__in=public).exists()
    assert set(active.values_list("candidate_id", flat=True)) == {u.pk for u in line}
    # in the order of the line: the n-th offer made went to the n-th candidate in line
    offered_to = list(
        WaitlistOffer.objects.filter(session=session)
        .order_by("pk")
        .values_list("entry__candidate_id", flat=True)
    )
    assert offered_to == [u.pk for u in line]
    assert not WaitlistEntry.objects.filter(candidate__in=line, state="waiting").exists()
    # nobody holds two registrations for the test
    per_candidate = Counter(
        Registration.objects.filter(status__in=["held", "confirmed"], test=cat.test).values_list(
            "candidate_id", flat=True
        )
    )
    assert max(per_candidate.values()) == 1


def test_control_offers_made_after_the_seat_is_freed_lose_seats_to_the_public(
    cat, make_user, monkeypatch
):
    """Control: when the list is served later (not under the lock that freed the seat), the
    same burst hands seats to the public — the test above can see the race it guards against."""
    monkeypatch.setattr(waitlist, "seats_freed", lambda *args, **kwargs: 0)
    monkeypatch.setattr(waitlist, "serve_list_first", lambda **kwargs: None)
    _session, _line, public, _results = burst(cat, make_user)
    assert Registration.objects.filter(candidate__in=public).exists()
