"""Registrations: a candidate's seat in a session, from hold to confirmation."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import City, Mode, Period, Session, Specialization, Test
from rukhsa.core import clock
from rukhsa.payments.models import Order, Payment

# Crockford's base32 without look-alikes: no I, L, O, U.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short, unguessable reference a candidate can read out: RK-7K3Q-9XPM."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"RK-{chars[:4]}-{chars[4:]}"


class Status(models.TextChoices):
    HELD = "held", _("Seat held, awaiting payment")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Test date passed")
    EXPIRED = "expired", _("Hold expired")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE = (Status.HELD, Status.CONFIRMED)


class Registration(models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference)
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    test = models.ForeignKey(Test, verbose_name=_("test"), on_delete=models.PROTECT)
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT)
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="registrations"
    )
    specialization = models.ForeignKey(
        Specialization, verbose_name=_("specialization"), on_delete=models.PROTECT
    )
    mode = models.CharField(_("mode"), max_length=7, choices=Mode.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    held_until = models.DateTimeField(_("held until"))
    created_at = models.DateTimeField(_("created"), default=clock.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("expired or cancelled"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    order = models.OneToOneField(
        Order, verbose_name=_("payment order"), null=True, blank=True, on_delete=models.PROTECT
    )
    changes_count = models.PositiveSmallIntegerField(_("changes made"), default=0)
    # Not a column: the first payment attempt made with the hold in its transaction
    # (`registration_hold(open_payment=True)`), sent to the gateway by `seat_fee_pay_url`.
    opened_payment: Payment | None = None
    ticket_version = models.PositiveSmallIntegerField(
        _("ticket version"),
        default=1,
        help_text=_("Raised on every change: older admission tickets no longer check in."),
    )
    displaced_at = models.DateTimeField(
        _("session cancelled by the operator"),
        null=True,
        blank=True,
        help_text=_("Set when the operator cancels the session; cleared when the candidate acts."),
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "test"],
                condition=Q(status__in=["held", "confirmed"]),
                name="registration_one_active_per_test",
                violation_error_message=_("You already have an active registration for this test."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="registration_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "held_until"], name="registration_hold_expiry_idx"),
            models.Index(fields=["session", "status"], name="registration_session_idx"),
            models.Index(fields=["candidate", "-created_at"], name="registration_candidate_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def hold_live(self) -> bool:
        return self.status == Status.HELD and clock.now() < self.held_until

    def is_current(self) -> bool:
        """The one rule for an *active* registration: a live hold, or confirmed with the test
        day not passed. It blocks another registration for the same test."""
        if self.status == Status.CONFIRMED:
            return self.session.date >= clock.today()
        return self.hold_live()

    def hold_seconds_left(self) -> int:
        if self.status != Status.HELD:
            return 0
        return max(0, int((self.held_until - clock.now()).total_seconds()))


class RegistrationChange(models.Model):
    """One change of appointment: from which session to which, when, by whom, and why."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_session = models.ForeignKey(
        Session, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_session = models.ForeignKey(
        Session, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=clock.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    counted = models.BooleanField(
        _("counts against the limit"),
        default=True,
        help_text=_("Changes after an operator cancelled the session are free and not counted."),
    )

    class Meta:
        verbose_name = _("change of appointment")
        verbose_name_plural = _("changes of appointment")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_session_id} → {self.to_session_id}"


class PendingChange(models.Model):
    """A change waiting for its fee: the new seat is held, the old one kept until paid."""

    class State(models.TextChoices):
        HELD = "held", _("Awaiting the change fee")
        APPLIED = "applied", _("Applied")
        EXPIRED = "expired", _("Expired")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="pending_changes",
    )
    to_session = models.ForeignKey(
        Session, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.HELD)
    held_until = models.DateTimeField(_("held until"))
    created_at = models.DateTimeField(_("created"), default=clock.now)
    order = models.OneToOneField(
        Order, verbose_name=_("fee order"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("change awaiting its fee")
        verbose_name_plural = _("changes awaiting their fee")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(state="held"),
                name="pending_change_one_held_per_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} → {self.to_session_id} ({self.state})"

    def live(self) -> bool:
        return self.state == self.State.HELD and clock.now() < self.held_until


class WaitlistEntry(models.Model):
    """A candidate's wish on the waiting list (قائمة الانتظار) of one test: a specific session,
    or any session of the period in a city (optionally between dates, optionally of one mode).
    The line is ordered by `queued_at`, then id; one waiting or offered entry per candidate per
    test."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Seat offered")
        ENDED = "ended", _("Ended")

    class End(models.TextChoices):
        LEFT = "left", _("Left the list")
        DECLINED = "declined", _("Declined an offered seat")
        LAPSED = "lapsed", _("Let two offers lapse")
        SEATED = "seated", _("Got a seat from the list")
        BOOKED = "booked", _("Registered elsewhere")
        CLOSED = "closed", _("Registration closed")
        SESSION_CANCELLED = "session_cancelled", _("The session was cancelled")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
    )
    test = models.ForeignKey(Test, verbose_name=_("test"), on_delete=models.PROTECT)
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT)
    specialization = models.ForeignKey(
        Specialization, verbose_name=_("specialization"), on_delete=models.PROTECT
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        help_text=_("Empty when any session in the city will do."),
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT)
    mode = models.CharField(_("mode"), max_length=7, choices=Mode.choices, blank=True)
    date_from = models.DateField(_("from date"), null=True, blank=True)
    date_to = models.DateField(_("to date"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.WAITING)
    joined_at = models.DateTimeField(_("joined"), default=clock.now)
    queued_at = models.DateTimeField(
        _("place in line since"),
        default=clock.now,
        help_text=_("Moved to the end of the line when an offer lapses."),
    )
    lapses = models.PositiveSmallIntegerField(_("offers lapsed"), default=0)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=End.choices, blank=True)

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "test"],
                condition=Q(state__in=["waiting", "offered"]),
                name="waitlist_one_entry_per_test",
                violation_error_message=_("You are already on the waiting list for this test."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "offered", "ended"]),
                name="waitlist_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=F("date_to")),
                name="waitlist_dates_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "period", "queued_at"], name="waitlist_line_idx"),
            models.Index(fields=["candidate", "state"], name="waitlist_candidate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} · {self.test_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.WAITING, self.State.OFFERED)


class WaitlistOffer(models.Model):
    """A seat held for a candidate from the waiting list: the hold is an ordinary registration
    (status held) with the offer's own time to pay."""

    class State(models.TextChoices):
        OUT = "out", _("Offered, awaiting payment")
        ACCEPTED = "accepted", _("Accepted (paid)")
        LAPSED = "lapsed", _("Lapsed")
        DECLINED = "declined", _("Given back")

    entry = models.ForeignKey(
        WaitlistEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="offers"
    )
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="waitlist_offer",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OUT)
    offered_at = models.DateTimeField(_("offered"), default=clock.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("waiting list offer")
        verbose_name_plural = _("waiting list offers")
        ordering = ["offered_at", "pk"]
        indexes = [models.Index(fields=["session", "state"], name="waitlist_offer_session_idx")]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.session_id} ({self.state})"


class TermsAcceptance(models.Model):
    """A candidate accepted a period's pre-registration notes and terms, as they read then.

    `terms_version` fingerprints what the notes said (booking.terms.terms_version): when the
    period's terms change, the old acceptance no longer counts and the notes are shown again."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="terms_acceptances",
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    terms_version = models.CharField(_("terms version"), max_length=64)
    accepted_at = models.DateTimeField(_("accepted at"), default=clock.now)

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "period"], name="one_terms_acceptance_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} · {self.period_id}"
