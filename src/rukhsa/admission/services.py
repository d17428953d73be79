"""The waiting room's rules: which periods queue now, entering the line, the shuffle at the
opening, passes, the automatic rate and the operator's controls.

Services take values (period id, user id, the time); the views and the gate turn requests into
those values. The store is chosen once per process (``store()``): Redis when ``REDIS_URL`` is
set, otherwise the database.
"""

import contextlib
import hashlib
import hmac
import math
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing

from rukhsa.admission.store import (
    Limits,
    NeedsShuffle,
    Stats,
    Status,
    Store,
    StoreUnavailable,
    new_store,
)
from rukhsa.core import clock

CONFIG_TTL_SECONDS = 5.0
TOKEN_SALT = "rukhsa.admission.place"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class QueueConfig:
    """One period's waiting room as the request path needs it (cached per process)."""

    period_id: int
    period_code: str
    opens_at: datetime
    starts_at: datetime  # the waiting room takes arrivals from here
    closes_at: datetime
    limits: Limits
    target_p95_ms: int
    seed: str

    def on_at(self, now: datetime) -> bool:
        return self.starts_at <= now < self.closes_at


# --- The store and the cached configuration ------------------------------------------------------

_store: Store | None = None
_store_lock = threading.Lock()


def store() -> Store:
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = new_store(settings.ADMISSION_REDIS_URL, settings.ADMISSION_REDIS_PREFIX)
    return _store


def store_replace(new: Store | None) -> None:
    """Use another store (tests, the benchmark); None goes back to the configured one."""
    global _store
    _store = new
    _rate_seen.clear()


_configs: tuple[float, dict[int, QueueConfig]] | None = None


def configs_forget() -> None:
    """Drop this process's cached configuration (after an operator's change, and in tests)."""
    global _configs
    _configs = None
    _rate_seen.clear()


def configs_prime_empty() -> None:
    """Start with "no waiting room anywhere" (a fresh test database), without a query."""
    global _configs
    _configs = (time.monotonic(), {})


def on_settings_changed(sender: Any, **kwargs: Any) -> None:
    configs_forget()


def _load_configs() -> dict[int, QueueConfig]:
    from rukhsa.admission.models import QueueSettings

    rows = QueueSettings.objects.filter(
        enabled=True, period__registration_closes_at__gt=clock.now()
    ).select_related("period")
    found = {}
    for row in rows:
        period = row.period
        found[period.pk] = QueueConfig(
            period_id=period.pk,
            period_code=period.code,
            opens_at=period.registration_opens_at,
            starts_at=period.registration_opens_at - timedelta(minutes=row.starts_before_minutes),
            closes_at=period.registration_closes_at,
            limits=Limits(
                opens_at=period.registration_opens_at.timestamp(),
                rate_per_minute=row.rate_per_minute,
                max_active=row.max_active,
                pass_seconds=row.pass_minutes * 60,
                automatic=row.automatic,
                rate_min=row.rate_min,
                rate_max=row.rate_max,
            ),
            target_p95_ms=row.target_p95_ms,
            seed=row.seed,
        )
    return found


def configs() -> dict[int, QueueConfig]:
    """Every period with its waiting room switched on and registration not closed, read from
    the database at most once per CONFIG_TTL_SECONDS per process."""
    global _configs
    moment = time.monotonic()
    if _configs is None or moment - _configs[0] > CONFIG_TTL_SECONDS:
        _configs = (moment, _load_configs())
    return _configs[1]


def queues_on(now: datetime) -> list[QueueConfig]:
    """The waiting rooms taking arrivals now, the soonest opening first."""
    return sorted((c for c in configs().values() if c.on_at(now)), key=lambda c: c.opens_at)


def queue_for(on: list[QueueConfig], ref: int | str | None) -> QueueConfig | None:
    """Among the waiting rooms taking arrivals (`queues_on`), the one a gated view's period
    reference names (an id or a code), or the first when the view names none."""
    if ref is None:
        return on[0] if on else None
    return next((c for c in on if ref in (c.period_id, c.period_code)), None)


def config_for(
    *, period_id: int | None = None, period_code: str | None = None
) -> QueueConfig | None:
    for config in configs().values():
        if config.period_id == period_id or config.period_code == period_code:
            return config
    return None


