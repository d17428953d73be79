"""Every write of the payments app. The interface other apps use:

``order_create(*, owner, kind, subject_ref, description_ar, description_en, net_halalas,
vat_basis_points, return_path) -> Order``
    An order to pay. Amounts are integer halalas; VAT = net × basis points / 10000 rounded half
    up; total = net + VAT. ``subject_ref`` is opaque to payments (e.g. "registration:RK-7K3Q-9XPM");
    ``return_path`` is the path on our site the candidate lands on after paying.

``payment_start(*, order, owner, site_url) -> str``
    ``owner`` must own the order; ``site_url`` is the site's absolute address (the view builds
    it), on which the gateway's return URL is made. Creates a Payment (``initiated``) at
    settings.PAYMENT_GATEWAY and returns the URL of the gateway's hosted card page to redirect
    to. Raises ``PaymentError`` (a sentence to show) when
    the order is already paid, or a payment of it is still in progress and cannot be cancelled
    at the gateway. An unfinished earlier attempt is first asked about and cancelled (it becomes
    ``failed``, reason ``superseded``), so "try again" works.

``order_paid_payment(order) -> Payment | None``
    The order's successful payment (paid or refunded), if any.

``refund(*, payment, amount_halalas, reason) -> Payment``
    Refund through the gateway. One refund per payment: the first call decides the amount
    (1 … the amount paid); later calls return the payment unchanged and refund nothing more.

``payment_refresh(*, payment) -> Payment``
    Ask the gateway (server to server) and apply the answer. The return URL, webhooks and the
    reconciliation job all come through here; nothing is ever taken from a query string.

Hooks (``rukhsa.payments.hooks``): "paid", "failed", "refunded", called inside the transaction
that made the move. Messages to the candidate go after commit.

State machine (docs/payments.md): initiated → paid | failed; paid → refunded. Any other move
raises ``IllegalTransition``. Each move is a conditional UPDATE (``… WHERE status = <from>``)
whose row count says whether this call made it, so concurrent callers produce one move, one
hook call, one invoice.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from rukhsa.core import clock, rows
from rukhsa.core.audit import audit_batch, audit_log
from rukhsa.core.compiled import Compiled
from rukhsa.notifications.services import messages_batch
from rukhsa.payments import hooks, notify
from rukhsa.payments.errors import IllegalTransition, PaymentError
from rukhsa.payments.gateways import get_gateway
from rukhsa.payments.gateways.base import FAILED, INITIATED, PAID, REFUNDED, Gateway, GatewayResult
from rukhsa.payments.invoices import credit_note_issue, invoice_issue
from rukhsa.payments.models import (
    SUCCESSFUL_STATUSES,
    FailureReason,
    Order,
    Payment,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    PaymentStatus.INITIATED: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.REFUNDED: frozenset(),
}


def vat_halalas(net_halalas: int, vat_basis_points: int) -> int:
    """net × bp / 10000, rounded half up (integers only)."""
    return (net_halalas * vat_basis_points + 5000) // 10000


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def order_create(
    *,
    owner: Any,
    kind: str,
    subject_ref: str,
    description_ar: str,
    description_en: str,
    net_halalas: int,
    vat_basis_points: int,
    return_path: str,
) -> Order:
    if not (_is_int(net_halalas) and net_halalas >= 0):
        raise ValueError("net_halalas must be a non-negative integer")
    if not (_is_int(vat_basis_points) and 0 <= vat_basis_points <= 10000):
        raise ValueError("vat_basis_points must be an integer from 0 to 10000")
    if not return_path.startswith("/") or return_path.startswith("//") or "\\" in return_path:
        raise ValueError("return_path must be a path on this site, starting with a single /")
    if not kind or not subject_ref:
        raise ValueError("kind and subject_ref are required")
    vat = vat_halalas(net_halalas, vat_basis_points)
    order = Order(
        owner=owner,
        kind=kind,
        subject_ref=subject_ref,
        description_ar=description_ar,
        description_en=description_en,
        net_halalas=net_halalas,
        vat_basis_points=vat_basis_points,
        vat_halalas=vat,
        total_halalas=net_halalas + vat,
        return_path=return_path,
    )
    rows.insert(order)
    audit_log(action="payments.order_created", subject=owner, obj=order, note=subject_ref)
    return order


def order_paid_payment(order: Order) -> Payment | None:
    return Payment.objects.filter(order=order, status__in=SUCCESSFUL_STATUSES).first()


# --- Starting a payment ---------------------------------------------------------------------------


def _never_registered_after() -> timedelta:
    """How long a payment may wait for the gateway to register it: three of the gateway's time
    limits, a minute at least. A payment left unregistered for longer never will be."""
    return timedelta(seconds=max(60.0, 3 * float(settings.PAYMENTS_HTTP_TIMEOUT)))


def _settle_earlier_attempts(order: Order) -> None:
    """Ask about unfinished attempts, unless the order is paid; cancel those the gateway still
    holds open. (One read of the order's paid and unfinished attempts.)"""
    attempts = list(
        Payment.objects.filter(
            order=order, status__in=(*SUCCESSFUL_STATUSES, PaymentStatus.INITIATED)
        )
    )
    if any(p.status in SUCCESSFUL_STATUSES for p in attempts):
        return
    for earlier in attempts:
        earlier = payment_refresh(payment=earlier)
        if earlier.status != PaymentStatus.INITIATED:
            continue
        if not earlier.gateway_ref:
            # Never registered at the gateway: the request that made it died before the gateway
            # answered, or is still waiting for it. Past the gateway's time limit it cannot be
            # on its way any more (and there is nothing to cancel there): it is failed now, so
            # that it does not hold the order, and the seat's time, until the reconciliation.
            if clock.now() - earlier.created_at > _never_registered_after():
                _superseded(earlier, "never registered at the gateway; superseded")
        elif get_gateway(earlier.gateway).cancel(earlier):
            _superseded(earlier, "superseded by a new attempt")
        else:
            payment_refresh(payment=earlier)


def _superseded(payment: Payment, why: str) -> None:
    payment_apply_result(
        payment=payment,
        result=GatewayResult(
            status=FAILED, failure_reason=FailureReason.SUPERSEDED, message=f"CANCELED: {why}"
        ),
    )


def payment_return_url(*, payment: Payment, site_url: str) -> str:
    """The absolute URL the gateway sends the payer back to (``site_url`` is ``https://host/``)."""
    return site_url.rstrip("/") + reverse("payments:return", args=[payment.uuid])


def payment_start(*, order: Order, owner: Any, site_url: str) -> str:
    """Start paying `order` for `owner`; `site_url` is the site's absolute address, built by
    the caller (a view: ``request.build_absolute_uri("/")``)."""
    if getattr(owner, "pk", None) != order.owner_id:
        raise PaymentError(_("This order belongs to another account."), code="not_owner")
    _settle_earlier_attempts(order)
    gateway_name = settings.PAYMENT_GATEWAY
    gateway = get_gateway(gateway_name)
    with transaction.atomic():
        # The order row is the per-order lock: two "pay" clicks never both start a payment.
        Order.objects.select_for_update().filter(pk=order.pk).first()
        statuses = set(
            Payment.objects.filter(
                order=order, status__in=(*SUCCESSFUL_STATUSES, PaymentStatus.INITIATED)
            ).values_list("status", flat=True)
        )
        if statuses & set(SUCCESSFUL_STATUSES):
            raise PaymentError(_("This order is already paid."), code="already_paid")
        if PaymentStatus.INITIATED in statuses:
            raise PaymentError(
                _(
                    "A payment for this order is still in progress. Finish it in the window "
                    "where you started it, or try again in a few minutes."
                ),
                code="in_flight",
            )
        payment = Payment.objects.create(
            order=order, gateway=gateway_name, amount_halalas=order.total_halalas
        )
        audit_log(action="payments.payment_started", subject=owner, obj=payment)
    return payment_send(payment=payment, order=order, site_url=site_url, gateway=gateway)


def payment_open(*, order: Order, owner: Any) -> Payment:
    """The first attempt at paying an order made in the caller's transaction (a seat hold that
    goes straight on to the payment page), created with it.

    Until that transaction commits nobody else can see the order, so there is no earlier
    attempt to settle and no other "pay" click to lock out: `payment_start`'s checks (three
    reads and a row lock in a transaction of their own) have nothing to find. The caller sends
    it to the gateway with `payment_send` after the commit; a payment that never got there is
    failed by `payments_settle` as abandoned, as one from `payment_start` would be."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_open belongs inside the transaction that made the order")
    if getattr(owner, "pk", None) != order.owner_id:
        raise PaymentError(_("This order belongs to another account."), code="not_owner")
    payment = Payment(
        order=order, gateway=settings.PAYMENT_GATEWAY, amount_halalas=order.total_halalas
    )
    rows.insert(payment)
    audit_log(action="payments.payment_started", subject=owner, obj=payment)
    return payment


def payment_send(
    *, payment: Payment, order: Order, site_url: str, gateway: Gateway | None = None
) -> str:
    """Register a new `payment` of `order` at its gateway; where to send the payer. A refusal
    fails the payment (the order can be paid again) and is raised as `PaymentError`."""
    gateway = gateway or get_gateway(payment.gateway)
    return_url = payment_return_url(payment=payment, site_url=site_url)
    try:
        redirect_url = gateway.create(payment, order, return_url)
    except PaymentError as exc:
        payment_apply_result(
            payment=payment,
            result=GatewayResult(
                status=FAILED, failure_reason=FailureReason.GATEWAY_ERROR, message=str(exc)[:200]
            ),
        )
        raise
    payment.updated_at = clock.now()
    rows.update(payment, ["gateway_ref", "updated_at"])
    return redirect_url


# --- Learning the outcome -------------------------------------------------------------------------


# The payment read again, compiled once per process (core/compiled.py): alone; with its order
# and owner (the audit's subject, the invoice's buyer); and as its callers read it next, with
# its order (the return path) and, once paid, its invoice (the number told to the payer).
_AGAIN = Compiled(lambda pk: Payment.objects.filter(pk=pk), kinds=(int,))
_WITH_OWNER = Compiled(
    lambda pk: Payment.objects.select_related("order__owner").filter(pk=pk), kinds=(int,)
)
_WITH_ORDER = Compiled(
    lambda pk: Payment.objects.select_related("order", "invoice").filter(pk=pk), kinds=(int,)
)


def payment_refresh(*, payment: Payment, fresh: bool = False) -> Payment:
    """Fetch the payment from its gateway and apply what the gateway says.

    `fresh`: the caller has just read the payment (it is not read again before asking the
    gateway; applying the answer reads it again all the same)."""
    if not fresh:
        _AGAIN.refresh(payment)
    if payment.status == PaymentStatus.FAILED:
        return payment
    if not payment.gateway_ref:
        # Never registered at the gateway (create failed or is still running).
        return payment
    result = get_gateway(payment.gateway).fetch(payment)
    return payment_apply_result(payment=payment, result=result)


def payment_apply_result(*, payment: Payment, result: GatewayResult) -> Payment:
    """Apply a gateway's answer; idempotent (the same answer twice changes nothing)."""
    _AGAIN.refresh(payment)
    if result.status == INITIATED:
        return payment
    if result.status in (PAID, REFUNDED):
        if result.amount_halalas is not None and result.amount_halalas != payment.amount_halalas:
            logger.error(
                "payment %s: gateway amount %s differs from ours %s; not marked paid",
                payment.uuid,
                result.amount_halalas,
                payment.amount_halalas,
            )
            raise PaymentError(
                _("The payment could not be confirmed. Please contact support."),
                code="amount_mismatch",
            )
        if payment.status == PaymentStatus.INITIATED:
            _transition(
                payment,
                PaymentStatus.PAID,
                scheme=result.scheme[:20],
                masked_card=result.masked_card[:25],
                gateway_payment_id=result.gateway_payment_id[:100],
                gateway_message=result.message[:255],
                paid_at=clock.now(),
            )
        elif payment.status == PaymentStatus.FAILED:
            logger.error(
                "payment %s: the gateway reports it %s but it is failed here; refund it at the "
                "gateway",
                payment.uuid,
                result.status,
            )
            raise IllegalTransition(
                _("This payment can no longer change."),
                current=payment.status,
                target=PaymentStatus.PAID,
            )
        if result.status == REFUNDED and result.refunded_halalas > payment.refunded_halalas:
            _refund_record(
                payment,
                amount=result.refunded_halalas - payment.refunded_halalas,
                reason=payment.refund_reason or "refunded at the gateway",
            )
        _WITH_ORDER.refresh(payment)
        return payment
    if result.status == FAILED:
        if payment.status == PaymentStatus.INITIATED:
            _transition(
                payment,
                PaymentStatus.FAILED,
                failure_reason=result.failure_reason or FailureReason.OTHER,
                gateway_message=result.message[:255],
                scheme=result.scheme[:20],
                masked_card=result.masked_card[:25],
                failed_at=clock.now(),
            )
        elif payment.status != PaymentStatus.FAILED:
            logger.warning(
                "payment %s is %s; the gateway's 'failed' is ignored", payment.uuid, payment.status
            )
        _WITH_ORDER.refresh(payment)
        return payment
    raise ValueError(f"unknown gateway status {result.status!r}")


def payment_transition(*, payment: Payment, to: str, **fields: Any) -> bool:
    """Move `payment` to `to`, or raise IllegalTransition. Used by the services above."""
    return _transition(payment, to, **fields)


def status_move(payment_id: int, *, source: str, target: str, now: datetime, **fields: Any) -> bool:
    """The conditional UPDATE (``… WHERE status = <source>``); True when this call moved it.

    The race-control tests replace it with a read-wait-write to show the race it prevents.
    """
    return (
        Payment.objects.filter(pk=payment_id, status=source).update(
            status=target, updated_at=now, **fields
        )
        == 1
    )


def _transition(payment: Payment, target: str, **fields: Any) -> bool:
    """Make the move once. True when this call made it, False when it had already been made.

    The conditional UPDATE (WHERE status = <from>) is the lock: of concurrent callers exactly
    one sees a row count of 1 and goes on to issue the invoice, call the hooks and queue the
    messages, all in this same transaction.
    """
    sources = [state for state, targets in ALLOWED_MOVES.items() if target in targets]
    if not sources:
        raise IllegalTransition(
            _("This payment can no longer change."), current=payment.status, target=target
        )
    source = sources[0]
    now = clock.now()
    # The messages of the move (the registration confirmed, the payment received): one task;
    # its audit rows (the payment's, the registration's): one insert.
    with transaction.atomic(), messages_batch(), audit_batch():
        try:
            # No savepoint: a clash ends the whole move (the error below leaves the transaction
            # at once, rolled back), so there is nothing to go back to inside it.
            with transaction.atomic(savepoint=False):
                moved = status_move(payment.pk, source=source, target=target, now=now, **fields)
        except IntegrityError as exc:
            # Another payment of this order is already paid: a second charge at the gateway.
            logger.error(
                "payment %s: order %s already has a successful payment; refund this one at the "
                "gateway",
                payment.uuid,
                payment.order_id,
            )
            raise PaymentError(
                _("This order is already paid. Please contact support about the second charge."),
                code="duplicate_payment",
            ) from exc
        # With the order and its owner (the audit's subject, the invoice's buyer): one read.
        _WITH_OWNER.refresh(payment)
        if not moved:
            if payment.status == target:
                return False
            raise IllegalTransition(
                _("This payment can no longer change."), current=payment.status, target=target
            )
        order = payment.order
        audit_log(
            action=f"payments.payment_{target}",
            subject=order.owner,
            obj=payment,
            changes={"status": (source, target)},
            note=fields.get("failure_reason", "") or "",
        )
        if target == PaymentStatus.PAID:
            invoice = invoice_issue(payment)
            hooks.emit("paid", order=order, payment=payment)
            # Recorded in this transaction from the invoice as issued (its order, owner and
            # payment already read); queued with the registration's message after the commit.
            notify.payment_received(invoice)
        elif target == PaymentStatus.FAILED:
            hooks.emit("failed", order=order, payment=payment)
            if payment.failure_reason != FailureReason.SUPERSEDED:
                transaction.on_commit(partial(notify.payment_failed, payment.pk))
    return True


# --- Refunds --------------------------------------------------------------------------------------


def refund(*, payment: Payment, amount_halalas: int, reason: str) -> Payment:
    payment.refresh_from_db()
    if payment.status not in SUCCESSFUL_STATUSES:
        raise PaymentError(_("Only a paid payment can be refunded."), code="not_paid")
    if not _is_int(amount_halalas) or not 0 < amount_halalas <= payment.amount_halalas:
        raise PaymentError(
            _("A refund must be more than zero and at most the amount paid."),
            code="invalid_amount",
        )
    # Claim the refund before asking the gateway: a second call (even a concurrent one) finds
    # the claim and refunds nothing more.
    claimed = Payment.objects.filter(
        pk=payment.pk, status=PaymentStatus.PAID, refund_requested_halalas__isnull=True
    ).update(
        refund_requested_halalas=amount_halalas, refund_reason=reason[:200], updated_at=clock.now()
    )
    if not claimed:
        payment.refresh_from_db()
        return payment
    try:
        result = get_gateway(payment.gateway).refund(payment, amount_halalas)
    except PaymentError:
        Payment.objects.filter(pk=payment.pk).update(refund_requested_halalas=None)
        raise
    refunded_total = max(result.refunded_halalas, amount_halalas)
    _refund_record(payment, amount=min(refunded_total, payment.amount_halalas), reason=reason)
    payment.refresh_from_db()
    return payment


def _refund_record(payment: Payment, *, amount: int, reason: str) -> None:
    """paid → refunded (or a further amount refunded at the gateway), with its credit note."""
    with transaction.atomic():
        payment.refresh_from_db()
        if payment.status == PaymentStatus.PAID:
            moved = _transition_refund(payment, amount=amount, reason=reason)
            if not moved:
                return
        elif payment.status == PaymentStatus.REFUNDED:
            new_total = min(payment.refunded_halalas + amount, payment.amount_halalas)
            if new_total == payment.refunded_halalas:
                return
            updated = Payment.objects.filter(
                pk=payment.pk, refunded_halalas=payment.refunded_halalas
            ).update(refunded_halalas=new_total, updated_at=clock.now())
            if not updated:
                return
            amount = new_total - payment.refunded_halalas
        else:
            raise IllegalTransition(
                _("This payment can no longer change."),
                current=payment.status,
                target=PaymentStatus.REFUNDED,
            )
        payment.refresh_from_db()
        note = credit_note_issue(payment, amount_halalas=amount, reason=reason)
        hooks.emit("refunded", order=payment.order, payment=payment)
        transaction.on_commit(partial(notify.payment_refunded, note.pk))


def _transition_refund(payment: Payment, *, amount: int, reason: str) -> bool:
    now = clock.now()
    moved = (
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PAID).update(
            status=PaymentStatus.REFUNDED,
            refunded_halalas=amount,
            refund_requested_halalas=amount,
            refund_reason=reason[:200],
            refunded_at=now,
            updated_at=now,
        )
        == 1
    )
    if moved:
        audit_log(
            action="payments.payment_refunded",
            subject=payment.order.owner,
            obj=payment,
            changes={"status": (PaymentStatus.PAID, PaymentStatus.REFUNDED)},
            note=f"{amount} halalas: {reason}"[:500],
        )
    return moved


