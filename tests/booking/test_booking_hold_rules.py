"""registration_hold: every eligibility rule of PRODUCT §4, capacity, expiry, release."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from rukhsa.booking import payment as booking_payment
from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.services import BookingError, SessionFull
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.notifications.models import Message
from tests.catalog.factories import make_session, make_window


def hold(candidate, session, spec):
    return services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=spec.pk
    )


def seats(session):
    return Session.objects.get(pk=session.pk).seats_taken


def test_hold_takes_a_seat_and_creates_an_order(cat, candidate):
    registration = hold(candidate, cat.slot, cat.spec)
    assert registration.status == Status.HELD
    assert registration.held_until == registration.created_at + timedelta(minutes=15)
    assert registration.reference.startswith("RK-") and len(registration.reference) == 12
    assert registration.order_id is not None
    assert seats(cat.slot) == 1
    kinds = set(Message.objects.filter(recipient=candidate).values_list("kind", flat=True))
    assert "seat_held" in kinds


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email_verified_at": None}, "not_eligible"),
        ({"mobile_verified_at": None}, "not_eligible"),
        ({"qualification": ""}, "not_eligible"),
        ({"experience_years": None}, "not_eligible"),
        ({"gender": "female"}, "not_eligible"),
    ],
)
def test_candidate_rules(cat, make_user, change, code):
    candidate = make_user(**change)
    with pytest.raises(BookingError) as exc:
        hold(candidate, cat.slot, cat.spec)
    assert exc.value.code == code
    assert exc.value.message
    assert seats(cat.slot) == 0


def test_specialization_must_be_hosted(cat, candidate):
    with translation.override("en"), pytest.raises(BookingError, match=r"specialization"):
        hold(candidate, cat.slot, cat.other_spec)


@pytest.mark.parametrize("status", [SessionStatus.CLOSED, SessionStatus.CANCELLED])
def test_closed_or_cancelled_sessions_refused(cat, candidate, status):
    Session.objects.filter(pk=cat.slot.pk).update(status=status)
    with pytest.raises(BookingError):
        hold(candidate, Session.objects.get(pk=cat.slot.pk), cat.spec)


def test_registration_window_closed(cat, candidate):
    cat.period.registration_closes_at = clock.now() - timedelta(minutes=1)
    cat.period.save()
    with translation.override("en"), pytest.raises(BookingError, match=r"closed"):
        hold(candidate, cat.slot, cat.spec)


def test_priority_window_not_yet_open(cat, candidate):
    make_window(
        cat.period, gender="male", in_service_only=False, opens_at=clock.now() + timedelta(days=1)
    )
    with translation.override("en"), pytest.raises(BookingError) as exc:
        hold(candidate, cat.slot, cat.spec)
    assert "opens on" in exc.value.message


def test_in_service_window_open_for_teachers_only(cat, make_user):
    make_window(
        cat.period, gender="male", in_service_only=True, opens_at=clock.now() - timedelta(hours=1)
    )
    make_window(
        cat.period, gender="male", in_service_only=False, opens_at=clock.now() + timedelta(days=2)
    )
    teacher = make_user(employment="public_school")
    jobless = make_user(employment="not_employed")
    assert hold(teacher, cat.slot, cat.spec).status == Status.HELD
    with pytest.raises(BookingError):
        hold(jobless, cat.slot, cat.spec)


def test_full_session_refused_with_full_message(cat, candidate):
    with pytest.raises(SessionFull) as exc:
        hold(candidate, cat.slot_late, cat.spec)
    assert "مكتمل" in exc.value.message
    assert seats(cat.slot_late) == 1


def test_one_active_registration_per_test(cat, candidate):
    hold(candidate, cat.slot, cat.spec)
    with pytest.raises(BookingError) as exc:
        hold(candidate, cat.sitting, cat.spec)
    assert exc.value.code == "already_registered"
    assert seats(cat.sitting) == 0


def test_one_active_registration_is_a_database_constraint(cat, candidate):
    first = hold(candidate, cat.slot, cat.spec)
    clone = Registration(
        candidate=candidate,
        test=cat.test,
        period=cat.period,
        session=cat.sitting,
        specialization=cat.spec,
        mode="paper",
        status=Status.HELD,
        held_until=first.held_until,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_expired_hold_frees_its_seat_by_itself(cat, candidate):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        registration = hold(candidate, cat.slot, cat.spec)
        traveller.shift(timedelta(minutes=14, seconds=59))
        assert services.holds_expire() == 0
        traveller.shift(timedelta(seconds=1))
        assert services.holds_expire() == 1
        assert services.holds_expire() == 0  # safe to run twice
    registration.refresh_from_db()
    assert registration.status == Status.EXPIRED
    assert seats(cat.slot) == 0
    assert Message.objects.filter(recipient=candidate, kind="hold_expired").count() == 2


def test_lapsed_hold_is_ignored_when_taking_a_seat_without_the_periodic_job(cat, make_user):
    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    first, second = make_user(), make_user()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        hold(first, cat.slot, cat.spec)
        with pytest.raises(SessionFull):
            hold(second, cat.slot, cat.spec)
        traveller.shift(timedelta(minutes=16))
        assert hold(second, cat.slot, cat.spec).status == Status.HELD
    assert seats(cat.slot) == 1


def test_a_seat_free_and_no_lapsed_hold_reads_no_lapsed_holds(cat, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hold(make_user(), cat.slot, cat.spec)
    with CaptureQueriesContext(connection) as queries:
        hold(make_user(), cat.slot, cat.spec)
    lapsed_reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and '"held_until" <=' in q["sql"]
        and "EXISTS" not in q["sql"]
    ]
    assert lapsed_reads == []
    assert seats(cat.slot) == 2


def test_a_hold_lapsed_since_the_first_read_still_frees_its_seat_in_a_full_session(
    cat, make_user, monkeypatch
):
    """The session looked free and no hold lapsed when the request read them; under the lock
    it is full, with a lapsed hold: that hold is expired and its seat taken."""
    from rukhsa.booking import waitlist

    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    first, second = make_user(), make_user()
    with time_machine.travel(clock.now(), tick=False) as traveller:
        lapsing = hold(first, cat.slot, cat.spec)
        stale = Session.objects.select_related("period__test", "centre__city").get(pk=cat.slot.pk)
        stale.seats_taken = 0  # as read before the first hold
        traveller.shift(timedelta(minutes=16))
        monkeypatch.setattr(
            waitlist, "before_hold", lambda **kw: waitlist.BeforeHold(False, False, False, False)
        )
        taken = services.registration_hold(
            candidate=second, session_id=cat.slot.pk, specialization_id=cat.spec.pk, session=stale
        )
    assert taken.status == Status.HELD
    lapsing.refresh_from_db()
    assert lapsing.status == Status.EXPIRED
    assert seats(cat.slot) == 1


def test_candidate_may_book_again_after_own_hold_lapsed(cat, candidate):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        hold(candidate, cat.slot, cat.spec)
        traveller.shift(timedelta(minutes=16))
        again = hold(candidate, cat.sitting, cat.spec)
    assert again.status == Status.HELD
    assert seats(cat.slot) == 0 and seats(cat.sitting) == 1


def test_release_gives_the_seat_back_once(cat, candidate):
    registration = hold(candidate, cat.slot, cat.spec)
    services.registration_release(registration=registration, actor=candidate)
    services.registration_release(registration=registration, actor=candidate)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    assert seats(cat.slot) == 0


def test_payment_refused_for_a_lapsed_hold(cat, candidate):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        registration = hold(candidate, cat.slot, cat.spec)
        traveller.shift(timedelta(minutes=15))
        with pytest.raises(BookingError) as exc:
            booking_payment.seat_fee_pay_url(
                registration=registration, owner=candidate, site_url="http://testserver/"
            )
    assert exc.value.code == "expired"


def test_a_test_already_sat_does_not_block_a_new_registration(cat, candidate):
    first = hold(candidate, cat.slot, cat.spec)
    Registration.objects.filter(pk=first.pk).update(status=Status.CONFIRMED)
    with time_machine.travel(cat.slot.starts_at + timedelta(days=1), tick=False):
        later = make_session(
            cat.digital,
            cat.period,
            day=clock.today() + timedelta(days=3),
            start=cat.slot.start_time,
            capacity=5,
            specializations=[cat.spec],
        )
        again = hold(candidate, later, cat.spec)
    assert again.status == Status.HELD
    first.refresh_from_db()
    assert first.status == Status.COMPLETED


def test_demo_candidate_can_book_after_the_demo_load(db):
    from django.core.management import call_command

    from rukhsa.accounts.models import User
    from rukhsa.booking.services import active_registration

    call_command("load_demo", verbosity=0)
    demo = User.objects.get(identity_key="1000000008")
    from rukhsa.catalog.models import Test

    assert active_registration(candidate=demo, test_id=Test.objects.get(code="SPLT").pk) is None


# --- the seat claimed with one statement (booking.seats.seat_claim_free) -----------------------


def _as_the_view_read_it(session):
    return Session.objects.select_related("period__test", "centre__city").get(pk=session.pk)


def _hold_with(candidate, session, spec):
    return services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=spec.pk, session=session
    )


def test_a_free_seat_is_locked_and_taken_by_one_statement(cat, candidate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    read = _as_the_view_read_it(cat.slot)
    with CaptureQueriesContext(connection) as queries:
        registration = _hold_with(candidate, read, cat.spec)
    session_writes = [
        q["sql"]
        for q in queries
        if "catalog_session" in q["sql"].split("WHERE")[0] and not q["sql"].startswith("SELECT")
    ]
    assert len(session_writes) == 1 and "RETURNING" in session_writes[0]
    assert not any("FOR UPDATE" in q["sql"] for q in queries)
    assert seats(cat.slot) == 1 == read.seats_taken  # the view's object carries the new count
    assert registration.session.pk == cat.slot.pk and registration.status == Status.HELD


@pytest.mark.postgres
def test_the_lock_timeout_goes_with_the_claim_or_before_the_lock(cat, make_user):
    """PostgreSQL: a free seat's claim carries the transaction's lock timeout in its own round
    trip; a hold that locks the row first (a lapsed hold to expire) sets it before the lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _hold_with(make_user(), _as_the_view_read_it(cat.slot), cat.spec)
    timeouts = [q["sql"] for q in queries if "lock_timeout" in q["sql"]]
    assert len(timeouts) == 1 and timeouts[0].startswith("SET LOCAL lock_timeout = '3s'; UPDATE")
    assert "RETURNING" in timeouts[0]

    lapsed = _hold_with(make_user(), _as_the_view_read_it(cat.slot), cat.spec)
    Registration.objects.filter(pk=lapsed.pk).update(held_until=clock.now() - timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        _hold_with(make_user(), _as_the_view_read_it(cat.slot), cat.spec)
    sql = [q["sql"] for q in queries]
    timeout = next(i for i, s in enumerate(sql) if s == "SET LOCAL lock_timeout = '3s'")
    assert timeout < next(i for i, s in enumerate(sql) if "FOR UPDATE" in s)
    assert sum("lock_timeout" in s for s in sql) == 1


def test_a_session_filled_since_the_page_was_read_is_full_not_overbooked(cat, make_user):
    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    read = _as_the_view_read_it(cat.slot)
    hold(make_user(), cat.slot, cat.spec)  # the last seat, taken after the read
    late = make_user()
    with pytest.raises(SessionFull):
        _hold_with(late, read, cat.spec)
    assert seats(cat.slot) == 1
    assert not Registration.objects.filter(candidate=late).exists()


def test_a_session_closed_since_the_page_was_read_takes_no_seat(cat, candidate):
    read = _as_the_view_read_it(cat.slot)
    Session.objects.filter(pk=cat.slot.pk).update(status=SessionStatus.CLOSED)
    with translation.override("en"), pytest.raises(BookingError, match="no longer available"):
        _hold_with(candidate, read, cat.spec)
    assert seats(cat.slot) == 0
    assert not Registration.objects.filter(candidate=candidate).exists()


def test_a_refused_registration_gives_the_claimed_seat_back(cat, candidate, monkeypatch):
    """The seat is claimed before the registration goes in: a clash rolls both back."""
    from rukhsa.core import rows

    insert = rows.insert

    def clash(obj, **kwargs):
        if isinstance(obj, Registration):
            raise IntegrityError("one active registration per test")
        insert(obj, **kwargs)

    monkeypatch.setattr(rows, "insert", clash)
    with pytest.raises(BookingError) as refused:
        _hold_with(candidate, _as_the_view_read_it(cat.slot), cat.spec)
    assert refused.value.code == "already_registered"
    assert seats(cat.slot) == 0
