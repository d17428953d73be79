"""Booking's one seam with the payments app: the two orders a registration can owe.

A registration owes the **seat fee** (order kind ``registration_fee``, created with the seat
hold) and, when the test charges for a change of appointment, a **change fee** (order kind
``change_fee``, created with the held new seat). This module creates both orders, starts paying
them, says what was paid and refunds it; nothing else in booking calls the payments app's
services. It takes plain values — the owner and the site's absolute address for the gateway to
send the candidate back to — never a request, so a task or a command can call it too. Every
``PaymentError`` the payments app raises (already paid, a payment still in progress, a gateway
timeout) comes out as a ``BookingError`` carrying a sentence for the candidate, so views catch one
error type. Confirmation runs the other way: the payments app announces "paid" through its hook,
and ``booking.handlers`` hands the order to the registration's or the change's own service (they
take the seat locks); a refund those services decide on is queued here, after commit, as one task.
"""

from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from rukhsa.accounts.models import User
from rukhsa.booking.errors import BookingError
from rukhsa.booking.models import PendingChange, Registration, Status
from rukhsa.catalog.models import Test
from rukhsa.payments import services as payments
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.models import Order, Payment

SEAT_FEE = "registration_fee"
CHANGE_FEE = "change_fee"


def _return_path(registration: Registration) -> str:
    return f"/registrations/{registration.reference}/"


# --- Orders ------------------------------------------------------------------------------------


def seat_fee_order(*, registration: Registration, test: Test) -> Order:
    """The order for a new seat hold (inside the hold's transaction, before the registration's
    insert: it names the registration by its reference, which support can search for)."""
    return payments.order_create(
        owner=registration.candidate,
        kind=SEAT_FEE,
        subject_ref=f"registration:{registration.reference}",
        description_ar=f"{test.name_ar} — {registration.specialization.name_ar}",
        description_en=f"{test.name_en} — {registration.specialization.name_en}",
        net_halalas=test.fee_halalas,
        vat_basis_points=test.vat_basis_points,
        return_path=_return_path(registration),
    )


def change_fee_order(*, pending: PendingChange, registration: Registration) -> Order:
    """The order for a change of appointment's fee (inside the change hold's transaction)."""
    test = registration.test
    return payments.order_create(
        owner=registration.candidate,
        kind=CHANGE_FEE,
        subject_ref=f"change:{pending.pk}",
        description_ar=f"رسوم تعديل الموعد — {registration.reference}",
        description_en=f"Appointment change fee — {registration.reference}",
        net_halalas=test.change_fee_halalas,
        vat_basis_points=test.vat_basis_points,
        return_path=_return_path(registration),
    )


# --- Starting a payment ------------------------------------------------------------------------


def _start(*, order: Order, owner: User, site_url: str) -> str:
    try:
        return payments.payment_start(order=order, owner=owner, site_url=site_url)
    except PaymentError as exc:
        raise BookingError(str(exc.message), code=f"payment_{exc.code}") from exc


def seat_fee_pay_url(*, registration: Registration, owner: User, site_url: str) -> str:
    """Where to send the candidate to pay for a live seat hold.

    ``site_url`` is the site's absolute address (``https://host/``), built by the view.
    """
    if registration.status == Status.CONFIRMED:
        raise BookingError(_("This registration is already paid."), code="paid")
    if not registration.hold_live():
        raise BookingError(
            _("Your seat hold has expired. Please choose a session again."), code="expired"
        )
    if registration.order is None:
        raise BookingError(_("The payment could not start. Please try again."))
    opened = registration.opened_payment
    if (
        opened is not None
        and opened.order_id == registration.order.pk
        and getattr(owner, "pk", None) == registration.order.owner_id
    ):
        registration.opened_payment = None  # sent once
        try:
            return payments.payment_send(
                payment=opened, order=registration.order, site_url=site_url
            )
        except PaymentError as exc:
            raise BookingError(str(exc.message), code=f"payment_{exc.code}") from exc
    return _start(order=registration.order, owner=owner, site_url=site_url)


def seat_fee_payment_open(*, registration: Registration) -> Payment:
    """The first payment attempt of a new hold's order, inside the hold's transaction."""
    if registration.order is None:
        raise BookingError(_("The payment could not start. Please try again."))
    try:
        return payments.payment_open(order=registration.order, owner=registration.candidate)
    except PaymentError as exc:
        raise BookingError(str(exc.message), code=f"payment_{exc.code}") from exc


def change_fee_pay_url(*, pending: PendingChange, owner: User, site_url: str) -> str:
    """Where to send the candidate to pay the fee of a held change of appointment."""
    if pending.order is None:
        raise BookingError(_("The payment could not start. Please try again."))
    return _start(order=pending.order, owner=owner, site_url=site_url)


# --- What was paid, and refunds ----------------------------------------------------------------


def seat_fee_paid(registration: Registration) -> Payment | None:
    """The successful payment of the registration's seat fee, if any."""
    if registration.order is None:
        return None
    return payments.order_paid_payment(registration.order)


def refund_after_commit(*, payment: Payment, amount_halalas: int, reason: str) -> None:
    """Queue the refund once the caller's transaction commits (never inside the seat locks)."""
    transaction.on_commit(
        partial(payment_refund.enqueue, str(payment.pk), amount_halalas, reason[:200])
    )


@task()
def payment_refund(payment_id: str, amount_halalas: int, reason: str) -> str:
    """Refund a registration's payment: a cancellation's refund percent, or in full when it
    was paid after its seat was gone. Idempotent: payments refunds a payment at most once."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    payments.refund(payment=payment, amount_halalas=amount_halalas, reason=reason)
    return "refunded"
