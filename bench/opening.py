"""The opening-day burst through the waiting room, end to end over HTTP against gunicorn.

    opening.py prepare STATE   a period that opens during the run, its sessions and waiting
                               room, and N logged-in candidates (Django, server-side sessions)
    opening.py run STATE       drive the burst, check the database, print the report

N candidates (BENCH_OPENING_CANDIDATES, 10,000) arrive uniformly within BENCH_OPENING_WINDOW
seconds (60) around the opening (the opening BENCH_OPENING_LEAD seconds, 1, after the first
arrival). Each asks for the review page of a session (a registration-journey URL), is sent to
the waiting room, polls it as htmx does (the status fragment, at the interval it asks for), and,
once admitted, continues where it was going: the review page, the hold (POST), then logs out
(which ends the pass).

Admission is sized from the server's CPU (`sizing`, docs/opening-day.md "Sizing the admission
rate"): of BENCH_OPENING_CORES cores (the cores gunicorn is pinned to) used to at most
BENCH_OPENING_HEADROOM (75 %), the arrivals' redirects and the line's polls are served first;
what is left, divided by the server CPU of one admitted candidate's requests, is the admission
rate. While candidates arrive that leaves (next to) nothing, so the rate is then
BENCH_OPENING_RATE_FLOOR (30) a minute; after the last arrival, the operator raises it to the
rate the polls leave room for. The maximum active is what that rate keeps holding a pass (Little's
law): until the candidate's next poll (BENCH_OPENING_NOTICE_S, 10), then three pages of at most
a second each. BENCH_OPENING_RATE and BENCH_OPENING_MAX_ACTIVE, when
set, fix both for the whole run instead.

After the last arrival, the operator pauses admission for BENCH_OPENING_PAUSE seconds (15):
then only polls reach the server, and the server's CPU per poll is measured from /proc.
BENCH_OPENING_DRAIN_AFTER seconds (165) after the opening, and at least BENCH_OPENING_PACED
seconds (60) after admission resumed, the operator drains the line: the
store admits everyone still waiting at once, in line order, so the fairness figure rests on
every arrival, not only on those the paced rate let through in a bounded run. Candidates who
see their admission after the drain stop there (their pages are not measured: the registration
pages' figures are those of paced admission). The opening comes BENCH_OPENING_LEAD seconds (1)
after the first arrival, so the pre-queue is small and the paced admissions reach candidates
who joined after the opening.

Fairness, for the candidates who joined the line after the opening (the store's join log, not
the pre-queue): Spearman's rank correlation of the admission order with (1) the order the
server gave them their places (the store's join log), (2) the time the client sent the first
request and (3) the arrival the schedule meant; (3) against (1) shows how much the load
generator itself reordered the arrivals. Each with its n, and the paced part alone.

Figures, not pass/fail: exit 1 only when a session is over capacity, 2 when the harness failed.
The run is bounded: BENCH_OPENING_BUDGET seconds (300) after the opening at most.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rawhttp import Client, Pool

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import CpuMeter, Timings, machine_facts

OK, OVER_CAPACITY, HARNESS_FAILED = 0, 1, 2
PERIOD = "bench-opening"
TEST = "BENCH-OPENING"
EVERY = re.compile(rb'hx-trigger="every (\d+)s"')


@dataclass
class Config:
    base_url: str = os.environ.get("BENCH_URL", "http://127.0.0.1:8090")
    candidates: int = int(os.environ.get("BENCH_OPENING_CANDIDATES", "10000"))
    window: float = float(os.environ.get("BENCH_OPENING_WINDOW", "60"))
    lead: float = float(os.environ.get("BENCH_OPENING_LEAD", "1"))
    # Fixed admission for the whole run (0: sized from the CPU figures below).
    rate: int = int(os.environ.get("BENCH_OPENING_RATE", "0"))
    max_active: int = int(os.environ.get("BENCH_OPENING_MAX_ACTIVE", "0"))
    # The sizing's inputs (docs/opening-day.md): the server's cores and the headroom kept...
    cores: float = float(os.environ.get("BENCH_OPENING_CORES", "1"))
    headroom: float = float(os.environ.get("BENCH_OPENING_HEADROOM", "0.75"))
    # ...server CPU (gunicorn) of one admitted candidate's requests here: the poll that admits
    # them, the review page, the hold (which opens the payment) and the logout, from the journey
    # bench's per-page figures (10.5 + 33.5 ms, the logout and the poll about 10 ms more, on the
    # Intel Xeon machine: 60 ms; the shared AMD EPYC one is about 1.5 times slower, and at 60 ms
    # its server core ran 85 % busy after the arrivals, above the 75 % sized)...
    journey_ms: float = float(os.environ.get("BENCH_OPENING_JOURNEY_MS", "90"))
    # ...of a waiting-room poll (the last opening bench's 15 s of polls only)...
    poll_ms: float = float(os.environ.get("BENCH_OPENING_POLL_MS", "1.6"))
    # ...the polls a second of the full line (0: from the intervals the room asks for, at the
    # rate in force, `line_polls`)...
    polls_per_s: float = float(os.environ.get("BENCH_OPENING_POLLS_PER_S", "0"))
    # ...and of the redirect before admission (bench/poll_cpu.py: 2.5-3.7 ms in process with the
    # session's write once a minute, plus about 0.7 ms of HTTP and gunicorn).
    redirect_ms: float = float(os.environ.get("BENCH_OPENING_REDIRECT_MS", "3.5"))
    rate_floor: int = int(os.environ.get("BENCH_OPENING_RATE_FLOOR", "30"))
    page_target_s: float = float(os.environ.get("BENCH_OPENING_PAGE_TARGET_S", "1"))
    journey_requests: int = 3  # review, hold, logout
    # An admitted candidate holds a pass from the admission, before seeing it: until the next
    # poll, at the refresh interval of the line's head (5 s under 100 ahead, 10 s under 1,000).
    notice_s: float = float(os.environ.get("BENCH_OPENING_NOTICE_S", "10"))
    sessions: int = int(os.environ.get("BENCH_OPENING_SESSIONS", "40"))
    capacity: int = int(os.environ.get("BENCH_OPENING_CAPACITY", "25"))
    pause: float = float(os.environ.get("BENCH_OPENING_PAUSE", "15"))
    drain_after: float = float(os.environ.get("BENCH_OPENING_DRAIN_AFTER", "165"))
    paced: float = float(os.environ.get("BENCH_OPENING_PACED", "60"))
    budget: float = float(os.environ.get("BENCH_OPENING_BUDGET", "300"))
    connections: int = int(os.environ.get("BENCH_OPENING_CONNECTIONS", "200"))
    request_timeout: float = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "60"))
    seed: int = int(os.environ.get("BENCH_SEED", "2026"))
    server_pid: int = int(os.environ.get("BENCH_GUNICORN_PID", "0"))
    dbname: str = os.environ.get("BENCH_DB", "rukhsa_bench")


@dataclass(frozen=True)
class Sizing:
    """The admission the server's CPU affords, while candidates arrive and after."""

    arrivals_per_s: float
    arriving_cpu: float  # core-seconds a second the arrivals' redirects and polls take
    waiting_cpu: float  # ... the full line's polls take after the last arrival
    budget: float  # core-seconds a second kept for everything (cores x headroom)
    rate_arriving: int  # a minute, while candidates arrive
    rate_after: int  # a minute, after the last arrival
    max_active: int
    fixed: bool  # BENCH_OPENING_RATE / _MAX_ACTIVE given: no sizing


