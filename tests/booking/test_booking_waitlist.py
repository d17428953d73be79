"""The waiting list (PRODUCT §11, docs/waitlist.md): joining, offers that are real held seats
taken under the lock that freed them, never a wrong offer, and the faults other ticketing
systems' lists are known for (pretix #1163, #1405, #681, #1031, #2119; eventyay #1253), each
as its own test. The clock is moved with time-machine."""

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import translation

from rukhsa.booking import changes, services, tasks, waitlist
from rukhsa.booking.errors import BookingError
from rukhsa.booking.models import Registration, Status, WaitlistEntry, WaitlistOffer
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render
from tests.booking.booking_helpers import client_for, confirmed, pay_at_gateway
from tests.catalog.conftest import admin_client_otp, make_staff, staff_client  # noqa: F401
from tests.catalog.factories import city, make_centre, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals read in English here (the candidates' messages follow their own language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def full(cat, make_user):
    """A digital session of two seats, both held by other candidates (holds of 15 minutes)."""
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(16),
        capacity=2,
        specializations=[cat.spec],
    )
    holders = [make_user() for _ in range(2)]
    for holder in holders:
        services.registration_hold(
            candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
        )
    session.refresh_from_db()
    assert session.seats_taken == 2
    return session


def join(cat, user, session=None, **wish):
    return waitlist.waitlist_join(
        candidate=user,
        period=cat.period,
        specialization_id=cat.spec.pk,
        session_id=session.pk if session else None,
        **wish,
    )


def later(minutes: int):
    return time_machine.travel(clock.now() + timedelta(minutes=minutes), tick=False)


def offer_of(user) -> Registration | None:
    offer = WaitlistOffer.objects.filter(entry__candidate=user, state="out").first()
    return offer.registration if offer else None


def kinds_to(user) -> list[str]:
    return list(Message.objects.filter(recipient=user).values_list("kind", flat=True))


# --- Joining -----------------------------------------------------------------------------------


def test_joining_a_full_session_gives_places_in_arrival_order(cat, full, make_user):
    first, second = make_user(), make_user()
    join(cat, first, full)
    join(cat, second, full)
    from rukhsa.booking.selectors import waitlist_of

    assert [p.place for p in waitlist_of(candidate=first)] == [1]
    assert [p.place for p in waitlist_of(candidate=second)] == [2]


def test_one_wish_per_candidate_per_test(cat, full, make_user):
    user = make_user()
    join(cat, user, full)
    with pytest.raises(BookingError) as refused:
        join(cat, user, city_id=cat.digital.city_id)
    assert refused.value.code == "already_listed"


def test_a_session_with_a_free_seat_is_booked_not_waited_for(cat, candidate):
    with pytest.raises(BookingError) as refused:
        join(cat, candidate, cat.slot)
    assert refused.value.code == "seats_free"


def test_joining_needs_the_same_eligibility_as_booking(cat, full, make_user):
    unverified = make_user(email_verified_at=None)
    with pytest.raises(BookingError, match="Verify your mobile number and email"):
        join(cat, unverified, full)
    incomplete = make_user(qualification="")
    with pytest.raises(BookingError, match="qualification"):
        join(cat, incomplete, full)
    woman = make_user(gender="female")
    with pytest.raises(BookingError, match="gender"):
        join(cat, woman, full)
    cat.period.registration_opens_at = clock.now() + timedelta(days=1)
    cat.period.save()
    with pytest.raises(BookingError, match="not open to you"):
        join(cat, make_user(), full)


def test_a_candidate_with_a_seat_for_the_test_cannot_join(cat, full, candidate):
    services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    with pytest.raises(BookingError) as refused:
        join(cat, candidate, full)
    assert refused.value.code == "already_registered"


def test_leaving_is_one_click_and_ends_the_entry(cat, full, candidate):
    entry = join(cat, candidate, full)
    waitlist.waitlist_leave(entry=entry, actor=candidate)
    entry.refresh_from_db()
    assert (entry.state, entry.end_reason) == ("ended", "left")
    join(cat, candidate, full)  # and may join again with another wish


# --- Offers are seats ----------------------------------------------------------------------------


def test_freed_seat_reaches_the_list_not_the_public_pretix_1405(cat, full, make_user):
    """Lapsed holds' seats are held for the first in line, inside the public's own booking
    transaction: the public candidate who triggered the expiry does not get one."""
    waiting, also_waiting = make_user(), make_user()
    join(cat, waiting, full)
    join(cat, also_waiting, full)
    public = make_user()
    with later(16):
        with pytest.raises(BookingError) as refused:
            services.registration_hold(
                candidate=public, session_id=full.pk, specialization_id=cat.spec.pk
            )
        assert refused.value.code == "full"
        offered = offer_of(waiting)
        assert offered is not None and offered.status == Status.HELD
        assert offered.session_id == full.pk
        assert offered.held_until == clock.now() + timedelta(minutes=60)
        assert offer_of(also_waiting) is not None
    full.refresh_from_db()
    assert full.seats_taken == 2
    assert not Registration.objects.filter(candidate=public).exists()


