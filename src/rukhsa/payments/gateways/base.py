"""The one interface every gateway implements.

- ``create(payment, order, return_url) -> redirect_url``: register the payment at the gateway
  (it moves no money) and say where to send the candidate: the gateway's hosted card page.
  Store the gateway's own reference on ``payment.gateway_ref`` (the caller saves it).
- ``fetch(payment) -> GatewayResult``: ask the gateway, server to server, what became of it.
- ``refund(payment, amount) -> GatewayResult``: give back ``amount`` halalas of a paid payment.
- ``cancel(payment) -> bool``: stop an unfinished payment so it can no longer be paid (used
  before a new attempt on the same order); False when the gateway says it is already settled.
- ``webhook_payment_ref(payload) -> dict``: the references in a webhook body that find our
  payment ({"payment_uuid": ..., "gateway_ref": ..., "gateway_payment_id": ...}); raises
  ``MalformedWebhook`` when ``data`` or its ``metadata`` is not a JSON object.

Every method raises ``PaymentError`` (code ``gateway_timeout`` / ``gateway_error``) with a
sentence for the candidate when the gateway cannot be reached or answers with an error.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from rukhsa.payments.models import Order, Payment

INITIATED = "initiated"
PAID = "paid"
FAILED = "failed"
REFUNDED = "refunded"


@dataclass(frozen=True)
class GatewayResult:
    """What the gateway says about a payment.

    `status` is one of initiated / paid / failed / refunded; `failure_reason` one of
    models.FailureReason's values when failed; `refunded_halalas` the total refunded so far.
    """

    status: str
    scheme: str = ""
    masked_card: str = ""
    message: str = ""
    failure_reason: str = ""
    amount_halalas: int | None = None
    refunded_halalas: int = 0
    gateway_payment_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class MalformedWebhook(ValueError):
    """A webhook body (with the right secret) whose shape is not what the gateway sends."""


def webhook_object(container: dict[str, Any], key: str) -> dict[str, Any]:
    """`container[key]` when it is a JSON object, {} when missing or null; else MalformedWebhook."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedWebhook(f"`{key}` is a {type(value).__name__}, not an object")
    return value


class Gateway:
    name: ClassVar[str] = ""

    def create(self, payment: "Payment", order: "Order", return_url: str) -> str:
        raise NotImplementedError

    def fetch(self, payment: "Payment") -> GatewayResult:
        raise NotImplementedError

    def refund(self, payment: "Payment", amount: int) -> GatewayResult:
        raise NotImplementedError

    def cancel(self, payment: "Payment") -> bool:
        raise NotImplementedError

    def webhook_payment_ref(self, payload: dict[str, Any]) -> dict[str, str]:
        data = webhook_object(payload, "data")
        metadata = webhook_object(data, "metadata")
        return {
            "payment_uuid": str(metadata.get("payment_uuid") or ""),
            "gateway_ref": str(data.get("invoice_id") or data.get("id") or ""),
            "gateway_payment_id": str(data.get("id") or ""),
        }


def failure_reason_from_message(message: str) -> str:
    """Map a gateway's failure message (Moyasar's wording) to our FailureReason value."""
    text = (message or "").lower()
    if "insufficient" in text:
        return "insufficient_funds"
    if "3-d secure" in text or "3d secure" in text or "authentication" in text or "3ds" in text:
        return "3ds_failed"
    if "declin" in text:
        return "declined"
    if "abandon" in text or "expired" in text or "cancel" in text:
        return "abandoned"
    return "declined" if text else "other"
