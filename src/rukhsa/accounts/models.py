"""Candidate identity: the user model, verification codes and the sessions a user holds."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from rukhsa.core import clock


class IdentityType(models.TextChoices):
    CITIZEN = "citizen", _("Saudi citizen")
    RESIDENT = "resident", _("Resident")
    VISITOR = "visitor", _("Visitor (own passport)")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Qualification(models.TextChoices):
    DIPLOMA = "diploma", _("Diploma")
    BACHELOR = "bachelor", _("Bachelor's degree")
    HIGHER_DIPLOMA = "higher_diploma", _("Higher diploma")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class Employment(models.TextChoices):
    PUBLIC_SCHOOL = "public_school", _("Teacher at a public school")
    PRIVATE_SCHOOL = "private_school", _("Teacher at a private school")
    NOT_EMPLOYED = "not_employed", _("Not employed as a teacher")


def identity_key(identity_type: str, number: str, nationality: str = "") -> str:
    """The login key: citizens and residents by number, visitors by passport and nationality."""
    if identity_type == IdentityType.VISITOR:
        return f"P:{nationality}:{number}"
    return number


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        *,
        identity_type: str,
        identity_number: str,
        password: str | None,
        nationality: str = "SA",
        **fields: Any,
    ) -> "User":
        user = self.model(
            identity_type=identity_type,
            identity_number=identity_number,
            nationality=nationality,
            identity_key=identity_key(identity_type, identity_number, nationality),
            **fields,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, identity_key: str, password: str | None = None, **fields: Any
    ) -> "User":
        """For `createsuperuser`: the key is a national ID (or iqama) number."""
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_active", True)
        identity_type = (
            IdentityType.RESIDENT if identity_key.startswith("2") else IdentityType.CITIZEN
        )
        return self.create_user(
            identity_type=identity_type, identity_number=identity_key, password=password, **fields
        )


class User(AbstractBaseUser, PermissionsMixin):
    identity_type = models.CharField(
        _("identity type"), max_length=10, choices=IdentityType.choices
    )
    identity_number = models.CharField(_("identity number"), max_length=20)
    nationality = models.CharField(_("nationality"), max_length=2, default="SA")
    identity_key = models.CharField(_("login key"), max_length=40, unique=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)

    name_ar_first = models.CharField(_("first name (Arabic)"), max_length=40, blank=True)
    name_ar_father = models.CharField(_("father's name (Arabic)"), max_length=40, blank=True)
    name_ar_grandfather = models.CharField(
        _("grandfather's name (Arabic)"), max_length=40, blank=True
    )
    name_ar_family = models.CharField(_("family name (Arabic)"), max_length=40, blank=True)
    name_en_first = models.CharField(_("first name (English)"), max_length=40)
    name_en_father = models.CharField(_("father's name (English)"), max_length=40)
    name_en_grandfather = models.CharField(_("grandfather's name (English)"), max_length=40)
    name_en_family = models.CharField(_("family name (English)"), max_length=40)

    mobile = models.CharField(_("mobile"), max_length=20)
    mobile_verified_at = models.DateTimeField(_("mobile verified"), null=True, blank=True)
    email = models.EmailField(_("email"), max_length=254)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)

    city = models.CharField(_("city of residence"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        default="ar",
        choices=[("ar", "العربية"), ("en", "English")],
    )
    qualification = models.CharField(
        _("qualification"), max_length=20, choices=Qualification.choices, blank=True
    )
    major = models.CharField(_("major"), max_length=100, blank=True)
    university = models.CharField(_("university"), max_length=150, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    experience_years = models.PositiveSmallIntegerField(
        _("teaching experience (years)"), null=True, blank=True
    )
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, blank=True
    )

    terms_accepted_at = models.DateTimeField(_("terms accepted"), null=True, blank=True)
    privacy_accepted_at = models.DateTimeField(_("privacy notice accepted"), null=True, blank=True)

    is_active = models.BooleanField(_("active"), default=False)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "identity_key"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["identity_type", "identity_number", "nationality"],
                name="user_identity_unique",
            ),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["mobile"],
                condition=models.Q(mobile_verified_at__isnull=False),
                name="user_verified_mobile_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(experience_years__lte=60)
                | models.Q(experience_years__isnull=True),
                name="user_experience_sane",
            ),
        ]
        indexes = [
            models.Index(fields=["identity_number"], name="user_identity_number_idx"),
            models.Index(fields=["mobile"], name="user_mobile_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en_first} {self.name_en_family} ({self.identity_key})"

    @property
    def name_ar(self) -> str:
        parts = (
            self.name_ar_first,
            self.name_ar_father,
            self.name_ar_grandfather,
            self.name_ar_family,
        )
        return " ".join(p for p in parts if p)

    @property
    def name_en(self) -> str:
        parts = (
            self.name_en_first,
            self.name_en_father,
            self.name_en_grandfather,
            self.name_en_family,
        )
        return " ".join(p for p in parts if p)

    def display_name(self, language: str = "ar") -> str:
        if language.startswith("ar") and self.name_ar:
            return self.name_ar
        return self.name_en

    def first_name_in(self, language: str) -> str:
        """The first name as a message in `language` greets with it: Arabic when there is one."""
        if language.startswith("ar") and self.name_ar_first:
            return self.name_ar_first
        return self.name_en_first

    def get_full_name(self) -> str:
        return self.name_en

    def get_short_name(self) -> str:
        return self.name_en_first

    @property
    def contacts_verified(self) -> bool:
        return bool(self.mobile_verified_at and self.email_verified_at)

    @property
    def profile_complete(self) -> bool:
        """Education and experience filled in: needed before booking (PRODUCT §4)."""
        return bool(
            self.qualification
            and self.major
            and self.experience_years is not None
            and self.employment
        )

    @property
    def in_service(self) -> bool:
        """Employed as a teacher (public or private school)."""
        return self.employment in (Employment.PUBLIC_SCHOOL, Employment.PRIVATE_SCHOOL)


class CodePurpose(models.TextChoices):
    SIGNUP_MOBILE = "signup_mobile", _("Verify mobile")
    EMAIL = "email", _("Verify email")
    RESET = "reset", _("Password recovery")
    MOBILE_CHANGE = "mobile_change", _("Change mobile")
    EMAIL_CHANGE = "email_change", _("Change email")


class VerificationCode(models.Model):
    """A 6-digit code (and, for email, a link token), stored only as keyed hashes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="codes")
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    target = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "purpose", "-created_at"], name="code_user_purpose_idx"),
            models.Index(fields=["ip_address", "created_at"], name="code_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} for user {self.user_id}"

    def is_live(self) -> bool:
        return self.used_at is None and self.revoked_at is None and clock.now() < self.expires_at


class SendLog(models.Model):
    """Every code sent, by account, by recipient and by IP, for the hourly limits (unknown users
    too). The recipient (a mobile number or an email) is kept as a keyed hash only."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    recipient = models.CharField(max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="sendlog_user_idx"),
            models.Index(fields=["recipient", "created_at"], name="sendlog_recipient_idx"),
            models.Index(fields=["ip_address", "created_at"], name="sendlog_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"send at {self.created_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """The server-side sessions a user holds, so they can all be ended (e.g. after a reset)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"session of user {self.user_id}"


class PendingContactChange(models.Model):
    """A new mobile or email waiting for its code; it takes effect only once verified."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pending_changes")
    field = models.CharField(max_length=10, choices=[("mobile", "mobile"), ("email", "email")])
    new_value = models.CharField(max_length=254)
    code = models.OneToOneField(VerificationCode, on_delete=models.CASCADE)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pending {self.field} change of user {self.user_id}"
