"""A fixed-window rate limit per client IP, kept in the cache (shared by every app server)."""

from django.core.cache import cache
from django.http import HttpRequest

from rukhsa.core import clock
from rukhsa.core.net import client_ip

VERIFY_LIMIT = 20
VERIFY_WINDOW_SECONDS = 600


def hit(request: HttpRequest, *, scope: str, limit: int, window: int) -> tuple[bool, int]:
    """Count one attempt; (allowed, seconds until the window ends)."""
    now = int(clock.now().timestamp())
    slot = now // window
    key = f"rl:{scope}:{client_ip(request) or 'unknown'}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit, (slot + 1) * window - now
