"""Pages that bring several apps together (the candidate's dashboard)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from rukhsa.accounts.models import User
from rukhsa.booking.models import Status
from rukhsa.booking.selectors import active_registrations, waitlist_of


@dataclass(frozen=True)
class Step:
    text: str
    action: str = ""
    url: str = ""
    status: str = ""
    todo: bool = False


def dashboard_steps(user: User) -> list[Step]:
    """What the candidate can do next, most urgent first."""
    steps: list[Step] = []
    if not user.email_verified_at:
        steps.append(
            Step(
                _("Verify your email address: booking a test needs a verified mobile and email."),
                _("Verify email"),
                reverse("accounts:verify_email"),
                _("Required"),
                todo=True,
            )
        )
    if not user.profile_complete:
        steps.append(
            Step(
                _(
                    "Add your education, teaching experience and employment: they are "
                    "needed to register and to work out your licence level."
                ),
                _("Complete personal data"),
                reverse("accounts:profile_edit"),
                _("Required"),
                todo=True,
            )
        )
    ready = user.contacts_verified and user.profile_complete
    for registration in active_registrations(candidate=user):
        if registration.status == Status.HELD:
            steps.append(
                Step(
                    _("Your seat %(reference)s is held: pay before it is released.")
                    % {"reference": registration.reference},
                    _("Pay now"),
                    reverse("booking:registration", args=[registration.reference]),
                    _("Awaiting payment"),
                    todo=True,
                )
            )
        else:
            steps.append(
                Step(
                    _("Your test %(reference)s is confirmed.")
                    % {"reference": registration.reference},
                    _("Details"),
                    reverse("booking:registration", args=[registration.reference]),
                    _("Confirmed"),
                )
            )
    steps.append(
        Step(
            _("Register for the Specialized Professional License Test (paper or computer-based)."),
            _("Available tests"),
            reverse("booking:start"),
            "" if ready else _("Complete the steps above first"),
        )
    )
    steps.append(
        Step(
            _("See all your registrations and invoices."),
            _("My registrations"),
            reverse("booking:registrations"),
        )
    )
    steps.append(
        Step(
            _("See your test results, their details and your indicative licence level."),
            _("My results"),
            reverse("results:list"),
        )
    )
    steps.append(
        Step(
            _("Review or edit your personal data and contact details."),
            _("Personal data"),
            reverse("accounts:profile"),
        )
    )
    return steps


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "core/dashboard.html",
        {
            "display_name": user.display_name(request.LANGUAGE_CODE),  # type: ignore[attr-defined]
            "steps": dashboard_steps(user),
            "waitlist": waitlist_of(candidate=user),
        },
    )
