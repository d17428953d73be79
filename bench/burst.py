"""The registration-opening burst, end to end over HTTP against a running gunicorn.

    burst.py prepare STATE   pick hot sessions and candidates, log most of them in (Django)
    burst.py run STATE       drive the burst, check the database, print the report

`scripts/bench.sh` creates the database, starts and stops the server and calls both. Phases of
`run`, each bounded in requests and in time:

1. login:  a sample of candidates log in through the form (GET + POST with CSRF; Argon2).
2. terms:  every candidate opens the period's notes page and accepts the terms.
3. holds:  every candidate POSTs the review form for one of the hot sessions, chosen at random,
           all at once through a pool of concurrent connections.
4. reads:  logged-in candidates GET the choose steps (specialization, city, centre, date, slot).

Exit status: 0 when the run completed and no session is over capacity; 1 when a session is over
capacity (or its seat counter disagrees with its registrations); 2 when the harness failed.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import platform
import random
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rawhttp import HTTP_ERRORS, Client, Pool, Response
from stats import CpuMeter, Timings, machine_facts, render_report

OK, OVER_CAPACITY, HARNESS_FAILED = 0, 1, 2


@dataclass
class Config:
    base_url: str = os.environ.get("BENCH_URL", "http://127.0.0.1:8090")
    candidates: int = int(os.environ.get("BENCH_CANDIDATES", "2000"))
    logins: int = int(os.environ.get("BENCH_LOGINS", "48"))
    terms_http: int = int(os.environ.get("BENCH_TERMS_HTTP", "300"))
    login_concurrency: int = int(os.environ.get("BENCH_LOGIN_CONCURRENCY", "16"))
    terms_concurrency: int = int(os.environ.get("BENCH_TERMS_CONCURRENCY", "64"))
    concurrency: int = int(os.environ.get("BENCH_CONCURRENCY", "300"))
    hot: int = int(os.environ.get("BENCH_HOT_SESSIONS", "4"))
    read_requests: int = int(os.environ.get("BENCH_READ_REQUESTS", "3000"))
    read_concurrency: int = int(os.environ.get("BENCH_READ_CONCURRENCY", "100"))
    read_seconds: float = float(os.environ.get("BENCH_READ_SECONDS", "45"))
    phase_timeout: float = float(os.environ.get("BENCH_PHASE_TIMEOUT", "200"))
    request_timeout: float = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "60"))
    seed: int = int(os.environ.get("BENCH_SEED", "2026"))
    server_pid: int = int(os.environ.get("BENCH_GUNICORN_PID", "0"))
    dbname: str = os.environ.get("BENCH_DB", "rukhsa_bench")


@dataclass
class Candidate:
    id: int
    identifier: str
    session_key: str | None
    client: Client
    ready: bool = False
    notes: list[str] = field(default_factory=list)

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    def prefer_english(self) -> None:
        """Refusals are classified by their English sentence (the cookie a candidate sets by
        switching language; the work per request is the same)."""
        self.client.cookies["django_language"] = "en"


# --- Phases -----------------------------------------------------------------------------------


async def bounded(jobs: list[Any], limit: int, timeout: float) -> int:
    """Run coroutine factories with at most `limit` in flight; cancel what is left after
    `timeout` seconds and return how many did not finish."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with gate:
            return await job()

    tasks = [asyncio.ensure_future(one(j)) for j in jobs]
    _done, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return len(pending)


async def phase_login(cands: list[Candidate], password: str, cfg: Config) -> dict[str, Any]:
    timings = Timings()
    outcomes: Counter[str] = Counter()

    def job(c: Candidate) -> Any:
        async def run() -> None:
            try:
                await c.client.get("/accounts/login/")
                started = time.perf_counter()
                r = await c.client.post(
                    "/accounts/login/",
                    data={
                        "identifier": c.identifier,
                        "password": password,
                        "csrfmiddlewaretoken": c.csrf(),
                    },
                )
                timings.add(time.perf_counter() - started)
                if r.status_code == 302 and "/accounts/login" not in r.headers["location"]:
                    outcomes["ok"] += 1
                    c.prefer_english()
                else:
                    outcomes[f"http {r.status_code}"] += 1
                    c.notes.append(f"login answered {r.status_code}")
            except HTTP_ERRORS as exc:
                outcomes[type(exc).__name__] += 1

        return run

    started = time.perf_counter()
    unfinished = await bounded([job(c) for c in cands], cfg.login_concurrency, cfg.phase_timeout)
    wall = time.perf_counter() - started
    return {
        "unfinished": unfinished,
        "count": len(cands),
        "concurrency": cfg.login_concurrency,
        "wall_s": wall,
        "per_s": outcomes["ok"] / wall if wall else 0.0,
        "outcomes": dict(outcomes),
        "latency": timings.summary(),
    }


