"""Orders to pay, payments at a gateway, webhook deliveries, invoices and credit notes.

`payments` knows nothing of what an order is for: `kind` and `subject_ref` are opaque strings
chosen by the caller (e.g. "registration" and "registration:RK-7K3Q-9XPM").

Invariants held by the database:
- an order's total is its net plus its VAT, all non-negative integers (halalas);
- at most one successful (paid or refunded) payment per order;
- never more refunded than was paid;
- a webhook event is applied once per (gateway, event id);
- invoice and credit-note numbers are unique (and, by `services`, gap-free).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rukhsa.core import clock


class Order(models.Model):
    """Something a candidate owes: an amount in halalas, the VAT on it, and whose it is."""

    uuid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    kind = models.CharField(_("kind"), max_length=40)
    subject_ref = models.CharField(_("subject"), max_length=100, db_index=True)
    description_ar = models.CharField(_("description (Arabic)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=200)
    net_halalas = models.PositiveIntegerField(_("net amount (halalas)"))
    vat_basis_points = models.PositiveIntegerField(_("VAT rate (basis points)"))
    vat_halalas = models.PositiveIntegerField(_("VAT (halalas)"))
    total_halalas = models.PositiveIntegerField(_("total (halalas)"))
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    return_path = models.CharField(_("return path"), max_length=300)
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = pgettext_lazy("payment", "order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_halalas=F("net_halalas") + F("vat_halalas")),
                name="order_total_is_net_plus_vat",
            ),
            models.CheckConstraint(
                condition=Q(vat_basis_points__lte=10000), name="order_vat_rate_at_most_100_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_ref} ({self.uuid})"

    def description(self, language: str) -> str:
        return self.description_ar if language.startswith("ar") else self.description_en


class PaymentStatus(models.TextChoices):
    INITIATED = "initiated", _("Initiated")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class FailureReason(models.TextChoices):
    DECLINED = "declined", _("Declined by the bank")
    INSUFFICIENT_FUNDS = "insufficient_funds", _("Insufficient funds")
    THREE_DS_FAILED = "3ds_failed", _("3-D Secure authentication failed")
    ABANDONED = "abandoned", _("Abandoned (card page never completed)")
    SUPERSEDED = "superseded", _("Replaced by a new payment attempt")
    GATEWAY_ERROR = "gateway_error", _("Payment service error")
    OTHER = "other", _("Other")


SUCCESSFUL_STATUSES = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


class Payment(models.Model):
    """One attempt to pay an order at one gateway. See docs/payments.md for the state machine."""

    uuid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        Order,
        verbose_name=pgettext_lazy("payment", "order"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.INITIATED
    )
    amount_halalas = models.PositiveIntegerField(_("amount (halalas)"))
    refunded_halalas = models.PositiveIntegerField(_("refunded (halalas)"), default=0)
    # The refund claimed before the gateway is asked (so two refund calls never both go out).
    refund_requested_halalas = models.PositiveIntegerField(
        _("refund requested (halalas)"), null=True, blank=True
    )
    refund_reason = models.CharField(_("refund reason"), max_length=200, blank=True)
    gateway_ref = models.CharField(
        _("gateway reference"), max_length=100, blank=True, db_index=True
    )
    gateway_payment_id = models.CharField(
        _("gateway payment id"), max_length=100, blank=True, db_index=True
    )
    scheme = models.CharField(_("card scheme"), max_length=20, blank=True)
    masked_card = models.CharField(_("card (masked)"), max_length=25, blank=True)
    failure_reason = models.CharField(
        _("failure reason"), max_length=20, choices=FailureReason.choices, blank=True
    )
    gateway_message = models.CharField(_("gateway message"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["paid", "refunded"]),
                name="payment_one_success_per_order",
            ),
            models.CheckConstraint(
                condition=Q(refunded_halalas__lte=F("amount_halalas")),
                name="payment_refund_at_most_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["initiated", "paid", "failed", "refunded"]),
                name="payment_status_known",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.uuid} ({self.status})"

    @property
    def is_successful(self) -> bool:
        return self.status in SUCCESSFUL_STATUSES


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
    ERROR = "error", _("Error")


class WebhookEvent(models.Model):
    """Every delivery to /payments/webhooks/<gateway>/, kept so it can be read and replayed.

    The first authenticated delivery of an event owns the (gateway, event id) key; later
    deliveries of the same event are stored as `duplicate`; forged ones as `rejected` (neither
    holds the key, so a forgery can never block the genuine event).
    """

    gateway = models.CharField(_("gateway"), max_length=20)
    event_id = models.CharField(_("event id"), max_length=100)
    event_type = models.CharField(_("type"), max_length=50, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_events",
    )
    received_at = models.DateTimeField(_("received"), default=clock.now, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"],
                condition=Q(status__in=["received", "applied", "error"]),
                name="webhook_event_once_per_gateway",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id} ({self.status})"


class InvoiceSequence(models.Model):
    """The last number issued in a series; its row is locked while the next number is taken."""

    name = models.CharField(max_length=20, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class _Document(models.Model):
    """What a simplified tax invoice and a credit note share: a snapshot taken at issue time."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    issued_at = models.DateTimeField(_("issued"))
    seller_name_ar = models.CharField(_("seller name (Arabic)"), max_length=200)
    seller_name_en = models.CharField(_("seller name (English)"), max_length=200)
    seller_vat_number = models.CharField(_("seller VAT number"), max_length=15)
    seller_address_ar = models.CharField(_("seller address (Arabic)"), max_length=300)
    seller_address_en = models.CharField(_("seller address (English)"), max_length=300)
    buyer_name_ar = models.CharField(_("buyer name (Arabic)"), max_length=200, blank=True)
    buyer_name_en = models.CharField(_("buyer name (English)"), max_length=200)
    description_ar = models.CharField(_("description (Arabic)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=200)
    net_halalas = models.PositiveIntegerField(_("net (halalas)"))
    vat_basis_points = models.PositiveIntegerField(_("VAT rate (basis points)"))
    vat_halalas = models.PositiveIntegerField(_("VAT (halalas)"))
    total_halalas = models.PositiveIntegerField(_("total (halalas)"))
    scheme = models.CharField(_("card scheme"), max_length=20, blank=True)
    masked_card = models.CharField(_("card (masked)"), max_length=25, blank=True)

    class Meta:
        abstract = True
        ordering = ["-number"]


class Invoice(_Document):
    """A simplified tax invoice (فاتورة ضريبية مبسطة), issued when a payment becomes paid."""

    uuid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="invoice"
    )
    order = models.ForeignKey(
        Order,
        verbose_name=pgettext_lazy("payment", "order"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    qr_tlv = models.TextField(_("ZATCA QR (base64 TLV)"))

    class Meta(_Document.Meta):
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_halalas=F("net_halalas") + F("vat_halalas")),
                name="invoice_total_is_net_plus_vat",
            )
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{settings.INVOICE_NUMBER_PREFIX}-{self.number:08d}"


class CreditNote(_Document):
    """A credit note (إشعار دائن) for a refund, referencing the invoice it reduces."""

    uuid = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta(_Document.Meta):
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_halalas=F("net_halalas") + F("vat_halalas")),
                name="credit_note_total_is_net_plus_vat",
            )
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{settings.CREDIT_NOTE_NUMBER_PREFIX}-{self.number:08d}"


# The sandbox gateway's own table lives in this app (it is part of the payments package).
from rukhsa.payments.sandbox.models import SandboxCharge  # noqa: E402

__all__ = [
    "CreditNote",
    "Invoice",
    "InvoiceSequence",
    "Order",
    "Payment",
    "SandboxCharge",
    "WebhookEvent",
]