def sizing(cfg: Config) -> Sizing:
    """rate = 60 x (cores x headroom - arrivals/s x CPU per redirect - polls/s x CPU per poll)
    / CPU per admitted candidate; the line's polls grow from none to all during the arrivals
    (half on average). Max active = rate/s x the time a pass is held (Little's law): until the
    candidate's next poll, then requests per candidate x the page time aimed at."""
    arrivals = cfg.candidates / cfg.window
    budget = cfg.cores * cfg.headroom
    journey = cfg.journey_ms / 1000

    def rate(load: float) -> int:
        return max(cfg.rate_floor, int(60 * (budget - load) / journey))

    def polls(at_rate: float) -> float:
        return cfg.polls_per_s or line_polls(cfg.candidates, at_rate)

    # While candidates arrive the line's polls grow from none to all (half on average), at the
    # floor rate; after, the rate the polls leave room for sets how often they poll (a faster
    # line polls more): a few rounds settle it.
    arriving = arrivals * cfg.redirect_ms / 1000 + polls(cfg.rate_floor) / 2 * cfg.poll_ms / 1000
    after = rate(polls(cfg.rate_floor) * cfg.poll_ms / 1000)
    for _ in range(4):
        after = rate(polls(after) * cfg.poll_ms / 1000)
    waiting = polls(after) * cfg.poll_ms / 1000
    held = cfg.notice_s + cfg.journey_requests * cfg.page_target_s  # seconds with a pass
    active = max(2, math.ceil(after / 60 * held))
    if cfg.rate or cfg.max_active:
        fixed_rate = cfg.rate or after
        return Sizing(
            arrivals,
            arriving,
            waiting,
            budget,
            fixed_rate,
            fixed_rate,
            cfg.max_active or active,
            True,
        )
    return Sizing(arrivals, arriving, waiting, budget, rate(arriving), after, active, False)


