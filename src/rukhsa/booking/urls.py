from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import path

from rukhsa.admission.gate import from_url, gated
from rukhsa.booking import views, waitlist_views
from rukhsa.booking.models import Registration, WaitlistOffer

app_name = "booking"


@from_url
def _period_of_code(request: HttpRequest, kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("period_code", ""))


def _period_of_registration(request: HttpRequest, kwargs: dict[str, Any]) -> int | str:
    """The period of the candidate's own registration ("" when there is none: the view 404s).

    A seat offered from the waiting list is already the candidate's: paying for it is never
    queued ("" too)."""
    found = (
        Registration.objects.filter(
            candidate_id=request.user.pk, reference=str(kwargs.get("reference", "")).upper()
        )
        .annotate(
            offered=Exists(
                WaitlistOffer.objects.filter(
                    registration=OuterRef("pk"), state=WaitlistOffer.State.OUT
                )
            )
        )
        .values_list("period_id", "offered")
        .first()
    )
    if found is None or found[1]:
        return ""
    return found[0]


@from_url
def _any_period(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    return None


# The registration journey: while a period's waiting room is on, these need an admission pass.
# Every URL below is in exactly one of the two lists (tests/admission/test_admission_gate.py).
JOURNEY = {
    "start": _any_period,
    "notes": _period_of_code,
    "choose": _period_of_code,
    "review": _period_of_code,  # its POST holds the seat
    "waitlist_join": _period_of_code,
    "pay": _period_of_registration,
    "change": _period_of_registration,
}
# Reading pages and ways out: never queued.
READING = {
    "registrations",
    "registration",
    "release",
    "cancel",
    "waitlist",
    "waitlist_leave",
}

urlpatterns = [
    path("register/", views.register_start, name="start"),
    path("register/<slug:period_code>/", views.register_notes, name="notes"),
    path("register/<slug:period_code>/choose/", views.register_choose, name="choose"),
    path("register/<slug:period_code>/review/", views.register_review, name="review"),
    path(
        "register/<slug:period_code>/waitlist/",
        waitlist_views.waitlist_join,
        name="waitlist_join",
    ),
    path("waitlist/", waitlist_views.waitlist_page, name="waitlist"),
    path("waitlist/<int:entry_id>/leave/", waitlist_views.waitlist_leave, name="waitlist_leave"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<str:reference>/", views.registration_detail, name="registration"),
    path("registrations/<str:reference>/pay/", views.registration_pay, name="pay"),
    path("registrations/<str:reference>/release/", views.registration_release, name="release"),
    path("registrations/<str:reference>/change/", views.registration_change_view, name="change"),
    path("registrations/<str:reference>/cancel/", views.registration_cancel_view, name="cancel"),
]
for _pattern in urlpatterns:
    if _pattern.name in JOURNEY:
        _pattern.callback = gated(_pattern.callback, period_of=JOURNEY[_pattern.name])
