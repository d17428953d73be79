"""Results (PRODUCT §6): one per confirmed registration of a period, its per-domain scores, and
the import batches they came from.

Scores are whole numbers from 0 to 100 (the scaled total the scoring system reports), so the
licence bands (50–69, 70–79, 80–100) and the pass mark compare without rounding questions.
A domain's percent is stored truncated to one decimal place: truncation never moves a value
across a whole-number threshold, so the bands (< 50, 50–79, ≥ 80) read the same from it as from
the exact fraction.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Domain, Period, Specialization
from rukhsa.core import clock

# Crockford's base32 without look-alikes (no I, L, O, U): easy to read out and to type.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 × 5 bits = 80 bits of randomness


def new_verification_code() -> str:
    """80 random bits as 16 base32 characters; shown grouped: 7K3Q-9XPM-…"""
    bits = int.from_bytes(secrets.token_bytes(CODE_LENGTH * 5 // 8), "big")
    return "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    VALID = "valid", _("Dry run: no errors")
    INVALID = "invalid", _("Errors found: nothing written")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One upload of a results file: a dry run or a real import, and what it found.

    An upload from the back office is queued, then run by the task worker (running), then
    closed as valid, invalid, imported or failed; `manage.py import_results` starts at running.
    """

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="result_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"), default=clock.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("dry run"), default=True)
    stored_file = models.CharField(
        _("stored file"),
        max_length=255,
        blank=True,
        help_text=_("The uploaded file in storage, kept so a checked file can be imported."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    progress_at = models.DateTimeField(
        _("last progress"),
        null=True,
        blank=True,
        help_text=_("When the running import last counted its rows read."),
    )
    written = models.PositiveIntegerField(_("results written"), default=0)
    replaced = models.PositiveIntegerField(_("results replaced"), default=0)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    errors = models.JSONField(
        _("errors"),
        default=list,
        blank=True,
        help_text=_("[line, reference, reason] for each bad row (the first 10,000)."),
    )
    failure = models.TextField(
        _("why it failed"),
        blank=True,
        help_text=_("Set when the import stopped before the end (an error, a stopped worker)."),
    )

    class Meta:
        verbose_name = _("results import")
        verbose_name_plural = _("results imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="importbatch_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(dry_run=False) | Q(written=0, replaced=0),
                name="importbatch_dry_run_writes_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class Result(models.Model):
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="result",
    )
    # Copied from the registration at import, so a candidate's list, a cohort and a period's
    # publication are read from this table alone.
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="results"
    )
    specialization = models.ForeignKey(
        Specialization, verbose_name=_("specialization"), on_delete=models.PROTECT
    )
    attendance = models.CharField(_("attendance"), max_length=7, choices=Attendance.choices)
    score = models.PositiveSmallIntegerField(_("score (of 100)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    # The candidate's profile when the result was imported: the licence level reads these.
    qualification = models.CharField(_("qualification"), max_length=20, blank=True)
    experience_years = models.PositiveSmallIntegerField(
        _("teaching experience (years)"), null=True, blank=True
    )
    verification_code = models.CharField(
        _("verification code"), max_length=CODE_LENGTH, unique=True, default=new_verification_code
    )
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results",
    )
    imported_at = models.DateTimeField(_("imported"), default=clock.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notified_at = models.DateTimeField(_("candidate told"), null=True, blank=True)
    seen_at = models.DateTimeField(_("first opened by the candidate"), null=True, blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["-period__first_test_day", "id"]
        indexes = [
            models.Index(fields=["candidate", "period"], name="result_candidate_idx"),
            models.Index(
                fields=["period", "specialization", "attendance"], name="result_cohort_idx"
            ),
            models.Index(fields=["period", "published_at"], name="result_publication_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="result_score_0_100",
                violation_error_message=_("The score must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(attendance__in=Attendance.values), name="result_attendance_valid"
            ),
            models.CheckConstraint(
                condition=Q(attendance="present", score__isnull=False)
                | Q(attendance="absent", score__isnull=True, passed=False),
                name="result_absent_has_no_score",
                violation_error_message=_(
                    "A present candidate has a score; an absent one has none and has not passed."
                ),
            ),
            models.CheckConstraint(
                condition=Q(notified_at__isnull=True) | Q(published_at__isnull=False),
                name="result_told_only_when_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.score if self.score is not None else '-'}"

    @property
    def is_absent(self) -> bool:
        return self.attendance == Attendance.ABSENT

    @property
    def code_display(self) -> str:
        code = self.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class DomainScore(models.Model):
    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.CASCADE, related_name="domain_scores"
    )
    domain = models.ForeignKey(Domain, verbose_name=_("domain"), on_delete=models.PROTECT)
    correct = models.PositiveSmallIntegerField(_("questions correct"))
    # The domain's number of questions when the result was imported (so the check below holds
    # in the database, and an edited catalogue does not change old results).
    question_count = models.PositiveSmallIntegerField(_("number of questions"))
    percent = models.DecimalField(_("percent correct"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("domain score")
        verbose_name_plural = _("domain scores")
        ordering = ["domain__order", "domain_id"]
        constraints = [
            models.UniqueConstraint(fields=["result", "domain"], name="domainscore_one_per_domain"),
            models.CheckConstraint(
                condition=Q(question_count__gt=0)
                & Q(correct__gte=0)
                & Q(correct__lte=F("question_count")),
                name="domainscore_correct_within_questions",
                violation_error_message=_(
                    "Questions correct cannot exceed the domain's number of questions."
                ),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="domainscore_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.correct}/{self.question_count}"
