"""Moyasar (https://moyasar.com), through its REST API with httpx.

Flow: Moyasar's hosted checkout (an "invoice"). Card data is typed on checkout.moyasar.com and
never reaches Rukhsa; no script of theirs runs on our pages (the portal works without
JavaScript). docs/payments.md explains the choice and the deployment settings.

- create: ``POST /v1/invoices`` (amount in halalas, SAR, description, success/back URL = our
  return URL, ``expired_at`` = now + PAYMENTS_ABANDON_AFTER, metadata with our order and
  payment ids); the invoice's ``url`` is the redirect; its id is ``payment.gateway_ref``.
- fetch: ``GET /v1/invoices/:id`` and, for the attempt found there, ``GET /v1/payments/:id``;
  a paid attempt must carry our amount and currency. When the latest attempt failed and the
  invoice is still open, the invoice is cancelled (``PUT /v1/invoices/:id/cancel``) so a late
  success cannot happen after we reported the failure.
- refund: ``POST /v1/payments/:id/refund`` with ``amount``.
- webhooks: the body's ``secret_token`` is compared with MOYASAR_WEBHOOK_SECRET (webhooks.py);
  ``data`` is a payment object whose ``invoice_id`` is our ``gateway_ref``.

HTTP Basic authentication with the secret key as user name and an empty password; a timeout on
every call; errors become ``PaymentError`` with a sentence for the candidate (never a 500).
"""

import logging
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from rukhsa.core import clock
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways.base import (
    FAILED,
    INITIATED,
    Gateway,
    GatewayResult,
    failure_reason_from_message,
    webhook_object,
)
from rukhsa.payments.gateways.moyasar_shapes import result_from_json

if TYPE_CHECKING:
    from rukhsa.payments.models import Order, Payment

logger = logging.getLogger(__name__)

SETTLED_INVOICE = ("expired", "canceled", "failed", "voided")


