"""Helpers for the payments tests: the sandbox test cards and the sandbox journey."""

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

from rukhsa.payments.models import Order, Payment

PAID_CARDS = {
    "mada": "4201320111111010",
    "visa": "4111111111111111",
    "mastercard": "5421080101000000",
}
INSUFFICIENT = "4201320000311101"
DECLINED = "4201321234411220"


def start_payment(client: Client, order: Order) -> tuple[Payment, str]:
    """Press "pay" as the order's owner; returns the payment and the gateway page URL."""
    response = client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 302, response
    payment = Payment.objects.filter(order=order).latest("created_at")
    return payment, response["Location"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def pay_with_card(
    client: Client,
    order: Order,
    number: str,
    *,
    authenticate: bool = True,
    cvc: str = "123",
    expiry: str = "12/39",
) -> tuple[Payment, Any]:
    """The whole sandbox journey: card page, 3-D Secure, back to our return URL (followed)."""
    payment, card_url = start_payment(client, order)
    page = client.get(path_of(card_url), follow=True)
    assert page.status_code == 200
    response = client.post(
        path_of(card_url),
        {"name": "MOHAMMED ALQAHTANI", "number": number, "expiry": expiry, "cvc": cvc},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    three_ds = client.get(path_of(response["Location"]))
    assert three_ds.status_code == 200
    match = re.search(r'action="([^"]+/3ds/submit/)"', three_ds.content.decode())
    assert match is not None
    form_action = match.group(1)
    back = client.post(form_action, {"result": "authenticate" if authenticate else "fail"})
    assert back.status_code == 302
    return_url = back["Location"]
    assert urlsplit(return_url).path == reverse("payments:return", args=[payment.uuid])
    query = parse_qs(urlsplit(return_url).query)
    assert set(query) == {"id", "status", "message"}
    final = client.get(path_of(return_url))
    payment.refresh_from_db()
    return payment, final
