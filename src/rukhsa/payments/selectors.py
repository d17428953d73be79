"""Reads for the views, each checking ownership: another person's object is a 404."""

from typing import Any

from django.shortcuts import get_object_or_404

from rukhsa.payments.models import CreditNote, Invoice, Order, Payment


def order_for_owner(user: Any, order_uuid: Any) -> Order:
    return get_object_or_404(Order, uuid=order_uuid, owner_id=user.pk)


def payment_for_owner(user: Any, payment_uuid: Any) -> Payment:
    """With its order and, once paid, its invoice (what the return page tells)."""
    return get_object_or_404(
        Payment.objects.select_related("order", "invoice"),
        uuid=payment_uuid,
        order__owner_id=user.pk,
    )


def invoice_for_owner(user: Any, invoice_uuid: Any) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related("order", "payment"),
        uuid=invoice_uuid,
        order__owner_id=user.pk,
    )


def credit_note_for_owner(user: Any, note_uuid: Any) -> CreditNote:
    return get_object_or_404(
        CreditNote.objects.select_related("invoice", "payment__order"),
        uuid=note_uuid,
        payment__order__owner_id=user.pk,
    )
