"""Session lifetime: 30 minutes idle, 12 hours absolute, measured with the one clock."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from rukhsa.accounts.models import UserSession
from rukhsa.core import clock

LOGIN_AT = "rukhsa_login_at"
SEEN_AT = "rukhsa_seen_at"
# True in a candidate's session (not staff at login): the waiting room's fast path reads it
# from the session store instead of loading the user (rukhsa.admission.fastpath).
CANDIDATE = "rukhsa_candidate"
# The session is written at most once per SEEN_EVERY seconds (SEEN_AT).
SEEN_EVERY = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.SESSION_TIMEOUT_EXEMPT_PATHS):
            return self.get_response(request)
        if request.user.is_authenticated:
            now = clock.now().timestamp()
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            expired = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if idle or expired:
                UserSession.objects.filter(session_key=request.session.session_key).delete()
                logout(request)
                messages.info(request, _("Your session ended. Please log in again."))
            else:
                if LOGIN_AT not in request.session:
                    request.session[LOGIN_AT] = login_at
                # Write the session at most once a minute to keep requests cheap (an assignment
                # marks the session modified, and a modified session is saved: a database
                # UPDATE and a cache write on every page).
                if now - seen_at >= SEEN_EVERY or SEEN_AT not in request.session:
                    request.session[SEEN_AT] = now
        return self.get_response(request)
