"""The catalogue in the back office: lists with filters and search, bulk slots, status actions."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rukhsa.catalog import hooks as catalog_hooks
from rukhsa.catalog.forms import SlotBulkForm
from rukhsa.catalog.models import (
    Centre,
    City,
    Domain,
    Period,
    PriorityWindow,
    Region,
    Session,
    SessionStatus,
    Specialization,
    Test,
)
from rukhsa.catalog.services import (
    CatalogError,
    session_status_set,
    sessions_bulk_create,
    sessions_bulk_plan,
)


@admin.register(Test)
class TestAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_ar",
        "name_en",
        "fee_sar",
        "vat_basis_points",
        "duration_minutes",
        "pass_mark",
    )
    search_fields = ("code", "name_ar", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name_ar", "name_en")}),
        (
            _("Money"),
            {"fields": ("fee_halalas", "vat_basis_points", "change_fee_halalas", "refund_percent")},
        ),
        (
            _("Sitting"),
            {
                "fields": (
                    "duration_minutes",
                    "pass_mark",
                    "reporting_minutes_paper",
                    "reporting_minutes_digital",
                )
            },
        ),
        (
            _("Registration rules"),
            {
                "fields": (
                    "hold_minutes",
                    "max_changes",
                    "change_deadline_paper_hours",
                    "change_deadline_digital_hours",
                )
            },
        ),
        (_("Licence levels"), {"fields": ("licence_levels",)}),
    )

    @admin.display(description=_("fee + VAT (SAR)"))
    def fee_sar(self, obj: Test) -> str:
        return f"{obj.total_halalas / 100:.2f}"


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("order", "name_ar", "name_en", "question_count")


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "active", "order")
    list_filter = ("active",)
    list_editable = ("active", "order")
    search_fields = ("code", "name_ar", "name_en")
    inlines = [DomainInline]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_ar", "specialization", "question_count", "order")
    list_filter = ("specialization",)
    search_fields = ("name_ar", "name_en", "specialization__code")
    list_select_related = ("specialization",)


class PriorityWindowInline(admin.TabularInline):
    model = PriorityWindow
    extra = 0
    fields = ("gender", "in_service_only", "opens_at")


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_en",
        "test",
        "modes",
        "registration_opens_at",
        "registration_closes_at",
        "first_test_day",
        "last_test_day",
        "results_published_at",
    )
    list_filter = ("test", "modes")
    search_fields = ("code", "name_ar", "name_en")
    list_select_related = ("test",)
    date_hierarchy = "first_test_day"
    inlines = [PriorityWindowInline]


class CityInline(admin.TabularInline):
    model = City
    extra = 0
    fields = ("code", "name_ar", "name_en", "order")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "order")
    search_fields = ("code", "name_ar", "name_en")
    inlines = [CityInline]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "region")
    list_filter = ("region",)
    search_fields = ("code", "name_ar", "name_en")
    list_select_related = ("region",)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ar", "name_en", "city", "mode", "gender", "active")
    list_filter = ("mode", "gender", "active", "city__region", "city")
    search_fields = ("code", "name_ar", "name_en", "city__name_ar", "city__name_en")
    list_select_related = ("city",)
    autocomplete_fields = ("city",)
    fieldsets = (
        (None, {"fields": ("code", "name_ar", "name_en", "city", "mode", "gender", "active")}),
        (_("Location"), {"fields": ("address_ar", "address_en", "latitude", "longitude")}),
        (_("Accessibility"), {"fields": ("accessibility_ar", "accessibility_en")}),
    )


class SessionStatusFilter(admin.SimpleListFilter):
    title = _("seats")
    parameter_name = "seats"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("free", _("Free seats")), ("full", _("Full"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Session]) -> QuerySet[Session]:
        from django.db.models import F

        if self.value() == "free":
            return queryset.filter(seats_taken__lt=F("capacity"))
        if self.value() == "full":
            return queryset.filter(seats_taken__gte=F("capacity"))
        return queryset


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the candidates)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "centre_name",
        "mode",
        "gender",
        "date",
        "start_time",
        "fill",
        "status",
    )
    list_filter = (
        "status",
        SessionStatusFilter,
        "period",
        "centre__mode",
        "centre__gender",
        "centre__city__region",
        "date",
    )
    search_fields = (
        "centre__code",
        "centre__name_ar",
        "centre__name_en",
        "centre__city__name_ar",
        "centre__city__name_en",
    )
    list_select_related = ("centre", "period")
    date_hierarchy = "date"
    autocomplete_fields = ("centre",)
    filter_horizontal = ("specializations",)
    readonly_fields = ("seats_taken", "created_at", "created_by")
    fields = (
        "centre",
        "period",
        "date",
        "start_time",
        "capacity",
        "seats_taken",
        "status",
        "specializations",
        "created_at",
        "created_by",
    )
    actions = ["open_sessions", "close_sessions", "cancel_sessions"]
    show_full_result_count = False
    change_list_template = "admin/catalog/session/change_list.html"

    @admin.display(description=_("centre"), ordering="centre__name_en")
    def centre_name(self, obj: Session) -> str:
        return obj.centre.name

    @admin.display(description=_("mode"))
    def mode(self, obj: Session) -> str:
        return obj.centre.get_mode_display()

    @admin.display(description=_("gender"))
    def gender(self, obj: Session) -> str:
        return obj.centre.get_gender_display()

    @admin.display(description=_("seats taken"))
    def fill(self, obj: Session) -> str:
        return f"{obj.seats_taken} / {obj.capacity}"

    def save_model(self, request: HttpRequest, obj: Session, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by_id = request.user.pk
        if change:
            # The form's copy of seats_taken may be stale: re-read it under the row lock.
            obj.seats_taken = (
                Session.objects.select_for_update()
                .values_list("seats_taken", flat=True)
                .get(pk=obj.pk)
            )
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data and obj.capacity > obj.seats_taken:
            catalog_hooks.emit("seats_added", session=obj, actor=request.user)

    # --- actions ---

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Session], status: str, reason: str = ""
    ) -> None:
        result = session_status_set(
            actor=request.user,
            sessions=queryset.select_related("centre"),
            status=status,
            reason=reason,
        )
        if result.changed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d session is now %(status)s.",
                    "%(count)d sessions are now %(status)s.",
                    result.changed,
                )
                % {"count": result.changed, "status": SessionStatus(status).label},
                messages.SUCCESS,
            )
        if result.unchanged:
            self.message_user(
                request,
                ngettext(
                    "%(count)d session already had that status.",
                    "%(count)d sessions already had that status.",
                    result.unchanged,
                )
                % {"count": result.unchanged},
                messages.INFO,
            )
        for sentence in result.refused:
            self.message_user(request, sentence, messages.ERROR)

    @admin.action(description=_("Open the selected sessions"), permissions=["change"])
    def open_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        self._set_status(request, queryset, SessionStatus.OPEN)

    @admin.action(description=_("Close the selected sessions"), permissions=["change"])
    def close_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        self._set_status(request, queryset, SessionStatus.CLOSED)

    @admin.action(description=_("Cancel the selected sessions"), permissions=["change"])
    def cancel_sessions(
        self, request: HttpRequest, queryset: QuerySet[Session]
    ) -> HttpResponse | None:
        """Asks for a reason first: it is sent to every confirmed candidate of the sessions,
        who may then re-book free of deadline and fee or cancel with a full refund."""
        form = SessionCancelForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._set_status(
                request, queryset, SessionStatus.CANCELLED, reason=form.cleaned_data["reason"]
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel sessions"),
            "sessions": queryset.select_related("centre"),
            "seats": sum(s.seats_taken for s in queryset),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/session/cancel.html", context)

    # --- bulk creation of digital slots ---

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "bulk-create/",
                self.admin_site.admin_view(self.bulk_create_view),
                name="catalog_session_bulk_create",
            )
        ]
        return custom + super().get_urls()

    def bulk_create_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SlotBulkForm(request.POST or None)
        plan = None
        if request.method == "POST" and form.is_valid():
            args = {
                "centre": form.cleaned_data["centre"],
                "period": form.cleaned_data["period"],
                "date_from": form.cleaned_data["date_from"],
                "date_to": form.cleaned_data["date_to"],
                "weekdays": form.cleaned_data["weekdays"],
                "start_times": form.cleaned_data["start_times"],
                "capacity": form.cleaned_data["capacity"],
                "specializations": list(form.cleaned_data["specializations"]),
            }
            if "confirm" in request.POST:
                try:
                    created = sessions_bulk_create(
                        actor=request.user, expected_digest=request.POST.get("digest", ""), **args
                    )
                except CatalogError as error:
                    for sentence in error.messages:
                        self.message_user(request, sentence, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)d session was created at %(centre)s.",
                            "%(count)d sessions were created at %(centre)s.",
                            len(created),
                        )
                        % {"count": len(created), "centre": args["centre"].name},
                        messages.SUCCESS,
                    )
                    changelist = reverse(f"{self.admin_site.name}:catalog_session_changelist")
                    return HttpResponseRedirect(
                        f"{changelist}?centre__id__exact={args['centre'].pk}"
                        f"&period__id__exact={args['period'].pk}"
                    )
            plan = sessions_bulk_plan(**args)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create computer-based slots"),
            "opts": self.opts,
            "form": form,
            "plan": plan,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/catalog/session/bulk_create.html", context)
