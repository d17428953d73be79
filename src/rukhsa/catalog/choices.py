"""The choose steps' options, cached: what every candidate of a gender sees the same.

The specializations, cities, centres, dates and sessions offered at each booking step depend only
on the catalogue, the seat counts, the day, the mode and the candidate's gender, never on who
asks, so they are computed once and kept in Django's cache (Redis in production, local memory by
default) under a key that carries a **version number**:

- every catalogue write bumps it: saves and deletes of periods, sessions, centres, cities,
  regions, specializations and priority windows (signals, connected in ``CatalogConfig``), and
  the writers that bypass signals (``sessions_bulk_create``, ``session_status_set``, the demo
  loader);
- every seat freed bumps it (``booking.seats.free_seats``: release, expiry, cancel, change,
  through ``seats_freed``), and so does every seat taken that fills its session
  (``take_seat``): the steps above the centre (specializations, cities, centres) only ask
  whether a session has a free seat at all, and that answer changes only then.

Catalogue rows that count no seat (a period with its test and windows, a centre with its city
and region, a specialization, a session's specializations: ``cached(..., rows=True)``) carry
**the catalogue version** instead, bumped by catalogue writes only (``bump``; seat events call
``seats_freed``), so an opening's seats taken and freed leave them cached.

The options of one centre (its calendar's seats per day, its sessions with their free seats)
also carry **the centre's seat version**, bumped by every seat taken at that centre. So a seat
taken during an opening burst makes only that centre's calendar and times stale, not every
candidate's cities and centres everywhere.

A bump happens at once and again when the writing transaction commits, so a reader that ran
between the two cannot leave the old state cached under the new number. Entries also expire
after ``TTL`` seconds: the safety net for what no write announces (a hold lapsing with time, a
bump lost while Redis was away). The hold itself stays authoritative: it locks the session's row
and re-checks the seat, so a cached "free" can at worst lead to a clear "this session is full"
at the hold, never to an overbooked seat.

The version key never starts from a small number (it starts from the clock), so a version key
that was evicted or flushed cannot come back to a number whose entries are still cached.

**Each process keeps a copy** of the entries it read or computed (`keep`): an entry's key
carries the version numbers it was computed under, so what is under a key never changes, and
the copy in memory is the one in Redis without the round trip and the unpickling (on a choose
step, half of the view's time went to reading its entries from Redis). The copy expires when
the shared entry does (the entry carries its expiry time), so the ``TTL`` safety net is the
same; the version numbers themselves are still read from the cache on every page, which is how
a seat taken in another process reaches this one. The copies are bounded (``LOCAL_SIZE``
entries, least recently used out first), and a value kept is shared by the threads of the
process: callers never change what they get (they copy a list before changing it).
"""

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from rukhsa.core import clock
from rukhsa.core.cache import incr_or_set
from rukhsa.core.lru import ExpiringLRU

T = TypeVar("T")

VERSION_KEY = "rukhsa:choices:version"
CENTRE_VERSION_KEY = "rukhsa:choices:centre:{}"
CATALOGUE_VERSION_KEY = "rukhsa:choices:catalogue"
TTL = 30  # seconds
LOCAL_SIZE = 2000  # entries each process keeps in memory
# The shared cache's entries written by `keep` (value with its expiry time) are under keys of
# their own: a process still running older code never reads that format.
KEPT_PREFIX = "rukhsa:kept:"


# Within `snapshot()`: the version numbers already read, by key.
_snapshot: ContextVar[dict[str, int] | None] = ContextVar("choices_snapshot", default=None)


@contextmanager
def snapshot() -> Iterator[None]:
    """Read each version number once for all the options a page reads inside it (one cache round
    trip instead of one per option list). Safe for reading pages: a number read earlier is never
    newer than the state read after it, so no entry is stored under a newer number than the
    state it was computed from. Not for code that writes seats or the catalogue inside it."""
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def _fresh_version() -> int:
    return time.time_ns()


def version() -> int:
    """The current global version number (created on first use)."""
    return _versions([VERSION_KEY])[0]


def catalogue_version() -> int:
    """The catalogue rows' version number (inside a `snapshot()`, the one the rows read in it
    were cached under: no second round trip)."""
    return _versions([CATALOGUE_VERSION_KEY])[0]


