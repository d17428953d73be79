"""The catalogue: tests, specializations, periods, places, centres and sessions (PRODUCT §3).

Every invariant that fits in one row is a database constraint with a translated message, so the
admin shows a sentence next to the form and the database refuses what a bug lets through.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.rules import default_licence_levels, validate_licence_levels
from rukhsa.core.clock import RIYADH


class Mode(models.TextChoices):
    PAPER = "paper", _("Paper")
    DIGITAL = "digital", _("Computer-based")


class ModesOffered(models.TextChoices):
    PAPER = "paper", _("Paper only")
    DIGITAL = "digital", _("Computer-based only")
    BOTH = "both", _("Paper and computer-based")


class Gender(models.TextChoices):
    """The same values as the user's gender (accounts), which the catalogue must not import."""

    MALE = "male", _("Men")
    FEMALE = "female", _("Women")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Bilingual(models.Model):
    """Arabic and English names; ``name`` follows the active language."""

    name_ar = models.CharField(_("name (Arabic)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ar if (get_language() or "ar").startswith("ar") else self.name_en


class Test(Bilingual):
    code = models.CharField(_("code"), max_length=20, unique=True)
    fee_halalas = models.PositiveIntegerField(
        _("fee (halalas)"), help_text=_("Before VAT. 100 halalas = 1 SAR.")
    )
    vat_basis_points = models.PositiveIntegerField(
        _("VAT rate (basis points)"), default=1500, help_text=_("1500 = 15%.")
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=180)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (of 100)"), default=50)
    licence_levels = models.JSONField(
        _("licence levels"),
        default=default_licence_levels,
        validators=[validate_licence_levels],
        help_text=_("Score bands and the caps by qualification and years of experience."),
    )
    change_deadline_paper_hours = models.PositiveSmallIntegerField(
        _("change deadline, paper (hours before the test)"), default=72
    )
    change_deadline_digital_hours = models.PositiveSmallIntegerField(
        _("change deadline, computer-based (hours before the test)"), default=48
    )
    hold_minutes = models.PositiveSmallIntegerField(_("seat hold (minutes)"), default=15)
    max_changes = models.PositiveSmallIntegerField(_("changes allowed per registration"), default=2)
    change_fee_halalas = models.PositiveIntegerField(_("change fee (halalas)"), default=0)
    refund_percent = models.PositiveSmallIntegerField(_("refund on cancellation (%)"), default=100)
    reporting_minutes_paper = models.PositiveSmallIntegerField(
        _("reporting time before start, paper (minutes)"), default=60
    )
    reporting_minutes_digital = models.PositiveSmallIntegerField(
        _("reporting time before start, computer-based (minutes)"), default=30
    )

    class Meta:
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_halalas__gte=0) & Q(change_fee_halalas__gte=0),
                name="test_fees_not_negative",
                violation_error_message=_("Fees cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(vat_basis_points__gte=0) & Q(vat_basis_points__lte=10000),
                name="test_vat_0_100_percent",
                violation_error_message=_("The VAT rate must be between 0 and 10000 basis points."),
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0) & Q(pass_mark__lte=100),
                name="test_pass_mark_0_100",
                violation_error_message=_("The pass mark must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(refund_percent__gte=0) & Q(refund_percent__lte=100),
                name="test_refund_percent_0_100",
                violation_error_message=_("The refund percentage must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(hold_minutes__gt=0),
                name="test_duration_hold_positive",
                violation_error_message=_(
                    "The duration and the hold time must be at least one minute."
                ),
            ),
        ]

    @property
    def vat_halalas(self) -> int:
        """VAT on the fee, rounded half up to the halala."""
        return int(
            (Decimal(self.fee_halalas) * self.vat_basis_points / 10000).quantize(
                Decimal(1), rounding="ROUND_HALF_UP"
            )
        )

    @property
    def total_halalas(self) -> int:
        return self.fee_halalas + self.vat_halalas

    @property
    def vat_rate(self) -> Decimal:
        """The VAT rate as a fraction: Decimal('0.15')."""
        return Decimal(self.vat_basis_points) / 10000

    def change_deadline(self, mode: str) -> timedelta:
        hours = (
            self.change_deadline_paper_hours
            if mode == Mode.PAPER
            else self.change_deadline_digital_hours
        )
        return timedelta(hours=hours)

    def reporting_minutes(self, mode: str) -> int:
        return (
            self.reporting_minutes_paper if mode == Mode.PAPER else self.reporting_minutes_digital
        )


class Specialization(Bilingual):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("specialization")
        verbose_name_plural = _("specializations")
        ordering = ["order", "code"]


class Domain(Bilingual):
    specialization = models.ForeignKey(
        Specialization,
        verbose_name=_("specialization"),
        on_delete=models.CASCADE,
        related_name="domains",
    )
    question_count = models.PositiveSmallIntegerField(_("number of questions"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["specialization", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(question_count__gt=0),
                name="domain_question_count_positive",
                violation_error_message=_("A domain must have at least one question."),
            ),
            models.UniqueConstraint(
                fields=["specialization", "name_en"],
                name="domain_unique_name_per_specialization",
                violation_error_message=_("This specialization already has a domain of that name."),
            ),
        ]


class Period(Bilingual):
    test = models.ForeignKey(
        Test, verbose_name=_("test"), on_delete=models.PROTECT, related_name="periods"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    modes = models.CharField(
        _("modes offered"), max_length=7, choices=ModesOffered.choices, default=ModesOffered.BOTH
    )
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    first_test_day = models.DateField(_("first test day"))
    last_test_day = models.DateField(_("last test day"))
    results_published_at = models.DateTimeField(
        _("results publication"),
        null=True,
        blank=True,
        help_text=_("Results stay hidden until then (or until an operator publishes them)."),
    )

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["-first_test_day", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_opens_at__lt=F("registration_closes_at")),
                name="period_registration_window_ordered",
                violation_error_message=_("Registration must open before it closes."),
            ),
            models.CheckConstraint(
                condition=Q(first_test_day__lte=F("last_test_day")),
                name="period_test_days_ordered",
                violation_error_message=_("The first test day cannot be after the last test day."),
            ),
            models.CheckConstraint(
                condition=Q(results_published_at__isnull=True)
                | Q(results_published_at__gt=F("registration_closes_at")),
                name="period_results_after_registration",
                violation_error_message=_(
                    "Results cannot be published before registration closes."
                ),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.registration_opens_at and self.last_test_day:
            opens_day = self.registration_opens_at.astimezone(RIYADH).date()
            if opens_day > self.last_test_day:
                raise ValidationError(
                    {"last_test_day": _("The test days must come after registration opens.")}
                )
        if self.results_published_at and self.last_test_day:
            published_day = self.results_published_at.astimezone(RIYADH).date()
            if published_day < self.last_test_day:
                raise ValidationError(
                    {
                        "results_published_at": _(
                            "Results cannot be published before the last test day."
                        )
                    }
                )

    def offers(self, mode: str) -> bool:
        return self.modes == ModesOffered.BOTH or self.modes == mode

    @property
    def offered_modes(self) -> list[str]:
        return [m for m in Mode.values if self.offers(m)]


class PriorityWindow(models.Model):
    """From ``opens_at`` the candidates it matches may register (see docs/rules.md)."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="windows"
    )
    gender = models.CharField(
        _("gender"),
        max_length=6,
        choices=Gender.choices,
        blank=True,
        help_text=_("Leave empty for both."),
    )
    in_service_only = models.BooleanField(
        _("in-service teachers only"),
        default=False,
        help_text=_("Only candidates employed as teachers (public or private school)."),
    )
    opens_at = models.DateTimeField(_("opens"))

    class Meta:
        verbose_name = _("priority window")
        verbose_name_plural = _("priority windows")
        ordering = ["opens_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "gender", "in_service_only"],
                name="window_unique_per_group",
                violation_error_message=_(
                    "This period already has a window for this group of candidates."
                ),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_gender_display() or '*'} {'in-service' if self.in_service_only else 'all'}"
        )

    def matches(self, *, gender: str, in_service: bool) -> bool:
        return (not self.gender or self.gender == gender) and (
            not self.in_service_only or in_service
        )

    def clean(self) -> None:
        super().clean()
        period = getattr(self, "period", None)
        if period is None or self.opens_at is None:
            return
        if not period.registration_opens_at <= self.opens_at < period.registration_closes_at:
            raise ValidationError(
                {"opens_at": _("A priority window must open inside the registration window.")}
            )


class Region(Bilingual):
    code = models.CharField(_("code"), max_length=8, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["order", "code"]


class City(Bilingual):
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="cities"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["region__order", "order", "code"]


class Centre(Bilingual):
    code = models.CharField(_("code"), max_length=20, unique=True)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="centres"
    )
    mode = models.CharField(_("mode"), max_length=7, choices=Mode.choices)
    gender = models.CharField(_("gender served"), max_length=6, choices=Gender.choices)
    address_ar = models.TextField(_("address (Arabic)"))
    address_en = models.TextField(_("address (English)"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accessibility_ar = models.TextField(_("accessibility notes (Arabic)"), blank=True)
    accessibility_en = models.TextField(_("accessibility notes (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["city__region__order", "city__order", "code"]
        indexes = [
            models.Index(fields=["city", "mode", "gender"], name="centre_city_mode_gender_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90)
                & Q(latitude__lte=90)
                & Q(longitude__gte=-180)
                & Q(longitude__lte=180),
                name="centre_coordinates_valid",
                violation_error_message=_("The coordinates are not a place on Earth."),
            ),
            models.CheckConstraint(
                condition=Q(mode__in=Mode.values),
                name="centre_mode_valid",
                violation_error_message=_("Choose paper or computer-based."),
            ),
            models.CheckConstraint(
                condition=Q(gender__in=Gender.values),
                name="centre_gender_valid",
                violation_error_message=_("Choose men or women."),
            ),
        ]

    # Saudi Arabia's bounding box, generously rounded.
    LATITUDE_RANGE = (Decimal(16), Decimal(33))
    LONGITUDE_RANGE = (Decimal(34), Decimal(56))

    def clean(self) -> None:
        super().clean()
        if self.latitude is None or self.longitude is None:
            return
        if not (
            self.LATITUDE_RANGE[0] <= self.latitude <= self.LATITUDE_RANGE[1]
            and self.LONGITUDE_RANGE[0] <= self.longitude <= self.LONGITUDE_RANGE[1]
        ):
            raise ValidationError(
                _("The location must be in Saudi Arabia (latitude 16 to 33, longitude 34 to 56).")
            )

    @property
    def address(self) -> str:
        return self.address_ar if (get_language() or "ar").startswith("ar") else self.address_en

    @property
    def map_url(self) -> str:
        return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"


class Session(models.Model):
    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="sessions"
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="sessions"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    seats_taken = models.PositiveSmallIntegerField(
        _("seats taken"),
        default=0,
        help_text=_("Held and confirmed registrations; kept by the booking service."),
    )
    specializations = models.ManyToManyField(
        Specialization, verbose_name=_("specializations hosted"), related_name="sessions"
    )
    status = models.CharField(
        _("status"), max_length=9, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "centre__code"]
        indexes = [
            models.Index(
                fields=["period", "status", "date"], name="session_period_status_date_idx"
            ),
            models.Index(
                fields=["centre", "period", "date"], name="session_centre_period_date_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "date", "start_time"],
                condition=~Q(status="cancelled"),
                name="session_unique_centre_date_time",
                violation_error_message=_(
                    "This centre already has a session at that date and time."
                ),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="session_capacity_positive",
                violation_error_message=_("The capacity must be at least one seat."),
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("capacity")),
                name="session_seats_within_capacity",
                violation_error_message=_(
                    "The capacity cannot be lower than the seats already taken."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values),
                name="session_status_valid",
                violation_error_message=_("Choose open, closed or cancelled."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre.code} {self.date:%Y-%m-%d} {self.start_time:%H:%M}"

    def clean(self) -> None:
        super().clean()
        period = getattr(self, "period", None) if self.period_id else None
        if (
            period is not None
            and self.date
            and not (period.first_test_day <= self.date <= period.last_test_day)
        ):
            raise ValidationError(
                {
                    "date": _(
                        "The date must be within the period's test days (%(first)s to %(last)s)."
                    )
                    % {"first": period.first_test_day, "last": period.last_test_day}
                }
            )
        centre = getattr(self, "centre", None) if self.centre_id else None
        if period is not None and centre is not None and not period.offers(centre.mode):
            raise ValidationError(
                {
                    "centre": _("This period does not offer the centre's mode (%(mode)s).")
                    % {"mode": centre.get_mode_display()}
                }
            )

    @property
    def seats_free(self) -> int:
        """Free seats; a read annotated with ``seats_lapsed`` (seats of holds whose time ran
        out, not yet given back) counts those as free too."""
        return self.capacity - self.seats_taken + int(getattr(self, "seats_lapsed", 0) or 0)

    @property
    def is_full(self) -> bool:
        return self.seats_free <= 0

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=RIYADH)

    def ends_at(self, duration_minutes: int) -> datetime:
        return self.starts_at + timedelta(minutes=duration_minutes)


def session_starts(day: date, start: time) -> datetime:
    return datetime.combine(day, start, tzinfo=RIYADH)
