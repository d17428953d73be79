"""The chaos run: a burst of candidates holding and paying while the topology is broken on
purpose, then the invariants. Run against `make prod-local` (its run folder's state.json):

    chaos.py RUN_DIR [--candidates N] [--hot N] [--seconds S]

1. prepare: the hot sessions and candidates (bench/dataset.py; sessions minted server-side), the
   test's seat hold shortened to 1 minute (an operator setting) so abandoned holds lapse during
   the run, and a two-client check of the client IP through nginx;
2. burst: every candidate, from its own loopback address (127.0.0.x, as distinct clients behind
   nginx), holds a seat and pays through the sandbox gateway (card page, 3-D Secure, return);
   some use a declined card, some abandon the payment. A failed step is retried like a person
   would (up to 3 times, a second apart). Meanwhile, one after another:
     web1 SIGKILLed (master and workers) and restarted by the supervisor;
     worker1 SIGKILLed while it runs a task, and restarted;
     Redis restarted; PgBouncer restarted;
   and a backup is taken (pg_dump of an exported snapshot) for the drill;
3. heal: each fault's healing time (until the part answers again) and the requests that failed
   between the fault and 2 s after it healed;
4. settle: the periodic jobs run as the clock would run them later (reconcile payments,
   expire holds, deliver messages still queued — the 15-minute safety net, now);
5. invariants: no session over capacity; every charge the sandbox marked paid belongs to a
   confirmed registration or was refunded with a credit note; no registration held past its
   time; no candidate with two active registrations; no message still queued;
6. backup drill: restore into a fresh database; row counts of every table and the sum of paid
   amounts equal the source's at the snapshot.

Exit 0 when every invariant holds and the drill matches, 1 when anything was lost or broken,
2 when the harness failed. Figures, not pass/fail, for everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent
OK, BROKEN, HARNESS_FAILED = 0, 1, 2

PAID_CARD = "4201320111111010"
DECLINED_CARD = "4201321234411220"


def log(message: str) -> None:
    print(f"chaos {time.strftime('%H:%M:%S', time.gmtime())} {message}", flush=True)


# --- Setup ------------------------------------------------------------------------------------


def django_setup(state: dict[str, Any]) -> None:
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=(Path(state["run_dir"]) / "secret").read_text().strip(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL="0",
        DATABASE_URL=state["database_url_direct"],
        REDIS_URL=state["redis_url"],
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="rukhsa.settings",
        SITE_URL=state["url"],
        STATIC_ROOT=str(Path(state["run_dir"]) / "static"),
        MEDIA_ROOT=str(Path(state["run_dir"]) / "media"),
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def prepare(candidates: int, hot: int) -> dict[str, Any]:
    from dataset import prepare as dataset_prepare

    from rukhsa.booking.models import TermsAcceptance
    from rukhsa.booking.terms import terms_version
    from rukhsa.catalog.models import Period

    data = dataset_prepare(candidates=candidates, logins=0, terms_http=0, hot=hot)
    period = Period.objects.select_related("test").get(code=data["period"])
    # An operator setting for the drill: abandoned holds lapse within the run.
    period.test.__class__.objects.filter(pk=period.test_id).update(hold_minutes=1)
    # The notes name the hold's minutes, so the candidates' acceptance is of the notes as they
    # now read (without it every hold is sent back to the notes page: nobody pays).
    period.test.refresh_from_db()
    TermsAcceptance.objects.filter(period=period).update(terms_version=terms_version(period))
    return data


# --- The candidates ---------------------------------------------------------------------------


@dataclass
class Record:
    """One request: when it was sent and answered, what, and whether it failed (5xx, or no
    answer at all)."""

    at: float
    done: float
    step: str
    failed: bool
    status: str


@dataclass
class Run:
    started: float = field(default_factory=time.monotonic)
    requests: list[Record] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def now(self) -> float:
        return time.monotonic() - self.started


async def request(
    run: Run, client: httpx.AsyncClient, step: str, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    """One step, retried (a person pressing again) when it fails: a 5xx or no answer."""
    for attempt in range(3):
        at = run.now()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            run.requests.append(Record(at, run.now(), step, True, type(exc).__name__))
        else:
            failed = response.status_code >= 500
            run.requests.append(Record(at, run.now(), step, failed, str(response.status_code)))
            if not failed:
                return response
        if attempt < 2:
            await asyncio.sleep(1.0)
    return None


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("csrftoken") or ""


async def candidate_journey(
    run: Run, client: httpx.AsyncClient, state: dict[str, Any], session_id: int, plan: str
) -> None:
    review = f"/register/{state['period']}/review/"
    r = await request(
        run,
        client,
        "hold",
        "POST",
        review,
        data={"session": str(session_id), "spec": state["spec"]},
        headers={"X-CSRFToken": csrf(client)},
    )
    if r is None:
        run.outcomes["hold failed"] += 1
        return
    location = r.headers.get("location", "")
    match = re.search(r"/registrations/([^/]+)/", location)
    # The hold opens the payment and leads straight to the gateway's card page; when the payment
    # could not start there, to the held registration, which pays from its "Pay now".
    if r.status_code != 302 or not (match or "/sandbox-gateway/" in location):
        where = re.sub(r"/[0-9a-f-]{8,}/", "/…/", urlsplit(location).path) if location else ""
        outcome = "full" if r.status_code == 409 else f"hold {r.status_code} {where}".strip()
        run.outcomes[outcome] += 1
        return
    run.outcomes["held"] += 1
    if plan == "abandon":
        run.outcomes["abandoned"] += 1
        return
    if match:
        r = await request(
            run,
            client,
            "pay",
            "POST",
            f"/registrations/{match.group(1)}/pay/",
            headers={"X-CSRFToken": csrf(client)},
        )
        if r is None or "sandbox-gateway" not in r.headers.get("location", ""):
            run.outcomes["pay refused"] += 1
            return
        location = r.headers["location"]
    card_url = location
    page = await request(run, client, "card page", "GET", card_url)
    if page is None:
        run.outcomes["card page failed"] += 1
        return
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    number = DECLINED_CARD if plan == "declined" else PAID_CARD
    r = await request(
        run,
        client,
        "card",
        "POST",
        card_url,
        data={
            "name": "Chaos Candidate",
            "number": number,
            "expiry": "09/30",
            "cvc": "123",
            "csrfmiddlewaretoken": token.group(1) if token else csrf(client),
        },
    )
    if r is None or r.status_code != 302:
        run.outcomes["card refused"] += 1
        return
    three_ds = r.headers["location"]
    r = await request(
        run,
        client,
        "3ds",
        "POST",
        three_ds.rstrip("/") + "/submit/",
        data={"result": "authenticate"},
        headers={"X-CSRFToken": csrf(client)},
    )
    if r is None or r.status_code != 302:
        run.outcomes["3ds failed"] += 1
        return
    back = await request(run, client, "return", "GET", r.headers["location"])
    if back is None:
        run.outcomes["return failed"] += 1
        return
    run.outcomes["paid" if plan == "pay" else "declined"] += 1


# --- Faults -----------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    at: float = 0.0
    healed: float | None = None
    note: str = ""


def pid_of(state_dir: Path, name: str) -> int:
    return int((state_dir / "pids" / f"{name}.pid").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


async def wait_for(check: Any, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if await check():
                return True
        except Exception:  # noqa: S110 - "not yet"
            pass
        await asyncio.sleep(0.2)
    return False


async def http_ok(url: str) -> bool:
    async with httpx.AsyncClient(timeout=2, trust_env=False) as c:
        return (await c.get(url)).status_code == 200


async def fault_web(run: Run, state: dict[str, Any], fault: Fault) -> None:
    run_dir = Path(state["run_dir"])
    pid = pid_of(run_dir, "web1")
    fault.at = run.now()
    os.killpg(pid, signal.SIGKILL)  # the master and its workers, no goodbye
    port = state["web_ports"][0]

    async def back() -> bool:
        return pid_of(run_dir, "web1") != pid and await http_ok(f"http://127.0.0.1:{port}/readyz")

    if await wait_for(back):
        fault.healed = run.now()


async def fault_worker(run: Run, state: dict[str, Any], fault: Fault) -> None:
    run_dir = Path(state["run_dir"])
    pid = pid_of(run_dir, "worker1")
    sql = (
        "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
        "AND worker_ids::jsonb @> '[\"worker1\"]'::jsonb LIMIT 1"
    )
    caught = None
    with psycopg.connect(state["database_url_direct"], autocommit=True) as db:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and caught is None:
            row = db.execute(sql).fetchone()
            if row:
                caught = row[0]
                break
            await asyncio.sleep(0.01)
    fault.at = run.now()
    os.killpg(pid, signal.SIGKILL)
    fault.note = f"mid-task (task {caught})" if caught else "between tasks (none caught in 15 s)"

    async def back() -> bool:
        new = pid_of(run_dir, "worker1")
        return new != pid and alive(new)

    if await wait_for(back):
        fault.healed = run.now()


async def fault_redis(run: Run, state: dict[str, Any], fault: Fault) -> None:
    run_dir = Path(state["run_dir"])
    pid = pid_of(run_dir, "redis")
    fault.at = run.now()
    os.kill(pid, signal.SIGKILL)

    async def back() -> bool:
        out = await asyncio.to_thread(
            subprocess.run,
            ["redis-cli", "-p", str(state["redis_port"]), "ping"],
            capture_output=True,
            text=True,
            timeout=2,
        )
        return out.stdout.strip() == "PONG"

    if await wait_for(back):
        fault.healed = run.now()


async def fault_pgbouncer(run: Run, state: dict[str, Any], fault: Fault) -> None:
    run_dir = Path(state["run_dir"])
    pid = pid_of(run_dir, "pgbouncer")
    fault.at = run.now()
    os.kill(pid, signal.SIGKILL)
    url = state["database_url"]

    async def back() -> bool:
        def probe() -> bool:
            with psycopg.connect(url, connect_timeout=2, prepare_threshold=None) as db:
                return db.execute("SELECT 1").fetchone() == (1,)

        return await asyncio.to_thread(probe)

    if await wait_for(back):
        fault.healed = run.now()


# --- Backup drill -----------------------------------------------------------------------------

COUNT_TABLES_SQL = """
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
"""
PAID_SQL = "SELECT coalesce(sum(amount_halalas), 0) FROM payments_payment WHERE status = 'paid'"


def table_counts(db: psycopg.Connection[Any]) -> dict[str, int]:
    tables = [row[0] for row in db.execute(COUNT_TABLES_SQL).fetchall()]
    counts = {}
    for table in tables:
        row = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
        counts[table] = int(row[0]) if row else 0
    return counts


def backup_during_burst(state: dict[str, Any], dump: Path) -> dict[str, Any]:
    """Export a snapshot, count every table in it, dump exactly that snapshot."""
    with psycopg.connect(state["database_url_direct"]) as db:
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        counts = table_counts(db)
        paid = int(db.execute(PAID_SQL).fetchone()[0])  # type: ignore[index]
        started = time.monotonic()
        env = dict(os.environ, DATABASE_URL=state["database_url_direct"], BACKUP_SNAPSHOT=snapshot)
        out = subprocess.run(
            [str(ROOT / "scripts" / "backup.sh"), str(dump)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        db.execute("COMMIT")
    return {
        "ok": out.returncode == 0,
        "output": (out.stdout + out.stderr).strip(),
        "seconds": seconds,
        "bytes": dump.stat().st_size if dump.exists() else 0,
        "counts": counts,
        "paid_halalas": paid,
    }


def restore_and_compare(
    state: dict[str, Any], dump: Path, backup: dict[str, Any]
) -> dict[str, Any]:
    target = f"{state['database']}_restored"
    subprocess.run(["dropdb", "--if-exists", "--force", target], check=False)
    started = time.monotonic()
    out = subprocess.run(
        [str(ROOT / "scripts" / "restore.sh"), str(dump), target],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    result: dict[str, Any] = {"ok": out.returncode == 0, "seconds": seconds, "database": target}
    if out.returncode != 0:
        result["output"] = (out.stdout + out.stderr).strip()
        return result
    direct = state["database_url_direct"].rsplit("/", 1)[0] + f"/{target}"
    with psycopg.connect(direct) as db:
        counts = table_counts(db)
        paid = int(db.execute(PAID_SQL).fetchone()[0])  # type: ignore[index]
    mismatched = {
        t: (backup["counts"].get(t), counts.get(t))
        for t in set(counts) | set(backup["counts"])
        if counts.get(t) != backup["counts"].get(t)
    }
    result.update(
        tables=len(counts),
        rows=sum(counts.values()),
        mismatched=mismatched,
        paid_halalas=paid,
        paid_matches=paid == backup["paid_halalas"],
    )
    subprocess.run(["dropdb", "--if-exists", "--force", target], check=False)
    return result


# --- Client IP through nginx ------------------------------------------------------------------


async def client_ip_check(base: str) -> dict[str, Any]:
    """Two clients behind nginx get separate limits; a forged X-Forwarded-For does not help.

    The results lookup allows 20 lookups per client IP per 10 minutes (results.ratelimit)."""

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
        return httpx.AsyncClient(base_url=base, transport=transport, timeout=10, trust_env=False)

    a, b = client("127.0.0.201"), client("127.0.0.202")
    try:
        first = [(await a.get("/verify/CHAOS-0000/")).status_code for _ in range(21)]
        forged = await a.get("/verify/CHAOS-0000/", headers={"X-Forwarded-For": "10.9.9.9"})
        other = await b.get("/verify/CHAOS-0000/")
    finally:
        await a.aclose()
        await b.aclose()
    return {
        "a_first_20": Counter(first[:20]),
        "a_21st": first[20],
        "a_forged_xff": forged.status_code,
        "b_first": other.status_code,
        "ok": all(s != 429 for s in first[:20])
        and first[20] == 429
        and forged.status_code == 429
        and other.status_code != 429,
    }


# --- The run ----------------------------------------------------------------------------------


async def burst(state: dict[str, Any], data: dict[str, Any], seconds: float) -> dict[str, Any]:
    run = Run()
    rng = random.Random(2026)
    hot = [h["id"] for h in data["hot"]]
    clients = []
    jobs = []
    for index, row in enumerate(data["candidates"]):
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{2 + index % 200}", retries=0)
        client = httpx.AsyncClient(
            base_url=state["url"], transport=transport, timeout=30, trust_env=False
        )
        client.cookies.set("sessionid", row["session_key"], domain="127.0.0.1", path="/")
        client.cookies.set("django_language", "en", domain="127.0.0.1", path="/")
        client.cookies.set("csrftoken", "c" * 32, domain="127.0.0.1", path="/")
        clients.append(client)
        roll = rng.random()
        plan = "abandon" if roll < 0.15 else "declined" if roll < 0.25 else "pay"
        jobs.append((client, rng.choice(hot), plan))

    gate = asyncio.Semaphore(int(os.environ.get("CHAOS_CONCURRENCY", "60")))

    async def one(client: httpx.AsyncClient, session_id: int, plan: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with gate:
            await candidate_journey(run, client, data, session_id, plan)

    # Arrivals spread over the burst, so every fault lands on traffic.
    spread = seconds * 0.8
    tasks = [
        asyncio.ensure_future(one(c, s, p, spread * i / len(jobs)))
        for i, (c, s, p) in enumerate(jobs)
    ]
    faults = [Fault("web1 SIGKILL"), Fault("worker1 SIGKILL"), Fault("Redis"), Fault("PgBouncer")]
    runners = [fault_web, fault_worker, fault_redis, fault_pgbouncer]
    dump = Path(state["run_dir"]) / "drill.dump"
    backup: dict[str, Any] = {}

    async def chaos() -> None:
        step = seconds / 6
        quiet_until = 0.0
        for index, (fault, runner) in enumerate(zip(faults, runners, strict=True)):
            # On schedule, but never before the previous fault has healed and 10 s have passed,
            # so each fault's failed requests are its own.
            await asyncio.sleep(max(0.0, step * (index + 1) - run.now(), quiet_until - run.now()))
            log(f"fault: {fault.name}")
            await runner(run, state, fault)
            log(f"  healed after {fault_heal(fault)}")
            quiet_until = (fault.healed if fault.healed is not None else run.now()) + 10.0
            if index == 1:
                log("backup during the burst")
                backup.update(await asyncio.to_thread(backup_during_burst, state, dump))

    chaos_task = asyncio.ensure_future(chaos())
    await asyncio.wait(tasks, timeout=seconds + 180)
    await chaos_task
    for client in clients:
        await client.aclose()
    wall = run.now()
    failed_by_fault = {}
    for fault in faults:
        end = (fault.healed if fault.healed is not None else wall) + 2.0
        # A request belongs to the fault when it was answered (or gave up) during it: under
        # load a request can wait seconds in a queue before it meets the fault.
        window = [r for r in run.requests if fault.at <= r.done <= end]
        failed_by_fault[fault.name] = {
            "failed": sum(1 for r in window if r.failed),
            "requests": len(window),
            "statuses": dict(Counter(r.status for r in window if r.failed)),
            "heal_s": None if fault.healed is None else round(fault.healed - fault.at, 2),
            "note": fault.note,
        }
    failed_by_step = Counter(f"{r.step}: {r.status}" for r in run.requests if r.failed)
    return {
        "wall_s": wall,
        "failed_by_step": dict(failed_by_step),
        "requests": len(run.requests),
        "failed": sum(1 for r in run.requests if r.failed),
        "outcomes": dict(run.outcomes),
        "faults": failed_by_fault,
        "backup": backup,
        "dump": str(dump),
    }


def fault_heal(fault: Fault) -> str:
    return "never" if fault.healed is None else f"{fault.healed - fault.at:.2f} s"


def settle() -> dict[str, Any]:
    """What the clock would do over the next half hour, now."""
    from django.conf import settings

    from rukhsa.booking.tasks import holds_expire_due
    from rukhsa.core import clock
    from rukhsa.core.tasks import tasks_lost_close_due
    from rukhsa.notifications.models import Message, Status
    from rukhsa.notifications.tasks import message_deliver
    from rukhsa.payments.tasks import reconcile_payments

    settings.PAYMENTS_RECONCILE_AFTER = timedelta(0)
    settings.PAYMENTS_ABANDON_AFTER = timedelta(0)
    settings.PAYMENTS_SANDBOX_ABANDON_AFTER = timedelta(0)
    # The burst is over: a task still marked running lost its worker (the one killed mid-task).
    settings.TASKS_LOST_AFTER = timedelta(0)
    lost = tasks_lost_close_due.call()
    reconciled = reconcile_payments.call()
    expiry_ran_at = clock.now()
    expired = holds_expire_due.call()
    stuck = list(
        Message.objects.filter(status__in=[Status.QUEUED, Status.RETRYING]).values_list(
            "id", flat=True
        )
    )
    for message_id in stuck:
        message_deliver.call(message_id)
    return {
        "tasks_closed_as_lost": lost,
        "reconciled": reconciled,
        "expired": expired,
        "expiry_ran_at": expiry_ran_at,
        "messages_redelivered": len(stuck),
    }


def invariants(data: dict[str, Any], expiry_ran_at: Any) -> dict[str, Any]:
    from dataset import verify
    from django.db.models import Count, Q

    from rukhsa.booking.models import ACTIVE, Registration, Status
    from rukhsa.notifications.models import Message
    from rukhsa.notifications.models import Status as MessageStatus
    from rukhsa.payments.models import CreditNote, Payment
    from rukhsa.payments.sandbox.models import SandboxCharge

    capacity = verify(data)
    paid_charges = list(
        SandboxCharge.objects.filter(status__in=["paid", "refunded"]).values_list("id", flat=True)
    )
    paid_refs = {str(c) for c in paid_charges}
    payments = Payment.objects.filter(gateway="sandbox", gateway_ref__in=paid_refs)
    unaccounted = []
    confirmed = refunded = 0
    for payment in payments.select_related("order"):
        registration = Registration.objects.filter(order=payment.order).first()
        if registration is not None and registration.status == Status.CONFIRMED:
            confirmed += 1
        elif payment.status == "refunded" and CreditNote.objects.filter(payment=payment).exists():
            refunded += 1
        else:
            unaccounted.append(str(payment.uuid))
    missing_payment = len(paid_refs) - payments.count()
    # Holds that lapsed before the expiry job ran (later ones are the next run's work).
    held_past = Registration.objects.filter(
        status=Status.HELD, held_until__lt=expiry_ran_at
    ).count()
    doubles = (
        Registration.objects.filter(status__in=ACTIVE)
        .values("candidate")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    messages = dict(
        Message.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    still_queued = Message.objects.filter(
        Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.RETRYING)
    ).count()
    failed_without_error = Message.objects.filter(
        status=MessageStatus.FAILED, last_error=""
    ).count()
    result = {
        "over_capacity": capacity["over_capacity"],
        "seats_taken_mismatched": capacity["seats_taken_mismatched"],
        "paid_charges": len(paid_refs),
        "paid_confirmed": confirmed,
        "paid_refunded_with_credit_note": refunded,
        "paid_unaccounted": unaccounted,
        "paid_without_payment_row": missing_payment,
        "held_past_their_time": held_past,
        "candidates_with_two_active": doubles,
        "messages": messages,
        "messages_still_queued": still_queued,
        "messages_failed_without_error": failed_without_error,
    }
    result["ok"] = (
        not result["over_capacity"]
        and not result["seats_taken_mismatched"]
        and not unaccounted
        and not missing_payment
        and not held_past
        and not doubles
        and not still_queued
        and not failed_without_error
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--candidates", type=int, default=600)
    parser.add_argument("--hot", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--results", type=Path, default=None)
    args = parser.parse_args()
    state = json.loads((args.run_dir / "state.json").read_text())
    django_setup(state)
    load_before = os.getloadavg()
    log(f"prepare {args.candidates} candidates, {args.hot} hot sessions")
    data = prepare(args.candidates, args.hot)
    log("client IP through nginx")
    ip = asyncio.run(client_ip_check(state["url"]))
    log(f"burst for about {args.seconds:.0f} s with four faults")
    result = asyncio.run(burst(state, data, args.seconds))
    load_after = os.getloadavg()
    log("settle (the clock's jobs, now)")
    from django.db import connections

    connections.close_all()
    # Console backends print every message: keep them out of the report.
    settle_log = Path(state["run_dir"]) / "logs" / "chaos-settle.log"
    with settle_log.open("a") as out, contextlib.redirect_stdout(out):
        settled = settle()
    log("invariants")
    checked = invariants(data, settled["expiry_ran_at"])
    log("restore drill")
    drill = restore_and_compare(state, Path(result["dump"]), result["backup"])
    drill_ok = bool(
        result["backup"].get("ok")
        and drill.get("ok")
        and not drill.get("mismatched")
        and drill.get("paid_matches")
    )
    report = {
        "client_ip": ip,
        "burst": {k: v for k, v in result.items() if k != "backup"},
        "backup": {k: v for k, v in result["backup"].items() if k != "counts"},
        "restore": drill,
        "settle": settled,
        "invariants": checked,
        "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after},
    }
    print(json.dumps(report, indent=2, default=str))
    print()
    print("Fault                 heal (s)  failed / requests in window   note")
    for name, f in result["faults"].items():
        print(
            f"{name:<20} {f['heal_s']!s:>9}  {f['failed']:>6} / {f['requests']:<6}"
            f"               {f['note']}"
        )
    print(
        f"\nburst: {result['requests']} requests in {result['wall_s']:.0f} s, "
        f"{result['failed']} failed (5xx or no answer, before retries); outcomes "
        f"{result['outcomes']}"
    )
    print(f"client IP through nginx: {'OK' if ip['ok'] else 'FAILED'} {ip}")
    print(f"invariants: {'OK' if checked['ok'] else 'BROKEN'}")
    print(f"backup drill: {'OK' if drill_ok else 'MISMATCH'}")
    # Invariants over a run where nobody paid prove nothing about payments: that is a failure.
    exercised = bool(result["outcomes"].get("paid")) and bool(checked["paid_charges"])
    print(f"payments exercised: {'OK' if exercised else 'NONE PAID (the drill tested nothing)'}")
    if args.results:
        args.results.write_text(json.dumps(report, indent=2, default=str))
    return OK if checked["ok"] and drill_ok and ip["ok"] and exercised else BROKEN


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