def line_polls(waiting: int, rate: float) -> float:
    """Polls a second of a line of `waiting` candidates at `rate` admissions a minute, each at
    the interval the room asks for (`admission.services.refresh_seconds`)."""
    from rukhsa.admission.services import refresh_seconds
    from rukhsa.admission.store import WAITING, Status

    return sum(
        1 / refresh_seconds(Status(WAITING, place=place, queue_length=waiting, rate=rate))
        for place in range(1, waiting + 1)
    )


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    django.setup()


# --- prepare (Django) ----------------------------------------------------------------------------


def prepare(cfg: Config) -> dict[str, Any]:
    from datetime import time as clock_time
    from datetime import timedelta

    from dataset import GENDER, _mint_sessions

    from rukhsa.accounts.models import User
    from rukhsa.admission.models import QueueSettings
    from rukhsa.catalog.models import Centre, Mode, ModesOffered, Period, Session, Specialization
    from rukhsa.catalog.models import Test as CatalogTest
    from rukhsa.core import clock
    from rukhsa.demo import loader

    source = CatalogTest.objects.get(code=loader.TEST_CODE)
    test = CatalogTest.objects.filter(code=TEST).first()
    if test is None:  # a test of its own: the classic burst's registrations do not interfere
        test = CatalogTest.objects.get(pk=source.pk)
        test.pk = None
        test.code = TEST
        test.save()
    now = clock.now()
    first = clock.today() + timedelta(days=200)
    period, _created = Period.objects.update_or_create(
        code=PERIOD,
        defaults={
            "test": test,
            "name_ar": "فترة قياس الافتتاح",
            "name_en": "Opening bench period",
            "modes": ModesOffered.DIGITAL,
            "registration_opens_at": now + timedelta(hours=1),  # set again when the run starts
            "registration_closes_at": now + timedelta(days=30),
            "first_test_day": first,
            "last_test_day": first + timedelta(days=10),
        },
    )
    sized = sizing(cfg)
    QueueSettings.objects.update_or_create(
        period=period,
        defaults={
            "rate_per_minute": sized.rate_arriving,
            "max_active": sized.max_active,
            "pass_minutes": 5,
            "starts_before_minutes": 90,
        },
    )
    spec = Specialization.objects.filter(active=True).order_by("order", "code").first()
    assert spec is not None, "no specialization: did load_demo run?"
    centres = list(
        Centre.objects.filter(mode=Mode.DIGITAL, gender=GENDER).order_by("code")[: cfg.sessions]
    )
    sessions = []
    for i, centre in enumerate(centres):
        session, _made = Session.objects.get_or_create(
            centre=centre,
            date=first + timedelta(days=i % 5),
            start_time=clock_time(8),
            defaults={"period": period, "capacity": cfg.capacity},
        )
        session.specializations.add(spec)
        sessions.append(session.pk)
    users = list(
        User.objects.filter(
            email__endswith="@national.rukhsa.example",
            gender=GENDER,
            is_active=True,
            mobile_verified_at__isnull=False,
            email_verified_at__isnull=False,
        ).order_by("-pk")[: cfg.candidates]
    )
    users = [u for u in users if u.profile_complete]
    if len(users) < cfg.candidates:
        raise RuntimeError(f"only {len(users)} ready candidates; load more national ones")
    keys = _mint_sessions(users, terms_for={u.pk for u in users}, period=PERIOD)
    return {
        "period": PERIOD,
        "period_id": period.pk,
        "spec": spec.code,
        "sessions": sessions,
        "candidates": [{"id": u.pk, "session_key": keys[u.pk]} for u in users],
    }


