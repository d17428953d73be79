"""The Moyasar adapter against recorded JSON responses (httpx.MockTransport, no network)."""

import base64
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways.moyasar import MoyasarGateway
from rukhsa.payments.models import Invoice, Payment, WebhookEvent
from rukhsa.payments.services import payment_refresh, refund

RECORDINGS = Path(__file__).parent / "moyasar_recordings"
INVOICE_ID = "f91065f7-d188-4ec8-8fc1-af8c0d4f8b25"
PAYMENT_ID = "a4b2c1d0-1111-4c3b-9e1f-5d2e8f7a6b01"


def recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / f"{name}.json").read_text())


class FakeMoyasar:
    """Answers like api.moyasar.com from the recordings; remembers every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.invoice = recording("invoice_created")
        self.routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {
            ("POST", "/v1/invoices"): lambda r: httpx.Response(201, json=self.invoice),
            ("GET", f"/v1/invoices/{INVOICE_ID}"): lambda r: httpx.Response(200, json=self.invoice),
            ("PUT", f"/v1/invoices/{INVOICE_ID}/cancel"): self._cancel,
            ("GET", f"/v1/payments/{PAYMENT_ID}"): lambda r: httpx.Response(
                200, json=recording("payment_paid")
            ),
            ("POST", f"/v1/payments/{PAYMENT_ID}/refund"): lambda r: httpx.Response(
                200, json=recording("payment_refunded")
            ),
        }

    def _cancel(self, request: httpx.Request) -> httpx.Response:
        if self.invoice["status"] != "initiated":
            return httpx.Response(400, json={"type": "invalid_request_error", "message": "paid"})
        self.invoice["status"] = "canceled"
        return httpx.Response(200, json=self.invoice)

    def pay(self) -> None:
        self.invoice["status"] = "paid"
        self.invoice["payments"] = [recording("payment_paid")]

    def fail_attempt(self) -> None:
        self.invoice["payments"] = [recording("payment_failed")]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, json={"type": "not_found", "message": "Not found"})
        return handler(request)


@pytest.fixture
def moyasar(settings: Any) -> Iterator[FakeMoyasar]:
    settings.PAYMENT_GATEWAY = "moyasar"
    settings.MOYASAR_SECRET_KEY = "sk_test_recorded"
    settings.MOYASAR_WEBHOOK_SECRET = "whsec_recorded"
    fake = FakeMoyasar()
    MoyasarGateway.transport = httpx.MockTransport(fake)
    yield fake
    MoyasarGateway.transport = None


def _start(client, order) -> tuple[Payment, str]:  # type: ignore[no-untyped-def]
    response = client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 302
    return Payment.objects.get(order=order), response["Location"]


def test_create_posts_an_invoice_and_redirects_to_moyasar_checkout(
    moyasar, candidate_client, order
):
    payment, location = _start(candidate_client, order)
    request = moyasar.requests[0]
    assert (request.method, str(request.url)) == ("POST", "https://api.moyasar.com/v1/invoices")
    token = base64.b64encode(b"sk_test_recorded:").decode()
    assert request.headers["Authorization"] == f"Basic {token}"
    body = json.loads(request.content)
    assert body["amount"] == 11500 and body["currency"] == "SAR"
    assert body["success_url"].endswith(f"/payments/return/{payment.uuid}/")
    assert body["metadata"]["payment_uuid"] == str(payment.uuid)
    assert body["metadata"]["order_uuid"] == str(order.uuid)
    assert body["expired_at"].endswith("Z")
    assert location.startswith(f"https://checkout.moyasar.com/invoices/{INVOICE_ID}")
    assert "lang=ar" in location
    assert payment.gateway_ref == INVOICE_ID and payment.status == "initiated"


def test_return_fetches_and_marks_paid(moyasar, candidate_client, order, hook_calls):
    payment, _ = _start(candidate_client, order)
    moyasar.pay()
    response = candidate_client.get(
        reverse("payments:return", args=[payment.uuid]),
        {"id": PAYMENT_ID, "status": "paid", "message": "APPROVED"},
    )
    payment.refresh_from_db()
    assert response.status_code == 302
    assert payment.status == "paid"
    assert payment.gateway_payment_id == PAYMENT_ID
    assert (payment.scheme, payment.masked_card) == ("visa", "XXXX-XXXX-XXXX-1111")
    assert Invoice.objects.filter(payment=payment).exists()
    assert [r.method + " " + r.url.path for r in moyasar.requests[1:]] == [
        f"GET /v1/invoices/{INVOICE_ID}",
        f"GET /v1/payments/{PAYMENT_ID}",
    ]
    assert hook_calls == [("paid", str(payment.uuid))]


def test_forged_return_is_not_trusted(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    candidate_client.get(
        reverse("payments:return", args=[payment.uuid]), {"id": PAYMENT_ID, "status": "paid"}
    )
    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_failed_attempt_cancels_the_invoice_and_fails(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    moyasar.fail_attempt()
    response = candidate_client.get(reverse("payments:return", args=[payment.uuid]))
    payment.refresh_from_db()
    assert payment.status == "failed" and payment.failure_reason == "insufficient_funds"
    assert moyasar.invoice["status"] == "canceled"
    flash = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "No amount was taken" in flash or "لم يُخصم" in flash or flash


def test_paid_in_the_meantime_is_found_on_a_second_look(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    moyasar.fail_attempt()
    moyasar.invoice["payments"].append(recording("payment_paid"))
    moyasar.invoice["status"] = "paid"
    payment_refresh(payment=payment)
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_expired_invoice_fails_as_abandoned(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    moyasar.invoice["status"] = "expired"
    payment_refresh(payment=payment)
    payment.refresh_from_db()
    assert payment.status == "failed" and payment.failure_reason == "abandoned"


def test_refund_posts_the_amount(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    moyasar.pay()
    payment = payment_refresh(payment=payment)
    payment = refund(payment=payment, amount_halalas=11500, reason="Cancelled")
    request = moyasar.requests[-1]
    assert (request.method, request.url.path) == ("POST", f"/v1/payments/{PAYMENT_ID}/refund")
    assert json.loads(request.content) == {"amount": 11500}
    assert payment.status == "refunded" and payment.refunded_halalas == 11500
    assert refund(payment=payment, amount_halalas=11500, reason="again").refunded_halalas == 11500
    assert sum(r.url.path.endswith("/refund") for r in moyasar.requests) == 1


def test_webhook_with_secret_is_applied_after_a_fetch(moyasar, client, candidate_client, order):
    payment, _ = _start(candidate_client, order)
    moyasar.pay()
    body = recording("webhook_payment_paid")
    body["secret_token"] = "whsec_recorded"
    url = reverse("payments:webhook", args=["moyasar"])
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"status": "applied"}
    payment.refresh_from_db()
    assert payment.status == "paid"
    forged = copy.deepcopy(body)
    forged["secret_token"] = "whsec_wrong"
    forged["id"] = "another-event"
    assert client.post(url, json.dumps(forged), content_type="application/json").status_code == 401
    assert WebhookEvent.objects.filter(status="rejected").count() == 1


def test_error_response_is_a_clear_payment_error_not_a_500(moyasar, candidate_client, order):
    moyasar.routes[("POST", "/v1/invoices")] = lambda r: httpx.Response(
        401, json=recording("error_unauthorized")
    )
    response = candidate_client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    flash = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert flash
    payment = Payment.objects.get(order=order)
    assert payment.status == "failed" and payment.failure_reason == "gateway_error"
    # The next attempt is allowed.
    moyasar.routes[("POST", "/v1/invoices")] = lambda r: httpx.Response(201, json=moyasar.invoice)
    assert (
        candidate_client.post(reverse("payments:order_pay", args=[order.uuid])).status_code == 302
    )
    assert Payment.objects.filter(order=order, status="initiated").count() == 1


def test_timeout_is_a_clear_payment_error(moyasar, candidate_client, order):
    payment, _ = _start(candidate_client, order)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    moyasar.routes[("GET", f"/v1/invoices/{INVOICE_ID}")] = slow
    with pytest.raises(PaymentError) as info:
        payment_refresh(payment=payment)
    assert info.value.code == "gateway_timeout"
    assert "did not answer in time" in str(info.value) or str(info.value)
    response = candidate_client.get(reverse("payments:return", args=[payment.uuid]))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_every_call_has_a_timeout(moyasar, settings):
    settings.PAYMENTS_HTTP_TIMEOUT = 7
    client = MoyasarGateway()._client()
    assert client.timeout.read == 7 and client.timeout.connect == 5


def _unregistered_attempt(order, seconds_ago: float) -> Payment:  # type: ignore[no-untyped-def]
    """A payment whose request died before Moyasar answered it: initiated, no invoice id."""
    from datetime import timedelta

    from rukhsa.core import clock

    payment = Payment.objects.create(
        order=order, gateway="moyasar", amount_halalas=order.total_halalas
    )
    Payment.objects.filter(pk=payment.pk).update(
        created_at=clock.now() - timedelta(seconds=seconds_ago)
    )
    return payment


def test_an_attempt_never_registered_at_moyasar_does_not_hold_the_order(
    moyasar, candidate_client, order
):
    """The request that made the first attempt died before Moyasar answered it. Once that
    request cannot be on its way any more, paying again starts a new attempt at once instead of
    waiting for the reconciliation (up to 30 minutes, longer than a seat is held)."""
    stuck = _unregistered_attempt(order, seconds_ago=5 * 60)
    response = candidate_client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 302
    assert response["Location"].startswith(f"https://checkout.moyasar.com/invoices/{INVOICE_ID}")
    stuck.refresh_from_db()
    assert (stuck.status, stuck.failure_reason) == ("failed", "superseded")
    new = Payment.objects.get(order=order, status="initiated")
    assert new.gateway_ref == INVOICE_ID
    # Nothing was asked of Moyasar about the attempt it never knew (no cancel without an id).
    assert [r.method + " " + r.url.path for r in moyasar.requests] == ["POST /v1/invoices"]


def test_an_attempt_maybe_still_being_registered_is_waited_for(moyasar, candidate_client, order):
    """Seconds old, the first attempt's request may still be waiting for Moyasar's answer: the
    candidate is told to finish it or try again shortly, and nothing else is started."""
    waiting = _unregistered_attempt(order, seconds_ago=5)
    response = candidate_client.post(reverse("payments:order_pay", args=[order.uuid]))
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    flashed = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("in progress" in m or "قيد" in m for m in flashed), flashed
    waiting.refresh_from_db()
    assert waiting.status == "initiated"
    assert Payment.objects.filter(order=order).count() == 1
    assert moyasar.requests == []
