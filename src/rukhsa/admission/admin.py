"""The waiting room in the back office: settings per period and a live view with pause / resume
/ drain and the shuffle record."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings, ShuffleRecord
from rukhsa.admission.store import StoreUnavailable
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.net import client_ip

CONTROLS = {
    "pause": _("Admission paused: everyone keeps their place."),
    "resume": _("Admission resumed at the set rate."),
    "drain": _("Draining: everyone waiting is admitted now, without the rate and the limit."),
}


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "period",
        "enabled",
        "rate_per_minute",
        "max_active",
        "pass_minutes",
        "automatic",
        "live_link",
    )
    list_select_related = ("period",)
    readonly_fields = ("commitment_shown",)
    fieldsets = (
        (None, {"fields": ("period", "enabled", "starts_before_minutes")}),
        (_("Admission"), {"fields": ("rate_per_minute", "max_active", "pass_minutes")}),
        (
            _("Automatic rate"),
            {"fields": ("automatic", "rate_min", "rate_max", "target_p95_ms")},
        ),
        (_("Fair order"), {"fields": ("commitment_shown",)}),
    )

    @admin.display(description=_("live view"))
    def live_link(self, obj: QueueSettings) -> str:
        url = reverse("admin:admission_queuesettings_live", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Live view"))

    @admin.display(description=_("seed commitment (SHA-256)"))
    def commitment_shown(self, obj: QueueSettings) -> str:
        if not obj.pk:
            return gettext("Drawn when the waiting room is saved.")
        return obj.commitment

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/live/", view(self.live_view), name="admission_queuesettings_live"),
            path(
                "<int:pk>/control/<str:action>/",
                view(require_POST(self.control_view)),
                name="admission_queuesettings_control",
            ),
            *super().get_urls(),
        ]

    def live_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        settings_row = get_object_or_404(QueueSettings.objects.select_related("period"), pk=pk)
        now = clock.now()
        stats = p95 = error = None
        try:
            stats, p95 = services.queue_stats(period_id=pk, now=now)
        except StoreUnavailable:
            error = gettext("The queue store (Redis) cannot be reached.")
        rate = settings_row.rate_per_minute
        if stats is not None and settings_row.automatic and stats.rate_auto is not None:
            rate = round(min(settings_row.rate_max, max(settings_row.rate_min, stats.rate_auto)))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Waiting room: %(period)s") % {"period": settings_row.period},
            "opts": self.opts,
            "row": settings_row,
            "stats": stats,
            "p95": round(p95) if p95 is not None else None,
            "rate": rate,
            "error": error,
            "opens_at": settings_row.period.registration_opens_at,
            "record": ShuffleRecord.objects.filter(period_id=pk).first(),
            "record_checks": None,
            "can_control": self.has_change_permission(request, settings_row),
        }
        record = context["record"]
        if record is not None:
            context["record_checks"] = {
                "order": services.shuffle_order(record.seed, record.entrants) == record.order,
                "commitment": record.commitment == settings_row.commitment,
                "entrants": len(record.entrants),
            }
        return TemplateResponse(request, "admin/admission/live.html", context)

    def control_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if not self.has_change_permission(request):  # before the lookup: no probing of ids
            raise PermissionDenied
        settings_row = get_object_or_404(QueueSettings, pk=pk)
        if action not in CONTROLS:
            raise Http404
        try:
            services.queue_control(period_id=pk, action=action)
        except StoreUnavailable:
            self.message_user(
                request, gettext("The queue store (Redis) cannot be reached."), messages.ERROR
            )
        else:
            audit_log(
                action=f"waiting_room_{action}",
                actor=request.user,
                obj=settings_row,
                ip=client_ip(request),
            )
            self.message_user(request, CONTROLS[action], messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:admission_queuesettings_live", args=[pk]))


@admin.register(ShuffleRecord)
class ShuffleRecordAdmin(admin.ModelAdmin):
    list_display = ("period", "shuffled_at", "commitment")
    readonly_fields = ("period", "shuffled_at", "seed", "commitment", "entrants", "order")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