def _versions(keys: list[str]) -> list[int]:
    """The current numbers under these version keys (one cache round trip; created on first
    use), or those already read in this `snapshot()`. A cache that cannot be reached gives
    numbers no entry was stored under. The first read of a snapshot also reads the two global
    numbers (a page that needs one mostly needs the other: one round trip for both)."""
    known = _snapshot.get()
    if known is None:
        return _read_versions(keys)
    missing = [key for key in keys if key not in known]
    if missing:
        if not known:
            missing += [key for key in _READ_TOGETHER if key not in missing]
        known.update(zip(missing, _read_versions(missing), strict=True))
    return [known[key] for key in keys]


_READ_TOGETHER = (VERSION_KEY, CATALOGUE_VERSION_KEY)


def _read_versions(keys: list[str]) -> list[int]:
    found = cache.get_many(keys)
    current: list[int] = []
    for key in keys:
        number = found.get(key)
        if number is None:
            cache.add(key, _fresh_version(), timeout=None)
            number = cache.get(key)
            if number is None:
                number = _fresh_version()
        current.append(int(number))
    return current


def _bump_key_now(key: str) -> None:
    # No version yet (or the cache was away): a fresh one, never a number used before.
    incr_or_set(key, _fresh_version())


def _bump_twice(key: str) -> None:
    """Now (so this process's next read misses), and again after the commit (so a read that ran
    before the commit does not stay cached under the new number)."""
    _bump_key_now(key)
    transaction.on_commit(lambda: _bump_key_now(key))


def bump() -> None:
    """The catalogue changed: every cached entry is out of date, the catalogue rows' too."""
    _bump_twice(VERSION_KEY)
    _bump_twice(CATALOGUE_VERSION_KEY)


def seats_freed() -> None:
    """Seats were freed (or a session's last seat taken): every cached choice that counts seats
    is out of date; the catalogue rows (`cached(..., rows=True)`) are not."""
    _bump_twice(VERSION_KEY)


def seat_taken(*, centre_id: int, filled: bool) -> None:
    """A seat was taken at this centre: its calendar and sessions are out of date; the steps
    above it too when the seat was its session's last (``filled``)."""
    if filled:
        seats_freed()  # the global number is part of every seat key, the centre's entries' too
    else:
        _bump_twice(CENTRE_VERSION_KEY.format(centre_id))


def cached(
    name: str,
    parts: tuple[Hashable, ...],
    compute: Callable[[], T],
    *,
    centre: Any = None,
    rows: bool = False,
) -> T:
    """``compute()``'s result for these key parts, from the cache when it is there.

    ``centre`` (a centre or its id) for options that count a centre's seats: the key carries
    that centre's seat version too. ``rows`` for catalogue rows that count no seat (a period, a
    centre, a specialization, a session's specializations): the key carries only the catalogue
    version, so seats taken and freed during an opening leave them cached. The versions are
    read before computing, so a result is never stored under a newer number than the state it
    was computed from. Today's date is part of the key (the choices only list sessions after
    today)."""
    keys = [CATALOGUE_VERSION_KEY if rows else VERSION_KEY]
    if centre is not None:
        keys.append(CENTRE_VERSION_KEY.format(_part(centre)))
    numbers = ".".join(map(str, _versions(keys)))
    key = ":".join(["rukhsa:choices", name, numbers, clock.today().isoformat(), *map(_part, parts)])
    return keep(key, compute)


# This process's copies of cached entries (the class is core's, shared with the page frames).
_Kept = ExpiringLRU
_kept = _Kept(LOCAL_SIZE)


def keep(key: str, compute: Callable[[], T]) -> T:
    """``compute()``'s result under this key (which must name every version it depends on):
    from this process's memory, else from the cache (kept in memory until the entry expires),
    else computed and stored in both for ``TTL`` seconds. ``None`` is never stored (a code that
    names nothing cannot fill the memory or the cache)."""
    now = time.time()
    found: Any = _kept.get(key, now)
    if found is not None:
        return found  # type: ignore[no-any-return]
    shared = KEPT_PREFIX + key
    entry: Any = cache.get(shared)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], float):
        expires_at, found = entry
        if expires_at > now and found is not None:
            _kept.put(key, expires_at, found)
            return found  # type: ignore[no-any-return]
    value = compute()
    if value is not None:
        expires_at = now + TTL
        cache.set(shared, (expires_at, value), timeout=TTL)
        _kept.put(key, expires_at, value)
    return value


def forget_kept() -> None:
    """Drop this process's copies (the tests do when they clear the cache: their clock can give
    a version number again)."""
    _kept.clear()


def _part(value: Hashable) -> str:
    pk = getattr(value, "pk", None)
    if pk is not None:
        return str(pk)
    if value is None:
        return "-"
    return str(value)
