"""System checks: the test-only switch that turns locking off can never be on outside tests."""

import sys
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


def locks_disabled() -> bool:
    """True only inside a pytest run with settings.TESTING and the test switch on."""
    return (
        bool(getattr(settings, "PAYMENTS_TEST_DISABLE_LOCKS", False))
        and bool(getattr(settings, "TESTING", False))
        and "pytest" in sys.modules
    )


@register()
def check_test_switches(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if getattr(settings, "PAYMENTS_TEST_DISABLE_LOCKS", False) and not getattr(
        settings, "TESTING", False
    ):
        errors.append(
            Error(
                "PAYMENTS_TEST_DISABLE_LOCKS is a test-only switch and must not be set.",
                id="payments.E001",
            )
        )
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
