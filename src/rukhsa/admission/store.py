"""The queue's state behind one small interface, with two stores.

- ``RedisStore`` (production): every operation on the request path is one Lua script, so it is
  atomic across any number of web servers and survives a web process restarting.
- ``DatabaseStore`` (the embedded default, no Redis): the same rules in one transaction on the
  period's ``QueueState`` row, so ``make run`` shows the waiting room too.

Times are seconds since the epoch (floats), user and period ids are integers: the store knows
nothing of requests, models of other apps, or the clock.
"""

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction

ADMITTED = "admitted"
WAITING = "waiting"
PREQUEUE = "prequeue"
NONE = "none"


class StoreUnavailable(Exception):
    """The queue's state cannot be read or written now (Redis down): fail closed."""


class NeedsShuffle(Exception):
    """The opening has passed but the pre-queue has not been shuffled yet."""


@dataclass(frozen=True)
class Limits:
    opens_at: float
    rate_per_minute: float
    max_active: int
    pass_seconds: int
    automatic: bool = False
    rate_min: float = 1
    rate_max: float = 1


@dataclass(frozen=True)
class Status:
    state: str
    place: int = 0  # 1-based place in line while waiting
    queue_length: int = 0  # waiting (or pre-queued) candidates
    rate: float = 0  # admissions per minute now in force
    paused: bool = False

    @property
    def ahead(self) -> int:
        return max(0, self.place - 1)


@dataclass(frozen=True)
class Stats:
    queue_length: int
    prequeue_length: int
    active: int
    admitted_last_minute: int
    paused: bool
    draining: bool
    shuffled: bool
    rate_auto: float | None


def burst_of(rate_per_minute: float) -> float:
    """Tokens a quiet minute can save up: five seconds' worth (at least one)."""
    return max(1.0, rate_per_minute / 12)


def effective_rate(limits: Limits, rate_auto: float | None) -> float:
    if limits.automatic and rate_auto is not None:
        return min(limits.rate_max, max(limits.rate_min, rate_auto))
    return limits.rate_per_minute


def admissions_due(
    *, tokens: float, last: float, now: float, rate: float, free: int, waiting: int
) -> tuple[int, float]:
    """The token bucket: how many to admit now, and the tokens left."""
    if last:
        tokens = min(burst_of(rate), tokens + rate / 60 * max(0.0, now - last))
    n = max(0, min(math.floor(tokens), free, waiting))
    return n, tokens - n


class Store(Protocol):
    def enter(self, period_id: int, user_id: int, limits: Limits, now: float) -> Status:
        """The candidate's status, joining the line (or the pre-queue) if they are not in it.

        A valid pass is renewed; admissions due by the rate are made first. Raises
        ``NeedsShuffle`` once the opening has passed and the pre-queue is not shuffled yet."""
        ...

    def prequeue(self, period_id: int) -> list[int]:
        """The pre-queue in arrival order."""
        ...

    def apply_shuffle(
        self, period_id: int, order: Sequence[int], limits: Limits, now: float
    ) -> bool:
        """Put the pre-queue in line in ``order``; False if it was already done."""
        ...

    def end_pass(self, period_id: int, user_id: int) -> None: ...

    def control(
        self, period_id: int, *, paused: bool | None = None, draining: bool | None = None
    ) -> None: ...

    def set_rate_auto(self, period_id: int, rate: float, now: float) -> None: ...

    def rate_checked_at(self, period_id: int) -> tuple[float | None, float]:
        """The automatic rate in force (None before the first adjustment) and when it was set."""
        ...

    def stats(self, period_id: int, now: float) -> Stats: ...

    def admission_log(self, period_id: int) -> list[int]:
        """Everyone admitted so far, in the order they were admitted (fairness, afterwards)."""
        ...

    def join_log(self, period_id: int) -> list[int]:
        """Everyone given a place in the line, in the order the line gave it: the shuffled
        pre-queue first, then each later arrival as the server saw it (fairness, afterwards)."""
        ...

    def reset(self, period_id: int) -> None:
        """Forget the period's line, pre-queue, passes and state."""
        ...

    def record_latency(self, period_id: int, ms: float, now: float) -> None: ...

    def latency_p95(self, period_id: int, now: float) -> float | None:
        """The p95 of the registration pages over the last minute, in milliseconds."""
        ...


# --- Latency histogram (shared by both stores' bucket layout) -------------------------------------

BUCKETS_MS = (25, 50, 75, 100, 150, 200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 5000, 10000)
SLICE_SECONDS = 5  # one histogram per 5 s, the last 12 make the last minute


