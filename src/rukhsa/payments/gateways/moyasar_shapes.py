"""Moyasar's payment object, as both the Moyasar adapter and the sandbox gateway speak it.

The sandbox answers in Moyasar's shapes, so one reading of a payment object serves the real
adapter (`gateways.moyasar`) and the fake one (`gateways.sandbox`); neither imports the other.
"""

from typing import Any

from rukhsa.payments.gateways.base import (
    FAILED,
    INITIATED,
    PAID,
    REFUNDED,
    GatewayResult,
    failure_reason_from_message,
)


def result_from_json(data: dict[str, Any]) -> GatewayResult:
    """A Moyasar payment object (`status`, `amount`, `refunded`, `source`) as our result."""
    source = data.get("source") or {}
    message = source.get("message") or ""
    status = data.get("status")
    if status in ("paid", "captured"):
        mapped = PAID
    elif status == "refunded":
        mapped = REFUNDED
    elif status in ("failed", "canceled", "voided", "expired"):
        mapped = FAILED
    else:
        mapped = INITIATED
    return GatewayResult(
        status=mapped,
        scheme=source.get("company") or "",
        masked_card=source.get("number") or "",
        message=message,
        failure_reason=failure_reason_from_message(message) if mapped == FAILED else "",
        amount_halalas=data.get("amount"),
        refunded_halalas=int(data.get("refunded") or 0),
        gateway_payment_id=str(data.get("id") or ""),
        raw=data,
    )
