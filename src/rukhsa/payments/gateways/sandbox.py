"""The sandbox gateway adapter: the same calls as a remote gateway, answered in process."""

from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways.base import Gateway, GatewayResult
from rukhsa.payments.gateways.moyasar_shapes import result_from_json
from rukhsa.payments.sandbox import api

if TYPE_CHECKING:
    from rukhsa.payments.models import Order, Payment


class SandboxGateway(Gateway):
    name = "sandbox"

    def create(self, payment: "Payment", order: "Order", return_url: str) -> str:
        data = api.charge_create(
            amount=payment.amount_halalas,
            currency=order.currency,
            description=order.description(translation.get_language() or "ar"),
            callback_url=return_url,
            given_id=str(payment.uuid),
            metadata={"order_uuid": str(order.uuid), "payment_uuid": str(payment.uuid)},
        )
        payment.gateway_ref = data["id"]
        return str(data["source"]["transaction_url"])

    def fetch(self, payment: "Payment") -> GatewayResult:
        try:
            return result_from_json(api.charge_fetch(payment.gateway_ref))
        except api.ChargeNotFound as exc:
            raise PaymentError(
                _("The payment service does not know this payment."), code="gateway_error"
            ) from exc

    def refund(self, payment: "Payment", amount: int) -> GatewayResult:
        try:
            return result_from_json(api.charge_refund(payment.gateway_ref, amount))
        except (api.ChargeNotFound, api.ChargeStateError) as exc:
            raise PaymentError(
                _("The payment service refused the refund."), code="gateway_error"
            ) from exc

    def cancel(self, payment: "Payment") -> bool:
        try:
            return api.charge_cancel(payment.gateway_ref)
        except api.ChargeNotFound:
            return True
