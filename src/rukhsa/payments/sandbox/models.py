"""The sandbox gateway's record of a charge: never the card number or the CVV.

It keeps only what a real gateway shows a merchant: the scheme, the masked number (first six and
last four digits), the amount, the status, the 3-D Secure state and the outcome the card's number
decided before the 3-D Secure step (so the number itself need not be kept).
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from rukhsa.core import clock


class ChargeStatus(models.TextChoices):
    INITIATED = "initiated", _("Initiated")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")
    CANCELED = "canceled", _("Cancelled")


class ThreeDSState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PENDING = "pending", _("Waiting for the cardholder")
    AUTHENTICATED = "authenticated", _("Authenticated")
    FAILED = "failed", _("Failed")


class SandboxCharge(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_id = models.CharField(_("merchant's id"), max_length=100, unique=True)
    amount = models.PositiveIntegerField(_("amount (halalas)"))
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    description = models.CharField(_("description"), max_length=200, blank=True)
    callback_url = models.CharField(_("callback URL"), max_length=500)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.INITIATED
    )
    scheme = models.CharField(_("card scheme"), max_length=20, blank=True)
    masked_number = models.CharField(_("card (masked)"), max_length=25, blank=True)
    three_ds = models.CharField(
        _("3-D Secure"),
        max_length=14,
        choices=ThreeDSState.choices,
        default=ThreeDSState.NOT_STARTED,
    )
    # What the card number decided ("paid", "insufficient_funds", "declined"), applied after 3DS.
    pending_outcome = models.CharField(_("outcome after 3-D Secure"), max_length=20, blank=True)
    message = models.CharField(_("message"), max_length=200, blank=True)
    refunded = models.PositiveIntegerField(_("refunded (halalas)"), default=0)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    # When a browser first opened the card page with the link's one-time grant (spent then).
    grant_spent_at = models.DateTimeField(_("grant spent"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded__lte=models.F("amount")),
                name="sandbox_refund_at_most_amount",
            )
        ]

    def __str__(self) -> str:
        return f"sandbox {self.id} ({self.status})"
