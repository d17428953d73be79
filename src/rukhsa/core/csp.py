"""django-csp's middleware with the policy built once per process.

Rukhsa's Content-Security-Policy is the same on every response (no nonce, no view changes it):
django-csp builds it anew for each response from the settings, which costs about a tenth of a
cheap request's CPU. ``PolicyOnceCSPMiddleware`` keeps the built headers (emptied on a settings
change, as tests make) and sets them as django-csp would; a response that uses a nonce or a
per-view policy (``csp_update`` and the like) goes through django-csp's own way.
"""

import http.client
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What django-csp's decorators put on a response to change its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)

# (header, policy, excluded path prefixes, the response attribute exempting it)
Kept = list[tuple[str, str, tuple[str, ...], str]]
_kept: list[Kept] = []


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _kept.clear()


def _headers() -> Kept:
    if not _kept:
        headers: Kept = []
        for header, setting, report_only, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", False, "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True, "_csp_exempt_ro"),
        ):
            policy = build_policy(report_only=report_only)
            if policy:
                config = getattr(settings, setting, None) or {}
                prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
                headers.append((header, policy, prefixes, exempt))
        _kept.append(headers)
    return _kept[0]


class PolicyOnceCSPMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        for header, policy, prefixes, exempt in _headers():
            if (
                header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
