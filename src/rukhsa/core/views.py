from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def page(request: HttpRequest, template: str) -> HttpResponse:
    return render(request, template)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; remembered in a cookie and, when logged in, on the profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in SUPPORTED:
        remember_language(response, language)
        user = request.user
        if user.is_authenticated and getattr(user, "preferred_language", language) != language:
            get_user_model().objects.filter(pk=user.pk).update(preferred_language=language)
    return response


def remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
