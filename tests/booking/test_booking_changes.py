"""Changing and cancelling a confirmed appointment (PRODUCT §5, services 3.5 and 3.6)."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from rukhsa.booking import changes
from rukhsa.booking.models import PendingChange, Registration, Status
from rukhsa.booking.services import BookingError, SessionFull
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.catalog.services import session_status_set
from rukhsa.core import clock
from rukhsa.notifications.models import Message
from rukhsa.payments.models import CreditNote, Payment
from tests.booking.booking_helpers import DECLINED, client_for, confirmed, pay_at_gateway
from tests.catalog.factories import make_session


def seats(session) -> int:
    return Session.objects.get(pk=session.pk).seats_taken


@pytest.fixture
def slot2(cat):
    return make_session(
        cat.digital,
        cat.period,
        day=cat.slot.date + timedelta(days=1),
        start=time(11),
        capacity=5,
        specializations=[cat.spec],
    )


@pytest.fixture
def sitting2(cat):
    return make_session(
        cat.paper,
        cat.period,
        day=cat.sitting.date + timedelta(days=7),
        start=time(8),
        capacity=40,
        specializations=[cat.spec],
    )


def at(session, hours_before: float, minutes: int = 0) -> datetime:
    return session.starts_at - timedelta(hours=hours_before) + timedelta(minutes=minutes)


def test_digital_change_swaps_seats_and_supersedes_the_ticket(cat, candidate, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    changed = changes.registration_change(
        registration=registration, new_session_id=slot2.pk, actor=candidate
    )
    assert changed.session_id == slot2.pk
    assert changed.ticket_version == 2 and changed.changes_count == 1
    assert seats(cat.slot) == 0 and seats(slot2) == 1
    history = list(changed.changes.all())
    assert [(h.from_session_id, h.to_session_id) for h in history] == [(cat.slot.pk, slot2.pk)]
    assert Message.objects.filter(recipient=candidate, kind="appointment_changed").exists()


@pytest.mark.parametrize(("mode", "hours"), [("digital", 48), ("paper", 72)])
def test_deadline_edges(cat, make_user, slot2, sitting2, mode, hours):
    candidate = make_user()
    source, target = (cat.slot, slot2) if mode == "digital" else (cat.sitting, sitting2)
    registration = confirmed(candidate, source, cat.spec)
    with time_machine.travel(at(source, hours, minutes=1), tick=False):
        with pytest.raises(BookingError) as exc:
            changes.registration_change(
                registration=registration, new_session_id=target.pk, actor=candidate
            )
        assert exc.value.code == "not_changeable"
        with pytest.raises(BookingError):
            changes.registration_cancel(registration=registration, actor=candidate)
    with time_machine.travel(at(source, hours), tick=False):
        changed = changes.registration_change(
            registration=registration, new_session_id=target.pk, actor=candidate
        )
    assert changed.session_id == target.pk


def test_paper_change_to_another_centre_not_to_digital(cat, candidate, sitting2, slot2):
    registration = confirmed(candidate, cat.sitting, cat.spec)
    option_ids = set(changes.change_options(registration).values_list("pk", flat=True))
    assert (
        sitting2.pk in option_ids and slot2.pk not in option_ids and cat.slot.pk not in option_ids
    )
    with pytest.raises(BookingError):
        changes.registration_change(
            registration=registration, new_session_id=slot2.pk, actor=candidate
        )


def test_max_changes(cat, candidate, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    changes.registration_change(registration=registration, new_session_id=slot2.pk, actor=candidate)
    registration.refresh_from_db()
    changes.registration_change(
        registration=registration, new_session_id=cat.slot.pk, actor=candidate
    )
    registration.refresh_from_db()
    with translation.override("en"), pytest.raises(BookingError) as exc:
        changes.registration_change(
            registration=registration, new_session_id=slot2.pk, actor=candidate
        )
    assert "2 times" in exc.value.message


def test_change_into_a_full_session_leaves_the_original_untouched(cat, candidate, make_user, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    Session.objects.filter(pk=slot2.pk).update(capacity=1)
    confirmed(make_user(), slot2, cat.spec)
    with pytest.raises(BookingError):
        changes.registration_change(
            registration=registration, new_session_id=slot2.pk, actor=candidate
        )
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk and registration.ticket_version == 1
    assert seats(cat.slot) == 1 and seats(slot2) == 1


def test_change_fee_keeps_the_old_seat_until_paid(cat, candidate, slot2):
    cat.test.change_fee_halalas = 2000
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    response = client.post(
        reverse("booking:change", args=[registration.reference]),
        {"session": slot2.pk, "confirm": "yes"},
    )
    assert "sandbox-gateway" in response["Location"]
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk  # nothing moved yet
    assert seats(cat.slot) == 1 and seats(slot2) == 1  # both seats held
    pending = PendingChange.objects.get(registration=registration)
    assert pending.order.total_halalas == 2300

    pay_at_gateway(client, response["Location"], DECLINED)  # a failed fee changes nothing
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk and registration.changes_count == 0

    response = client.post(
        reverse("booking:change", args=[registration.reference]),
        {"session": slot2.pk, "confirm": "yes"},
    )
    pay_at_gateway(client, response["Location"])
    registration.refresh_from_db()
    assert registration.session_id == slot2.pk and registration.changes_count == 1
    assert seats(cat.slot) == 0 and seats(slot2) == 1
    pending.refresh_from_db()
    assert pending.state == "applied"


def test_unpaid_change_hold_lapses_and_frees_the_new_seat(cat, candidate, slot2):
    cat.test.change_fee_halalas = 2000
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        changes.change_fee_hold(registration=registration, new_session_id=slot2.pk, actor=candidate)
        assert seats(slot2) == 1
        traveller.shift(timedelta(minutes=16))
        assert changes.change_holds_expire() == 1
    assert seats(slot2) == 0 and seats(cat.slot) == 1


def test_cancel_refunds_the_refund_percent_once(cat, candidate, django_capture_on_commit_callbacks):
    cat.test.refund_percent = 50
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    with django_capture_on_commit_callbacks(execute=True):
        changes.registration_cancel(registration=registration, actor=candidate)
    with django_capture_on_commit_callbacks(execute=True):
        again = changes.registration_cancel(registration=registration, actor=candidate)
    assert again.status == Status.CANCELLED
    payment = Payment.objects.get(order=registration.order, status__in=["paid", "refunded"])
    assert payment.refunded_halalas == 5750
    assert CreditNote.objects.filter(invoice__order=registration.order).count() == 1
    assert seats(cat.slot) == 0
    assert Message.objects.filter(recipient=candidate, kind="registration_cancelled").count() == 2


def test_cancel_pressed_twice_through_the_page(cat, candidate, django_capture_on_commit_callbacks):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:cancel", args=[registration.reference])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302
    payment = Payment.objects.get(order=registration.order)
    assert payment.refunded_halalas == 11500


def test_operator_cancel_allows_free_rebooking_past_the_deadline(
    cat, candidate, slot2, make_staff=None
):
    cat.test.change_fee_halalas = 2000
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    session_status_set(
        actor=None,
        sessions=[Session.objects.get(pk=cat.slot.pk)],
        status=SessionStatus.CANCELLED,
        reason="Centre closed for maintenance",
    )
    registration.refresh_from_db()
    assert registration.displaced_at is not None
    assert Message.objects.filter(recipient=candidate, kind="session_cancelled").count() == 2
    with time_machine.travel(at(cat.slot, 1), tick=False):  # one hour before: past any deadline
        changed = changes.registration_change(
            registration=registration, new_session_id=slot2.pk, actor=candidate
        )
    assert changed.session_id == slot2.pk
    assert changed.changes_count == 0 and changed.displaced_at is None
    assert not changed.changes.get().counted
    assert not PendingChange.objects.exists()  # no fee


def test_operator_cancel_then_cancel_refunds_in_full(
    cat, candidate, django_capture_on_commit_callbacks
):
    cat.test.refund_percent = 50
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    session_status_set(
        actor=None,
        sessions=[Session.objects.get(pk=cat.slot.pk)],
        status=SessionStatus.CANCELLED,
        reason="",
    )
    registration.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        changes.registration_cancel(registration=registration, actor=candidate)
    payment = Payment.objects.get(order=registration.order)
    assert payment.refunded_halalas == 11500


def test_reminders_three_days_and_one_day_before_once(cat, candidate):
    registration = confirmed(candidate, cat.slot, cat.spec)
    day = registration.session.date
    assert changes.reminders_send(today=day - timedelta(days=3)) == 1
    assert changes.reminders_send(today=day - timedelta(days=3)) == 0
    assert changes.reminders_send(today=day - timedelta(days=2)) == 0
    assert changes.reminders_send(today=day - timedelta(days=1)) == 1
    kinds = Message.objects.filter(recipient=candidate, kind="test_reminder")
    assert kinds.count() == 4  # two reminders × SMS and email


def test_another_candidate_cannot_change_or_cancel(cat, candidate, stranger, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    other = client_for(stranger)
    for name in ("change", "cancel"):
        url = reverse(f"booking:{name}", args=[registration.reference])
        assert other.get(url).status_code == 404
        assert other.post(url, {"session": slot2.pk}).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED and registration.session_id == cat.slot.pk


def test_change_page_lists_options_and_shows_history(cat, candidate, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_for(candidate)
    url = reverse("booking:change", args=[registration.reference])
    assert client.get(url, {"pick": "city"}).context["step"] == "city"
    assert client.get(url, {"city": "riyadh"}).context["step"] == "centre"
    assert client.get(url, {"city": "riyadh", "centre": "RUH-D-M"}).context["step"] == "date"
    page = client.get(url, {"city": "riyadh", "centre": "RUH-D-M", "date": slot2.date.isoformat()})
    assert page.context["step"] == "session"
    assert slot2 in page.context["options"] and cat.slot not in page.context["options"]
    client.post(url, {"session": slot2.pk, "confirm": "yes"})
    html = client.get(reverse("booking:registration", args=[registration.reference])).content
    assert b"history-h" in html
    assert Registration.objects.get(pk=registration.pk).session_id == slot2.pk


def test_full_target_is_refused_with_full_error(cat, candidate, slot2, make_user):
    registration = confirmed(candidate, cat.slot, cat.spec)
    Session.objects.filter(pk=slot2.pk).update(capacity=1, seats_taken=1)
    with pytest.raises(BookingError) as exc:
        changes.registration_change(
            registration=registration, new_session_id=slot2.pk, actor=candidate
        )
    assert isinstance(exc.value, SessionFull) or exc.value.code == "not_available"


def test_cancel_page_past_the_deadline_offers_no_button(cat, candidate):
    registration = confirmed(candidate, cat.slot, cat.spec)
    url = reverse("booking:cancel", args=[registration.reference])
    with time_machine.travel(at(cat.slot, 47), tick=False):
        client = client_for(candidate)  # logged in then: a session idle for days has ended
        page = client.get(url)
        assert page.status_code == 200, page
        assert b"error-summary" in page.content and b"button danger" not in page.content
        assert client.post(url).status_code == 409
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_cancel_still_possible_when_no_changes_are_left(cat, candidate, slot2):
    registration = confirmed(candidate, cat.slot, cat.spec)
    for target in (slot2, cat.slot):
        registration = changes.registration_change(
            registration=registration, new_session_id=target.pk, actor=candidate
        )
    assert changes.change_refusal(registration) and not changes.cancel_refusal(registration)


def test_a_payment_refusal_on_the_change_fee_is_a_sentence_not_an_error(
    cat, candidate, slot2, monkeypatch
):
    """A gateway timeout (or a payment still in progress) when the change fee starts comes
    back to the change page as a sentence, never a 500."""
    from rukhsa.booking import payment as booking_payment
    from rukhsa.payments.errors import PaymentError

    def timeout(**_kwargs: object) -> str:
        raise PaymentError("The payment service did not answer in time.", code="gateway_timeout")

    cat.test.change_fee_halalas = 2000
    cat.test.save()
    registration = confirmed(candidate, cat.slot, cat.spec)
    monkeypatch.setattr(booking_payment.payments, "payment_start", timeout)
    response = client_for(candidate).post(
        reverse("booking:change", args=[registration.reference]),
        {"session": slot2.pk, "confirm": "yes"},
    )
    assert response.status_code == 409
    assert "did not answer in time" in response.content.decode()
    registration.refresh_from_db()
    assert registration.session_id == cat.slot.pk
