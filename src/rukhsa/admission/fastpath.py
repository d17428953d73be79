"""The waiting room's fast path: a poll answered before the rest of the middleware runs.

On opening day most requests are waiting-room polls, so a poll must cost almost nothing.
`WaitingRoomMiddleware` sits first in ``MIDDLEWARE`` and answers ``GET``/``HEAD``
``/waiting-room/`` itself; every other request goes down the usual stack. A poll skips what
it does not need: the session and the user (the signed place token says who and where),
OTP, axes, messages, the CSP nonce machinery and the session timeout. What it keeps:

- the signed token check and one store call (no database query: the period's settings are
  cached per process);
- the page's language, as everywhere else: the ``lang`` cookie, else Arabic;
- the security headers the stack would have set (``SecurityMiddleware`` and
  ``XFrameOptionsMiddleware`` themselves, the CSP header built once, ``no-store``);
- the three answers at one URL: the htmx fragment (``HX-Request``), the full page that
  refreshes itself without JavaScript, and JSON (``Accept: application/json``); on admission,
  a redirect to where the candidate was going (``HX-Redirect`` for htmx);
- the request id, the latency histogram and the access log line of
  `rukhsa.core.observability`.

Only the full page (first visit, or no JavaScript) asks for a CSRF token, for its language
switch form; the fragment and JSON never touch it.

The same middleware also answers the other request the opening is made of: a signed-in
candidate without a pass asking for a registration-journey page (``redirect_to_room``). While a
waiting room takes arrivals, a ``GET``/``HEAD`` of a gated URL whose period is read from the URL
alone is resolved here; the candidate's id is read from the session store (the session cookie,
then ``SessionStore.load()``: one cache read with the ``cached_db`` engine), not from a loaded
user; the same admission service as the gate (`services.admission_enter`) gives their place; a
candidate not admitted gets the gate's redirect (the same signed place token, the same
``next``) with the headers the stack would have set. Anything else falls through to the whole
stack, which then behaves exactly as without this path: an admitted candidate, no session or
one the store does not know, a session without the candidate mark set at login (staff, older
sessions), a session past its idle or absolute timeout, a URL that is not gated or whose period
needs the database, the store unavailable.
"""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.shortcuts import render, resolve_url
from django.template.loader import get_template
from django.urls import Resolver404, resolve, reverse
from django.utils import formats, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string

from rukhsa.accounts.middleware import CANDIDATE, LOGIN_AT, SEEN_AT
from rukhsa.admission import services
from rukhsa.admission.gate import FROM_URL
from rukhsa.admission.store import ADMITTED, PREQUEUE, StoreUnavailable
from rukhsa.core import clock
from rukhsa.core.middleware import chosen_language
from rukhsa.core.net import client_ip
from rukhsa.core.observability import (
    REQUEST_LATENCY,
    access_logger,
    incoming_request_id,
    request_id_var,
)

logger = logging.getLogger(__name__)

VIEW_NAME = "admission:waiting_room"
FRAGMENT = "admission/_status.html"
JOURNEY_VIEW = "admission:before_admission"  # the fast redirect's label in metrics and logs


def _never_called(request: HttpRequest) -> HttpResponse:  # pragma: no cover - a placeholder
    raise AssertionError("the fast path's helpers only post-process responses")


class _Headers:
    """The response headers the full stack would add, computed once per process."""

    def __init__(self) -> None:
        self.security = SecurityMiddleware(_never_called)
        self.frames = XFrameOptionsMiddleware(_never_called)
        self.csrf = CsrfViewMiddleware(_never_called)
        self.session = SessionMiddleware(_never_called)
        self.session_store: type[SessionBase] = import_string(
            settings.SESSION_ENGINE + ".SessionStore"
        )
        self.backends = frozenset(settings.AUTHENTICATION_BACKENDS)
        self.csp = ""
        if getattr(settings, "CONTENT_SECURITY_POLICY", None):
            from csp.utils import build_policy

            self.csp = build_policy()

    def apply(self, request: HttpRequest, response: HttpResponse, language: str) -> None:
        add_never_cache_headers(response)
        patch_vary_headers(response, ("Cookie", "Accept", "HX-Request"))
        response.headers.setdefault("Content-Language", language)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        self.security.process_response(request, response)
        self.frames.process_response(request, response)

    def apply_redirect(self, request: HttpRequest, response: HttpResponse, language: str) -> None:
        """The headers the stack gives the gate's redirect of a signed-in candidate: the
        session's (``Vary: Cookie``, and the session saved with its cookie when it changed),
        the language's, ``no-store, private``, the CSP, security and frame headers."""
        self.session.process_response(request, response)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        if "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        self.security.process_response(request, response)
        self.frames.process_response(request, response)


_headers: _Headers | None = None


