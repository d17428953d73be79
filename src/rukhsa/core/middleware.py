"""Arabic first: the language is the one the person chose (a cookie, set from their profile at
login), else Arabic, whatever the browser's Accept-Language says."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

SUPPORTED = {code for code, _name in settings.LANGUAGES}


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


# --- Personal pages are never stored by a browser or a proxy ---------------------------------

_CACHE_ALLOWED = "_rukhsa_cache_allowed"


def cache_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose answer is the same for everybody (so it may be cached even when the
    person is logged in): the one way to opt out of `PrivateNoStoreMiddleware`."""
    setattr(view, _CACHE_ALLOWED, True)
    return view


class PrivateNoStoreMiddleware:
    """Every response to a logged-in person gets `Cache-Control: no-store` (and `private`),
    unless its view is marked `@cache_allowed`. Composes with `never_cache` (whose header
    already says no-store and is left as it is) and with any header a view set: `no-store`
    and `private` are added to it, never a second header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        was_authenticated = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not (was_authenticated or (user is not None and user.is_authenticated)):
            return response
        if getattr(request, _CACHE_ALLOWED, False):
            return response
        if "no-store" in response.get("Cache-Control", ""):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        if getattr(view_func, _CACHE_ALLOWED, False):
            setattr(request, _CACHE_ALLOWED, True)
        return None
