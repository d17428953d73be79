"""The choose steps' options, cached: what every candidate of a gender sees the same.

The specializations, cities, centres, dates and sessions offered at each booking step depend only
on the catalogue, the seat counts, the day, the mode and the candidate's gender, never on who
asks, so they are computed once and kept in Django's cache (Redis in production, local memory by
default) under a key that carries a **version number**:

- every catalogue write bumps it: saves and deletes of periods, sessions, centres, cities,
  regions, specializations and priority windows (signals, connected in ``CatalogConfig``), and
  the writers that bypass signals (``sessions_bulk_create``, ``session_status_set``, the demo
  loader);
- every change of a session's ``seats_taken`` bumps it (``booking.seats``: hold, confirm after
  expiry, release, expiry, cancel, change, waiting-list offer all go through ``take_seat`` and
  ``free_seats``).

A bump happens at once and again when the writing transaction commits, so a reader that ran
between the two cannot leave the old state cached under the new number. Entries also expire
after ``TTL`` seconds: the safety net for what no write announces (a hold lapsing with time, a
bump lost while Redis was away). The hold itself stays authoritative: it locks the session's row
and re-checks the seat, so a cached "free" can at worst lead to a clear "this session is full"
at the hold, never to an overbooked seat.

The version key never starts from a small number (it starts from the clock), so a version key
that was evicted or flushed cannot come back to a number whose entries are still cached.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from rukhsa.core import clock

T = TypeVar("T")

VERSION_KEY = "rukhsa:choices:version"
TTL = 30  # seconds


def _fresh_version() -> int:
    return time.time_ns()


def version() -> int:
    """The current version number (created on first use)."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        current = cache.get(VERSION_KEY)
        if current is None:  # the cache is unreachable: a number no entry was stored under
            return _fresh_version()
    return int(current)


def _bump_now() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or the cache is away): start a fresh one
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)


def bump() -> None:
    """The catalogue or a seat count changed: every cached choice is out of date.

    Now (so this process's next read misses), and again after the commit (so a read that ran
    before the commit does not stay cached under the new number)."""
    _bump_now()
    transaction.on_commit(_bump_now)


def cached(name: str, parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s result for these key parts, from the cache when it is there.

    The version is read before computing, so a result is never stored under a newer number than
    the state it was computed from. Today's date is part of the key (the choices only list
    sessions after today)."""
    current = version()
    key = ":".join(
        ["rukhsa:choices", name, str(current), clock.today().isoformat(), *map(_part, parts)]
    )
    found: Any = cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, timeout=TTL)
    return value


def _part(value: Hashable) -> str:
    pk = getattr(value, "pk", None)
    if pk is not None:
        return str(pk)
    if value is None:
        return "-"
    return str(value)
