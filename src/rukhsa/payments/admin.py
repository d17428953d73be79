"""Payments in the back office: read-only lists; webhook events can be replayed."""

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rukhsa.core import clock
from rukhsa.core.admin_site import Bar, Chart, charts
from rukhsa.core.money import format_sar
from rukhsa.payments.models import (
    CreditNote,
    Invoice,
    Order,
    Payment,
    PaymentStatus,
    SandboxCharge,
    WebhookEvent,
    WebhookStatus,
)
from rukhsa.payments.webhooks import webhook_apply


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records are written by the services only; the back office reads them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "kind", "subject_ref", "owner", "total_halalas", "created_at")
    list_filter = ("kind",)
    search_fields = ("=uuid", "subject_ref", "owner__identity_number", "owner__email")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "uuid",
        "order",
        "gateway",
        "status",
        "amount_halalas",
        "refunded_halalas",
        "scheme",
        "masked_card",
        "failure_reason",
        "created_at",
    )
    list_filter = ("status", "gateway", "scheme", "failure_reason")
    search_fields = (
        "=uuid",
        "=order__uuid",
        "order__subject_ref",
        "gateway_ref",
        "gateway_payment_id",
        "masked_card",
    )
    list_select_related = ("order",)
    date_hierarchy = "created_at"


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "gateway", "event_type", "status", "payment", "received_at")
    list_filter = ("status", "gateway", "event_type")
    search_fields = ("event_id", "=payment__uuid", "payment__gateway_ref", "error")
    list_select_related = ("payment",)
    actions = ["replay"]

    @admin.action(description=_("Replay (apply again; safe to repeat)"), permissions=["view"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        applied = 0
        for event in queryset.exclude(status=WebhookStatus.REJECTED):
            if event.status == WebhookStatus.DUPLICATE:
                original = WebhookEvent.objects.filter(
                    gateway=event.gateway,
                    event_id=event.event_id,
                    status__in=[WebhookStatus.RECEIVED, WebhookStatus.APPLIED, WebhookStatus.ERROR],
                ).first()
                if original is None:
                    continue
                event = original
            status, _outcome = webhook_apply(event)
            applied += status == 200
        self.message_user(
            request,
            ngettext(
                "%(count)d webhook event was applied again.",
                "%(count)d webhook events were applied again.",
                applied,
            )
            % {"count": applied},
            messages.SUCCESS,
        )


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("display_number", "issued_at", "buyer_name_en", "total_halalas", "masked_card")
    search_fields = ("=number", "=order__uuid", "=payment__uuid", "payment__gateway_ref")
    date_hierarchy = "issued_at"


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("display_number", "invoice", "issued_at", "total_halalas", "reason")
    search_fields = ("=number", "=invoice__number", "=payment__uuid", "payment__gateway_ref")
    list_select_related = ("invoice",)
    date_hierarchy = "issued_at"


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "amount", "scheme", "masked_number", "three_ds", "created_at")
    list_filter = ("status", "scheme", "three_ds")
    search_fields = ("=id", "given_id", "masked_number")


# --- The back office's home page: payments by status ------------------------------------------

CHART_DAYS = 30


def payments_by_status_chart(request: HttpRequest) -> Chart | None:
    """How the last 30 days' payments ended: paid, refunded, failed, still open (count and sum)."""
    if not request.user.has_perm("payments.view_payment"):
        return None
    since = clock.now() - timedelta(days=CHART_DAYS)
    rows: dict[str, Any] = {
        row["status"]: row
        for row in Payment.objects.filter(created_at__gte=since)
        .values("status")
        .annotate(count=Count("id"), amount=Sum("amount_halalas"))
        .order_by()
    }
    bars = [
        Bar(
            label=label,
            value=rows[status]["count"],
            text=ngettext(
                "%(count)d payment · %(amount)s", "%(count)d payments · %(amount)s", count
            )
            % {"count": count, "amount": format_sar(rows[status]["amount"] or 0)},
        )
        for status, label in PaymentStatus.choices
        if (count := rows[status]["count"] if status in rows else 0)
    ]
    return Chart(
        key="payments",
        title=_("Payments by status (last 30 days)"),
        bars=bars,
        empty=_("No payments in the last 30 days."),
        link=reverse("admin:payments_payment_changelist"),
        link_text=_("All payments"),
    )


charts.register("payments", payments_by_status_chart, order=30)
