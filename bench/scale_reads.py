"""National-scale reads: each candidate page's server time on the demo data and at national scale.

    python bench/scale_reads.py [--walks N] [--results FILE]

Runs inside Django against an empty, migrated PostgreSQL database (settings from the
environment; `make bench` with BENCH_SCALE=1 creates one and runs this). It

1. loads the demo data and a few hundred generated candidates (the walkers), and walks every
   candidate page N times with the in-process test client (tests/performance/pages.py: the
   same walk the query-count tests pin), each walk as a fresh ready candidate;
2. loads the national scale with the generators of `load_demo --scale national`
   (rukhsa/demo/national.py): 400,000 candidates, 300 centres, 20,000 sessions and 350,000
   registrations, then ANALYZE;
3. walks again N times, and prints, per page, the queries at both scales (they must be equal)
   and the p50/p95 of the page's server time (wall) and of its CPU time, with the ratio
   national ÷ demo; for a page whose p95 is over 1.5× the demo's, EXPLAIN (ANALYZE, BUFFERS)
   of its slowest statements.

Wall times move with the machine's load (other processes, the database itself); CPU seconds per
page survive it better. Both are reported with the load average.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rukhsa.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from rukhsa.accounts.models import User  # noqa: E402
from rukhsa.admission import services as admission  # noqa: E402
from rukhsa.admission.models import QueueSettings  # noqa: E402
from rukhsa.booking.models import Registration  # noqa: E402
from rukhsa.catalog.models import Period, Session  # noqa: E402
from rukhsa.demo import loader, national  # noqa: E402
from tests.performance.pages import Walk, walk  # noqa: E402

LIMIT = 1.5  # national p95 ÷ demo p95 above this: EXPLAIN the page's slowest statements
WALKERS = 400  # generated candidates kept aside for the walks (never given a registration)


def log(line: str) -> None:
    print(line, flush=True)


def walkers() -> Callable[..., User]:
    """Generated candidates of the requested gender that have never registered, one per walk."""
    used: set[int] = set()

    def next_one(*, gender: str = "male") -> User:
        user = (
            User.objects.filter(
                email__endswith="@national.rukhsa.example",
                identity_key__in=[national.national_id(n) for n in range(WALKERS)],
                gender=gender,
            )
            .exclude(pk__in=used)
            .exclude(pk__in=Registration.objects.values("candidate_id"))
            .order_by("pk")
            .first()
        )
        if user is None:
            raise RuntimeError("Out of walkers: raise WALKERS or lower --walks.")
        used.add(user.pk)
        return user

    return next_one


def walks(count: int, make_user: Callable[..., User], failures: list[str]) -> list[Walk]:
    """`count` walks; a walk that meets an unexpected page is reported, not fatal (the national
    load is too slow to lose)."""
    done = []
    for n in range(count):
        try:
            done.append(walk(make_user))
        except AssertionError as exc:
            failures.append(repr(exc))
            log(f"  walk {n + 1} failed: {exc!r}")
        if (n + 1) % 10 == 0:
            log(f"  {n + 1} walks")
    if not done:
        raise RuntimeError(f"every walk failed: {failures[:3]}")
    return done


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(done: list[Walk]) -> dict[str, dict[str, Any]]:
    pages: dict[str, dict[str, Any]] = {}
    for page in done[0].counts:
        wall = [w.wall[page] * 1000 for w in done]
        cpu = [w.cpu[page] * 1000 for w in done]
        pages[page] = {
            "queries": sorted({w.counts[page] for w in done}),
            "wall_p50_ms": statistics.median(wall),
            "wall_p95_ms": percentile(wall, 95),
            "cpu_p50_ms": statistics.median(cpu),
            "cpu_p95_ms": percentile(cpu, 95),
        }
    return pages


def explain(done: list[Walk], page: str, top: int = 3) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the page's slowest SELECTs in its slowest walk."""
    slowest = max(done, key=lambda w: w.wall[page])
    statements = sorted(
        ((t, sql) for t, sql in slowest.timed[page] if sql.lstrip().upper().startswith("SELECT")),
        reverse=True,
    )[:top]
    plans = []
    with connection.cursor() as cursor:
        for seconds, sql in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plans.append(
                {
                    "ms": seconds * 1000,
                    "sql": sql,
                    "plan": "\n".join(row[0] for row in cursor.fetchall()),
                }
            )
    return plans