# --- Entering the line --------------------------------------------------------------------------


def shuffle_order(seed: str, entrants: Sequence[int]) -> list[int]:
    """The pre-queue's order: entrants sorted by HMAC-SHA256(seed, id). With a secret random
    seed this is a uniformly random order; with the seed revealed, anyone can draw it again."""
    key = bytes.fromhex(seed)
    return sorted(
        entrants, key=lambda user_id: hmac.new(key, str(user_id).encode(), hashlib.sha256).digest()
    )


def _shuffle(config: QueueConfig, now: datetime) -> None:
    """Shuffle the pre-queue once, at the first arrival or poll after the opening."""
    from django.db import IntegrityError, transaction

    from rukhsa.admission.models import ShuffleRecord

    entrants = store().prequeue(config.period_id)
    order = shuffle_order(config.seed, entrants)
    if store().apply_shuffle(config.period_id, order, config.limits, now.timestamp()):
        try:
            with transaction.atomic():
                ShuffleRecord.objects.create(
                    period_id=config.period_id,
                    shuffled_at=now,
                    seed=config.seed,
                    commitment=hashlib.sha256(bytes.fromhex(config.seed)).hexdigest(),
                    entrants=entrants,
                    order=order,
                )
        except IntegrityError:  # recorded already (a retried opening): the first record stands
            pass


def admission_enter(*, config: QueueConfig, user_id: int, now: datetime) -> Status:
    """The candidate's status in this period's line, joining it if needed (one store call)."""
    for _attempt in range(3):
        try:
            return store().enter(config.period_id, user_id, config.limits, now.timestamp())
        except NeedsShuffle:
            _shuffle(config, now)
    raise StoreUnavailable("the pre-queue could not be shuffled")


def pass_end(*, period_id: int, user_id: int) -> None:
    """End the candidate's pass (paid, logged out): the place goes to the next in line."""
    with contextlib.suppress(StoreUnavailable):  # otherwise the pass lapses by itself
        store().end_pass(period_id, user_id)


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    for config in queues_on(clock.now()):
        pass_end(period_id=config.period_id, user_id=user.pk)


def latency_record(*, config: QueueConfig, ms: float, now: datetime) -> None:
    with contextlib.suppress(StoreUnavailable):
        store().record_latency(config.period_id, ms, now.timestamp())
    rate_adjust(config=config, now=now)


AUTO_EVERY_SECONDS = 10.0

# period id → (when the automatic rate was last checked, the rate then), as this process saw
# it: an admitted candidate's page asks the store about the rate at most once per
# AUTO_EVERY_SECONDS per process, not on every request.
_rate_seen: dict[int, tuple[float, float | None]] = {}


def next_rate(*, rate: float, p95: float | None, target: float, low: float, high: float) -> float:
    """The automatic rule: p95 above target → 20 % fewer; below half of it → 20 % more."""
    if p95 is not None and p95 > target:
        rate *= 0.8
    elif p95 is None or p95 < target / 2:
        rate *= 1.2
    return min(high, max(low, rate))


def rate_adjust(*, config: QueueConfig, now: datetime) -> float | None:
    """In automatic mode, every AUTO_EVERY_SECONDS at most, move the rate from the measured p95."""
    limits = config.limits
    if not limits.automatic:
        return None
    moment = now.timestamp()
    seen = _rate_seen.get(config.period_id)
    if seen is not None and 0 <= moment - seen[0] < AUTO_EVERY_SECONDS:
        return seen[1]
    try:
        current, checked = store().rate_checked_at(config.period_id)
        if moment - checked < AUTO_EVERY_SECONDS:
            _rate_seen[config.period_id] = (checked, current)
            return current
        p95 = store().latency_p95(config.period_id, moment)
        rate = next_rate(
            rate=current if current is not None else limits.rate_per_minute,
            p95=p95,
            target=config.target_p95_ms,
            low=limits.rate_min,
            high=limits.rate_max,
        )
        store().set_rate_auto(config.period_id, rate, moment)
        _rate_seen[config.period_id] = (moment, rate)
        return rate
    except StoreUnavailable:
        return None


# --- Operators ------------------------------------------------------------------------------------


