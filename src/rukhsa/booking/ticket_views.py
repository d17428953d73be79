"""The admission ticket (candidate) and check-in with session rosters (staff).

Candidate pages fetch through ``selectors.registration_for`` (the owner's, or 404) and answer
404 as well for a registration that is not confirmed. Staff pages go through the back office's
own gate (``admin.site.admin_view``: active staff who proved their TOTP code in this session,
otherwise the back-office login with ``next=``) and then need a permission:
``booking.change_registration`` to check in, ``booking.view_registration`` for rosters.
"""

import csv
import io
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rukhsa.booking import selectors
from rukhsa.booking.checkin import (
    CheckInError,
    checkin_record,
    checkin_session,
    checkin_sessions,
    roster,
    session_attendance,
    session_label,
)
from rukhsa.booking.models import Registration, Status
from rukhsa.booking.tickets import Ticket, accepted_documents, ticket_for, ticket_ics, ticket_pdf
from rukhsa.catalog.models import Session
from rukhsa.core.clock import RIYADH
from rukhsa.core.masking import mask_identity
from rukhsa.core.net import client_ip
from rukhsa.core.pdf import render_pdf

# --- Candidate: the admission ticket -------------------------------------------------------------


def _ticket_or_404(request: HttpRequest, reference: str) -> Ticket:
    registration = selectors.registration_for(
        candidate=request.user,  # type: ignore[arg-type]
        reference=reference,
    )
    if registration.status != Status.CONFIRMED:
        raise Http404
    registration.candidate = request.user  # type: ignore[assignment]
    return ticket_for(registration)


@never_cache
@login_required
@require_GET
def ticket_page(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    return render(request, "booking/ticket.html", {"ticket": ticket})


@never_cache
@login_required
@require_GET
def ticket_pdf_download(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    response = HttpResponse(ticket_pdf(ticket), content_type="application/pdf")
    name = f"ticket-{ticket.registration.reference}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@never_cache
@login_required
@require_GET
def ticket_calendar(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    url = settings.SITE_URL + reverse("tickets:ticket", args=[ticket.registration.reference])
    body = ticket_ics(ticket, url=url, language=get_language() or "ar")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    name = f"test-{ticket.registration.reference}.ics"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Staff: check-in and rosters -----------------------------------------------------------------


def staff_view(permission: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """The back office's gate (staff + verified TOTP, else its login page) plus a permission."""

    def decorate(view: Callable[..., HttpResponse]) -> Any:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorate


def _staff_context(request: HttpRequest, title: str) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title}


def _candidate_card(registration: Registration) -> dict[str, Any]:
    candidate = registration.candidate
    return {
        "registration": registration,
        "candidate": candidate,
        "masked_identity": mask_identity(candidate.identity_number),
        "documents": accepted_documents(candidate.identity_type),
    }


@staff_view("booking.change_registration")
def checkin_page(request: HttpRequest) -> HttpResponse:
    """Choose a session (today's first), then scan or type; the result is shown above the form."""
    data = request.POST if request.method == "POST" else request.GET
    session = checkin_session(data.get("session"))
    centre_query = request.GET.get("centre", "")[:60]
    try:
        day: date | None = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = None
    context = _staff_context(request, _("Check-in"))
    context.update(centre_query=centre_query, day_query=day.isoformat() if day else "")
    context["session"] = session
    status = 200
    if session is None:
        today, other = checkin_sessions(centre_query=centre_query, day=day)
        context.update(today_sessions=today, other_sessions=other)
        if data.get("session"):
            context["error"] = _("Choose a session from the list.")
            status = 404
    else:
        context["session_label"] = session_label(session)
        if request.method == "POST":
            code = request.POST.get("code", "")
            try:
                registration = checkin_record(
                    staff=request.user,
                    session=session,
                    token_or_reference=code,
                    ip=client_ip(request),
                )
            except CheckInError as exc:
                context["error"] = exc.message
                context["typed"] = code[:120]
                if exc.registration is not None:
                    context["card"] = _candidate_card(exc.registration)
                status = 409 if exc.code not in ("empty", "unreadable") else 400
            else:
                context["success"] = True
                context["card"] = _candidate_card(registration)
        context["present"], context["confirmed"] = session_attendance(session)
    return render(request, "booking/checkin.html", context, status=status)


def _session_or_404(session_id: int) -> Session:
    session = checkin_session(session_id)
    if session is None:
        raise Http404
    return session


def roster_table(session: Session) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a session's roster: identity numbers masked, names in both scripts."""
    language = get_language() or "ar"
    headers = [
        _("No."),
        _("Reference"),
        _("Name (Arabic)"),
        _("Name (English)"),
        _("Identity type"),
        _("Identity number"),
        _("Specialization"),
        _("Attendance"),
    ]
    rows = []
    for number, registration in enumerate(roster(session), start=1):
        candidate = registration.candidate
        spec = registration.specialization
        present = registration.checked_in_at
        rows.append(
            [
                str(number),
                registration.reference,
                candidate.name_ar,
                candidate.name_en,
                str(candidate.get_identity_type_display()),
                mask_identity(candidate.identity_number),
                spec.name_ar if language.startswith("ar") else spec.name_en,
                (
                    _("Present (%(time)s)")
                    % {"time": formats.time_format(present.astimezone(RIYADH), "TIME_FORMAT")}
                    if present
                    else ""
                ),
            ]
        )
    return headers, rows


def _filename(session: Session, extension: str) -> str:
    when = f"{session.date:%Y%m%d}-{session.start_time:%H%M}"
    return f"roster-{session.centre.code}-{when}.{extension}"


def _cell(value: str) -> str:
    """No spreadsheet formulas from data: a leading = + - @ is neutralised."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@staff_view("booking.view_registration")
@require_GET
def roster_csv(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_or_404(session_id)
    headers, rows = roster_table(session)
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the Arabic as UTF-8
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[_cell(c) for c in row] for row in rows])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(session, "csv")}"'
    return response


@staff_view("booking.view_registration")
@require_GET
def roster_xlsx(request: HttpRequest, session_id: int) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    session = _session_or_404(session_id)
    headers, rows = roster_table(session)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  (a new workbook always has one sheet)
    sheet.title = f"{session.date:%Y-%m-%d} {session.start_time:%H%M}"
    sheet.sheet_view.rightToLeft = (get_language() or "ar").startswith("ar")
    sheet.append([session_label(session)])
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(c) for c in row])
    sheet.freeze_panes = "A3"
    for letter, width in zip("ABCDEFGH", (5, 15, 34, 34, 14, 15, 22, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(session, "xlsx")}"'
    return response


@staff_view("booking.view_registration")
@require_GET
def roster_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session_or_404(session_id)
    headers, rows = roster_table(session)
    present, confirmed = session_attendance(session)
    pdf = render_pdf(
        "booking/roster_pdf.html",
        {
            "session": session,
            "session_label": session_label(session),
            "headers": headers,
            "rows": rows,
            "present": present,
            "confirmed": confirmed,
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(session, "pdf")}"'
    return response