async def phase_terms(cands: list[Candidate], period: str, cfg: Config) -> dict[str, Any]:
    timings = Timings()
    outcomes: Counter[str] = Counter()
    notes = f"/register/{period}/"

    def job(c: Candidate) -> Any:
        async def run() -> None:
            try:
                started = time.perf_counter()
                page = await c.client.get(notes)
                r = await c.client.post(
                    notes, data={"accept": "yes"}, headers={"X-CSRFToken": c.csrf()}
                )
                timings.add(time.perf_counter() - started)
                if (
                    page.status_code == 200
                    and r.status_code == 302
                    and r.headers["location"].endswith("/choose/")
                ):
                    outcomes["ok"] += 1
                    c.ready = True
                else:
                    outcomes[f"http {page.status_code}/{r.status_code}"] += 1
            except HTTP_ERRORS as exc:
                outcomes[type(exc).__name__] += 1

        return run

    started = time.perf_counter()
    unfinished = await bounded([job(c) for c in cands], cfg.terms_concurrency, cfg.phase_timeout)
    wall = time.perf_counter() - started
    return {
        "unfinished": unfinished,
        "count": len(cands),
        "concurrency": cfg.terms_concurrency,
        "wall_s": wall,
        "per_s": outcomes["ok"] / wall if wall else 0.0,
        "outcomes": dict(outcomes),
        "latency": timings.summary(),
    }


def _held(location: str) -> bool:
    """A hold's redirect: to the payment (the gateway's card page), or to the registration when
    the payment could not start; a journey step or the login page means no seat was held."""
    return "/register/" not in location and "/accounts/" not in location


def classify(r: Response) -> str:
    if r.status_code == 302:
        return "held" if _held(r.headers["location"]) else "redirected"
    if r.status_code == 409:
        text = r.content.decode()
        if "session is full" in text or "has just become full" in text:
            return "full"
        if "Many candidates are booking" in text:
            return "busy"
        if "already have an active registration" in text:
            return "already"
        return "refused"
    return f"http {r.status_code}"


async def phase_holds(
    cands: list[Candidate], state: dict[str, Any], cfg: Config, rng: random.Random
) -> dict[str, Any]:
    timings = Timings()
    by_outcome: dict[str, Timings] = {}
    outcomes: Counter[str] = Counter()
    review = f"/register/{state['period']}/review/"
    hot = [h["id"] for h in state["hot"]]
    picks = {c.id: rng.choice(hot) for c in cands}
    last_held = 0.0
    started = 0.0

    def job(c: Candidate) -> Any:
        async def run() -> None:
            nonlocal last_held
            t0 = time.perf_counter()
            try:
                r = await c.client.post(
                    review,
                    data={"session": str(picks[c.id]), "spec": state["spec"]},
                    headers={"X-CSRFToken": c.csrf()},
                )
                outcome = classify(r)
            except HTTP_ERRORS as exc:
                outcome = f"error {type(exc).__name__}"
            t1 = time.perf_counter()
            timings.add(t1 - t0)
            by_outcome.setdefault(outcome, Timings()).add(t1 - t0)
            outcomes[outcome] += 1
            if outcome == "held":
                last_held = max(last_held, t1 - started)

        return run

    jobs = [job(c) for c in cands]
    started = time.perf_counter()
    unfinished = await bounded(jobs, cfg.concurrency, cfg.phase_timeout)
    wall = time.perf_counter() - started
    return {
        "unfinished": unfinished,
        "count": len(cands),
        "concurrency": cfg.concurrency,
        "wall_s": wall,
        "per_s": len(cands) / wall if wall else 0.0,
        "sold_out_after_s": last_held,
        "outcomes": dict(outcomes),
        "latency": timings.summary(),
        "latency_by_outcome": {k: v.summary() for k, v in sorted(by_outcome.items())},
    }


