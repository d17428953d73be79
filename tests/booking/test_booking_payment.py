"""Paying for a held seat through the sandbox gateway: confirmation, failures, late payments."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.terms import terms_accept
from rukhsa.catalog.models import Session
from rukhsa.core import clock
from rukhsa.notifications.models import Message
from rukhsa.payments.models import Invoice, Payment

MADA_OK = "4201320111111010"
DECLINED = "4201321234411220"
INSUFFICIENT = "4201320000311101"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def hold(candidate, session, spec) -> Registration:
    return services.registration_hold(
        candidate=candidate, session_id=session.pk, specialization_id=spec.pk
    )


def open_card_page(client: Client, registration: Registration) -> str:
    response = client.post(reverse("booking:pay", args=[registration.reference]))
    assert response.status_code == 302, response
    assert "sandbox-gateway" in response["Location"]
    return path_of(response["Location"])


def submit_card(client: Client, card_url: str, number: str, *, authenticate: bool = True):
    response = client.post(
        card_url, {"name": "MOHAMMED ALQAHTANI", "number": number, "expiry": "12/39", "cvc": "123"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(path_of(response["Location"])).content.decode()
    action = re.search(r'action="([^"]+/3ds/submit/)"', page).group(1)
    back = client.post(action, {"result": "authenticate" if authenticate else "fail"})
    return client.get(path_of(back["Location"]), follow=True)


def pay(client, registration, number=MADA_OK, authenticate=True):
    return submit_card(
        client, open_card_page(client, registration), number, authenticate=authenticate
    )


def test_paying_confirms_and_issues_an_invoice(cat, candidate, candidate_client):
    registration = hold(candidate, cat.slot, cat.spec)
    final = pay(candidate_client, registration)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED and registration.confirmed_at
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1
    invoice = Invoice.objects.get(order=registration.order)
    assert invoice.total_halalas == 11500
    assert final.redirect_chain[-1][0] == reverse(
        "booking:registration", args=[registration.reference]
    )
    assert str(invoice.uuid) in final.content.decode()
    assert Message.objects.filter(recipient=candidate, kind="registration_confirmed").exists()


def test_declined_then_retry_with_another_card(cat, candidate, candidate_client):
    registration = hold(candidate, cat.slot, cat.spec)
    pay(candidate_client, registration, DECLINED)
    registration.refresh_from_db()
    assert registration.status == Status.HELD
    pay(candidate_client, registration, INSUFFICIENT)
    pay(candidate_client, registration, MADA_OK, authenticate=False)
    registration.refresh_from_db()
    assert registration.status == Status.HELD
    pay(candidate_client, registration, MADA_OK)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert Payment.objects.filter(order=registration.order, status="paid").count() == 1
    assert Invoice.objects.filter(order=registration.order).count() == 1


def test_forged_return_query_does_not_confirm(cat, candidate, candidate_client):
    registration = hold(candidate, cat.slot, cat.spec)
    open_card_page(candidate_client, registration)
    payment = Payment.objects.get(order=registration.order)
    candidate_client.get(
        reverse("payments:return", args=[payment.uuid]),
        {"id": "forged", "status": "paid", "message": "APPROVED"},
    )
    registration.refresh_from_db()
    assert registration.status == Status.HELD


def test_paid_after_expiry_with_a_free_seat_is_confirmed(cat, candidate, candidate_client):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        registration = hold(candidate, cat.slot, cat.spec)
        card_url = open_card_page(candidate_client, registration)
        traveller.shift(timedelta(minutes=16))
        assert services.holds_expire() == 1
        assert Session.objects.get(pk=cat.slot.pk).seats_taken == 0
        submit_card(candidate_client, card_url, MADA_OK)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1


def test_paid_after_expiry_without_a_seat_is_refunded_and_told(
    cat, candidate, candidate_client, make_user, django_capture_on_commit_callbacks
):
    Session.objects.filter(pk=cat.slot.pk).update(capacity=1)
    with time_machine.travel(clock.now(), tick=False) as traveller:
        registration = hold(candidate, cat.slot, cat.spec)
        card_url = open_card_page(candidate_client, registration)
        traveller.shift(timedelta(minutes=16))
        hold(make_user(), cat.slot, cat.spec)  # the freed seat goes to someone else
        with django_capture_on_commit_callbacks(execute=True):
            submit_card(candidate_client, card_url, MADA_OK)
    registration.refresh_from_db()
    assert registration.status == Status.EXPIRED
    assert "refunded" in registration.end_reason
    payment = Payment.objects.get(order=registration.order, status__in=["paid", "refunded"])
    assert payment.status == "refunded" and payment.refunded_halalas == 11500
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1  # never over capacity
    assert Message.objects.filter(recipient=candidate, kind="late_payment_refunded").exists()


def test_a_hold_that_lapsed_but_was_not_released_is_confirmed(cat, candidate, candidate_client):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        registration = hold(candidate, cat.slot, cat.spec)
        card_url = open_card_page(candidate_client, registration)
        traveller.shift(timedelta(minutes=16))
        submit_card(candidate_client, card_url, MADA_OK)
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert Session.objects.get(pk=cat.slot.pk).seats_taken == 1


def test_my_registrations_lists_status(cat, candidate, candidate_client):
    registration = hold(candidate, cat.slot, cat.spec)
    html = candidate_client.get(reverse("booking:registrations")).content.decode()
    assert registration.reference in html and "data-deadline" in html
    pay(candidate_client, registration)
    html = candidate_client.get(reverse("booking:registrations")).content.decode()
    assert "data-deadline" not in html


def test_holding_from_the_review_opens_one_payment_with_the_hold(cat, candidate, candidate_client):
    """The review's "confirm" holds the seat and opens the order's first payment attempt in the
    same transaction, then sends it to the gateway: one attempt, registered there, paid once."""
    terms_accept(candidate=candidate, period=cat.period)
    response = candidate_client.post(
        reverse("booking:review", args=[cat.period.code]),
        {"session": cat.slot.pk, "spec": cat.spec.code},
    )
    assert response.status_code == 302 and "sandbox-gateway" in response["Location"]
    registration = Registration.objects.get(candidate=candidate)
    payment = Payment.objects.get(order=registration.order)
    assert payment.status == "initiated" and payment.gateway_ref
    final = submit_card(candidate_client, path_of(response["Location"]), MADA_OK)
    assert final.status_code == 200
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert Payment.objects.filter(order=registration.order).count() == 1


def test_a_hold_whose_payment_the_gateway_refused_can_be_paid_again(
    cat, candidate, candidate_client, monkeypatch
):
    """The gateway refusing the new attempt fails that attempt only: the seat stays held, the
    candidate is told, and "Pay now" starts a fresh attempt."""
    from rukhsa.payments.errors import PaymentError
    from rukhsa.payments.gateways.sandbox import SandboxGateway

    def refuse(self, payment, order, return_url):
        raise PaymentError("the gateway is down", code="gateway_error")

    monkeypatch.setattr(SandboxGateway, "create", refuse)
    terms_accept(candidate=candidate, period=cat.period)
    response = candidate_client.post(
        reverse("booking:review", args=[cat.period.code]),
        {"session": cat.slot.pk, "spec": cat.spec.code},
    )
    registration = Registration.objects.get(candidate=candidate)
    assert response["Location"] == reverse("booking:registration", args=[registration.reference])
    assert registration.status == Status.HELD
    assert Payment.objects.get(order=registration.order).status == "failed"
    monkeypatch.undo()
    final = pay(candidate_client, registration)
    assert final.status_code == 200
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_the_first_payment_is_made_only_inside_the_holds_transaction(
    transactional_db, cat, candidate
):
    import pytest

    from rukhsa.payments.services import payment_open

    registration = hold(candidate, cat.slot, cat.spec)
    with pytest.raises(RuntimeError):
        payment_open(order=registration.order, owner=candidate)
    assert not Payment.objects.filter(order=registration.order).exists()
