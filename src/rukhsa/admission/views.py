"""The waiting room page: HTML (refreshing itself), an htmx fragment, or JSON for an app.

It is served from the signed place token alone: no session, no user, no database query (the
period's configuration is cached per process) and one store call.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import formats
from django.views.decorators.cache import never_cache

from rukhsa.admission import services
from rukhsa.admission.gate import unavailable
from rukhsa.admission.store import ADMITTED, PREQUEUE, StoreUnavailable
from rukhsa.core import clock


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "")


@never_cache
def waiting_room(request: HttpRequest) -> HttpResponse:
    place = services.place_from_token(request.GET.get("t", ""))
    if place is None:
        if _wants_json(request):
            return JsonResponse({"state": "unknown"}, status=400)
        return render(request, "admission/lost.html", status=400)
    now = clock.now()
    config = services.config_for(period_id=place.period_id)
    if config is None or not config.on_at(now):
        return _go_on(request, place.next_url)
    try:
        status = services.admission_enter(config=config, user_id=place.user_id, now=now)
    except StoreUnavailable:
        return unavailable(request)
    if status.state == ADMITTED:
        return _go_on(request, place.next_url)
    to_opening = (config.opens_at - now).total_seconds()
    refresh = services.refresh_seconds(status, seconds_to_opening=to_opening)
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
    context = {
        "status": status,
        "prequeue": status.state == PREQUEUE,
        "wait": wait,
        "refresh": refresh,
        "opens_at": formats.date_format(
            config.opens_at.astimezone(clock.RIYADH), "DATETIME_FORMAT"
        ),
        "poll_url": request.get_full_path(),
    }
    template = (
        "admission/_status.html"
        if request.headers.get("hx-request")
        else "admission/waiting_room.html"
    )
    return render(request, template, context)


def _go_on(request: HttpRequest, next_url: str) -> HttpResponse:
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    if _wants_json(request):
        return JsonResponse({"state": ADMITTED, "next": next_url})
    if request.headers.get("hx-request"):
        return HttpResponse(status=204, headers={"HX-Redirect": next_url})
    return redirect(next_url)
