"""The catalogue's panels on the back-office dashboard: how full centres and sessions are."""

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.core.admin_site import Panel, dashboard

TOP = 30


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


def register() -> None:
    dashboard.register("seat_fill_per_centre", seat_fill_per_centre, order=20)
    dashboard.register("seat_fill_per_session", seat_fill_per_session, order=30)
