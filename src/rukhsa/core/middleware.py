"""Arabic first: the language is the one the person chose (a cookie, set from their profile at
login), else Arabic, whatever the browser's Accept-Language says."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

SUPPORTED = {code for code, _name in settings.LANGUAGES}

logger = logging.getLogger("rukhsa.unavailable")


def chosen_language(request: HttpRequest) -> str:
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class DatabaseUnavailableMiddleware:
    """The database (or its pooler) unreachable for a moment — a restart, a failover — is a
    503 page in the person's language with "try again in a few seconds", not a 500.

    The page is rendered without the request's context processors: nothing on it may need the
    database. Every write is one transaction, so nothing was half-done; pressing again is safe.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "Database unavailable (%s: %s) for %s %s",
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            request.method,
            request.path,
        )
        context = {"SUPPORT_EMAIL": settings.SUPPORT_EMAIL, "SUPPORT_PHONE": settings.SUPPORT_PHONE}
        response = HttpResponse(render_to_string("core/unavailable.html", context), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