def test_offers_go_out_without_any_operator_action_eventyay_1253(cat, full, make_user):
    """Nobody touches the session: the periodic job alone expires the holds and offers."""
    first, second = make_user(), make_user()
    join(cat, first, full)
    join(cat, second, full)
    with later(16):
        tasks.holds_expire_due.call()
    assert offer_of(first) and offer_of(second)
    assert WaitlistEntry.objects.get(candidate=first).state == "offered"
    full.refresh_from_db()
    assert full.seats_taken == 2


def test_the_offer_is_told_by_sms_and_email_in_the_candidates_language(cat, full, make_user):
    waiting = make_user(preferred_language="ar")
    join(cat, waiting, full)
    with later(16):
        services.holds_expire()
    messages = Message.objects.filter(recipient=waiting, kind="waitlist_offer")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "sms"]
    reference = offer_of(waiting).reference
    for message in messages:
        message_render(message)  # as the delivery task does
        assert message.language == "ar"
        assert reference in message.body
        assert f"/registrations/{reference}/" in message.body
        assert "قائمة الانتظار" in message.body


def test_a_lapsed_offer_goes_to_the_next_in_line(cat, full, make_user):
    first, second, third = make_user(), make_user(), make_user()
    for user in (first, second, third):
        join(cat, user, full)
    with later(16):
        services.holds_expire()  # two seats: first and second get offers
    assert offer_of(first) and offer_of(second) and not offer_of(third)
    with later(16 + 61):
        services.holds_expire()
    # first and second let their offers lapse: third is offered, then first (end of line)
    assert offer_of(third) is not None
    first_entry = WaitlistEntry.objects.get(candidate=first)
    assert first_entry.lapses == 1
    full.refresh_from_db()
    assert full.seats_taken == 2


def test_two_lapsed_offers_end_the_entry_and_the_candidate_is_told(cat, full, make_user):
    waiting = make_user()
    join(cat, waiting, full)
    with later(16):
        services.holds_expire()
    with later(16 + 61):
        services.holds_expire()  # first lapse: offered again (nobody else waits)
    assert offer_of(waiting) is not None
    with later(16 + 61 + 61):
        services.holds_expire()
    entry = WaitlistEntry.objects.get(candidate=waiting)
    assert (entry.state, entry.end_reason, entry.lapses) == ("ended", "lapsed", 2)
    assert "waitlist_ended" in kinds_to(waiting)


def test_giving_the_offered_seat_back_ends_the_entry_and_offers_it_on(cat, full, make_user):
    first, second = make_user(), make_user()
    join(cat, first, full)
    join(cat, second, full)
    # free exactly one seat: one holder releases
    holder = Registration.objects.filter(session=full, status="held").first()
    services.registration_release(registration=holder, actor=holder.candidate)
    offered = offer_of(first)
    assert offered is not None and offer_of(second) is None
    services.registration_release(registration=offered, actor=first)
    entry = WaitlistEntry.objects.get(candidate=first)
    assert (entry.state, entry.end_reason) == ("ended", "declined")
    assert "waitlist_ended" in kinds_to(first)
    assert offer_of(second) is not None


def test_paying_the_offer_confirms_it_and_ends_the_entry(cat, full, make_user):
    waiting = make_user()
    join(cat, waiting, full)
    holder = Registration.objects.filter(session=full, status="held").first()
    services.registration_release(registration=holder, actor=holder.candidate)
    offered = offer_of(waiting)
    client = client_for(waiting)
    response = client.post(f"/registrations/{offered.reference}/pay/")
    pay_at_gateway(client, response["Location"])
    offered.refresh_from_db()
    assert offered.status == "confirmed"
    entry = WaitlistEntry.objects.get(candidate=waiting)
    assert (entry.state, entry.end_reason) == ("ended", "seated")
    assert WaitlistOffer.objects.get(registration=offered).state == "accepted"


def test_cancel_after_a_list_seat_is_not_relisted_and_the_seat_goes_on_pretix_1163(
    cat, full, make_user
):
    seated, next_in_line = make_user(), make_user()
    join(cat, seated, full)
    holder = Registration.objects.filter(session=full, status="held").first()
    services.registration_release(registration=holder, actor=holder.candidate)
    offered = offer_of(seated)
    client = client_for(seated)
    pay_at_gateway(client, client.post(f"/registrations/{offered.reference}/pay/")["Location"])
    join(cat, next_in_line, full)
    offered.refresh_from_db()
    changes.registration_cancel(registration=offered, actor=seated)
    # not put back on the list, and never offered again
    assert not WaitlistEntry.objects.filter(candidate=seated, state__in=["waiting", "offered"])
    assert WaitlistOffer.objects.filter(entry__candidate=seated).count() == 1
    # the cancelled seat went to the next in line at once
    assert offer_of(next_in_line).session_id == full.pk


