"""The waiting room's settings per period, the shuffle record, and the queue tables the
database store uses when there is no Redis (the embedded default)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import Period


def new_seed() -> str:
    return secrets.token_hex(32)


class QueueSettings(models.Model):
    """What an operator sets for one period's waiting room (docs/opening-day.md)."""

    period = models.OneToOneField(
        Period,
        verbose_name=_("period"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="queue_settings",
    )
    enabled = models.BooleanField(_("waiting room on"), default=True)
    starts_before_minutes = models.PositiveIntegerField(
        _("opens before registration (minutes)"),
        default=30,
        help_text=_("From this many minutes before registration opens, candidates wait in line."),
    )
    rate_per_minute = models.PositiveIntegerField(_("new candidates per minute"), default=600)
    max_active = models.PositiveIntegerField(_("maximum active candidates"), default=3000)
    pass_minutes = models.PositiveIntegerField(
        _("pass lasts (minutes)"),
        default=20,
        help_text=_("Renewed on every registration page; ended by payment, logout or inactivity."),
    )
    automatic = models.BooleanField(
        _("automatic rate"),
        default=False,
        help_text=_(
            "Raise or lower the rate from the registration pages' p95 time over the last minute, "
            "within the limits below."
        ),
    )
    rate_min = models.PositiveIntegerField(_("lowest automatic rate per minute"), default=100)
    rate_max = models.PositiveIntegerField(_("highest automatic rate per minute"), default=3000)
    target_p95_ms = models.PositiveIntegerField(_("target p95 (milliseconds)"), default=800)
    seed = models.CharField(_("shuffle seed"), max_length=64, default=new_seed, editable=False)

    class Meta:
        verbose_name = _("waiting room")
        verbose_name_plural = _("waiting rooms")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_per_minute__gte=1)
                & Q(max_active__gte=1)
                & Q(pass_minutes__gte=1)
                & Q(rate_min__gte=1)
                & Q(target_p95_ms__gte=1),
                name="admission_settings_positive",
                violation_error_message=_("Rates, limits and durations must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(rate_min__lte=F("rate_max")),
                name="admission_settings_rate_limits_ordered",
                violation_error_message=_("The lowest automatic rate cannot be above the highest."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.period)

    @property
    def commitment(self) -> str:
        """SHA-256 of the seed: shown before the opening, so the seed cannot be chosen later."""
        return hashlib.sha256(bytes.fromhex(self.seed)).hexdigest()


class ShuffleRecord(models.Model):
    """The pre-queue's shuffle at the opening: who was in it (in arrival order), the order drawn,
    and the seed that draws it again (services.shuffle_order)."""

    period = models.OneToOneField(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="queue_shuffle"
    )
    shuffled_at = models.DateTimeField(_("shuffled at"))
    seed = models.CharField(_("seed"), max_length=64)
    commitment = models.CharField(_("seed commitment (SHA-256)"), max_length=64)
    entrants = models.JSONField(_("entrants in arrival order"), default=list)
    order = models.JSONField(_("order drawn"), default=list)

    class Meta:
        verbose_name = _("shuffle record")
        verbose_name_plural = _("shuffle records")

    def __str__(self) -> str:
        return str(self.period)


# --- The database store (no Redis) ---------------------------------------------------------------


class QueueState(models.Model):
    period = models.OneToOneField(Period, on_delete=models.CASCADE, primary_key=True)
    shuffled = models.BooleanField(default=False)
    seq = models.BigIntegerField(default=0)
    tokens = models.FloatField(default=0)
    last_tick = models.FloatField(default=0)
    paused = models.BooleanField(default=False)
    draining = models.BooleanField(default=False)
    rate_auto = models.FloatField(null=True, blank=True)
    rate_checked = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"queue state of period {self.period_id}"


class QueueEntry(models.Model):
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prequeue = models.BooleanField(default=False)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "user"], name="admission_one_place_each")
        ]
        indexes = [models.Index(fields=["period", "prequeue", "score"], name="admission_line")]

    def __str__(self) -> str:
        return f"place of user {self.user_id} in period {self.period_id}"


class AdmissionPass(models.Model):
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    admitted_at = models.FloatField()
    expires_at = models.FloatField()
    # The place's sequence number in the line (its join order), kept for the fairness check.
    joined = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "user"], name="admission_one_pass_each")
        ]
        indexes = [models.Index(fields=["period", "expires_at"], name="admission_active")]

    def __str__(self) -> str:
        return f"pass of user {self.user_id} in period {self.period_id}"
