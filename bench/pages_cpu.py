"""CPU of each journey page, in process, one request at a time (the profile's companion).

    DJANGO_SETTINGS_MODULE=bench_settings DATABASE_URL=... REDIS_URL=... \\
        python bench/pages_cpu.py STATE [--repeat N] [--profile OUT.prof]

STATE is a journey state file (bench/journey.py prepare, kept with BENCH_KEEP_DB=1). One
logged-in candidate GETs the reading pages of the journey (dashboard, available tests, notes,
every choose step, review) through Django's test client, `--repeat` times each; then
`--payers` other candidates hold a seat and pay (the hold leads to the gateway's card page, then
3-D Secure, the return, the confirmed registration). Printed per page: the thread's CPU and its
PostgreSQL backend's CPU (from /proc/<pid>/schedstat) per request (mean and median), and the
number of queries. Each run takes `--payers` seats: prepare the state again when they run out.
`--profile` writes a cProfile of all of it (open it with `python -m pstats` or snakeviz);
`--plan PAGE` runs each statement of that page again under EXPLAIN and prints PostgreSQL's
planning and execution time (inside a transaction rolled back). No server, no network: the
figures are the app's own. Each request starts as under a server does (the database
connection's health check before its first statement, which Django's test client leaves out).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_middleware import _backend_ns
from burst import django_setup

BACKEND = "rukhsa.accounts.backends.IdentityBackend"
CARD = {"name": "Bench Candidate", "number": "4201320111111010", "expiry": "09/30", "cvc": "123"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--payers", type=int, default=10, help="candidates who hold and pay")
    parser.add_argument("--only", default="", help="only this reading page (e.g. notes)")
    parser.add_argument("--sql", default="", help="print the queries of this page")
    parser.add_argument(
        "--plan",
        default="",
        help="PostgreSQL's planning and execution time of each statement of this page",
    )
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--htmx",
        action="store_true",
        help="GET the choose steps and the review as htmx swaps of #journey, as a browser does",
    )
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.db import close_old_connections, connection
    from django.test import Client

    from rukhsa.accounts.models import User
    from rukhsa.admission.models import QueueSettings
    from rukhsa.admission.services import configs_forget
    from rukhsa.booking.terms import terms_accept
    from rukhsa.catalog.models import Period

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    QueueSettings.objects.update(enabled=False)  # as the journey bench does
    configs_forget()
    state = json.loads(args.state.read_text())
    period, target = state["period"], state["targets"][0]
    user = User.objects.get(pk=state["candidates"][-1]["id"])  # the payers are the first ones
    client = Client()
    client.force_login(user, backend=BACKEND)
    client.cookies["django_language"] = "en"
    terms_accept(candidate=user, period=Period.objects.get(code=period))
    base = f"/register/{period}/choose/?"
    keys = ["mode", "spec", "city", "centre", "date"]
    pages = [
        ("dashboard", "/dashboard/"),
        ("start", "/register/"),
        ("notes", f"/register/{period}/"),
    ]
    for i in range(len(keys) + 1):
        pages.append(
            (
                f"choose {keys[i - 1] if i else '(mode)'}",
                base + urlencode({k: target[k] for k in keys[:i]}),
            )
        )
    pages.append(
        (
            "review",
            f"/register/{period}/review/?"
            + urlencode({"session": target["session"], "spec": target["spec"]}),
        )
    )
    profiler = cProfile.Profile(time.thread_time) if args.profile else None  # CPU, not wall
    figures: dict[str, list[tuple[int, int, int]]] = {}

    swap = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "journey"}

    def headers(url: str) -> dict[str, str]:
        journey = "/choose/" in url or "/review/" in url
        return swap if args.htmx and journey else {}

    def measure(name: str, c: Client, method: str, url: str, data: Any = None) -> Any:
        """One request, its CPU (app thread, PostgreSQL backend) and queries recorded."""
        queries: list[str] = []
        statements: list[tuple[str, Any]] = []

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            queries.append(sql)
            if not many:
                statements.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            pid0, db0 = _backend_ns()
            t0 = time.thread_time_ns()
            if profiler:
                profiler.enable()
            # What a server's request start does (Django's test client leaves it out): the
            # kept connection is health-checked again before the request's first statement.
            close_old_connections()
            if method == "GET":
                response = c.get(url, headers=headers(url))
            else:
                response = c.post(url, data or {})
            if profiler:
                profiler.disable()
            app = time.thread_time_ns() - t0
            pid1, db1 = _backend_ns()
        if args.sql and name == args.sql:
            print(f"--- {name}: {len(queries)} queries")
            for q in queries:
                print("   ", q[:150])
        figures.setdefault(name, []).append((app, db1 - db0 if pid0 == pid1 else 0, len(queries)))
        if args.plan and name == args.plan:
            plan_times(name, statements)
        return response

    def plan_times(name: str, statements: list[tuple[str, Any]]) -> None:
        """Each statement again under EXPLAIN: SELECTs run (EXPLAIN ANALYZE), the others only
        planned; all inside a transaction rolled back."""
        from django.db import transaction

        print(f"--- {name}: planning / execution ms, statement")
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql, params in statements:
                    verb = sql.lstrip()[:6].upper()
                    if verb not in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                        continue
                    select = verb == "SELECT"
                    options = "ANALYZE, SUMMARY, TIMING OFF" if select else "SUMMARY"
                    cursor.execute(f"EXPLAIN ({options}) {sql}", params)
                    lines = [row[0] for row in cursor.fetchall()]
                    planning = next((x for x in lines if x.startswith("Planning Time")), "")
                    execution = next((x for x in lines if x.startswith("Execution Time")), "")
                    plan_ms = planning.split(":")[1].split()[0] if planning else "?"
                    exec_ms = execution.split(":")[1].split()[0] if execution else "-"
                    print(f"   {plan_ms:>7} {exec_ms:>7}  {' '.join(sql.split())[:110]}")
            transaction.set_rollback(True)

    for name, url in pages:
        if args.only and name != args.only:
            continue
        assert client.get(url, headers=headers(url)).status_code == 200, url  # warm
        for _ in range(args.repeat):
            measure(name, client, "GET", url)

    # The paying part: fresh candidates hold a seat and pay with the sandbox gateway.
    from rukhsa.booking.models import Registration

    booked = set(Registration.objects.values_list("candidate_id", flat=True))
    payers = [c for c in state["candidates"][:-1] if c["id"] not in booked][: args.payers]
    for i, row in enumerate(payers):
        payer = Client()
        payer_user = User.objects.get(pk=row["id"])
        payer.force_login(payer_user, backend=BACKEND)
        payer.cookies["django_language"] = "en"
        terms_accept(candidate=payer_user, period=Period.objects.get(code=period))
        aim = state["targets"][i % len(state["targets"])]
        review = f"/register/{period}/review/?" + urlencode(
            {"session": aim["session"], "spec": aim["spec"]}
        )
        # The review page first, as in the journey: the session's first request costs more.
        assert payer.get(review).status_code == 200, review
        r = measure(
            "POST review (hold)",
            payer,
            "POST",
            f"/register/{period}/review/",
            {"session": aim["session"], "spec": aim["spec"]},
        )
        if r.status_code != 302:
            print(f"hold refused ({r.status_code}); prepare the state again")
            break
        # The hold leads straight to the gateway (the payment opened with the hold); its link's
        # one-time grant is spent by this first visit, and the form posts to the bare address.
        measure("GET card (grant)", payer, "GET", r["Location"])
        card = r["Location"].split("?")[0]
        r = measure("POST card", payer, "POST", card, CARD)
        measure("GET 3ds", payer, "GET", r["Location"])
        r = measure(
            "POST 3ds", payer, "POST", r["Location"] + "submit/", {"result": "authenticate"}
        )
        r = measure("GET return", payer, "GET", r["Location"])
        measure("GET registration (confirmed)", payer, "GET", r["Location"])

    print(f"{'page':<30}{'app ms':>8}{'db ms':>8}{'app p50':>9}{'db p50':>8}{'queries':>9}")
    for name, rows in figures.items():
        n = len(rows) * 1e6
        app = sum(r[0] for r in rows) / n
        db = sum(r[1] for r in rows) / n
        app50 = statistics.median(r[0] for r in rows) / 1e6
        db50 = statistics.median(r[1] for r in rows) / 1e6
        line = f"{name:<30}{app:>8.2f}{db:>8.2f}{app50:>9.2f}{db50:>8.2f}"
        print(f"{line}{max(r[2] for r in rows):>9}")
    if profiler and args.profile:
        profiler.dump_stats(str(args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