def headers() -> _Headers:
    global _headers
    if _headers is None:
        _headers = _Headers()
    return _headers


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.META.get("HTTP_HX_REQUEST"))


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A full page (it has the language switch form, hence a CSRF token and cookie)."""
    csrf = headers().csrf
    csrf.process_request(request)
    response = render(request, template, context, status=status)
    csrf.process_response(request, response)
    return response


def unavailable(request: HttpRequest) -> HttpResponse:
    """The store cannot be reached: fail closed, with a clear page that tries again."""
    if _wants_json(request):
        return JsonResponse({"state": "unavailable"}, status=503, headers={"Retry-After": "30"})
    response = _page(request, "admission/unavailable.html", {}, status=503)
    response["Retry-After"] = "30"
    return response


def _go_on(request: HttpRequest, next_url: str) -> HttpResponse:
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    if _wants_json(request):
        return JsonResponse({"state": ADMITTED, "next": next_url})
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": next_url})
    return HttpResponseRedirect(next_url)


def _half_way_to_idle(seen_at: float, now: float) -> bool:
    """Whether the waiting room writes a session it passes through: only when it was last seen
    more than half the idle limit ago. The page a candidate goes to next marks a fresher
    session seen itself, and a session write is about half of a redirect's CPU."""
    return now - seen_at >= settings.SESSION_IDLE_TIMEOUT.total_seconds() / 2


def _waited(request: HttpRequest, user_id: int, now: float) -> None:
    """Time in the line is activity: when the room lets its candidate go on, their session is
    marked as seen now, so that a wait longer than the idle timeout (the room's polls do not
    touch the session) does not end it on the first page after admission. Only the session of
    the candidate the signed token names, in this browser, and never past the absolute limit;
    once per admission, not per poll."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return
    try:
        session = headers().session_store(key)
        if str(session.get(SESSION_KEY)) != str(user_id):
            return  # another account's session, or none: the stack decides, as before
        limit = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        if now - float(session.get(LOGIN_AT, now)) > limit:
            return
        # Written only when half-way to idle, as on the way in: the page the answer sends the
        # candidate to comes next and marks a fresher session seen itself. So an opening's
        # drain, admitting thousands at once, writes only the sessions of those who waited long.
        if _half_way_to_idle(float(session.get(SEEN_AT, 0)), now):
            session[SEEN_AT] = now
            session.save()
    except (KeyError, TypeError, ValueError):
        return  # not a session this path understands: the stack decides, as before
    except Exception:  # the session store unreachable: the stack's idle rule applies
        logger.warning("waiting room: could not mark the session seen", exc_info=True)


def _answer(request: HttpRequest) -> HttpResponse:
    place = services.place_from_token(request.GET.get("t", ""))
    if place is None:
        if _wants_json(request):
            return JsonResponse({"state": "unknown"}, status=400)
        return _page(request, "admission/lost.html", {}, status=400)
    now = clock.now()
    config = services.config_for(period_id=place.period_id)
    if config is None or not config.on_at(now):
        _waited(request, place.user_id, now.timestamp())
        return _go_on(request, place.next_url)
    try:
        status = services.admission_enter(config=config, user_id=place.user_id, now=now)
    except StoreUnavailable:
        return unavailable(request)
    if status.state == ADMITTED:
        _waited(request, place.user_id, now.timestamp())
        return _go_on(request, place.next_url)
    to_opening = (config.opens_at - now).total_seconds()
    refresh = services.refresh_seconds(status, seconds_to_opening=to_opening)
    if status.state != PREQUEUE:  # the pre-queue's last interval ends at the opening itself
        refresh = services.spread(refresh)
    wait = services.wait_minutes(status)
    if _wants_json(request):
        return JsonResponse(
            {
                "state": status.state,
                "place": status.place or None,
                "ahead": status.ahead if status.place else None,
                "estimated_wait_minutes": wait if status.state != PREQUEUE else None,
                "opens_at": config.opens_at.isoformat(),
                "paused": status.paused,
                "refresh_seconds": refresh,
            }
        )
    prequeue = status.state == PREQUEUE
    context = {
        "status": status,
        "prequeue": prequeue,
        "wait": wait,
        "refresh": refresh,
        # Only the pre-queue's text shows the opening time (formatting it is not free).
        "opens_at": formats.date_format(config.opens_at.astimezone(clock.RIYADH), "DATETIME_FORMAT")
        if prequeue
        else "",
        "poll_url": request.get_full_path(),
    }
    if _is_htmx(request):
        # No request, no context processors: the fragment needs none of them.
        return HttpResponse(get_template(FRAGMENT).render(context))
    return _page(request, "admission/waiting_room.html", context)


def answer(request: HttpRequest) -> HttpResponse:
    """The waiting room's answer to one request, with its headers, in the page's language."""
    language = chosen_language(request)
    with translation.override(language):
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = _answer(request)
    headers().apply(request, response, language)
    return response


def _candidate_of(session: SessionBase, now: float) -> int | None:
    """The signed-in candidate's id, from the session alone; None when anything is unsure."""
    try:
        if session.get(CANDIDATE) is not True:
            return None  # staff, or a session from before the mark (the stack decides)
        if session.get(BACKEND_SESSION_KEY) not in headers().backends:
            return None
        if not session.get(HASH_SESSION_KEY):
            return None
        login_at = float(session[LOGIN_AT])
        seen_at = float(session[SEEN_AT])
        user_id = int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()
    expired = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    if idle or expired:
        return None  # the stack logs them out, with its message
    return user_id


