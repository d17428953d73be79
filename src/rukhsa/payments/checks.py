"""System checks: the payment gateway's settings."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_gateway_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if settings.PAYMENT_GATEWAY == "moyasar" and not (
        settings.MOYASAR_SECRET_KEY and settings.MOYASAR_WEBHOOK_SECRET
    ):
        errors.append(
            Error(
                "PAYMENT_GATEWAY is moyasar but MOYASAR_SECRET_KEY or MOYASAR_WEBHOOK_SECRET is "
                "empty (see docs/payments.md).",
                id="payments.E002",
            )
        )
    return errors


@register(deploy=True)
def check_sandbox_in_production(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.PAYMENT_GATEWAY == "sandbox" and not settings.DEBUG:
        return [
            Warning(
                "PAYMENT_GATEWAY is the sandbox: anyone can pay with its test cards. Use "
                "moyasar in production (docs/payments.md).",
                id="payments.W001",
            )
        ]
    return []
