import sys

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rukhsa.accounts.models import User
from rukhsa.accounts.services import preferred_language_set

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


_migrations_applied = False


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def _migrations_ok() -> bool:
    """No migration of the running code left to apply (remembered once true: a process's code
    does not change, and applied migrations are not unapplied behind its back)."""
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        targets = executor.loader.graph.leaf_nodes()
        _migrations_applied = not executor.migration_plan(targets)
    return _migrations_applied


def _cache_ok() -> bool:
    ping = getattr(cache, "ping", None)
    if ping is None:  # local memory cache (development): nothing to reach
        return True
    return bool(ping())


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready for traffic: the database answers and every migration of this code is applied
    (503 otherwise, so the load balancer sends requests elsewhere). Redis is reported but does
    not decide: every instance shares it, the app serves without it (slower), and taking every
    instance out of the pool at once for a cache outage would turn it into a full outage."""
    database = _database_ok()
    migrations = database and _migrations_ok()
    redis = _cache_ok()
    ready = database and migrations
    body = {
        "status": ("ok" if redis else "degraded") if ready else "unavailable",
        "database": "ok" if database else "down",
        "migrations": "applied" if migrations else ("pending" if database else "unknown"),
        "redis": "ok" if redis else "down",
    }
    return JsonResponse(body, status=200 if ready else 503)


DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. The database (or its pooler) unreachable for a moment — a restart, a
    failover — is a 503 page in the person's language saying "try again in a few seconds";
    anything else stays Django's plain 500. It catches the error wherever it was raised (a view,
    the session or authentication middleware). The page needs nothing from the database, and
    every write is one transaction, so pressing again is safe."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    context = {"SUPPORT_EMAIL": settings.SUPPORT_EMAIL, "SUPPORT_PHONE": settings.SUPPORT_PHONE}
    response = HttpResponse(render_to_string("core/unavailable.html", context), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


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
        if isinstance(request.user, User):  # signed in: their messages follow it too
            preferred_language_set(user=request.user, language=language)
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
