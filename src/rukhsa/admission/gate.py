"""The gate in front of a registration journey's views.

``gated(view, period_of=...)`` wraps a view: while a period's waiting room takes arrivals, a
logged-in candidate without a valid pass is sent to the waiting room (with where they were going,
signed), and a candidate with a pass goes on (the pass renewed, the page's time measured for the
automatic rate). With no waiting room on, the wrapper reads only this process's cached
configuration: no query, no store call, no extra page.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from rukhsa.admission import services
from rukhsa.admission.store import ADMITTED, StoreUnavailable
from rukhsa.core import clock

# What a gated view's period is: a period id, a period code, None for "whichever period's
# waiting room is on" (a page that lists every period), or "" for "none: do not gate".
PeriodOf = Callable[[HttpRequest, dict[str, Any]], int | str | None]

# Marks a `PeriodOf` that reads only the URL's arguments (not the user, not the database): the
# fast path (`rukhsa.admission.fastpath`) may then send a candidate without a pass to the
# waiting room before the session, the user and the rest of the middleware are loaded.
FROM_URL = "admission_period_from_url"

View = Callable[..., HttpResponse]


def from_url(period_of: PeriodOf) -> PeriodOf:
    """Declare that `period_of` reads only the URL's arguments (see FROM_URL)."""
    setattr(period_of, FROM_URL, True)
    return period_of


def safe_next(request: HttpRequest) -> str:
    """Where the candidate was going, as a local URL they can GET after admission."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        path = referer.split(request.get_host(), 1)[-1] if "://" in referer else referer
        if path.startswith("/") and not path.startswith("//"):
            return path
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def unavailable(request: HttpRequest) -> HttpResponse:
    """The waiting room cannot be reached (Redis down): fail closed, with a clear page."""
    if "application/json" in request.headers.get("accept", ""):
        from django.http import JsonResponse

        return JsonResponse({"state": "unavailable"}, status=503, headers={"Retry-After": "30"})
    response = render(request, "admission/unavailable.html", status=503)
    response["Retry-After"] = "30"
    return response


def gated(view: View, *, period_of: PeriodOf) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        now = clock.now()
        on = services.queues_on(now)
        if not on or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        ref = period_of(request, kwargs)
        config = services.queue_for(on, ref)
        if config is None:
            return view(request, *args, **kwargs)
        user_id = request.user.pk
        try:
            status = services.admission_enter(config=config, user_id=user_id, now=now)
        except StoreUnavailable:
            return unavailable(request)
        if status.state == ADMITTED:
            started = time.perf_counter()
            response = view(request, *args, **kwargs)
            elapsed_ms = (time.perf_counter() - started) * 1000
            services.latency_record(config=config, ms=elapsed_ms, now=now)
            return response
        token = services.place_token(
            period_id=config.period_id, user_id=user_id, next_url=safe_next(request)
        )
        return redirect(reverse("admission:waiting_room") + "?" + urlencode({"t": token}))

    wrapper.admission_gated = True  # type: ignore[attr-defined]
    wrapper.admission_period_of = period_of  # type: ignore[attr-defined]
    return wrapper
