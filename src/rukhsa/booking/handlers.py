"""Booking listens to the payments app (a paid order confirms a registration or applies a
change) and to the catalogue (an operator cancelled a session)."""

from typing import Any

from rukhsa.admission import services as admission
from rukhsa.booking import changes, services


def on_paid(*, order: Any, payment: Any) -> None:
    if order.kind == services.ORDER_KIND:
        registration = services.registration_confirm_paid(order=order, payment=payment)
        if registration is not None:  # paid: the waiting room's pass goes to the next in line
            admission.pass_end(period_id=registration.period_id, user_id=registration.candidate_id)
    elif order.kind == changes.CHANGE_FEE_KIND:
        changes.change_fee_paid(order=order, payment=payment)


def connect() -> None:
    from rukhsa.catalog import hooks as catalog_hooks
    from rukhsa.payments import hooks

    hooks.subscribe("paid", on_paid)
    catalog_hooks.subscribe("session_cancelled", changes.on_session_cancelled)
