"""The month calendar of a computer-based centre's test days (PRODUCT §4, docs/rules-booking.md).

Weeks start on Sunday, as in Saudi Arabia; each day shows its Gregorian number with the Hijri
day beside, and its seats left as none / few / many — in words, not colour alone. A full day is
shown but cannot be chosen. Only months with test days are offered, with links to the others.
"""

import calendar as stdlib_calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rukhsa.booking.selectors import DaySeats, Seats
from rukhsa.core import hijri

_WEEKS = stdlib_calendar.Calendar(firstweekday=stdlib_calendar.SUNDAY)
# A Sunday, for the names of the week's days.
_A_SUNDAY = date(2026, 11, 29)


@dataclass(frozen=True)
class Day:
    day: date
    in_month: bool
    hijri_day: int
    seats: DaySeats | None  # None: no test that day
    chosen: bool
    url: str  # "" when it cannot be chosen

    @property
    def words(self) -> str:
        """The day's seats left, in words."""
        if self.seats is None:
            return ""
        return {
            Seats.NONE: _("Full"),
            Seats.FEW: _("Few seats"),
            Seats.MANY: _("Many seats"),
        }[self.seats.level]


@dataclass(frozen=True)
class Month:
    first: date
    caption: str
    weekdays: list[tuple[str, str]]  # (short name, full name), Sunday first
    weeks: list[list[Day]]
    previous_url: str
    previous_label: str
    next_url: str
    next_label: str

    @property
    def body(self) -> SafeString:
        """The table's rows, built here rather than in the template: 42 cells of a few tags
        each are the largest part of the date step's rendering (templates/booking/_calendar.html
        shows the markup in context)."""
        return format_html_join("", "{}", ((_week_html(week),) for week in self.weeks))


_OUTSIDE = SafeString('<td class="day outside"></td>')
_CURRENT = SafeString(' aria-current="date"')


def _cell_html(cell: Day) -> SafeString:
    if not cell.in_month:
        return _OUTSIDE
    iso = cell.day.isoformat()
    label = hijri.dual_date(cell.day, weekday=True)
    if cell.url:
        return format_html(
            '<td class="day seats-{}{}" data-date="{}"><a class="day-box" href="{}"{}>'
            '<span class="day-num" aria-hidden="true">{}</span>'
            '<span class="visually-hidden">{}</span> '
            '<span class="day-hijri" aria-hidden="true">{}</span> '
            '<span class="day-seats">{}</span></a></td>',
            cell.seats.level if cell.seats else "",
            " chosen" if cell.chosen else "",
            iso,
            cell.url,
            _CURRENT if cell.chosen else "",
            cell.day.day,
            label,
            cell.hijri_day,
            cell.words,
        )
    if cell.seats:
        return format_html(
            '<td class="day seats-none" data-date="{}"><span class="day-box">'
            '<span class="day-num" aria-hidden="true">{}</span>'
            '<span class="visually-hidden">{}</span> '
            '<span class="day-hijri" aria-hidden="true">{}</span> '
            '<span class="day-seats">{}</span></span></td>',
            iso,
            cell.day.day,
            label,
            cell.hijri_day,
            cell.words,
        )
    return format_html(
        '<td class="day no-test"><span class="day-box">'
        '<span class="day-num" aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}: {}</span> '
        '<span class="day-hijri" aria-hidden="true">{}</span></span></td>',
        cell.day.day,
        label,
        _("no test"),
        cell.hijri_day,
    )


def _week_html(week: list[Day]) -> SafeString:
    return format_html("<tr>{}</tr>", format_html_join("", "{}", ((_cell_html(c),) for c in week)))


def _month_key(value: date) -> str:
    return value.strftime("%Y-%m")


def month_of(
    raw: str, *, days: dict[date, DaySeats], chosen: date | None
) -> tuple[date | None, str]:
    """The month to show (its first day; None when the centre has no test days) and, when the
    asked month (`?month=YYYY-MM`) is not one with test days, a sentence saying so."""
    months = sorted({d.replace(day=1) for d in days})
    if not months:
        return None, ""
    default = chosen.replace(day=1) if chosen else months[0]
    if not raw:
        return default, ""
    try:
        year, month = (int(part) for part in raw.split("-"))
        asked = date(year, month, 1)
    except ValueError:
        return default, _("Please choose a month from the calendar.")
    if asked not in months:
        return default, _("There are no test days in that month. Please choose a date below.")
    return asked, ""


def _hijri_caption(first: date, last: date) -> str:
    start, end = hijri.to_hijri(first), hijri.to_hijri(last)
    arabic = (get_language() or "ar").startswith("ar")
    names = hijri.HIJRI_MONTHS_AR if arabic else hijri.HIJRI_MONTHS_EN
    if (start.year, start.month) == (end.year, end.month):
        months = names[start.month - 1]
    else:
        months = f"{names[start.month - 1]} – {names[end.month - 1]}"
    # Translators: the Hijri months of a calendar month, e.g. "Rajab – Shaban 1448 AH"
    return _("%(months)s %(year)s AH") % {"months": months, "year": end.year}


def build(
    *,
    month: date | None,
    days: dict[date, DaySeats],
    chosen: date | None,
    link: Callable[..., str],
) -> Month | None:
    """The calendar of `month`; `link(date=…)` / `link(month=…)` give the query strings."""
    if month is None:
        return None
    weeks = _WEEKS.monthdatescalendar(month.year, month.month)
    grid = []
    for week in weeks:
        row = []
        for value in week:
            seats = days.get(value) if value.month == month.month else None
            choosable = seats is not None and seats.level != Seats.NONE
            row.append(
                Day(
                    day=value,
                    in_month=value.month == month.month,
                    hijri_day=hijri.to_hijri(value).day,
                    seats=seats,
                    chosen=value == chosen,
                    url=link(date=value.isoformat()) if choosable else "",
                )
            )
        grid.append(row)
    months = sorted({d.replace(day=1) for d in days})
    at = months.index(month) if month in months else -1
    before = months[at - 1] if at > 0 else None
    after = months[at + 1] if 0 <= at < len(months) - 1 else None
    last = max(d for week in weeks for d in week if d.month == month.month)
    caption = _("%(month)s (%(hijri)s)") % {
        "month": formats.date_format(month, "YEAR_MONTH_FORMAT"),
        "hijri": _hijri_caption(month, last),
    }
    return Month(
        first=month,
        caption=caption,
        weekdays=[
            (formats.date_format(value, "D"), formats.date_format(value, "l"))
            for value in (_A_SUNDAY + timedelta(days=i) for i in range(7))
        ],
        weeks=grid,
        previous_url=link(month=_month_key(before), date="") if before else "",
        previous_label=formats.date_format(before, "YEAR_MONTH_FORMAT") if before else "",
        next_url=link(month=_month_key(after), date="") if after else "",
        next_label=formats.date_format(after, "YEAR_MONTH_FORMAT") if after else "",
    )
