"""Candidate result pages (4.1, 4.2), the PDF score report and the public verification page."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from rukhsa.accounts.models import User
from rukhsa.core.masking import mask_identity
from rukhsa.core.pdf import qr_svg, render_pdf
from rukhsa.results import ratelimit, selectors, services
from rukhsa.results.models import Result


def verification_url(result: Result) -> str:
    return settings.SITE_URL + reverse("results:verify_code", args=[result.verification_code])


def masked_name(user: Any, language: str | None = None) -> str:
    """First name and the initial of the family name: "محمد ق." / "Mohammed A."."""
    language = language or get_language() or "ar"
    if language.startswith("ar") and user.name_ar_first:
        first, family = user.name_ar_first, user.name_ar_family
        if family.startswith("ال") and len(family) > 3:
            family = family[2:]  # القحطاني → ق, not the article's ا
    else:
        first, family = user.name_en_first, user.name_en_family
    return f"{first} {family[:1]}." if family else first


def _candidate(request: HttpRequest) -> User:
    """The signed-in candidate (the views are behind login_required)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


@never_cache
@login_required
def results_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "results/list.html", {"rows": selectors.result_rows(candidate=_candidate(request))}
    )


def _detail_context(request: HttpRequest, result_id: int) -> dict[str, Any]:
    result = selectors.result_for_candidate(candidate=_candidate(request), result_id=result_id)
    detail = selectors.result_detail(result)
    return {
        "d": detail,
        "result": result,
        "candidate": request.user,
        "verify_url": verification_url(result),
    }


@never_cache
@login_required
def result_detail(request: HttpRequest, result_id: int) -> HttpResponse:
    context = _detail_context(request, result_id)
    services.result_mark_seen(result=context["result"])
    return render(request, "results/detail.html", context)


@never_cache
@login_required
def result_report_pdf(request: HttpRequest, result_id: int) -> HttpResponse:
    context = _detail_context(request, result_id)
    user = _candidate(request)
    context.update(
        {
            "qr": qr_svg(context["verify_url"], label=_("Verification QR code")),
            "masked_identity": mask_identity(user.identity_number),
            "candidate_name": user.display_name(get_language() or "ar"),
        }
    )
    pdf = render_pdf("results/report_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    reference = context["result"].registration.reference
    response["Content-Disposition"] = f'inline; filename="score-report-{reference}.pdf"'
    return response


def _verify_page(request: HttpRequest, code: str | None) -> HttpResponse:
    context: dict[str, Any] = {"code": code or "", "checked": code is not None}
    if code is not None:
        allowed, retry_after = ratelimit.hit(
            request,
            scope="verify",
            limit=ratelimit.VERIFY_LIMIT,
            window=ratelimit.VERIFY_WINDOW_SECONDS,
        )
        if not allowed:
            response = render(
                request,
                "results/rate_limited.html",
                {"minutes": max(1, (retry_after + 59) // 60)},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        result = selectors.result_by_code(code)
        if result is not None:
            context.update(
                {
                    "result": result,
                    "name": masked_name(result.candidate),
                    "code_display": result.code_display,
                    "code": result.code_display,
                }
            )
    response = render(request, "results/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The form: type a code (GET ?code=…); no login."""
    code = request.GET.get("code")
    if code is not None and code.strip():
        normalized = selectors.normalize_code(code)
        if normalized and len(normalized) <= 64 and normalized.isalnum():
            return redirect("results:verify_code", code=normalized)
        return _verify_page(request, code)
    return _verify_page(request, None)


@never_cache
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The page the QR code opens."""
    return _verify_page(request, code[:64])
