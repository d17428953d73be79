"""Refunds: through the gateway, one per payment, never more than was paid; credit notes."""

import pytest

from rukhsa.notifications.models import Message
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.models import CreditNote, SandboxCharge
from rukhsa.payments.services import refund
from tests.payments.payments_helpers import PAID_CARDS, pay_with_card, start_payment


@pytest.fixture
def paid(candidate_client, order):  # type: ignore[no-untyped-def]
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    assert payment.status == "paid"
    return payment


def test_full_refund_goes_through_the_gateway_and_issues_a_credit_note(
    paid, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = refund(payment=paid, amount_halalas=11500, reason="Registration cancelled")
    assert payment.status == "refunded" and payment.refunded_halalas == 11500
    charge = SandboxCharge.objects.get(pk=paid.gateway_ref)
    assert charge.refunded == 11500 and charge.status == "refunded"
    note = CreditNote.objects.get()
    assert note.invoice == paid.invoice
    assert (note.net_halalas, note.vat_halalas, note.total_halalas) == (10000, 1500, 11500)
    assert hook_calls == [("refunded", str(paid.uuid))]
    assert Message.objects.filter(kind="payment_refunded", channel="sms").count() == 1


def test_refund_is_idempotent(paid, hook_calls):
    refund(payment=paid, amount_halalas=5000, reason="Partial")
    again = refund(payment=paid, amount_halalas=5000, reason="Partial")
    assert again.refunded_halalas == 5000
    assert SandboxCharge.objects.get(pk=paid.gateway_ref).refunded == 5000
    assert CreditNote.objects.count() == 1
    assert len(hook_calls) == 1


def test_partial_refund_splits_vat(paid):
    refund(payment=paid, amount_halalas=5750, reason="Half")
    note = CreditNote.objects.get()
    assert (note.net_halalas, note.vat_halalas) == (5000, 750)


@pytest.mark.parametrize("amount", [0, -5, 11501, 10**9])
def test_refund_is_bounded(paid, amount):
    with pytest.raises(PaymentError) as info:
        refund(payment=paid, amount_halalas=amount, reason="x")
    assert info.value.code == "invalid_amount"
    paid.refresh_from_db()
    assert paid.status == "paid" and paid.refund_requested_halalas is None


def test_unpaid_payment_cannot_be_refunded(candidate_client, order):
    payment, _ = start_payment(candidate_client, order)
    with pytest.raises(PaymentError) as info:
        refund(payment=payment, amount_halalas=100, reason="x")
    assert info.value.code == "not_paid"


def test_refund_page_and_pdf_for_owner(paid, candidate_client, stranger):
    from django.test import Client
    from django.urls import reverse

    refund(payment=paid, amount_halalas=11500, reason="Cancelled")
    note = CreditNote.objects.get()
    page = candidate_client.get(reverse("payments:credit_note", args=[note.uuid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert note.display_number in html and paid.invoice.display_number in html
    pdf = candidate_client.get(reverse("payments:credit_note_pdf", args=[note.uuid]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = Client()
    other.force_login(stranger)
    assert other.get(reverse("payments:credit_note", args=[note.uuid])).status_code == 404