async def phase_reads(
    cands: list[Candidate], state: dict[str, Any], cfg: Config, rng: random.Random
) -> dict[str, Any]:
    steps = [s for s, urls in state["read_urls"].items() if urls]
    per_step = {s: Timings() for s in steps}
    outcomes: Counter[str] = Counter()
    overall = Timings()
    remaining = cfg.read_requests
    deadline = time.perf_counter() + cfg.read_seconds

    async def worker(c: Candidate, wrng: random.Random) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            step = wrng.choice(steps)
            url = wrng.choice(state["read_urls"][step])
            t0 = time.perf_counter()
            try:
                r = await c.client.get(url)
                outcome = "ok" if r.status_code == 200 else f"http {r.status_code}"
            except HTTP_ERRORS as exc:
                outcome = f"error {type(exc).__name__}"
            dt = time.perf_counter() - t0
            outcomes[outcome] += 1
            if outcome == "ok":
                per_step[step].add(dt)
                overall.add(dt)

    readers = cands[: cfg.read_concurrency]
    started = time.perf_counter()
    workers = [functools.partial(worker, c, random.Random(rng.random())) for c in readers]
    # Requests still in flight 15 s after the deadline are cancelled (reported as unfinished).
    unfinished = await bounded(workers, len(workers), cfg.read_seconds + 15)
    wall = time.perf_counter() - started
    return {
        "unfinished": unfinished,
        "stopped_by_deadline": remaining > 0,
        "count": sum(outcomes.values()),
        "concurrency": len(readers),
        "wall_s": wall,
        "per_s": outcomes["ok"] / wall if wall else 0.0,
        "outcomes": dict(outcomes),
        "latency": overall.summary(),
        "steps": {
            s: {**t.summary(), "per_s": len(t.samples) / wall if wall else 0.0}
            for s, t in per_step.items()
        },
    }


# --- Entry points -----------------------------------------------------------------------------


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    django.setup()


def cmd_prepare(state_path: Path, cfg: Config) -> int:
    django_setup()
    from dataset import prepare

    started = time.perf_counter()
    state = prepare(
        candidates=cfg.candidates, logins=cfg.logins, terms_http=cfg.terms_http, hot=cfg.hot
    )
    state["prepare_s"] = time.perf_counter() - started
    state_path.write_text(json.dumps(state))
    seats = sum(h["capacity"] for h in state["hot"])
    print(
        f"Prepared {len(state['candidates'])} candidates ({cfg.logins} to log in and "
        f"{cfg.terms_http} to accept the terms over HTTP), "
        f"{len(state['hot'])} hot sessions with {seats} seats, in {state['prepare_s']:.1f} s."
    )
    return OK


LOCK_SQL = """
    SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
           count(*) FILTER (WHERE state = 'active')
    FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()
"""


async def metered(cfg: Config, phase: Any) -> dict[str, Any]:
    """Run a phase; add the CPU time the server, the database and the rest used, and how many
    database backends were waiting on a row lock (sampled twice a second)."""
    meter = CpuMeter(cfg.server_pid, cfg.dbname)
    waiting: list[int] = []
    active: list[int] = []
    db = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    meter.start()

    async def sampler() -> None:
        while True:
            await asyncio.sleep(0.5)
            meter.sample()
            row = db.execute(LOCK_SQL, (cfg.dbname,)).fetchone()
            if row:
                waiting.append(row[0])
                active.append(row[1])

    task = asyncio.ensure_future(sampler())
    try:
        result = await phase
    finally:
        task.cancel()
        db.close()
    result["cpu"] = meter.stop()
    result["db_backends"] = {
        "lock_waiting_mean": sum(waiting) / len(waiting) if waiting else 0.0,
        "lock_waiting_max": max(waiting, default=0),
        "active_mean": sum(active) / len(active) if active else 0.0,
    }
    return result


