"""Counting requests in a time window, in the cache (Redis in production).

`hit(scope, key, limit=..., window=...)` counts one request and says whether it is still within
the limit. Windows are fixed (they start when the first request of a key is counted) and the
counter expires with its window. A cache that cannot be reached never refuses anybody: the
counter is a protection, not a dependency (the request goes on, slower at worst).

Keys are hashed, so personal data (an email, a mobile number) never sits in the cache in clear.
"""

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def _cache_key(scope: str, key: str) -> str:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:40]
    return f"rl:{scope}:{digest}"


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one request of `key` in `scope`; True while at most `limit` in `window` seconds."""
    name = _cache_key(scope, key)
    try:
        if cache.add(name, 1, timeout=window):
            count = 1
        else:
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=window)
                count = 1
    except Exception:  # the cache is down: let the request through
        logger.warning("rate limit %s: the cache could not be reached", scope, exc_info=True)
        return True
    return count <= limit


def count(scope: str, key: str) -> int:
    """How many requests `key` made in `scope` in the current window (0 when unknown)."""
    try:
        return int(cache.get(_cache_key(scope, key)) or 0)
    except Exception:
        return 0


def reset(scope: str, key: str) -> None:
    try:
        cache.delete(_cache_key(scope, key))
    except Exception:
        logger.warning("rate limit %s: the cache could not be reached", scope, exc_info=True)