def bucket_of(ms: float) -> int:
    for i, edge in enumerate(BUCKETS_MS):
        if ms <= edge:
            return i
    return len(BUCKETS_MS)


def p95_of(counts: dict[int, int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    wanted = math.ceil(total * 0.95)
    seen = 0
    for i in sorted(counts):
        seen += counts[i]
        if seen >= wanted:
            return float(BUCKETS_MS[i]) if i < len(BUCKETS_MS) else float(BUCKETS_MS[-1] * 2)
    return None  # pragma: no cover - unreachable


# --- Database store ------------------------------------------------------------------------------


class DatabaseStore:
    """The same rules on the database (one transaction per operation, the QueueState row locked).
    The latency histogram stays in this process: the embedded set-up is one process."""

    def __init__(self) -> None:
        self._latency: dict[int, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    def _state(self, period_id: int) -> Any:
        from rukhsa.admission.models import QueueState

        QueueState.objects.get_or_create(period_id=period_id)
        return QueueState.objects.select_for_update().get(period_id=period_id)

    def enter(self, period_id: int, user_id: int, limits: Limits, now: float) -> Status:
        from rukhsa.admission.models import AdmissionPass, QueueEntry

        with transaction.atomic():
            state = self._state(period_id)
            rate = effective_rate(limits, state.rate_auto)
            renewed = AdmissionPass.objects.filter(
                period_id=period_id, user_id=user_id, expires_at__gt=now
            ).update(expires_at=now + limits.pass_seconds)
            if renewed:
                return Status(ADMITTED, rate=rate, paused=state.paused)
            line = QueueEntry.objects.filter(period_id=period_id)
            if now < limits.opens_at:
                QueueEntry.objects.get_or_create(
                    period_id=period_id, user_id=user_id, defaults={"prequeue": True, "score": now}
                )
                return Status(PREQUEUE, queue_length=line.count(), rate=rate, paused=state.paused)
            if not state.shuffled:
                raise NeedsShuffle
            if not line.filter(user_id=user_id).exists():
                state.seq += 1
                QueueEntry.objects.create(
                    period_id=period_id, user_id=user_id, prequeue=False, score=state.seq
                )
            self._tick(state, limits, rate, now)
            state.save()
            mine = line.filter(user_id=user_id).first()
            if mine is None:
                return Status(ADMITTED, rate=rate, paused=state.paused)
            place = line.filter(score__lt=mine.score).count() + 1
            return Status(
                WAITING, place=place, queue_length=line.count(), rate=rate, paused=state.paused
            )

    def _tick(self, state: Any, limits: Limits, rate: float, now: float) -> None:
        from rukhsa.admission.models import AdmissionPass, QueueEntry

        line = QueueEntry.objects.filter(period_id=state.period_id, prequeue=False)
        waiting = line.count()
        active = AdmissionPass.objects.filter(period_id=state.period_id, expires_at__gt=now).count()
        if state.paused:
            n, state.last_tick = 0, now
        elif state.draining:
            n = waiting
            state.last_tick = now
        else:
            n, state.tokens = admissions_due(
                tokens=state.tokens,
                last=state.last_tick,
                now=now,
                rate=rate,
                free=limits.max_active - active,
                waiting=waiting,
            )
            state.last_tick = now
        if n <= 0:
            return
        heads = list(line.order_by("score").values_list("pk", "user_id", "score")[:n])
        QueueEntry.objects.filter(pk__in=[pk for pk, _u, _s in heads]).delete()
        for _pk, user_id, score in heads:
            AdmissionPass.objects.update_or_create(
                period_id=state.period_id,
                user_id=user_id,
                defaults={
                    "admitted_at": now,
                    "expires_at": now + limits.pass_seconds,
                    "joined": score,
                },
            )

    def prequeue(self, period_id: int) -> list[int]:
        from rukhsa.admission.models import QueueEntry

        return list(
            QueueEntry.objects.filter(period_id=period_id, prequeue=True)
            .order_by("score", "pk")
            .values_list("user_id", flat=True)
        )

    def apply_shuffle(
        self, period_id: int, order: Sequence[int], limits: Limits, now: float
    ) -> bool:
        from rukhsa.admission.models import QueueEntry

        with transaction.atomic():
            state = self._state(period_id)
            if state.shuffled:
                return False
            for rank, user_id in enumerate(order, start=1):
                QueueEntry.objects.filter(period_id=period_id, user_id=user_id).update(
                    prequeue=False, score=rank
                )
            state.shuffled = True
            state.seq = len(order)
            state.tokens = burst_of(effective_rate(limits, state.rate_auto))
            state.last_tick = now
            state.save()
            return True

    def end_pass(self, period_id: int, user_id: int) -> None:
        from rukhsa.admission.models import AdmissionPass

        AdmissionPass.objects.filter(period_id=period_id, user_id=user_id).delete()

    def control(
        self, period_id: int, *, paused: bool | None = None, draining: bool | None = None
    ) -> None:
        with transaction.atomic():
            state = self._state(period_id)
            if paused is not None:
                state.paused = paused
            if draining is not None:
                state.draining = draining
            state.save()

    def set_rate_auto(self, period_id: int, rate: float, now: float) -> None:
        with transaction.atomic():
            state = self._state(period_id)
            state.rate_auto, state.rate_checked = rate, now
            state.save()

    def rate_checked_at(self, period_id: int) -> tuple[float | None, float]:
        from rukhsa.admission.models import QueueState

        state = QueueState.objects.filter(period_id=period_id).first()
        return (state.rate_auto, state.rate_checked) if state else (None, 0.0)

    def stats(self, period_id: int, now: float) -> Stats:
        from rukhsa.admission.models import AdmissionPass, QueueEntry, QueueState

        state = QueueState.objects.filter(period_id=period_id).first()
        entries = QueueEntry.objects.filter(period_id=period_id)
        passes = AdmissionPass.objects.filter(period_id=period_id)
        return Stats(
            queue_length=entries.filter(prequeue=False).count(),
            prequeue_length=entries.filter(prequeue=True).count(),
            active=passes.filter(expires_at__gt=now).count(),
            admitted_last_minute=passes.filter(admitted_at__gt=now - 60).count(),
            paused=bool(state and state.paused),
            draining=bool(state and state.draining),
            shuffled=bool(state and state.shuffled),
            rate_auto=state.rate_auto if state else None,
        )

    def admission_log(self, period_id: int) -> list[int]:
        from rukhsa.admission.models import AdmissionPass

        return list(
            AdmissionPass.objects.filter(period_id=period_id)
            .order_by("admitted_at", "pk")
            .values_list("user_id", flat=True)
        )

    def join_log(self, period_id: int) -> list[int]:
        from rukhsa.admission.models import AdmissionPass, QueueEntry

        admitted = AdmissionPass.objects.filter(period_id=period_id, joined__isnull=False)
        waiting = QueueEntry.objects.filter(period_id=period_id, prequeue=False)
        places = list(admitted.values_list("joined", "user_id")) + list(
            waiting.values_list("score", "user_id")
        )
        return [user_id for _place, user_id in sorted(places)]

    def reset(self, period_id: int) -> None:
        from rukhsa.admission.models import AdmissionPass, QueueEntry, QueueState

        QueueEntry.objects.filter(period_id=period_id).delete()
        AdmissionPass.objects.filter(period_id=period_id).delete()
        QueueState.objects.filter(period_id=period_id).delete()
        with self._lock:
            self._latency.pop(period_id, None)

    def record_latency(self, period_id: int, ms: float, now: float) -> None:
        with self._lock:
            samples = self._latency.setdefault(period_id, deque(maxlen=20000))
            samples.append((now, ms))

    def latency_p95(self, period_id: int, now: float) -> float | None:
        with self._lock:
            recent = [ms for at, ms in self._latency.get(period_id, ()) if at > now - 60]
        counts: dict[int, int] = {}
        for ms in recent:
            counts[bucket_of(ms)] = counts.get(bucket_of(ms), 0) + 1
        return p95_of(counts)


# --- Redis store ---------------------------------------------------------------------------------

# KEYS: line, prequeue, passes, state, admitted-this-minute, admission log, join log
# ARGV: user, now, opens_at, rate, max_active, pass_seconds, automatic, rate_min, rate_max, minute
ENTER = """
local user = ARGV[1]
local now = tonumber(ARGV[2])
local opens_at = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local max_active = tonumber(ARGV[5])
local pass_seconds = tonumber(ARGV[6])
local st = redis.call('HMGET', KEYS[4],
  'shuffled', 'seq', 'tokens', 'last', 'paused', 'draining', 'rate_auto')
if ARGV[7] == '1' and st[7] then
  rate = math.min(tonumber(ARGV[9]), math.max(tonumber(ARGV[8]), tonumber(st[7])))
end
local paused = st[5] == '1'
local flag = paused and '1' or '0'
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZSCORE', KEYS[3], user) then
  redis.call('ZADD', KEYS[3], 'XX', now + pass_seconds, user)
  return {'admitted', 0, 0, tostring(rate), flag}
end
if now < opens_at then
  redis.call('ZADD', KEYS[2], 'NX', now, user)
  return {'prequeue', 0, redis.call('ZCARD', KEYS[2]), tostring(rate), flag}
end
if st[1] ~= '1' then
  return {'shuffle'}
end
if not redis.call('ZSCORE', KEYS[1], user) then
  redis.call('ZADD', KEYS[1], redis.call('HINCRBY', KEYS[4], 'seq', 1), user)
  redis.call('RPUSH', KEYS[7], user)
end
local waiting = redis.call('ZCARD', KEYS[1])
local n = 0
if paused then
  redis.call('HSET', KEYS[4], 'last', ARGV[2])
elseif st[6] == '1' then
  n = waiting
  redis.call('HSET', KEYS[4], 'last', ARGV[2])
else
  local tokens = tonumber(st[3] or '0')
  local last = tonumber(st[4] or '0')
  if last > 0 then
    tokens = math.min(math.max(1, rate / 12), tokens + rate / 60 * math.max(0, now - last))
  end
  local free = max_active - redis.call('ZCARD', KEYS[3])
  n = math.max(0, math.min(math.floor(tokens), free, waiting))
  redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - n), 'last', ARGV[2])
end
if n > 0 then
  local heads = redis.call('ZPOPMIN', KEYS[1], n)
  local expiry = now + pass_seconds
  for i = 1, #heads, 2 do
    redis.call('ZADD', KEYS[3], expiry, heads[i])
    redis.call('RPUSH', KEYS[6], heads[i])
  end
  redis.call('INCRBY', KEYS[5], n)
  redis.call('EXPIRE', KEYS[5], 180)
  waiting = waiting - n
end
local rank = redis.call('ZRANK', KEYS[1], user)
if not rank then
  return {'admitted', 0, waiting, tostring(rate), flag}
end
return {'waiting', rank + 1, waiting, tostring(rate), flag}
"""

# KEYS: line, prequeue, state, join log; ARGV: burst, now, user ids in order...
SHUFFLE = """
if redis.call('HGET', KEYS[3], 'shuffled') == '1' then
  return 0
end
for i = 3, #ARGV do
  redis.call('ZADD', KEYS[1], i - 2, ARGV[i])
  redis.call('RPUSH', KEYS[4], ARGV[i])
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3],
  'shuffled', '1', 'seq', tostring(#ARGV - 2), 'tokens', ARGV[1], 'last', ARGV[2])
return 1
"""


class RedisStore:
    def __init__(self, url: str, prefix: str = "rukhsa:admission") -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=30
        )
        self._prefix = prefix
        self._enter = self._redis.register_script(ENTER)
        self._shuffle = self._redis.register_script(SHUFFLE)

    def _key(self, period_id: int, name: str) -> str:
        return f"{self._prefix}:{period_id}:{name}"

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    def enter(self, period_id: int, user_id: int, limits: Limits, now: float) -> Status:
        minute = int(now // 60)
        keys = [
            self._key(period_id, "line"),
            self._key(period_id, "prequeue"),
            self._key(period_id, "passes"),
            self._key(period_id, "state"),
            self._key(period_id, f"admitted:{minute}"),
            self._key(period_id, "log"),
            self._key(period_id, "joins"),
        ]
        args = [
            user_id,
            repr(now),
            repr(limits.opens_at),
            repr(float(limits.rate_per_minute)),
            limits.max_active,
            limits.pass_seconds,
            "1" if limits.automatic else "0",
            repr(float(limits.rate_min)),
            repr(float(limits.rate_max)),
        ]
        reply = self._call(self._enter, keys=keys, args=args)
        state = reply[0].decode()
        if state == "shuffle":
            raise NeedsShuffle
        return Status(
            state=state,
            place=int(reply[1]),
            queue_length=int(reply[2]),
            rate=float(reply[3]),
            paused=reply[4] == b"1",
        )

    def prequeue(self, period_id: int) -> list[int]:
        members = self._call(self._redis.zrange, self._key(period_id, "prequeue"), 0, -1)
        return [int(m) for m in members]

    def apply_shuffle(
        self, period_id: int, order: Sequence[int], limits: Limits, now: float
    ) -> bool:
        rate_auto, _at = self.rate_checked_at(period_id)
        burst = burst_of(effective_rate(limits, rate_auto))
        keys = [
            self._key(period_id, "line"),
            self._key(period_id, "prequeue"),
            self._key(period_id, "state"),
            self._key(period_id, "joins"),
        ]
        done = self._call(self._shuffle, keys=keys, args=[repr(burst), repr(now), *order])
        return bool(done)

    def end_pass(self, period_id: int, user_id: int) -> None:
        self._call(self._redis.zrem, self._key(period_id, "passes"), user_id)

    def control(
        self, period_id: int, *, paused: bool | None = None, draining: bool | None = None
    ) -> None:
        fields = {}
        if paused is not None:
            fields["paused"] = "1" if paused else "0"
        if draining is not None:
            fields["draining"] = "1" if draining else "0"
        if fields:
            self._call(self._redis.hset, self._key(period_id, "state"), mapping=fields)

    def set_rate_auto(self, period_id: int, rate: float, now: float) -> None:
        self._call(
            self._redis.hset,
            self._key(period_id, "state"),
            mapping={"rate_auto": repr(rate), "rate_checked": repr(now)},
        )

    def rate_checked_at(self, period_id: int) -> tuple[float | None, float]:
        raw = self._call(
            self._redis.hmget, self._key(period_id, "state"), "rate_auto", "rate_checked"
        )
        return (float(raw[0]) if raw[0] else None, float(raw[1]) if raw[1] else 0.0)

    def stats(self, period_id: int, now: float) -> Stats:
        minute = int(now // 60)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zcard(self._key(period_id, "line"))
        pipe.zcard(self._key(period_id, "prequeue"))
        pipe.zcount(self._key(period_id, "passes"), f"({now!r}", "+inf")
        pipe.mget(
            self._key(period_id, f"admitted:{minute}"),
            self._key(period_id, f"admitted:{minute - 1}"),
        )
        pipe.hmget(self._key(period_id, "state"), "paused", "draining", "shuffled", "rate_auto")
        line, pre, active, counts, state = self._call(pipe.execute)
        this_minute, last_minute = (int(c) if c else 0 for c in counts)
        # The last 60 s: this minute so far plus the part of the previous minute still inside it.
        share = 1 - (now % 60) / 60
        return Stats(
            queue_length=int(line),
            prequeue_length=int(pre),
            active=int(active),
            admitted_last_minute=round(this_minute + last_minute * share),
            paused=state[0] == b"1",
            draining=state[1] == b"1",
            shuffled=state[2] == b"1",
            rate_auto=float(state[3]) if state[3] else None,
        )

    def record_latency(self, period_id: int, ms: float, now: float) -> None:
        key = self._key(period_id, f"latency:{int(now // SLICE_SECONDS)}")
        pipe = self._redis.pipeline(transaction=False)
        pipe.hincrby(key, str(bucket_of(ms)), 1)
        pipe.expire(key, 90)
        self._call(pipe.execute)

    def latency_p95(self, period_id: int, now: float) -> float | None:
        current = int(now // SLICE_SECONDS)
        pipe = self._redis.pipeline(transaction=False)
        for i in range(60 // SLICE_SECONDS):
            pipe.hgetall(self._key(period_id, f"latency:{current - i}"))
        counts: dict[int, int] = {}
        for histogram in self._call(pipe.execute):
            for bucket, n in histogram.items():
                counts[int(bucket)] = counts.get(int(bucket), 0) + int(n)
        return p95_of(counts)

    def admission_log(self, period_id: int) -> list[int]:
        return [int(m) for m in self._call(self._redis.lrange, self._key(period_id, "log"), 0, -1)]

    def join_log(self, period_id: int) -> list[int]:
        joins = self._call(self._redis.lrange, self._key(period_id, "joins"), 0, -1)
        return [int(m) for m in joins]

    def reset(self, period_id: int) -> None:
        keys = list(self._redis.scan_iter(match=self._key(period_id, "*"), count=1000))
        if keys:
            self._call(self._redis.delete, *keys)

    def flush_all(self) -> None:
        """Forget every queue under this store's prefix (tests and the benchmark)."""
        keys = list(self._redis.scan_iter(match=f"{self._prefix}:*", count=1000))
        if keys:
            self._redis.delete(*keys)


def new_store(redis_url: str, prefix: str) -> Store:
    if redis_url:
        return RedisStore(redis_url, prefix)
    return DatabaseStore()


__all__ = [
    "ADMITTED",
    "NONE",
    "PREQUEUE",
    "WAITING",
    "DatabaseStore",
    "Limits",
    "NeedsShuffle",
    "RedisStore",
    "Stats",
    "Status",
    "Store",
    "StoreUnavailable",
    "new_store",
]