def queue_control(*, period_id: int, action: str) -> None:
    """pause, resume (also ends a drain) or drain (admit everyone waiting, limits lifted)."""
    if action == "pause":
        store().control(period_id, paused=True)
    elif action == "resume":
        store().control(period_id, paused=False, draining=False)
    elif action == "drain":
        store().control(period_id, paused=False, draining=True)
    else:
        raise ValueError(action)


def queue_reset(*, period_id: int) -> None:
    """Empty a period's line, passes and shuffle, with a new seed (the demo's "open again")."""
    from rukhsa.admission.models import QueueSettings, ShuffleRecord, new_seed

    store().reset(period_id)
    ShuffleRecord.objects.filter(period_id=period_id).delete()
    QueueSettings.objects.filter(period_id=period_id).update(seed=new_seed())
    configs_forget()


def queue_stats(*, period_id: int, now: datetime) -> tuple[Stats, float | None]:
    return store().stats(period_id, now.timestamp()), store().latency_p95(
        period_id, now.timestamp()
    )


def waiting_room_length() -> int:
    """Candidates waiting in every waiting room that is on now (for the metrics endpoint);
    0 when the queue's store cannot be reached (the endpoint must answer all the same)."""
    now = clock.now()
    try:
        return sum(
            stats.queue_length + stats.prequeue_length
            for stats in (store().stats(c.period_id, now.timestamp()) for c in queues_on(now))
        )
    except StoreUnavailable:
        return 0


# --- What the candidate is shown ------------------------------------------------------------------


def wait_minutes(status: Status) -> int | None:
    """About how long until admission, from the rate in force; None when paused."""
    if status.paused or status.rate <= 0:
        return None
    return max(1, math.ceil(status.place / status.rate))


# How often the room asks again (seconds): never more often than near the front, never less
# often than far back.
REFRESH_NEAR = 5
REFRESH_FAR = 60


def refresh_seconds(status: Status, *, seconds_to_opening: float = 0) -> int:
    """Poll less often the farther back the candidate stands, measured in time, not places.

    Before the opening: at the opening (5-30 s). In line: a tenth of the estimated wait, from
    5 s near the front to 60 s far back; so the line moves a tenth of the way between two polls,
    the interval shrinks as the candidate nears the front, and their turn is noticed within
    seconds of it, while thousands far back cost a poll a minute each. While admission is paused
    (no estimate): by place, 5 s under 100 ahead, 10 s under 1,000, 30 s beyond."""
    if seconds_to_opening > 0:
        return int(min(30, max(REFRESH_NEAR, seconds_to_opening)))
    if status.paused or status.rate <= 0:
        ahead = status.ahead
        return REFRESH_NEAR if ahead < 100 else 10 if ahead < 1000 else 30
    wait = status.place / status.rate * 60
    return int(min(REFRESH_FAR, max(REFRESH_NEAR, wait / 10)))


# Intervals above this are spread (`spread`); those of the line's head are kept exact.
SPREAD_ABOVE = 10
_spreading = random.Random()  # noqa: S311 — spreads load, decides nothing a candidate could game


def spread(seconds: int) -> int:
    """The interval a waiting page is told: `seconds` give or take a quarter, at random, for
    intervals above `SPREAD_ABOVE` (never under it); shorter ones as they are.

    Without it a crowd told the same interval at the same moment comes back in the same
    seconds, every cycle: after a resume (the paused line's 30 s, then the running line's 60 s)
    thousands of polls land within a few seconds and the head's polls and the admitted
    candidates' pages wait behind them. With it such a cohort spreads over half its interval
    more at each cycle. On average the line polls about 2 % more often (the mean of 1/x)."""
    if seconds <= SPREAD_ABOVE:
        return seconds
    return max(SPREAD_ABOVE, round(seconds * _spreading.uniform(0.75, 1.25)))


def place_token(*, period_id: int, user_id: int, next_url: str) -> str:
    return signing.dumps(
        {"p": period_id, "u": user_id, "n": next_url}, salt=TOKEN_SALT, compress=True
    )


@dataclass(frozen=True)
class Place:
    period_id: int
    user_id: int
    next_url: str


def place_from_token(token: str) -> Place | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        return Place(int(data["p"]), int(data["u"]), str(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
