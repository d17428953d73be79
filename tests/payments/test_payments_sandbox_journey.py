"""Each sandbox test card through the hosted card page, the 3-D Secure step and our return URL."""

import re
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import translation

from rukhsa.notifications.models import Message
from rukhsa.payments.models import Invoice, Payment, SandboxCharge
from tests.payments.payments_helpers import (
    DECLINED,
    INSUFFICIENT,
    PAID_CARDS,
    path_of,
    pay_with_card,
    start_payment,
)


def _flash(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("scheme", ["mada", "visa", "mastercard"])
def test_paid_cards_pay_and_issue_an_invoice(candidate_client, order, hook_calls, scheme):
    payment, final = pay_with_card(candidate_client, order, PAID_CARDS[scheme])

    assert payment.status == "paid"
    assert payment.scheme == scheme
    number = PAID_CARDS[scheme]
    assert payment.masked_card == number[:6] + "******" + number[-4:]
    assert final.status_code == 302 and final["Location"] == "/dashboard/"
    invoice = Invoice.objects.get(payment=payment)
    assert invoice.total_halalas == 11500 and invoice.vat_halalas == 1500
    assert invoice.display_number in _flash(final)
    assert hook_calls == [("paid", str(payment.uuid))]


@pytest.mark.parametrize(
    ("number", "authenticate", "reason", "sentence_en"),
    [
        (INSUFFICIENT, True, "insufficient_funds", "does not have enough funds"),
        (DECLINED, True, "declined", "declined by your bank"),
        ("4000000000000002", True, "declined", "declined by your bank"),  # any other valid card
        (PAID_CARDS["visa"], False, "3ds_failed", "3-D Secure verification failed"),
    ],
)
def test_failing_cards_fail_with_a_clear_reason(
    make_user, make_order, hook_calls, number, authenticate, reason, sentence_en
):
    user = make_user(preferred_language="en")
    order = make_order(owner=user)
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"

    payment, final = pay_with_card(client, order, number, authenticate=authenticate)

    assert payment.status == "failed"
    assert payment.failure_reason == reason
    assert not Invoice.objects.filter(payment=payment).exists()
    assert sentence_en in _flash(final)
    assert "No amount was taken" in _flash(final)
    assert hook_calls == [("failed", str(payment.uuid))]


def test_failure_sentence_in_arabic(candidate_client, order):
    payment, final = pay_with_card(candidate_client, order, INSUFFICIENT)
    with translation.override("ar"):
        assert payment.failure_reason == "insufficient_funds"
    text = _flash(final)
    assert "رصيد" in text or "الرصيد" in text, text


def test_card_page_says_it_is_a_test_gateway_and_posts_to_itself(candidate_client, order):
    _payment, card_url = start_payment(candidate_client, order)
    response = candidate_client.get(path_of(card_url))
    assert response.status_code == 200  # opened with the grant: the page at once, no redirect
    page = response.content.decode()
    assert "payments/sandbox.js" in page  # takes the spent grant out of the address bar
    assert "Test gateway" in page or "تجريبية" in page
    assert f'action="{urlsplit(card_url).path}"' in page  # itself, without the one-time grant
    assert 'autocomplete="cc-number"' in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"number": "4111111111111112"}, "number"),  # Luhn fails
        ({"number": "6011111111111117"}, "number"),  # Discover: not accepted
        ({"expiry": "01/20"}, "expiry"),
        ({"expiry": "13/30"}, "expiry"),
        ({"cvc": "12"}, "cvc"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_card_input_is_refused_next_to_the_field_and_not_echoed(
    candidate_client, order, data, field
):
    _payment, card_url = start_payment(candidate_client, order)
    values = {"name": "A B", "number": "4111111111111111", "expiry": "12/39", "cvc": "123"}
    values.update(data)
    response = candidate_client.post(path_of(card_url), values)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert values["number"] not in html  # the number is never shown back
    assert 'value="123"' not in html


def test_arabic_indic_digits_are_accepted(candidate_client, order):
    payment, _final = pay_with_card(candidate_client, order, "٤١١١١١١١١١١١١١١١")
    assert payment.status == "paid"


def test_card_numbers_and_cvv_are_never_stored(candidate_client, order):
    number = PAID_CARDS["mada"]
    payment, _final = pay_with_card(candidate_client, order, number, cvc="739")
    assert payment.status == "paid"
    with connection.cursor() as cursor:
        for model in (SandboxCharge, Payment, Invoice):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            for row in cursor.fetchall():
                # Timestamps are left out: their microseconds may contain any 3 digits.
                text = " ".join(
                    str(value) for value in row if not isinstance(value, datetime | date)
                )
                assert number not in text, table
                # The CVV as a value of its own (a field, a JSON value), not three digits that
                # happen to sit inside a random identifier or hash.
                assert not re.search(r"(?<![0-9A-Za-z])739(?![0-9A-Za-z])", text), table
        cursor.execute("SELECT body, context FROM notifications_message")
        assert all(number not in f"{body} {context}" for body, context in cursor.fetchall())


def test_paid_order_refuses_a_second_payment(candidate_client, order):
    pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    response = candidate_client.post(f"/payments/orders/{order.uuid}/pay/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Payment.objects.filter(order=order).count() == 1
    assert "already paid" in _flash(response) or "مدفوع" in _flash(response)


def test_trying_again_after_closing_the_card_page_cancels_the_first_attempt(
    candidate_client, order
):
    first, first_url = start_payment(candidate_client, order)
    second, _second_url = start_payment(candidate_client, order)
    first.refresh_from_db()
    assert first.status == "failed" and first.failure_reason == "superseded"
    assert second.status == "initiated"
    # The old card page no longer takes a card: it sends the candidate back.
    response = candidate_client.post(
        path_of(first_url),
        {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"},
    )
    assert response.status_code == 302
    assert str(first.uuid) in response["Location"]
    first.refresh_from_db()
    assert first.status == "failed"


def test_messages_go_after_commit_in_the_owner_language(
    make_user, make_order, django_capture_on_commit_callbacks
):
    user = make_user(preferred_language="en")
    order = make_order(owner=user)
    client = Client()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        payment, _final = pay_with_card(client, order, PAID_CARDS["visa"])
    sms = Message.objects.get(kind="payment_received", channel="sms")
    assert sms.language == "en"
    assert payment.invoice.display_number in sms.body
    assert f"/payments/invoices/{payment.invoice.uuid}/" in sms.body
    assert "115.00" in sms.body
    email = Message.objects.get(kind="payment_received", channel="email")
    assert payment.invoice.display_number in email.subject


def test_failed_payment_message_in_arabic(
    candidate_client, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pay_with_card(candidate_client, order, DECLINED)
    sms = Message.objects.get(kind="payment_failed", channel="sms")
    assert sms.language == "ar"
    assert "115.00" in sms.body
