"""Booking listens to the payments app (a paid order confirms a registration or applies a
change) and to the catalogue (an operator cancelled a session, or raised its capacity: the waiting
list fills the new seats)."""

from rukhsa.admission import services as admission
from rukhsa.booking import changes, services, waitlist
from rukhsa.booking import payment as booking_payment
from rukhsa.catalog import hooks as catalog_hooks
from rukhsa.payments import hooks as payment_hooks
from rukhsa.payments.models import Order, Payment


def on_paid(*, order: Order, payment: Payment) -> None:
    """Route a paid order to the service of its kind (each takes its own seat locks)."""
    if order.kind == booking_payment.SEAT_FEE:
        registration = services.registration_confirm_paid(order=order, payment=payment)
        if registration is not None:
            waitlist.registration_confirmed(registration=registration)
            # Paid: the waiting room's pass goes to the next in line.
            admission.pass_end(period_id=registration.period_id, user_id=registration.candidate_id)
    elif order.kind == booking_payment.CHANGE_FEE:
        changes.change_fee_paid(order=order, payment=payment)


def connect() -> None:
    payment_hooks.subscribe("paid", on_paid)
    catalog_hooks.subscribe("session_cancelled", changes.on_session_cancelled)
    catalog_hooks.subscribe("session_cancelled", waitlist.on_session_cancelled)
    catalog_hooks.subscribe("seats_added", waitlist.seats_added)
