"""The catalogue's panels on the back-office dashboard: how full centres and sessions are."""

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import Mode, Session, SessionStatus
from rukhsa.core import clock
from rukhsa.core.admin_site import Bar, Chart, Panel, charts, dashboard

TOP = 30
CHART_ROWS = 12


def _upcoming() -> QuerySet[Session]:
    return Session.objects.filter(date__gte=clock.today(), status=SessionStatus.OPEN)


def _percent(taken: int, capacity: int) -> int:
    return round(100 * taken / capacity) if capacity else 0


def seat_fill_per_centre(request: HttpRequest) -> Panel:
    arabic = (get_language() or "ar").startswith("ar")
    name = "centre__name_ar" if arabic else "centre__name_en"
    city = "centre__city__name_ar" if arabic else "centre__city__name_en"
    rows = (
        _upcoming()
        .values("centre__code", name, city)
        .annotate(sessions=Count("id"), taken=Sum("seats_taken"), seats=Sum("capacity"))
        .annotate(fill=Cast(F("taken"), FloatField()) / Cast(F("seats"), FloatField()))
        .order_by("-fill", "centre__code")[:TOP]
    )
    return Panel(
        title=_("Seat fill per centre (upcoming open sessions)"),
        columns=[
            _("Centre"),
            _("Name"),
            _("City"),
            _("Sessions"),
            _("Seats taken"),
            _("Seats"),
            _("Fill"),
        ],
        rows=[
            [
                r["centre__code"],
                r[name],
                r[city],
                r["sessions"],
                r["taken"],
                r["seats"],
                _percent(r["taken"], r["seats"]),
            ]
            for r in rows
        ],
        meter_column=6,
        note=ngettext_lazy(
            "The %(count)d fullest centre.", "The %(count)d fullest centres.", "count"
        )
        % {"count": TOP},
        empty=_("No upcoming open sessions."),
    )


def seat_fill_per_session(request: HttpRequest) -> Panel:
    sessions = (
        _upcoming()
        .select_related("centre")
        .annotate(fill=Cast(F("seats_taken"), FloatField()) / Cast(F("capacity"), FloatField()))
        .order_by("-fill", "date", "start_time")[:TOP]
    )
    return Panel(
        title=_("Fullest upcoming sessions"),
        columns=[_("Session"), _("Centre"), _("Seats taken"), _("Seats"), _("Fill")],
        rows=[
            [str(s), s.centre.name, s.seats_taken, s.capacity, _percent(s.seats_taken, s.capacity)]
            for s in sessions
        ],
        meter_column=4,
        empty=_("No upcoming open sessions."),
    )


def fill_by_city_and_mode_chart(request: HttpRequest) -> Chart | None:
    """The home page's bars: how full the upcoming open sessions are, per city and mode."""
    if not request.user.has_perm("catalog.view_session"):
        return None
    arabic = (get_language() or "ar").startswith("ar")
    city = "centre__city__name_ar" if arabic else "centre__city__name_en"
    rows = (
        _upcoming()
        .values(city, "centre__mode")
        .annotate(taken=Sum("seats_taken"), seats=Sum("capacity"))
        .annotate(fill=Cast(F("taken"), FloatField()) / Cast(F("seats"), FloatField()))
        .order_by("-fill", city, "centre__mode")[:CHART_ROWS]
    )
    modes = dict(Mode.choices)
    bars = [
        Bar(
            label=_("%(city)s · %(mode)s") % {"city": r[city], "mode": modes[r["centre__mode"]]},
            value=_percent(r["taken"], r["seats"]),
            text=_("%(percent)d%% (%(taken)d of %(seats)d seats)")
            % {
                "percent": _percent(r["taken"], r["seats"]),
                "taken": r["taken"],
                "seats": r["seats"],
            },
        )
        for r in rows
    ]
    return Chart(
        key="fill",
        title=_("Seats filled by city and kind of test (upcoming sessions)"),
        bars=bars,
        maximum=100,
        empty=_("No upcoming open sessions."),
        link=reverse("admin:dashboard"),
        link_text=_("Seat fill per centre and session"),
    )


def register() -> None:
    dashboard.register("seat_fill_per_centre", seat_fill_per_centre, order=20)
    dashboard.register("seat_fill_per_session", seat_fill_per_session, order=30)
    charts.register("fill", fill_by_city_and_mode_chart, order=20)