def load_national() -> dict[str, float]:
    timings: dict[str, float] = {}
    period = Period.objects.select_related("test").get(code=loader.OPEN_PERIOD)
    started = time.perf_counter()
    national.load_candidates(national.CANDIDATES, log)
    timings["candidates_s"] = time.perf_counter() - started
    started = time.perf_counter()
    national.load_sessions(period, national.load_centres())
    timings["centres_sessions_s"] = time.perf_counter() - started
    started = time.perf_counter()
    national.load_registrations(period, national.REGISTRATIONS, log, skip=WALKERS)
    timings["registrations_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings


def sizes() -> dict[str, int]:
    return {
        "candidates": User.objects.filter(is_staff=False).count(),
        "sessions": Session.objects.count(),
        "registrations": Registration.objects.count(),
    }


def report(result: dict[str, Any]) -> str:
    demo, large = result["demo"]["pages"], result["national"]["pages"]
    lines = [
        f"Scale reads: {result['walks']} walks per scale, load average before/after "
        f"{result['load_before']} / {result['load_after']}",
        f"demo: {result['demo']['sizes']}",
        f"national: {result['national']['sizes']} (loaded in {result['national']['load']})",
        "",
        f"{'page':34} {'queries':>9} {'wall p95 ms':>18} {'x':>5} {'cpu p95 ms':>18} {'x':>5}",
    ]
    for page, d in demo.items():
        n = large[page]
        queries = f"{d['queries'][-1]}/{n['queries'][-1]}"
        wall_x = n["wall_p95_ms"] / d["wall_p95_ms"] if d["wall_p95_ms"] else 0
        cpu_x = n["cpu_p95_ms"] / d["cpu_p95_ms"] if d["cpu_p95_ms"] else 0
        flag = " <" if max(wall_x, cpu_x) > LIMIT else ""
        lines.append(
            f"{page:34} {queries:>9} {d['wall_p95_ms']:8.1f} → {n['wall_p95_ms']:7.1f} "
            f"{wall_x:5.2f} {d['cpu_p95_ms']:8.1f} → {n['cpu_p95_ms']:7.1f} {cpu_x:5.2f}{flag}"
        )
    lines.append("")
    lines.append(f"pages over {LIMIT}× (wall or CPU p95): {result['over'] or 'none'}")
    lines.append(f"query counts equal at both scales: {result['same_queries']}")
    lines.append(f"failed walks: {len(result['failures'])} {result['failures'][:3]}")
    for page, plans in result["explain"].items():
        lines.append(f"\n--- {page}")
        for plan in plans:
            lines += [f"{plan['ms']:.1f} ms: {plan['sql'][:400]}", plan["plan"], ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=int(os.environ.get("BENCH_SCALE_WALKS", 30)))
    parser.add_argument("--results", type=Path)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("scale_reads: run it on PostgreSQL (DATABASE_URL).")
    setup_test_environment()  # the test client's response.context, as in the tests
    logging.getLogger("rukhsa.access").setLevel(logging.WARNING)  # one line per page: too many
    result: dict[str, Any] = {"walks": args.walks, "load_before": os.getloadavg()}

    log("== demo data and the walkers")
    loader.load_demo(log)
    # The demo's opening period gets a waiting room a few minutes after loading: the walks
    # measure pages, not the queue, so every waiting room is off.
    QueueSettings.objects.update(enabled=False)
    admission.configs_forget()
    national.load_candidates(WALKERS, log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    make_user = walkers()
    walks(1, make_user, [])  # warm: what a first walk leaves behind is there for every measured one
    log(f"== demo scale: {args.walks} walks")
    failures: list[str] = []
    result["failures"] = failures
    demo = walks(args.walks, make_user, failures)
    result["demo"] = {"sizes": sizes(), "pages": summary(demo)}

    log("== national scale: loading")
    timings = load_national()
    log(f"== national scale: {args.walks} walks")
    walks(1, make_user, [])
    large = walks(args.walks, make_user, failures)
    result["national"] = {"sizes": sizes(), "load": timings, "pages": summary(large)}
    result["load_after"] = os.getloadavg()

    d_pages, n_pages = result["demo"]["pages"], result["national"]["pages"]
    result["same_queries"] = all(d_pages[p]["queries"] == n_pages[p]["queries"] for p in d_pages)
    result["over"] = [
        page
        for page in d_pages
        if n_pages[page]["wall_p95_ms"] > LIMIT * d_pages[page]["wall_p95_ms"]
        or n_pages[page]["cpu_p95_ms"] > LIMIT * d_pages[page]["cpu_p95_ms"]
    ]
    result["explain"] = {page: explain(large, page) for page in result["over"]}
    text = report(result)
    print(text)
    if args.results:
        args.results.write_text(json.dumps(result, indent=2, default=str))
        args.results.with_suffix(".txt").write_text(text + "\n")
    return 0 if result["same_queries"] and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