# --- run -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    gate: Timings = field(default_factory=Timings)  # the first journey request (redirected)
    polls: Timings = field(default_factory=Timings)
    pages: Timings = field(default_factory=Timings)  # registration pages of admitted candidates
    pages_by_slice: dict[int, Timings] = field(default_factory=dict)
    # The same, sent after the last scheduled arrival and before the drain: the line holds
    # thousands and only polls and admitted candidates reach the server.
    polls_after: Timings = field(default_factory=Timings)
    pages_after: Timings = field(default_factory=Timings)
    arrivals_end: float = float("inf")  # seconds after t0
    polls_by_slice: dict[int, Timings] = field(default_factory=dict)  # 10-s slices after t0
    cpu_by_slice: dict[int, dict[str, int]] = field(default_factory=dict)  # % busy per CPU
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    intended: dict[int, float] = field(default_factory=dict)  # candidate id → scheduled time
    arrived: dict[int, float] = field(default_factory=dict)  # candidate id → time sent
    admitted: dict[int, float] = field(default_factory=dict)  # time the candidate saw it
    holds: list[float] = field(default_factory=list)
    polls_in_window: int = 0
    pages_in_window: int = 0
    pages_in_flight: int = 0
    measuring: bool = False
    gate_done: int = 0
    gate_in_window: int = 0  # first journey requests sent while the polls were measured
    drained: bool = False
    admitted_before_drain: int = -1  # the admission log's length when the drain began
    drained_at: float = float("nan")  # seconds after the opening

    def page(self, seconds: float, at: float) -> None:
        self.pages.add(seconds)
        if at > self.arrivals_end and not self.drained:
            self.pages_after.add(seconds)
        self.pages_by_slice.setdefault(int(at // 10), Timings()).add(seconds)
        if self.measuring:
            self.pages_in_window += 1


@dataclass
class Visitor:
    """A candidate's browser, made before the clock starts (making 10,000 clients takes CPU
    seconds, which would otherwise delay the first arrivals)."""

    id: int
    client: Client
    token: str
    session: int
    target: str


def visitor(
    row: dict[str, Any],
    *,
    state: dict[str, Any],
    cfg: Config,
    transport: Pool,
    rng: random.Random,
) -> Visitor:
    token = "".join(rng.choices(string.ascii_letters + string.digits, k=32))
    cookies = {"sessionid": row["session_key"], "csrftoken": token, "django_language": "en"}
    session = rng.choice(state["sessions"])
    target = f"/register/{state['period']}/review/?session={session}&spec={state['spec']}"
    # All candidates share the pool's connections (bench/rawhttp.py: httpx needed the whole
    # core the generator shares with PostgreSQL and Redis).
    client = Client(transport, cookies, cfg.request_timeout)
    return Visitor(row["id"], client, token, session, target)


async def candidate(
    v: Visitor,
    *,
    state: dict[str, Any],
    t0: float,
    arrive: float,
    deadline: float,
    figures: Figures,
    gate: asyncio.Semaphore,
) -> None:
    client, token, session, target = v.client, v.token, v.session, v.target
    row = {"id": v.id}
    figures.intended[v.id] = time.time() + (t0 + arrive - time.perf_counter())
    await asyncio.sleep(max(0.0, t0 + arrive - time.perf_counter()))
    try:
        async with gate:
            figures.arrived[row["id"]] = time.time()
            if figures.measuring:
                figures.gate_in_window += 1
            started = time.perf_counter()
            r = await client.get(target)
            figures.gate.add(time.perf_counter() - started)
        figures.gate_done += 1
        if r.status_code == 302 and "/waiting-room/" in r.headers["location"]:
            room = r.headers["location"]
            while True:
                if time.perf_counter() > deadline:
                    figures.outcomes["still waiting at the end"] += 1
                    return
                async with gate:  # as htmx polls: the status fragment
                    started = time.perf_counter()
                    r = await client.get(room, headers={"HX-Request": "true"})
                    figures.polls.add(time.perf_counter() - started)
                    took = time.perf_counter() - started
                    if started - t0 > figures.arrivals_end and not figures.drained:
                        figures.polls_after.add(took)
                    figures.polls_by_slice.setdefault(int((started - t0) // 10), Timings()).add(
                        took
                    )
                if figures.measuring:
                    figures.polls_in_window += 1
                if r.status_code == 204 and "hx-redirect" in r.headers:
                    break
                if r.status_code != 200:
                    figures.errors[f"poll http {r.status_code}"] += 1
                    return
                found = EVERY.search(r.content)
                await asyncio.sleep(int(found.group(1)) if found else 5)
            if r.headers["hx-redirect"] != target:
                figures.errors["admitted elsewhere"] += 1
                return
            if figures.drained:
                figures.outcomes["admitted by the drain (no pages)"] += 1
                return
        elif r.status_code != 200:
            figures.errors[f"gate http {r.status_code}"] += 1
            return
        figures.admitted[row["id"]] = time.time()
        figures.pages_in_flight += 1
        try:
            async with gate:
                await journey(client, target, session, token, state, t0, figures)
        finally:
            figures.pages_in_flight -= 1
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        figures.errors[type(exc).__name__] += 1


async def journey(
    client: Client,
    target: str,
    session: int,
    token: str,
    state: dict[str, Any],
    t0: float,
    figures: Figures,
) -> None:
    """Admitted: the review page, the hold, then log out (which ends the pass)."""
    started = time.perf_counter()
    page = await client.get(target)
    figures.page(time.perf_counter() - started, started - t0)
    if page.status_code != 200:
        figures.errors[f"review http {page.status_code}"] += 1
        return
    started = time.perf_counter()
    hold = await client.post(
        target.split("?")[0],
        data={"session": str(session), "spec": state["spec"]},
        headers={"X-CSRFToken": token},
    )
    figures.page(time.perf_counter() - started, started - t0)
    if hold.status_code == 302 and _held(hold.headers["location"]):
        figures.outcomes["seat held"] += 1
        figures.holds.append(time.perf_counter() - t0)
    elif hold.status_code == 409:
        figures.outcomes["session full (409)"] += 1
    else:
        figures.errors[f"hold http {hold.status_code}"] += 1
    out = await client.post("/accounts/logout/", headers={"X-CSRFToken": token})
    if out.status_code != 302:
        figures.errors[f"logout http {out.status_code}"] += 1


def _held(location: str) -> bool:
    """A hold's redirect: to the payment (the gateway's card page), or to the registration when
    the payment could not start; a journey step or the login page means no seat was held."""
    return "/register/" not in location and "/accounts/" not in location


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        for rank, i in enumerate(order):
            out[i] = float(rank)
        return out

    n = len(xs)
    if n < 3:
        return float("nan")
    rx, ry = ranks(xs), ranks(ys)
    mean = (n - 1) / 2
    cov = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    var = sum((a - mean) ** 2 for a in rx)
    return cov / var


async def drive(
    state: dict[str, Any], cfg: Config, figures: Figures, opening_wall: float
) -> dict[str, Any]:
    from rukhsa.admission import services

    rng = random.Random(cfg.seed)
    transport = Pool(cfg.base_url, cfg.connections)
    rows = list(state["candidates"])
    rng.shuffle(rows)
    visitors = [
        visitor(row, state=state, cfg=cfg, transport=transport, rng=random.Random(rng.random()))
        for row in rows
    ]
    await asyncio.sleep(max(0.0, opening_wall - cfg.lead - time.time()))
    t0 = time.perf_counter()
    figures.arrivals_end = cfg.window + 1  # the last scheduled arrival, and a second
    opening_at = t0 + cfg.lead
    deadline = opening_at + cfg.budget
    step = cfg.window / max(1, len(rows))
    # At most `connections` requests in flight (the time waiting for one counts in the figures,
    # as a browser's wait would).
    gate = asyncio.Semaphore(cfg.connections)
    sampler = asyncio.ensure_future(cpu_busy_by_slice(t0, figures))
    tasks = [
        asyncio.ensure_future(
            candidate(
                v,
                state=state,
                t0=t0,
                arrive=i * step,
                deadline=deadline,
                figures=figures,
                gate=gate,
            )
        )
        for i, v in enumerate(visitors)
    ]
    # Half-way through the rush, after the last arrival: the operator pauses admission; those
    # admitted finish their pages, then only polls reach the server, and we measure them.
    pause_at = t0 + cfg.window + 10
    await asyncio.sleep(max(0.0, pause_at - time.perf_counter()))
    await asyncio.to_thread(services.queue_control, period_id=state["period_id"], action="pause")
    # The arrivals are over: the operator raises the rate to what the polls leave room for
    # (the servers read it within their 5 s cache, before the pause ends).
    sized = sizing(cfg)
    await asyncio.to_thread(set_rate, state["period_id"], sized.rate_after, sized.max_active)
    # Those admitted finish their pages first, and every arrival has had its first answer (a
    # loaded machine sends or serves them late), so that only polls reach the server.
    drained_by = time.perf_counter() + 60
    while (figures.pages_in_flight or figures.gate_done < len(rows)) and (
        time.perf_counter() < drained_by
    ):
        await asyncio.sleep(0.5)
    meter = CpuMeter(cfg.server_pid, cfg.dbname)
    meter.start()
    figures.measuring = True
    window_started = time.perf_counter()
    while time.perf_counter() - window_started < cfg.pause:
        await asyncio.sleep(0.5)
        meter.sample()
    figures.measuring = False
    window = time.perf_counter() - window_started
    cpu = meter.stop()
    await asyncio.to_thread(services.queue_control, period_id=state["period_id"], action="resume")
    resumed = time.perf_counter()
    if cfg.drain_after > 0:
        # At least BENCH_OPENING_PACED seconds of paced admission at the raised rate, also when
        # a loaded machine made the arrivals and the pause late.
        drain_at = max(opening_at + cfg.drain_after, resumed + cfg.paced)
        await asyncio.sleep(max(0.0, drain_at - time.perf_counter()))
        log = await asyncio.to_thread(services.store().admission_log, state["period_id"])
        figures.admitted_before_drain = len(log)
        figures.drained = True
        figures.drained_at = time.perf_counter() - opening_at
        await asyncio.to_thread(
            services.queue_control, period_id=state["period_id"], action="drain"
        )
    _done, pending = await asyncio.wait(
        tasks, timeout=max(1.0, deadline + 30 - time.perf_counter())
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    sampler.cancel()
    await transport.aclose()
    return {
        "opening_wall": opening_wall,
        "poll_window_s": window,
        "poll_window_cpu": cpu,
        "unfinished": len(pending),
        "drive_s": time.perf_counter() - t0,
    }


def _cpu_ticks() -> dict[str, tuple[int, int]]:
    """(all, idle) jiffies of each CPU, from /proc/stat."""
    ticks = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            counts = [int(v) for v in values]
            ticks[name] = (sum(counts), counts[3] + counts[4])
    return ticks


async def cpu_busy_by_slice(t0: float, figures: Figures) -> None:
    """Each CPU's busy share per 10-s slice of the run: which core set the pace (the server's,
    or the one the load generator shares with PostgreSQL and Redis)."""
    before = _cpu_ticks()
    while True:
        await asyncio.sleep(10 - (time.perf_counter() - t0) % 10)
        now = _cpu_ticks()
        slice_ = int((time.perf_counter() - t0 - 1) // 10)
        figures.cpu_by_slice[slice_] = {
            cpu: round(100 * (1 - (now[cpu][1] - before[cpu][1]) / max(1, total - before[cpu][0])))
            for cpu, (total, _idle) in now.items()
        }
        before = now


def set_rate(period_id: int, rate: int, max_active: int) -> None:
    """What the operator does in the back office: a new rate and maximum active."""
    from rukhsa.admission.models import QueueSettings

    QueueSettings.objects.filter(period_id=period_id).update(
        rate_per_minute=rate, max_active=max_active
    )


def report(state: dict[str, Any], cfg: Config, figures: Figures, run: dict[str, Any]) -> dict:
    from django.db.models import Count, F, Q

    from rukhsa.admission import services
    from rukhsa.admission.models import ShuffleRecord
    from rukhsa.booking.models import ACTIVE
    from rukhsa.catalog.models import Session

    opening = run["opening_wall"]
    log = services.store().admission_log(state["period_id"])
    order = {user: i for i, user in enumerate(log)}
    record = ShuffleRecord.objects.filter(period_id=state["period_id"]).first()
    joins = services.store().join_log(state["period_id"])
    # Those who joined the line after the opening, in the order the server gave their places.
    joined_after = joins[len(record.order) if record else 0 :]
    join_rank = {c: i for i, c in enumerate(joined_after)}
    after = [c for c in joined_after if c in order and c in figures.arrived]
    paced_end = figures.admitted_before_drain if figures.drained else len(log)
    paced = [c for c in after if order[c] < paced_end]
    drained = [c for c in after if order[c] >= paced_end]
    pre = [c for c in (record.entrants if record else []) if c in order]
    active = Q(registrations__status__in=ACTIVE)
    over = list(
        Session.objects.filter(pk__in=state["sessions"])
        .annotate(active=Count("registrations", filter=active))
        .filter(Q(active__gt=F("capacity")) | Q(seats_taken__gt=F("capacity")))
        .values("pk", "capacity", "seats_taken", "active")
    )
    held = sorted(figures.holds)
    selling = (held[-1] - held[0]) if len(held) > 1 else float("nan")
    cpu = run["poll_window_cpu"]
    polls = max(1, figures.polls_in_window)
    slices = [t.percentile(95) for t in figures.pages_by_slice.values() if len(t.samples) >= 20]
    return {
        "candidates": len(state["candidates"]),
        "arrived": len(figures.arrived),
        "arrived_before_opening": sum(1 for at in figures.arrived.values() if at <= opening),
        "admitted": len(log),
        "outcomes": dict(figures.outcomes),
        "errors": dict(figures.errors),
        "gate": figures.gate.summary(),
        "polls": figures.polls.summary(),
        "polls_after_arrivals": figures.polls_after.summary(),
        "polls_by_10s": {
            f"{k * 10}-{k * 10 + 10} s": {"n": len(t.samples), "p99_ms": t.percentile(99)}
            for k, t in sorted(figures.polls_by_slice.items())
        },
        "pages_by_10s": {
            f"{k * 10}-{k * 10 + 10} s": {"n": len(t.samples), "p95_ms": t.percentile(95)}
            for k, t in sorted(figures.pages_by_slice.items())
        },
        "cpu_busy_by_10s": {
            f"{k * 10}-{k * 10 + 10} s": busy for k, busy in sorted(figures.cpu_by_slice.items())
        },
        "pages_after_arrivals": figures.pages_after.summary(),
        "poll_window": {
            "seconds": run["poll_window_s"],
            "polls": figures.polls_in_window,
            "registration_pages": figures.pages_in_window,
            "journey_requests": figures.gate_in_window,
            "polls_per_s": figures.polls_in_window / run["poll_window_s"],
            "server_cpu_ms_per_poll": cpu["server_s"] * 1000 / polls,
            "db_cpu_ms_per_poll": cpu["db_s"] * 1000 / polls,
            **cpu,
        },
        "registration_pages": {
            **figures.pages.summary(),
            "worst_10s_p95_ms": max(slices, default=float("nan")),
        },
        "seats_held": len(held),
        "seats": len(state["sessions"]) * cfg.capacity,
        "seats_per_s": len(held) / selling if selling == selling and selling > 0 else float("nan"),
        "sold_out_after_opening_s": (held[-1] - cfg.lead) if held else float("nan"),
        "over_capacity": sum(
            max(r["active"] - r["capacity"], r["seats_taken"] - r["capacity"]) for r in over
        ),
        "fairness_after_opening": fairness(after, order, join_rank, figures),
        "fairness_paced": fairness(paced, order, join_rank, figures),
        "fairness_drain": fairness(drained, order, join_rank, figures),
        "sizing": vars(sizing(cfg)),
        "joined_after_opening": len(joined_after),
        "admitted_before_drain": paced_end,
        "drained": figures.drained,
        "drained_after_opening_s": figures.drained_at,
        "last_arrival_sent_after_opening_s": (
            max(figures.arrived.values()) - run["opening_wall"] if figures.arrived else float("nan")
        ),
        "shuffle_before_opening": {
            "n": len(pre),
            "spearman_arrival_vs_admission": spearman(
                [float(i) for i in range(len(pre))], [float(order[c]) for c in pre]
            ),
            "order_as_recorded": bool(record)
            and [c for c in log if c in set(record.order)]
            == [c for c in record.order if c in order],
        },
        "unfinished_tasks": run["unfinished"],
        "drive_s": run["drive_s"],
    }


def fairness(
    who: list[int], order: dict[int, int], join_rank: dict[int, int], figures: Figures
) -> dict[str, float]:
    admission = [float(order[c]) for c in who]
    joined = [float(join_rank[c]) for c in who]
    return {
        "n": len(who),
        "server_join_vs_admission": spearman(joined, admission),
        "sent_vs_admission": spearman([figures.arrived[c] for c in who], admission),
        "scheduled_vs_admission": spearman([figures.intended[c] for c in who], admission),
        "scheduled_vs_server_join": spearman([figures.intended[c] for c in who], joined),
    }


def render(r: dict[str, Any], cfg: Config) -> str:
    def lat(s: dict[str, float]) -> str:
        return f"p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms (n={s['n']})"

    w = r["poll_window"]
    z = r["sizing"]
    pages = r["registration_pages"]
    m = r["machine"]
    lines = [
        "Opening-day burst through the waiting room",
        f"  machine: {m['cpu']} x{m['nproc']}, {m['memory_gb']} GB, load "
        f"{m['load_before'][0]:.2f} before / {m['load_after'][0]:.2f} after; {m['server']}",
        f"  {r['arrived']} candidates arrived, scheduled within {cfg.window:.0f} s "
        f"({r['arrived_before_opening']} before the opening; the last sent "
        f"{r['last_arrival_sent_after_opening_s']:.0f} s after it)",
        f"  admission {'fixed' if z['fixed'] else 'sized'}: {z['rate_arriving']}/min while "
        f"candidates arrive, {z['rate_after']}/min after, max active {z['max_active']} "
        f"(of {z['budget']:.2f} core-s/s: arrivals and polls {z['arriving_cpu']:.2f}, the full "
        f"line's polls {z['waiting_cpu']:.2f}; {cfg.journey_ms:.0f} ms per admitted candidate)",
        f"  journey request before admission (redirect): {lat(r['gate'])}",
        f"  waiting-room polls: {lat(r['polls'])}; after the last arrival, before the drain: "
        f"{lat(r['polls_after_arrivals'])}",
        f"  polls only ({w['seconds']:.0f} s paused): {w['polls_per_s']:.0f} polls/s, server CPU "
        f"{w['server_cpu_ms_per_poll']:.2f} ms per poll, database {w['db_cpu_ms_per_poll']:.2f} ms"
        f" ({w['registration_pages']} registration pages finished and {w['journey_requests']} "
        "first journey requests sent in the window: other requests than polls)",
        f"  registration pages of admitted candidates: p50 {pages['p50_ms']:.0f} ms, "
        f"p95 {pages['p95_ms']:.0f} ms, p99 {pages['p99_ms']:.0f} ms; worst 10-s p95 "
        f"{pages['worst_10s_p95_ms']:.0f} ms; after the last arrival, before the drain: p95 "
        f"{r['pages_after_arrivals']['p95_ms']:.0f} ms (n={r['pages_after_arrivals']['n']})",
        "  CPU busy by 10-s slice from the first arrival, "
        + "/".join(sorted(next(iter(r["cpu_busy_by_10s"].values()), {})))
        + " %: "
        + " ".join(
            "/".join(str(v) for _, v in sorted(b.items())) for b in r["cpu_busy_by_10s"].values()
        ),
        f"  admitted {r['admitted']}; outcomes {r['outcomes']}",
        f"  seats held {r['seats_held']} of {r['seats']}, {r['seats_per_s']:.1f} per s while "
        f"selling; over capacity: {r['over_capacity']}",
        f"  errors: {sum(r['errors'].values())} {r['errors'] or ''}",
        f"  admitted {r['admitted_before_drain']} at the paced rate"
        + (
            f", then the line drained {r['drained_after_opening_s']:.0f} s after the opening "
            "(admitted at once, in line order)"
            if r["drained"]
            else ""
        ),
        f"  fairness, joined after the opening ({r['joined_after_opening']} joined):",
        *(
            f"    {label}: Spearman vs admission: server join order "
            f"{f['server_join_vs_admission']:.4f}, "
            f"request sent {f['sent_vs_admission']:.4f}, scheduled arrival "
            f"{f['scheduled_vs_admission']:.4f} (n={f['n']}); scheduled vs server join "
            f"{f['scheduled_vs_server_join']:.4f}"
            for label, f in (
                ("all admitted", r["fairness_after_opening"]),
                ("paced admission only", r["fairness_paced"]),
                ("the drain only", r["fairness_drain"]),
            )
        ),
        f"  pre-queue: Spearman arrival vs admission "
        f"{r['shuffle_before_opening']['spearman_arrival_vs_admission']:.3f} "
        f"(n={r['shuffle_before_opening']['n']}), admitted in the recorded shuffle order: "
        f"{r['shuffle_before_opening']['order_as_recorded']}",
    ]
    return "\n".join(lines)


def cmd_run(state_path: Path, results_path: Path | None, cfg: Config) -> int:
    django_setup()
    from datetime import timedelta

    from rukhsa.admission import services
    from rukhsa.catalog.models import Period
    from rukhsa.core import clock

    state = json.loads(state_path.read_text())
    services.store().reset(state["period_id"])
    # The opening: after the servers' cached waiting-room settings (5 s) have seen it, and the
    # first arrivals' lead.
    settle = 7.0
    opens = clock.now() + timedelta(seconds=settle + cfg.lead)
    opening_wall = opens.timestamp()
    Period.objects.filter(pk=state["period_id"]).update(registration_opens_at=opens)
    load_before = os.getloadavg()
    figures = Figures()
    failure = ""
    run: dict[str, Any] = {}
    try:
        run = asyncio.run(drive(state, cfg, figures, opening_wall))
    except Exception as exc:  # report what was measured, then fail
        failure = f"{type(exc).__name__}: {exc}"
        run = {
            "opening_wall": opening_wall,
            "poll_window_s": 1.0,
            "poll_window_cpu": {"server_s": 0.0, "db_s": 0.0},
            "unfinished": -1,
            "drive_s": 0.0,
        }
    results = report(state, cfg, figures, run)
    results["machine"] = {
        **machine_facts(),
        "python": platform.python_version(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "server": os.environ.get("BENCH_SERVER", ""),
    }
    results["config"] = vars(cfg)
    print(render(results, cfg))
    if results_path:
        results_path.write_text(json.dumps(results, indent=2, default=str))
        print(f"Raw results: {results_path}")
    if results["over_capacity"]:
        print("FAIL: a session is over capacity.", file=sys.stderr)
        return OVER_CAPACITY
    if failure:
        print(f"HARNESS FAILED: {failure}", file=sys.stderr)
        return HARNESS_FAILED
    return OK


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run"])
    parser.add_argument("state", type=Path)
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args()
    cfg = Config()
    if args.command == "prepare":
        django_setup()
        started = time.perf_counter()
        state = prepare(cfg)
        args.state.write_text(json.dumps(state))
        print(
            f"Prepared {len(state['candidates'])} logged-in candidates and "
            f"{len(state['sessions'])} sessions for the opening in "
            f"{time.perf_counter() - started:.1f} s."
        )
        return OK
    return cmd_run(args.state, args.results, cfg)


if __name__ == "__main__":
    sys.exit(main())
