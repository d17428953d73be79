"""The waiting room page: HTML (refreshing itself), an htmx fragment, or JSON for an app.

It is served from the signed place token alone: no session, no user, no database query (the
period's configuration is cached per process) and one store call. ``GET`` and ``HEAD`` never
reach this view in a normal set-up: `rukhsa.admission.fastpath.WaitingRoomMiddleware` answers
them before the rest of the middleware runs. The view gives the same answer for the other
methods, and wherever the middleware is not installed.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from rukhsa.admission import fastpath


@never_cache
def waiting_room(request: HttpRequest) -> HttpResponse:
    return fastpath.answer(request)
