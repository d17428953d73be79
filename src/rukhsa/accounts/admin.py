"""Candidates and staff in the back office: search, masked lists, identity fields locked."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from rukhsa.accounts.models import User
from rukhsa.core.audit import audit_log
from rukhsa.core.digits import normalize_digits
from rukhsa.core.masking import mask_email, mask_identity, mask_phone
from rukhsa.core.net import client_ip

# Fixed by identity verification (PRODUCT §2.2): corrected only through a support process.
IDENTITY_FIELDS = (
    "identity_type", "identity_number", "nationality", "identity_key", "birth_date", "gender",
    "name_ar_first", "name_ar_father", "name_ar_grandfather", "name_ar_family",
)  # fmt: skip
PERMISSION_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def _mobile_variants(term: str) -> list[str]:
    """A Saudi mobile as typed (05…, 5…, 9665…, +9665…) in its stored E.164 form."""
    digits = term.lstrip("+")
    if digits.startswith("966"):
        return [f"+{digits}"]
    if digits.startswith("05"):
        return [f"+966{digits[1:]}"]
    if digits.startswith("5") and len(digits) == 9:
        return [f"+966{digits}"]
    return [term if term.startswith("+") else f"+{term}"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = (
        "masked_identity",
        "name_en_display",
        "name_ar_display",
        "identity_type",
        "gender",
        "masked_mobile",
        "masked_email",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_display_links = ("masked_identity", "name_en_display")
    list_filter = (
        "is_staff",
        "is_active",
        "identity_type",
        "gender",
        "employment",
        "qualification",
    )
    search_fields = ("identity_number",)  # shows the box; the search itself is below
    search_help_text = _("Search by identity number, mobile (05… or +966…) or email.")
    ordering = ("-date_joined",)
    show_full_result_count = False
    exclude = ("password",)
    readonly_fields = (
        *IDENTITY_FIELDS,
        "last_login",
        "date_joined",
        "mobile_verified_at",
        "email_verified_at",
        "terms_accepted_at",
        "privacy_accepted_at",
    )
    fieldsets = (
        (_("Identity (read-only)"), {"fields": IDENTITY_FIELDS}),
        (
            _("Names in English"),
            {
                "fields": (
                    "name_en_first",
                    "name_en_father",
                    "name_en_grandfather",
                    "name_en_family",
                )
            },
        ),
        (
            _("Contacts"),
            {
                "fields": (
                    "mobile",
                    "mobile_verified_at",
                    "email",
                    "email_verified_at",
                    "city",
                    "preferred_language",
                )
            },
        ),
        (
            _("Education and work"),
            {
                "fields": (
                    "qualification",
                    "major",
                    "university",
                    "graduation_year",
                    "experience_years",
                    "employment",
                )
            },
        ),
        (_("Access"), {"fields": PERMISSION_FIELDS}),
        (
            _("Dates"),
            {"fields": ("date_joined", "last_login", "terms_accepted_at", "privacy_accepted_at")},
        ),
    )
    filter_horizontal = ("groups", "user_permissions")

    @admin.display(description=_("identity number"), ordering="identity_number")
    def masked_identity(self, obj: User) -> str:
        return mask_identity(obj.identity_number)

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj: User) -> str:
        return mask_phone(obj.mobile)

    @admin.display(description=_("email"))
    def masked_email(self, obj: User) -> str:
        return mask_email(obj.email)

    @admin.display(description=_("name (English)"), ordering="name_en_family")
    def name_en_display(self, obj: User) -> str:
        return obj.name_en

    @admin.display(description=_("name (Arabic)"))
    def name_ar_display(self, obj: User) -> str:
        return obj.name_ar

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        """Exact matches on indexed columns, so a search stays fast over 400,000 accounts."""
        term = normalize_digits(search_term).strip().replace(" ", "")
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.alias(email_ci=Lower("email")).filter(email_ci=term.lower()), False
        if term.lstrip("+").isdigit() and (
            term.startswith(("+", "05", "9665")) or (term.startswith("5") and len(term) == 9)
        ):
            return queryset.filter(mobile__in=_mobile_variants(term)), False
        return queryset.filter(identity_number=term.upper()), False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PERMISSION_FIELDS
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # candidates sign up themselves; staff accounts come from createsuperuser

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change and form.changed_data:
            old = User.objects.get(pk=obj.pk)
            changes = {
                name: (getattr(old, name), getattr(obj, name))
                for name in form.changed_data
                if name not in ("groups", "user_permissions")
            }
            audit_log(
                action="staff.user_change",
                actor=request.user,
                subject=obj,
                changes=changes,
                obj=obj,
                ip=client_ip(request),
            )
        super().save_model(request, obj, form, change)