async def drive(state: dict[str, Any], cfg: Config, results: dict[str, Any]) -> None:
    rng = random.Random(cfg.seed)
    # One pool of keep-alive connections for every candidate (bench/rawhttp.py: httpx's pool
    # spent the generator's core on its own bookkeeping, the core PostgreSQL runs on).
    pool = Pool(cfg.base_url, cfg.concurrency)
    cands = []
    for row in state["candidates"]:
        client = Client(pool, {}, cfg.request_timeout)
        cand = Candidate(row["id"], row["identifier"], row["session_key"], client)
        if cand.session_key:
            client.cookies["sessionid"] = cand.session_key
            cand.prefer_english()
        if row["terms_accepted"]:
            # Terms accepted before the burst (in the session); the browser already holds a
            # CSRF cookie from an earlier page. Django accepts any well-formed secret.
            token = "".join(rng.choices(string.ascii_letters + string.digits, k=32))
            client.cookies["csrftoken"] = token
            cand.ready = True
        cands.append(cand)
    try:
        to_login = [c for c in cands if not c.session_key]
        print(f"login: {len(to_login)} candidates through the login form…", flush=True)
        results["login"] = await metered(cfg, phase_login(to_login, state["password"], cfg))
        to_accept = [c for c in cands if not c.ready]
        print(f"terms: {len(to_accept)} candidates accept the terms over HTTP…", flush=True)
        results["terms"] = await metered(cfg, phase_terms(to_accept, state["period"], cfg))
        ready = [c for c in cands if c.ready]
        rng.shuffle(ready)
        print(f"holds: {len(ready)} candidates, {cfg.concurrency} at a time…", flush=True)
        results["holds"] = await metered(cfg, phase_holds(ready, state, cfg, rng))
        print(
            f"reads: up to {cfg.read_requests} choose-step pages or {cfg.read_seconds:.0f} s…",
            flush=True,
        )
        results["reads"] = await metered(cfg, phase_reads(ready, state, cfg, rng))
    finally:
        await pool.aclose()


def cmd_run(state_path: Path, results_path: Path | None, cfg: Config) -> int:
    state = json.loads(state_path.read_text())
    load_before = os.getloadavg()
    started = time.perf_counter()
    results: dict[str, Any] = {"config": {k: v for k, v in vars(cfg).items()}}
    failure = ""
    try:
        asyncio.run(drive(state, cfg, results))
    except Exception as exc:  # report what was measured, then fail
        failure = f"{type(exc).__name__}: {exc}"
    results["drive_s"] = time.perf_counter() - started
    django_setup()
    from dataset import machine, verify

    results["db"] = verify(state)
    results["machine"] = {
        **machine_facts(),
        **machine(),
        "python": platform.python_version(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "server": os.environ.get("BENCH_SERVER", ""),
    }
    results["hot"] = state["hot"]
    print(render_report(results))
    if results_path:
        results_path.write_text(json.dumps(results, indent=2, default=str))
        print(f"Raw results: {results_path}")
    db = results["db"]
    if db["over_capacity"] > 0 or db["seats_taken_mismatched"] or db["candidates_with_two_active"]:
        print("FAIL: capacity invariant broken (see above).", file=sys.stderr)
        return OVER_CAPACITY
    terms = results["terms"]
    if not failure and terms["outcomes"].get("ok", 0) < 0.95 * terms["count"]:
        failure = "too few candidates got through login and terms"
    if failure:
        print(f"HARNESS FAILED: {failure}", file=sys.stderr)
        return HARNESS_FAILED
    if results["holds"]["unfinished"]:
        # The server was slower than the phase's time budget: a measurement, not a failure.
        print(
            f"WARNING: {results['holds']['unfinished']} hold requests were still waiting for an "
            f"answer after {cfg.phase_timeout:.0f} s and were cancelled; the server may have "
            "finished them after the count above (the database check includes them).",
            file=sys.stderr,
        )
    held = results["holds"]["outcomes"].get("held", 0)
    if held != db["active_on_hot"]:
        # A hold the server committed after the client gave up is not a capacity breach.
        print(
            f"WARNING: {held} holds answered but {db['active_on_hot']} active registrations.",
            file=sys.stderr,
        )
    return OK


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run"])
    parser.add_argument("state", type=Path)
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args()
    cfg = Config()
    if args.command == "prepare":
        return cmd_prepare(args.state, cfg)
    return cmd_run(args.state, args.results, cfg)


if __name__ == "__main__":
    sys.exit(main())
