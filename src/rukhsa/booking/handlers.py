"""Booking listens to the payments app: a paid registration order confirms the registration."""

from typing import Any

from rukhsa.booking import services


def on_paid(*, order: Any, payment: Any) -> None:
    if order.kind == services.ORDER_KIND:
        services.registration_confirm_paid(order=order, payment=payment)


def connect() -> None:
    from rukhsa.payments import hooks

    hooks.subscribe("paid", on_paid)