def test_a_change_away_frees_the_seat_for_the_list(cat, make_user):
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(17),
        capacity=1,
        specializations=[cat.spec],
    )
    mover = make_user()
    registration = confirmed(mover, session, cat.spec)
    waiting = make_user()
    join(cat, waiting, session)
    changes.registration_change(registration=registration, new_session_id=cat.slot.pk, actor=mover)
    assert offer_of(waiting).session_id == session.pk
    assert Session.objects.get(pk=session.pk).seats_taken == 1


def test_operator_raising_the_capacity_fills_the_list(cat, full, make_user, admin_client_otp):  # noqa: F811
    waiting = [make_user() for _ in range(3)]
    for user in waiting:
        join(cat, user, full)
    response = admin_client_otp.post(
        f"/admin/catalog/session/{full.pk}/change/",
        {
            "centre": full.centre_id,
            "period": full.period_id,
            "date": full.date.isoformat(),
            "start_time": "16:00",
            "capacity": 4,
            "status": "open",
            "specializations": [cat.spec.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    full.refresh_from_db()
    assert (full.capacity, full.seats_taken) == (4, 4)
    assert [bool(offer_of(u)) for u in waiting] == [True, True, False]


def test_cancelled_session_ends_its_wishes_and_the_candidates_are_told(cat, full, make_user):
    from rukhsa.catalog.services import session_status_set

    waiting = make_user()
    join(cat, waiting, full)
    session_status_set(
        actor=None,
        sessions=Session.objects.filter(pk=full.pk).select_related("centre"),
        status=SessionStatus.CANCELLED,
        reason="centre closed",
    )
    entry = WaitlistEntry.objects.get(candidate=waiting)
    assert (entry.state, entry.end_reason) == ("ended", "session_cancelled")
    assert "waitlist_ended" in kinds_to(waiting)


# --- Never a wrong offer -------------------------------------------------------------------------


def test_no_offer_after_registration_closes_pretix_681(cat, full, make_user):
    waiting = make_user()
    join(cat, waiting, full)
    cat.period.registration_closes_at = clock.now() + timedelta(minutes=10)
    cat.period.save()
    with later(16):
        services.holds_expire()
        assert offer_of(waiting) is None
        tasks.holds_expire_due.call()
    entry = WaitlistEntry.objects.get(candidate=waiting)
    assert (entry.state, entry.end_reason) == ("ended", "closed")
    assert "waitlist_ended" in kinds_to(waiting)


def test_no_offer_after_the_change_deadline_pretix_1031(cat, make_user):
    """A digital session 48 hours away: past its change deadline, no seat is offered."""
    soon = clock.now() + timedelta(hours=47)
    session = make_session(
        cat.digital,
        cat.period,
        day=soon.astimezone(clock.RIYADH).date() + timedelta(days=1),
        start=time(8),
        capacity=1,
        specializations=[cat.spec],
    )
    holder = make_user()
    services.registration_hold(
        candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
    )
    waiting = make_user()
    join(cat, waiting, session)
    deadline = session.starts_at - cat.test.change_deadline(session.centre.mode)
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        services.holds_expire()
    assert offer_of(waiting) is None
    assert Session.objects.get(pk=session.pk).seats_taken == 0


def test_an_offer_never_outlives_the_close_of_registration(cat, full, make_user):
    waiting = make_user()
    join(cat, waiting, full)
    closes = clock.now() + timedelta(minutes=16 + 30)
    cat.period.registration_closes_at = closes
    cat.period.save()
    with later(16):
        services.holds_expire()
    assert offer_of(waiting).held_until == closes


def test_any_session_in_the_city_is_matched_by_a_seat_in_any_session_there_pretix_2119(
    cat, make_user
):
    other_centre = make_centre(code="RUH-D-M2")
    session = make_session(
        other_centre,
        cat.period,
        day=cat.slot.date + timedelta(days=2),
        start=time(11),
        capacity=1,
        specializations=[cat.spec],
    )
    holder = make_user()
    services.registration_hold(
        candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
    )
    waiting = make_user()
    join(cat, waiting, city_id=cat.digital.city_id)
    with later(16):
        services.holds_expire()
    assert offer_of(waiting).session_id == session.pk


def test_a_city_wish_respects_its_dates_mode_and_city(cat, make_user):
    session = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date + timedelta(days=3),
        start=time(11),
        capacity=1,
        specializations=[cat.spec],
    )
    holder = make_user()
    services.registration_hold(
        candidate=holder, session_id=session.pk, specialization_id=cat.spec.pk
    )
    too_early = make_user()
    join(cat, too_early, city_id=cat.digital.city_id, date_to=cat.slot.date)
    paper_only = make_user()
    join(cat, paper_only, city_id=cat.digital.city_id, mode="paper")
    elsewhere = make_user()
    jeddah = make_centre(code="JED-D-M", city_code="jeddah")
    make_session(jeddah, cat.period, day=cat.slot.date, capacity=1, specializations=[cat.spec])
    join(cat, elsewhere, city_id=city("jeddah").pk)
    fits = make_user()
    join(cat, fits, city_id=cat.digital.city_id, date_from=session.date)
    with later(16):
        services.holds_expire()
    assert [bool(offer_of(u)) for u in (too_early, paper_only, elsewhere, fits)] == [
        False,
        False,
        False,
        True,
    ]


def test_a_candidate_who_books_elsewhere_leaves_the_list(cat, full, make_user):
    waiting = make_user()
    join(cat, waiting, full)
    services.registration_hold(
        candidate=waiting, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    entry = WaitlistEntry.objects.get(candidate=waiting)
    assert (entry.state, entry.end_reason) == ("ended", "booked")
    with later(5):  # the hold is still live when a seat frees in the full session
        holder = Registration.objects.filter(session=full, status="held").first()
        services.registration_release(registration=holder, actor=holder.candidate)
    assert offer_of(waiting) is None
    assert (
        Registration.objects.filter(candidate=waiting, status__in=["held", "confirmed"]).count()
        == 1
    )


def test_one_candidate_never_holds_two_offers(cat, make_user):
    """A city wish and two seats freeing in two sessions of the city: one offer, the other
    seat goes to the next in line."""
    a = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(18),
        capacity=1,
        specializations=[cat.spec],
    )
    b = make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date,
        start=time(19),
        capacity=1,
        specializations=[cat.spec],
    )
    for session in (a, b):
        services.registration_hold(
            candidate=make_user(), session_id=session.pk, specialization_id=cat.spec.pk
        )
    first, second = make_user(), make_user()
    join(cat, first, city_id=cat.digital.city_id)
    join(cat, second, city_id=cat.digital.city_id)
    with later(16):
        services.holds_expire()
    assert Registration.objects.filter(candidate=first, status="held").count() == 1
    assert {offer_of(first).session_id, offer_of(second).session_id} == {a.pk, b.pk}


def test_leaving_with_a_live_offer_gives_the_seat_to_the_next_in_line(cat, full, make_user):
    first, second = make_user(), make_user()
    entry = join(cat, first, full)
    join(cat, second, full)
    holder = Registration.objects.filter(session=full, status="held").first()
    services.registration_release(registration=holder, actor=holder.candidate)
    offered = offer_of(first)
    waitlist.waitlist_leave(entry=entry, actor=first)
    offered.refresh_from_db()
    assert offered.status == "cancelled"
    entry.refresh_from_db()
    assert (entry.state, entry.end_reason) == ("ended", "left")
    assert offer_of(second).session_id == full.pk
    assert Session.objects.get(pk=full.pk).seats_taken == 2


def test_figures_per_session_and_city_for_the_back_office(cat, full, make_user):
    from rukhsa.booking.selectors import waitlist_figures

    waiting = [make_user() for _ in range(3)]
    for user in waiting:
        join(cat, user, full)
    with later(16):
        services.holds_expire()  # two offers out
    with later(16 + 61):
        services.holds_expire()  # both lapse; the third and the first are offered
    rows = waitlist_figures()
    assert [row["kind"] for row in rows] == ["city", "session"]
    by_city, by_session = rows
    assert (by_session["key"], by_city["key"]) == (full.pk, full.centre.city_id)
    assert (by_session["out"], by_session["lapsed"], by_session["waiting"]) == (2, 2, 1)
    assert (by_city["out"], by_city["lapsed"], by_city["waiting"]) == (2, 2, 1)


def test_back_office_shows_the_line_and_the_figures(cat, full, make_user, admin_client_otp):  # noqa: F811
    waiting = make_user()
    entry = join(cat, waiting, full)
    html = admin_client_otp.get("/admin/dashboard/").content.decode()
    assert "Waiting list per city and per session" in html
    assert str(full) in html and full.centre.city.name_en in html
    listing = admin_client_otp.get("/admin/booking/waitlistentry/")
    assert listing.status_code == 200
    assert waiting.identity_key not in listing.content.decode()  # masked
    assert (
        admin_client_otp.get(f"/admin/booking/waitlistentry/{entry.pk}/change/").status_code == 200
    )
