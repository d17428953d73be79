"""Back-office forms of the catalogue."""

import re
from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rukhsa.catalog.models import Centre, Mode, Period, Specialization
from rukhsa.core.digits import normalize_digits

# Python's weekday numbers; the Saudi working week is Sunday to Thursday.
WEEKDAYS = [
    (6, _("Sunday")),
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
]
WORKING_DAYS = [6, 0, 1, 2, 3]
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class StartTimesField(forms.CharField):
    """Start times separated by commas or spaces: "08:00, 11:00, 14:00"."""

    def to_python(self, value: Any) -> list[time]:  # type: ignore[override]
        text = normalize_digits(super().to_python(value) or "")
        times = []
        for part in re.split(r"[,\s،]+", text.strip()):
            if not part:
                continue
            match = _TIME.match(part)
            if not match:
                raise forms.ValidationError(
                    _("“%(value)s” is not a time. Write times as HH:MM, e.g. 08:00, 11:00."),
                    params={"value": part},
                    code="bad_time",
                )
            times.append(time(int(match[1]), int(match[2])))
        if not times:
            raise forms.ValidationError(_("Give at least one start time."), code="required")
        return sorted(set(times))


class SlotBulkForm(forms.Form):
    centre = forms.ModelChoiceField(
        label=_("Centre"),
        queryset=Centre.objects.filter(mode=Mode.DIGITAL, active=True).select_related("city"),
        help_text=_("Active computer-based centres."),
    )
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=Period.objects.exclude(modes=Mode.PAPER).select_related("test")
    )
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        initial=WORKING_DAYS,
        widget=forms.CheckboxSelectMultiple,
    )
    start_times = StartTimesField(
        label=_("Start times"),
        initial="08:00, 11:00, 14:00",
        help_text=_("Separated by commas, e.g. 08:00, 11:00, 14:00."),
    )
    capacity = forms.IntegerField(label=_("Seats per session"), min_value=1, max_value=1000)
    specializations = forms.ModelMultipleChoiceField(
        label=_("Specializations hosted"),
        queryset=Specialization.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The last date must not be before the first date."))
        return cleaned
