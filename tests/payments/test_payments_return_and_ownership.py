"""The return URL never trusts its query; every object URL checks ownership."""

from django.test import Client
from django.urls import reverse

from rukhsa.payments.models import Invoice, Payment
from tests.payments.payments_helpers import PAID_CARDS, pay_with_card, start_payment


def test_forged_paid_query_does_not_mark_paid(candidate_client, order, hook_calls):
    payment, _card_url = start_payment(candidate_client, order)
    url = reverse("payments:return", args=[payment.uuid])
    response = candidate_client.get(
        url, {"id": payment.gateway_ref, "status": "paid", "message": "APPROVED"}
    )
    payment.refresh_from_db()
    assert response.status_code == 302
    assert payment.status == "initiated"
    assert not Invoice.objects.exists()
    assert hook_calls == []


def test_forged_paid_query_after_a_declined_card_stays_failed(candidate_client, order):
    payment, _final = pay_with_card(candidate_client, order, "4201321234411220")
    url = reverse("payments:return", args=[payment.uuid])
    candidate_client.get(url, {"id": payment.gateway_ref, "status": "paid", "message": "APPROVED"})
    payment.refresh_from_db()
    assert payment.status == "failed"


def test_another_users_return_url_is_404(candidate_client, order, stranger):
    payment, _card_url = start_payment(candidate_client, order)
    client = Client()
    client.force_login(stranger)
    response = client.get(reverse("payments:return", args=[payment.uuid]), {"status": "paid"})
    assert response.status_code == 404


def test_another_users_order_cannot_be_paid(order, stranger):
    client = Client()
    client.force_login(stranger)
    response = client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_return_url_needs_login(candidate_client, order):
    payment, _ = start_payment(candidate_client, order)
    response = Client().get(reverse("payments:return", args=[payment.uuid]))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_invoice_page_and_pdf_owner_only(candidate_client, order, stranger):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    invoice = payment.invoice
    page = candidate_client.get(reverse("payments:invoice", args=[invoice.uuid]))
    assert page.status_code == 200
    assert invoice.display_number in page.content.decode()
    client = Client()
    client.force_login(stranger)
    assert client.get(reverse("payments:invoice", args=[invoice.uuid])).status_code == 404
    assert client.get(reverse("payments:invoice_pdf", args=[invoice.uuid])).status_code == 404
    anonymous = Client().get(reverse("payments:invoice_pdf", args=[invoice.uuid]))
    assert anonymous.status_code == 302


def test_invoice_page_query_count_is_fixed(candidate_client, order, django_assert_max_num_queries):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    with django_assert_max_num_queries(8):
        candidate_client.get(reverse("payments:invoice", args=[payment.invoice.uuid]))
