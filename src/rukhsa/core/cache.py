"""A Redis cache that treats Redis being unreachable as a cache miss.

Everything Rukhsa keeps in the cache can be rebuilt: sessions are `cached_db` (the database holds
every session; the cache only saves a query), and the cache's other users (the results lookup's
rate limit) accept a miss. So when Redis restarts or is unreachable for a minute, a read answers
"not there", a write is dropped and the request goes on against the database: slower, never a
500. Short socket timeouts (settings) keep a dead Redis from stalling each request for long, and
the first failure of each outage is logged once a minute rather than on every call.

The waiting room (the `admission` app) does not use this cache: it must fail closed, so it keeps
its own Redis store and turns an outage into a clear "please wait" page.
"""

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("rukhsa.cache")

T = TypeVar("T")

LOG_EVERY_SECONDS = 60.0


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one ``redis.Redis`` per connection pool kept for the
    process instead of a new one built for every cache call (building one sets up its ~170
    response callbacks: about as much CPU as the round trip itself). A ``redis.Redis`` over a
    pool is safe to share between threads; the pool hands each command its own connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            built = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients.setdefault(id(pool), built)
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache with every Redis error turned into a miss (or a dropped write)."""

    def __init__(self, server: Any, params: Any) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _safely(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        try:
            return call()
        except RedisError as exc:
            _log_outage(operation, exc)
            return fallback

    def ping(self) -> bool:
        """True when Redis answers (for /readyz); never raises."""
        return self._safely("ping", lambda: bool(self._cache.get_client().ping()), False)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._safely(
            "add", lambda: RedisCache.add(self, key, value, timeout, version), False
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._safely("get", lambda: RedisCache.get(self, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._safely("set", lambda: RedisCache.set(self, key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._safely("touch", lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._safely("delete", lambda: RedisCache.delete(self, key, version), False)

    def get_many(self, keys: Iterable[Any], version: Any = None) -> dict[Any, Any]:
        return self._safely("get_many", lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._safely("has_key", lambda: RedisCache.has_key(self, key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        # A missing key raises ValueError (Django's contract), and so does an unreachable Redis:
        # callers already handle "not there".
        try:
            return RedisCache.incr(self, key, delta, version)
        except RedisError as exc:
            _log_outage("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable).") from None

    def incr_or_set(self, key: Any, start: int, version: Any = None) -> int | None:
        """The number under ``key`` plus one, or ``start + 1`` when there was none (kept without
        expiry): one round trip (``SET … NX`` and ``INCR`` in a pipeline) where ``incr`` then
        ``set`` take up to three (Django's ``incr`` asks ``EXISTS`` first). None when Redis
        cannot be reached."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)

        def both() -> int:
            pipe = client.pipeline(transaction=False)
            pipe.set(key, start, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])

        return self._safely("incr_or_set", both, None)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._safely(
            "set_many", lambda: RedisCache.set_many(self, data, timeout, version), list(data)
        )

    def delete_many(self, keys: Iterable[Any], version: Any = None) -> None:
        self._safely("delete_many", lambda: RedisCache.delete_many(self, keys, version), None)

    def clear(self) -> None:
        self._safely("clear", lambda: RedisCache.clear(self), None)


def incr_or_set(key: str, start: int, *, alias: str = DEFAULT_CACHE_ALIAS) -> None:
    """Move the number under ``key`` on, or start it at ``start`` when there is none (kept
    without expiry), on any Django cache: with Redis (`ResilientRedisCache`) in one round trip,
    elsewhere (the local-memory cache of a set-up without Redis) with ``incr``, then ``set``."""
    cache = caches[alias]
    if isinstance(cache, ResilientRedisCache):
        cache.incr_or_set(key, start)
        return
    try:
        cache.incr(key)
    except ValueError:  # no number yet
        cache.set(key, start, timeout=None)


_last_logged = [0.0]


def _log_outage(operation: str, exc: Exception) -> None:
    """Log an outage once a minute per process, not once per cache call."""
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY_SECONDS:
        _last_logged[0] = now
        logger.warning(
            "Redis unavailable (%s: %s); cache %s treated as a miss",
            type(exc).__name__,
            exc,
            operation,
        )