# --- Reconciliation ------------------------------------------------------------------------------


def payments_reconcile() -> dict[str, int]:
    """Ask the gateway about payments left `initiated` for over PAYMENTS_RECONCILE_AFTER.

    Rule: whatever the gateway says is applied. A payment still `initiated` at the gateway
    PAYMENTS_ABANDON_AFTER (30 min) after it was created is cancelled at the gateway and
    becomes `failed` (reason "abandoned"). Refunds claimed but not recorded (the process died
    between the gateway's answer and our write) are fetched and recorded the same way.
    """
    now = clock.now()
    counts = {"checked": 0, "paid": 0, "failed": 0, "still_initiated": 0, "errors": 0}
    stuck = Payment.objects.filter(
        status=PaymentStatus.INITIATED, created_at__lt=now - settings.PAYMENTS_RECONCILE_AFTER
    ).order_by("created_at")[:500]
    for payment in stuck:
        counts["checked"] += 1
        try:
            payment = payment_refresh(payment=payment)
            if (
                payment.status == PaymentStatus.INITIATED
                and now - payment.created_at > settings.PAYMENTS_ABANDON_AFTER
                and (not payment.gateway_ref or get_gateway(payment.gateway).cancel(payment))
            ):
                payment_apply_result(
                    payment=payment,
                    result=GatewayResult(
                        status=FAILED,
                        failure_reason=FailureReason.ABANDONED,
                        message="ABANDONED: no result at the gateway after the time limit",
                    ),
                )
                payment.refresh_from_db()
        except PaymentError as exc:
            counts["errors"] += 1
            logger.warning("reconcile: payment %s: %s", payment.uuid, exc)
            continue
        key = {"paid": "paid", "refunded": "paid", "failed": "failed"}.get(
            payment.status, "still_initiated"
        )
        counts[key] += 1
    half_done_refunds = Payment.objects.filter(
        status=PaymentStatus.PAID,
        refund_requested_halalas__isnull=False,
        updated_at__lt=now - settings.PAYMENTS_RECONCILE_AFTER,
    )[:100]
    for payment in half_done_refunds:
        try:
            payment_refresh(payment=payment)
        except PaymentError as exc:
            counts["errors"] += 1
            logger.warning("reconcile: refund of payment %s: %s", payment.uuid, exc)
    return counts