def redirect_to_room(request: HttpRequest) -> HttpResponse | None:
    """The gate's answer to a signed-in candidate without a pass, without the middleware
    stack; None to let the stack answer (see the module's docstring)."""
    if request.method not in ("GET", "HEAD"):
        return None  # a POST goes through CSRF first, as ever
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    moment = clock.now()
    on = services.queues_on(moment)
    if not on:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    period_of = getattr(match.func, "admission_period_of", None)
    if period_of is None or not getattr(period_of, FROM_URL, False):
        return None
    ref = period_of(request, match.kwargs)
    config = services.queue_for(on, ref)
    if config is None:
        return None
    session = headers().session_store(key)
    setattr(request, _LOADED, (key, session))  # for the stack, if it answers (loaded once)
    now = moment.timestamp()
    user_id = _candidate_of(session, now)
    if user_id is None:
        return None
    try:
        status = services.admission_enter(config=config, user_id=user_id, now=moment)
    except StoreUnavailable:
        return None  # the stack's gate answers with its page
    if status.state == ADMITTED:
        return None  # the page itself: the whole stack, which checks everything again
    if _half_way_to_idle(float(session[SEEN_AT]), now):
        # Written (with the response) only when half-way to idle: time in the line counts as
        # activity from here, and the answer that admits marks the session seen (`_waited`), so
        # most arrivals, seen in the last quarter hour, cost no session write.
        session[SEEN_AT] = now
    token = services.place_token(
        period_id=config.period_id, user_id=user_id, next_url=request.get_full_path()
    )
    request.session = session
    request.resolver_match = match
    response = HttpResponseRedirect(reverse(VIEW_NAME) + "?" + urlencode({"t": token}))
    headers().apply_redirect(request, response, chosen_language(request))
    return response


_LOADED = "_rukhsa_loaded_session"


class ReusedSessionMiddleware(SessionMiddleware):
    """Django's session middleware, except that a session the fast path has loaded already (for
    the same cookie) is used as it is rather than read from the store a second time."""

    def process_request(self, request: HttpRequest) -> None:
        loaded = request.__dict__.pop(_LOADED, None)
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if loaded is not None and loaded[0] == key and isinstance(loaded[1], self.SessionStore):
            request.session = loaded[1]
        else:
            super().process_request(request)


def _observed(
    request: HttpRequest, view: str, answer: Callable[[HttpRequest], HttpResponse | None]
) -> HttpResponse | None:
    """`answer(request)` with the request id, the latency histogram and the access log line of
    `rukhsa.core.observability` (when it answers)."""
    request_id = incoming_request_id(request.META.get("HTTP_X_REQUEST_ID"))
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    try:
        response = answer(request)
        if response is None:
            return None
        elapsed = time.perf_counter() - started
        status = response.status_code
        REQUEST_LATENCY.labels(
            view=view, method=request.method or "", status=f"{status // 100}xx"
        ).observe(elapsed)
        response.headers["X-Request-ID"] = request_id
        if access_logger.isEnabledFor(logging.INFO):
            access_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                view,
                status,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "view": view,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "client_ip": client_ip(request),
                },
            )
        return response
    finally:
        request_id_var.reset(token)


class WaitingRoomMiddleware:
    """First in MIDDLEWARE: answers waiting-room polls and the redirect of a candidate without
    a pass itself, passes everything else on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._path = ""

    def _room_path(self) -> str:
        if not self._path:
            self._path = reverse(VIEW_NAME)
        return self._path

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.get_response(request)  # SecurityMiddleware redirects it to HTTPS
        if request.path == self._room_path():
            request.get_host()  # the host is checked as for any other request (DisallowedHost)
            response = _observed(request, VIEW_NAME, answer)
        elif settings.SESSION_COOKIE_NAME in request.COOKIES and services.queues_on(clock.now()):
            request.get_host()
            response = _observed(request, JOURNEY_VIEW, redirect_to_room)
        else:
            response = None
        return response if response is not None else self.get_response(request)
