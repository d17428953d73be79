"""The waiting-list pages (PRODUCT §11): join with a wish, see your place, leave in one click.

An offered seat is an ordinary held registration, so it is paid from the registration's page.
"""

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rukhsa.accounts.models import User
from rukhsa.booking import selectors, waitlist
from rukhsa.booking.errors import BookingError
from rukhsa.catalog.models import City, Mode, Period, Session, Specialization


class WaitlistJoinForm(forms.Form):
    """A wish for any session in a city (a specific session comes from the choose page)."""

    city = forms.ModelChoiceField(
        label=gettext_lazy("City"),
        queryset=City.objects.none(),
        empty_label=gettext_lazy("Choose a city"),
        error_messages={
            "required": gettext_lazy("Please choose a city."),
            "invalid_choice": gettext_lazy("Please choose a city from the list."),
        },
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Kind of test"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Please choose a kind of test.")},
    )
    date_from = forms.DateField(
        label=gettext_lazy("Not before (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-12-31.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("Not after (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-12-31.")},
    )

    def __init__(self, *args: Any, period: Period, cities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        city_field = cast(forms.ModelChoiceField, self.fields["city"])
        mode_field = cast(forms.ChoiceField, self.fields["mode"])
        city_field.queryset = cities
        mode_field.choices = [("", _("Paper or computer-based"))] + [
            (m, Mode(m).label) for m in period.offered_modes
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if isinstance(first, date) and isinstance(last, date) and first > last:
            self.add_error("date_to", _("The last date must not be before the first date."))
        return data


def _candidate(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@never_cache
@login_required
def waitlist_join(request: HttpRequest, period_code: str) -> HttpResponse:
    """Join with the chosen full session (`?session=`) or any session in a city."""
    period = Period.objects.select_related("test").filter(code=period_code).first()
    if period is None:
        raise Http404
    user = _candidate(request)
    data = request.POST if request.method == "POST" else request.GET
    specialization = Specialization.objects.filter(code=data.get("spec", ""), active=True).first()
    if specialization is None:
        messages.error(request, _("Please choose your specialization first."))
        return redirect("booking:choose", period_code=period.code)
    raw_session = str(data.get("session", ""))
    session = (
        Session.objects.select_related("centre__city")
        .filter(pk=int(raw_session), period=period)
        .first()
        if re.fullmatch(r"[0-9]{1,9}", raw_session)
        else None
    )
    cities = selectors.waitlist_cities(period=period, specialization=specialization, user=user)
    form = (
        None
        if session
        else WaitlistJoinForm(
            request.POST if request.method == "POST" else None,
            period=period,
            cities=cities,
            initial={"city": cities.filter(code=data.get("city", "")).first()},
        )
    )
    error = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        values = form.cleaned_data if form is not None else {}
        try:
            waitlist.waitlist_join(
                candidate=user,
                period=period,
                specialization_id=specialization.pk,
                session_id=session.pk if session else None,
                city_id=values["city"].pk if values.get("city") else None,
                mode=values.get("mode", ""),
                date_from=values.get("date_from"),
                date_to=values.get("date_to"),
            )
        except BookingError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _(
                    "You joined the waiting list. When a seat frees, it is held for you and "
                    "you are told by SMS and email."
                ),
            )
            return redirect("booking:waitlist")
    return render(
        request,
        "booking/waitlist_join.html",
        {
            "period": period,
            "test": period.test,
            "specialization": specialization,
            "session": session,
            "form": form,
            "error": error,
            "offer_minutes": waitlist.offer_minutes(),
        },
        status=409 if error else (400 if form is not None and form.errors else 200),
    )


@never_cache
@login_required
def waitlist_page(request: HttpRequest) -> HttpResponse:
    """My places on the waiting list and any seat offered to me."""
    return render(
        request,
        "booking/waitlist.html",
        {
            "waitlist": selectors.waitlist_of(candidate=_candidate(request)),
            "offer_minutes": waitlist.offer_minutes(),
        },
    )


@require_POST
@login_required
def waitlist_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.waitlist_entry_for(candidate=_candidate(request), entry_id=entry_id)
    try:
        waitlist.waitlist_leave(entry=entry, actor=_candidate(request))
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("You left the waiting list."))
    return redirect("booking:waitlist")
