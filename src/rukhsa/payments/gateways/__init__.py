"""The gateway registry: names to implementations (see gateways/base.py for the interface)."""

from django.conf import settings
from django.utils.translation import gettext as _

from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways.base import Gateway, GatewayResult


def gateway_names() -> tuple[str, ...]:
    return ("sandbox", "moyasar")


def get_gateway(name: str | None = None) -> Gateway:
    name = name or settings.PAYMENT_GATEWAY
    if name == "sandbox":
        from rukhsa.payments.gateways.sandbox import SandboxGateway

        return SandboxGateway()
    if name == "moyasar":
        from rukhsa.payments.gateways.moyasar import MoyasarGateway

        return MoyasarGateway()
    raise PaymentError(_("This payment method is not available."), code="unknown_gateway")


__all__ = ["Gateway", "GatewayResult", "gateway_names", "get_gateway"]
