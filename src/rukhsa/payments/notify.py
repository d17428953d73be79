"""Messages to the candidate about payments, sent after commit in their preferred language."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rukhsa.core.language import language_of
from rukhsa.notifications.services import message_send
from rukhsa.payments.models import CreditNote, FailureReason, Invoice, Payment

FAILURE_SENTENCES: dict[str, Any] = {
    FailureReason.DECLINED: _("Your bank declined the payment."),
    FailureReason.INSUFFICIENT_FUNDS: _("The card does not have enough funds."),
    FailureReason.THREE_DS_FAILED: _("The card's 3-D Secure verification failed."),
    FailureReason.ABANDONED: _("The card page was not completed in time."),
    FailureReason.GATEWAY_ERROR: _("The payment service could not process the payment."),
    FailureReason.OTHER: _("The payment did not go through."),
}


def sar(halalas: int) -> str:
    return f"{halalas // 100}.{halalas % 100:02d}"


def _send(kind: str, owner: Any, context: dict[str, Any], dedupe_key: str) -> None:
    language = language_of(owner)
    message_send(
        kind=kind,
        language=language,
        context={**context, "language": language},
        recipient=owner,
        sms_to=owner.mobile or None,
        email_to=owner.email or None,
        dedupe_key=dedupe_key,
    )


def payment_received(invoice: Invoice | int) -> None:
    """The invoice just issued (with its order, owner and payment in hand), or its id."""
    if not isinstance(invoice, Invoice):
        invoice = Invoice.objects.select_related("order__owner", "payment").get(pk=invoice)
    order = invoice.order
    owner = order.owner
    language = language_of(owner)
    _send(
        "payment_received",
        owner,
        {
            "description": order.description(language),
            "amount": sar(invoice.total_halalas),
            "invoice_number": invoice.display_number,
            "invoice_url": settings.SITE_URL + reverse("payments:invoice", args=[invoice.uuid]),
        },
        dedupe_key=f"payment_received:{invoice.payment.uuid}",
    )


def payment_failed(payment_id: int) -> None:
    payment = Payment.objects.select_related("order__owner").get(pk=payment_id)
    order = payment.order
    owner = order.owner
    language = language_of(owner)
    _send(
        "payment_failed",
        owner,
        {
            "description": order.description(language),
            "amount": sar(payment.amount_halalas),
            "reason": FAILURE_SENTENCES.get(
                payment.failure_reason, FAILURE_SENTENCES[FailureReason.OTHER]
            ),
        },
        dedupe_key=f"payment_failed:{payment.uuid}",
    )


def payment_refunded(credit_note_id: int) -> None:
    note = CreditNote.objects.select_related("payment__order__owner").get(pk=credit_note_id)
    order = note.payment.order
    owner = order.owner
    language = language_of(owner)
    _send(
        "payment_refunded",
        owner,
        {
            "description": order.description(language),
            "amount": sar(note.total_halalas),
            "credit_note_number": note.display_number,
            "credit_note_url": settings.SITE_URL
            + reverse("payments:credit_note", args=[note.uuid]),
        },
        dedupe_key=f"payment_refunded:{note.uuid}",
    )
