"""Reads for the views, each checking ownership: another person's object is a 404."""

from typing import Any
from uuid import UUID

from django.http import Http404
from django.shortcuts import get_object_or_404

from rukhsa.core.compiled import Compiled
from rukhsa.payments.models import CreditNote, Invoice, Order, Payment


def order_for_owner(user: Any, order_uuid: Any) -> Order:
    return get_object_or_404(Order, uuid=order_uuid, owner_id=user.pk)


# Compiled once per process (core/compiled.py): read on every return from the gateway.
_PAYMENT_OF_OWNER = Compiled(
    lambda owner_id, payment_uuid: Payment.objects.select_related("order", "invoice").filter(
        uuid=payment_uuid, order__owner_id=owner_id
    )[:1],
    kinds=(int, UUID),
)


def payment_for_owner(user: Any, payment_uuid: Any) -> Payment:
    """With its order and, once paid, its invoice (what the return page tells)."""
    payment = _PAYMENT_OF_OWNER.first(user.pk, UUID(str(payment_uuid)))
    if payment is None:
        raise Http404
    return payment


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