class MoyasarGateway(Gateway):
    name = "moyasar"
    # Tests put an httpx.MockTransport here; None means the real network.
    transport: ClassVar[httpx.BaseTransport | None] = None

    def _client(self) -> httpx.Client:
        timeout = float(settings.PAYMENTS_HTTP_TIMEOUT)
        return httpx.Client(
            base_url=settings.MOYASAR_API_BASE,
            auth=(settings.MOYASAR_SECRET_KEY, ""),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Accept": "application/json"},
            transport=self.transport,
        )

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if not settings.MOYASAR_SECRET_KEY:
            raise PaymentError(_("This payment method is not available."), code="gateway_error")
        try:
            with self._client() as client:
                response = client.request(method, path, json=body)
        except httpx.TimeoutException as exc:
            logger.warning("moyasar %s %s: timeout (%s)", method, path, type(exc).__name__)
            raise PaymentError(
                _("The payment service did not answer in time. Please try again in a few minutes."),
                code="gateway_timeout",
            ) from exc
        except httpx.HTTPError as exc:
            logger.warning("moyasar %s %s: %s", method, path, type(exc).__name__)
            raise PaymentError(
                _("The payment service cannot be reached now. Please try again in a few minutes."),
                code="gateway_error",
            ) from exc
        if response.status_code >= 400:
            try:
                detail = response.json()
            except ValueError:
                detail = response.text[:300]
            logger.warning("moyasar %s %s: HTTP %s %s", method, path, response.status_code, detail)
            raise PaymentError(
                _(
                    "The payment service refused the request. Please try again later or "
                    "contact support."
                ),
                code="gateway_error",
            )
        try:
            return response.json()
        except ValueError as exc:
            raise PaymentError(
                _("The payment service sent an answer we could not read. Please try again."),
                code="gateway_error",
            ) from exc

    def create(self, payment: "Payment", order: "Order", return_url: str) -> str:
        expires = clock.now() + settings.PAYMENTS_ABANDON_AFTER
        invoice = self._request(
            "POST",
            "/invoices",
            {
                "amount": payment.amount_halalas,
                "currency": order.currency,
                "description": f"{order.description_en} ({order.uuid})"[:250],
                "success_url": return_url,
                "back_url": return_url,
                "expired_at": expires.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "metadata": {
                    "order_uuid": str(order.uuid),
                    "payment_uuid": str(payment.uuid),
                    "kind": order.kind,
                },
            },
        )
        if not isinstance(invoice, dict) or not invoice.get("id") or not invoice.get("url"):
            raise PaymentError(
                _("The payment service sent an answer we could not read. Please try again."),
                code="gateway_error",
            )
        payment.gateway_ref = str(invoice["id"])
        return _with_language(str(invoice["url"]), translation.get_language() or "ar")

    def _payment(self, gateway_payment_id: str) -> dict[str, Any]:
        data = self._request("GET", f"/payments/{gateway_payment_id}")
        if not isinstance(data, dict):
            raise PaymentError(_("The payment service sent an answer we could not read."))
        return data

    def fetch(self, payment: "Payment", *, _again: bool = True) -> GatewayResult:
        invoice = self._request("GET", f"/invoices/{payment.gateway_ref}")
        attempts = list(invoice.get("payments") or [])
        if not attempts and invoice.get("payment_id"):
            attempts = [self._payment(str(invoice["payment_id"]))]
        successful = [a for a in attempts if a.get("status") in ("paid", "captured", "refunded")]
        if successful:
            attempt = self._payment(str(successful[0]["id"]))
            if attempt.get("invoice_id") not in (None, payment.gateway_ref) or (
                attempt.get("currency", "SAR") != "SAR"
            ):
                raise PaymentError(
                    _("The payment could not be confirmed. Please contact support."),
                    code="amount_mismatch",
                )
            return result_from_json(attempt)
        latest = attempts[-1] if attempts else None
        message = str(((latest or {}).get("source") or {}).get("message") or "")
        if invoice.get("status") in SETTLED_INVOICE:
            return GatewayResult(
                status=FAILED,
                message=message or f"invoice {invoice.get('status')}",
                failure_reason=failure_reason_from_message(message) if message else "abandoned",
                raw=invoice,
            )
        if latest is not None and latest.get("status") == "failed":
            if self.cancel(payment):
                return GatewayResult(
                    status=FAILED,
                    message=message,
                    failure_reason=failure_reason_from_message(message),
                    scheme=str((latest.get("source") or {}).get("company") or ""),
                    masked_card=str((latest.get("source") or {}).get("number") or ""),
                    gateway_payment_id=str(latest.get("id") or ""),
                    raw=invoice,
                )
            if _again:  # paid in the meantime: look again, once
                return self.fetch(payment, _again=False)
        return GatewayResult(status=INITIATED, raw=invoice)

    def refund(self, payment: "Payment", amount: int) -> GatewayResult:
        if not payment.gateway_payment_id:
            raise PaymentError(_("The payment service refused the refund."), code="gateway_error")
        data = self._request(
            "POST", f"/payments/{payment.gateway_payment_id}/refund", {"amount": amount}
        )
        return result_from_json(data)

    def cancel(self, payment: "Payment") -> bool:
        try:
            invoice = self._request("PUT", f"/invoices/{payment.gateway_ref}/cancel")
        except PaymentError as exc:
            if exc.code == "gateway_timeout":
                raise
            return False
        return isinstance(invoice, dict) and invoice.get("status") in SETTLED_INVOICE

    def webhook_payment_ref(self, payload: dict[str, Any]) -> dict[str, str]:
        data = webhook_object(payload, "data")
        metadata = webhook_object(data, "metadata")
        return {
            "payment_uuid": str(metadata.get("payment_uuid") or ""),
            "gateway_ref": str(data.get("invoice_id") or ""),
            "gateway_payment_id": str(data.get("id") or ""),
        }


def _with_language(url: str, language: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["lang"] = "ar" if language.startswith("ar") else "en"
    return urlunsplit(parts._replace(query=urlencode(query)))
