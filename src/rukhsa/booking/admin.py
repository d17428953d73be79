"""Back office for registrations: search, who has not yet acted on a cancelled session,
cancelling a session with a reason, the waiting list, and the dashboard panels
(registrations per day; waiting-list figures per session and per city)."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rukhsa.booking.models import (
    PendingChange,
    Registration,
    RegistrationChange,
    WaitlistEntry,
    WaitlistOffer,
)
from rukhsa.booking.selectors import waitlist_figures
from rukhsa.core import clock
from rukhsa.core.admin_site import Bar, Chart, Panel, charts, dashboard
from rukhsa.core.masking import mask_identity


class DisplacedFilter(admin.SimpleListFilter):
    title = _("cancelled session")
    parameter_name = "displaced"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("waiting", _("Not yet acted (must re-book or cancel)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Registration]) -> Any:
        if self.value() == "waiting":
            return queryset.filter(displaced_at__isnull=False, status="confirmed")
        return queryset


class ChangeInline(admin.TabularInline):
    model = RegistrationChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_session", "to_session", "counted", "reason", "changed_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "candidate_masked",
        "specialization",
        "session",
        "status",
        "displaced_at",
        "checked_in_at",
        "created_at",
    )
    list_filter = ("status", DisplacedFilter, "mode", "period")
    search_fields = (
        "reference",
        "candidate__identity_number",
        "candidate__mobile",
        "candidate__email",
    )
    list_select_related = ("candidate", "specialization", "session__centre")
    date_hierarchy = "created_at"
    inlines = [ChangeInline]
    readonly_fields = [f.name for f in Registration._meta.fields]

    @admin.display(description=_("candidate"))
    def candidate_masked(self, obj: Registration) -> str:
        return f"{obj.candidate.name_en} ({mask_identity(obj.candidate.identity_number)})"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    list_display = ("registration", "to_session", "state", "held_until")
    list_filter = ("state",)
    list_select_related = ("registration", "to_session__centre")
    readonly_fields = [f.name for f in PendingChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def registrations_per_day(request: HttpRequest) -> Panel:
    """Registrations created per day over the last 14 days, with how many are confirmed."""
    since = clock.now() - timedelta(days=14)
    rows = (
        Registration.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=clock.RIYADH))
        .values("day")
        .annotate(total=Count("id"))
        .order_by("-day")
    )
    confirmed = dict(
        Registration.objects.filter(created_at__gte=since, status="confirmed")
        .annotate(day=TruncDate("created_at", tzinfo=clock.RIYADH))
        .values("day")
        .annotate(total=Count("id"))
        .values_list("day", "total")
    )
    return Panel(
        title=_("Registrations per day"),
        columns=[_("Day"), _("Registrations"), _("Confirmed")],
        rows=[[row["day"], row["total"], confirmed.get(row["day"], 0)] for row in rows],
        empty=_("No registrations in the last 14 days."),
    )


dashboard.register("registrations_per_day", registrations_per_day, order=10)


def registrations_per_day_chart(request: HttpRequest) -> Chart | None:
    """The home page's columns: registrations made each of the last 14 days, the confirmed
    ones darker; days without any are drawn as empty columns, so gaps show."""
    if not request.user.has_perm("booking.view_registration"):
        return None
    today = clock.today()
    first = today - timedelta(days=13)
    since = datetime.combine(first, time.min, tzinfo=clock.RIYADH)
    counts = (
        Registration.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=clock.RIYADH))
        .values("day")
        .annotate(total=Count("id"), confirmed=Count("id", filter=Q(status="confirmed")))
        .order_by()
    )
    by_day = {row["day"]: row for row in counts}
    bars = []
    for offset in range(14):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {"total": 0, "confirmed": 0})
        bars.append(
            Bar(
                label=formats.date_format(day, "SHORT_DATE_FORMAT"),
                value=row["total"],
                part=row["confirmed"],
                text=ngettext(
                    "%(total)d registration, %(confirmed)d confirmed",
                    "%(total)d registrations, %(confirmed)d confirmed",
                    row["total"],
                )
                % {"total": row["total"], "confirmed": row["confirmed"]},
            )
        )
    total = sum(bar.value for bar in bars)
    today_bar = bars[-1]
    return Chart(
        key="registrations",
        title=_("Registrations per day (last 14 days)"),
        bars=bars if total else [],
        columns=True,
        summary=ngettext(
            "%(total)d registration in 14 days; today %(today)d.",
            "%(total)d registrations in 14 days; today %(today)d.",
            total,
        )
        % {"total": total, "today": today_bar.value},
        legend=[_("Registrations"), _("Confirmed")],
        empty=_("No registrations in the last 14 days."),
        link=reverse("admin:booking_registration_changelist"),
        link_text=_("All registrations"),
    )


charts.register("registrations", registrations_per_day_chart, order=10)


class OfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    can_delete = False
    fields = ("offered_at", "session", "registration", "state", "resolved_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """The line itself (read-only: entries change through the candidates and freed seats)."""

    list_display = (
        "queued_at",
        "masked_candidate",
        "specialization",
        "city",
        "session",
        "mode",
        "state",
        "lapses",
        "end_reason",
    )
    list_filter = ("state", "end_reason", "period", "city")
    list_select_related = ("candidate", "specialization", "city", "session__centre")
    search_fields = ("candidate__identity_key", "candidate__email", "candidate__mobile")
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields]
    inlines = [OfferInline]
    show_full_result_count = False

    @admin.display(description=_("candidate"))
    def masked_candidate(self, obj: WaitlistEntry) -> str:
        return mask_identity(obj.candidate.identity_key)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def waitlist_panel(request: HttpRequest) -> Panel:
    """The waiting list per city and, under each city, per session."""
    rows = waitlist_figures()
    return Panel(
        title=_("Waiting list per city and per session"),
        columns=[_("City or session"), _("Waiting"), _("Offers out"), _("Accepted"), _("Lapsed")],
        rows=[
            [
                row["name"] if row["kind"] == "city" else f"— {row['name']}",
                row["waiting"],
                row["out"],
                row["accepted"],
                row["lapsed"],
            ]
            for row in rows[:60]
        ],
        empty=_("Nobody is on the waiting list."),
        note=_(
            "Raise a session's capacity and the new seats are offered to the waiting list at once."
        ),
    )


dashboard.register("waitlist", waitlist_panel, order=40)
