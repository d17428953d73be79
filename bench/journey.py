"""The full registration journey, as browsers walk it, over HTTP against a running gunicorn.

    journey.py prepare STATE [--login]   hot sessions and candidates (bench/dataset.py)
    journey.py run STATE [--login]       drive the journeys, check the database, print the report

Every candidate (logged in server-side, or through the login form with `--login`) walks the
pages a browser requests, without static files: the dashboard → the available tests → the
notes (accept the terms) → every choose step → the review (its POST holds the seat) → the
registration → pay → the sandbox gateway's card page → 3-D Secure → the return → the confirmed
registration. Redirects are followed as a browser follows them, and each step is found on the
page the candidate is looking at (links, forms, radio buttons), so the walk follows the screens
when they change. A candidate whose session is full by the time it gets there chooses another
one of the hot sessions, from the city step, as a person would.

By default the walk is a browser without JavaScript: every choose step is a whole page. With
BENCH_JOURNEY_HTMX=1 it is a browser with JavaScript, as most candidates have: the links and
forms inside the choose steps' `#journey` region are followed as htmx follows them (the
`HX-Request`, `HX-Boosted` and `HX-Target: journey` headers), and the server answers a choose
step with that region only; everything else is as without JavaScript.

Reported: confirmed journeys per second; p50/p95/p99 per page type; server CPU per confirmed
journey (gunicorn, PostgreSQL, the task worker, from /proc around the whole run) and per page
type (the app thread's and its PostgreSQL backend's CPU per request, from the `X-Bench-Cpu`
header bench/bench_middleware.py adds); requests per confirmed journey; and the invariants (no
session over capacity, confirmed = paid, no candidate with two active registrations).

With BENCH_AB=<commit> (scripts/bench.sh serves that commit's code too, on the next port, on
the same CPUs: BENCH_AB_URL, BENCH_AB_PID) the candidates alternate between the two servers and
the report compares them: both are measured in the same minutes, so the machine's drift falls
on both alike. Per side: gunicorn's CPU from /proc, PostgreSQL's shared out by the backend CPU
each side's requests reported, the task worker's (this tree's code, serving both) by confirmed
journeys.

Exit status: 0 when the invariants hold; 1 when one is broken; 2 when the harness failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from burst import bounded, django_setup
from rawhttp import Client, Pool, Response
from stats import CpuMeter, Timings, machine_facts

OK, BROKEN, HARNESS_FAILED = 0, 1, 2
PAID_CARD = {"name": "Bench Candidate", "number": "4201320111111010", "expiry": "09/30"}
PAID_CARD["cvc"] = "123"
TARGET_KEYS = {"mode", "spec", "city", "centre", "date", "session"}
# What htmx sends for a boosted link or form inside the choose steps' #journey region.
SWAP_HEADERS = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "journey"}


@dataclass
class Config:
    base_url: str = os.environ.get("BENCH_URL", "http://127.0.0.1:8090")
    candidates: int = int(os.environ.get("BENCH_JOURNEY_CANDIDATES", "450"))
    concurrency: int = int(os.environ.get("BENCH_JOURNEY_CONCURRENCY", "100"))
    hot: int = int(os.environ.get("BENCH_JOURNEY_SESSIONS", "20"))
    seats: int = int(os.environ.get("BENCH_JOURNEY_SEATS", "300"))
    skip_candidates: int = int(os.environ.get("BENCH_JOURNEY_SKIP_CANDIDATES", "0"))
    skip_sessions: int = int(os.environ.get("BENCH_JOURNEY_SKIP_SESSIONS", "0"))
    attempts: int = int(os.environ.get("BENCH_JOURNEY_ATTEMPTS", "20"))
    timeout: float = float(os.environ.get("BENCH_JOURNEY_TIMEOUT", "600"))
    request_timeout: float = float(os.environ.get("BENCH_REQUEST_TIMEOUT", "60"))
    seed: int = int(os.environ.get("BENCH_SEED", "2026"))
    htmx: bool = os.environ.get("BENCH_JOURNEY_HTMX", "0") == "1"
    server_pid: int = int(os.environ.get("BENCH_GUNICORN_PID", "0"))
    worker_pid: int = int(os.environ.get("BENCH_WORKER_PID", "0"))
    dbname: str = os.environ.get("BENCH_DB", "rukhsa_bench")
    ab: str = os.environ.get("BENCH_AB", "")
    ab_url: str = os.environ.get("BENCH_AB_URL", "")
    ab_pid: int = int(os.environ.get("BENCH_AB_PID", "0"))


# --- What a browser sees on a page ------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # hidden and text inputs
    radios: dict[str, list[str]] = field(default_factory=dict)  # enabled choices by name
    checkboxes: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class Page(HTMLParser):
    """The links and forms of one HTML page."""

    def __init__(self, url: str, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            self._form = Form(
                (a.get("method") or "get").lower(), urljoin(self.url, a.get("action") or self.url)
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "button", "select", "textarea"}:
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            name = a.get("name", "")
            if not name or "disabled" in a:
                return
            if kind == "radio":
                self._form.radios.setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                self._form.checkboxes.append((name, a.get("value", "on")))
            elif kind == "submit":
                self._form.buttons.append((name, a.get("value", "")))
            else:
                self._form.fields.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None

    def form(self, action_contains: str, method: str | None = None) -> Form | None:
        for f in self.forms:
            if action_contains in urlsplit(f.action).path and method in (None, f.method):
                return f
        return None

    def link(self, pattern: str) -> str | None:
        for href in self.links:
            if re.search(pattern, urlsplit(href).path):
                return href
        return None


# --- One candidate ----------------------------------------------------------------------------


@dataclass
class Hit:
    view: str
    method: str
    status: int
    seconds: float
    app_ms: float | None
    db_ms: float | None
    queries: int | None = None


@dataclass
class Run:
    hits: list[Hit] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    journeys: Timings = field(default_factory=Timings)
    errors: list[str] = field(default_factory=list)


class GaveUp(Exception):
    pass


class Browser:
    """One candidate's browser: cookies, redirects followed, every request recorded."""

    def __init__(self, client: Client, run: Run, *, htmx: bool = False) -> None:
        self.client = client
        self.run = run
        self.htmx = htmx  # JavaScript on: the choose steps are swapped by htmx

    async def request(
        self, method: str, url: str, data: list[tuple[str, str]] | None = None, swap: bool = False
    ) -> tuple[str, Response]:
        """The response to `url` (a path on the server) after the redirects, and its path."""
        while True:
            started = time.perf_counter()
            if data is None:
                headers = SWAP_HEADERS if swap and self.htmx else None
                r = await self.client.get(url, headers=headers)
            else:
                r = await self.client.post(url, data)  # a form, URL-encoded
            self._record(method, r, time.perf_counter() - started)
            if r.status_code >= 500:
                raise GaveUp(f"{method} {urlsplit(url).path} answered {r.status_code}")
            if r.status_code not in (301, 302, 303) or "location" not in r.headers:
                return url, r
            # The gateway's address is absolute (the server names itself): the same server.
            to = urlsplit(urljoin(url, r.headers["location"]))
            method, url, data = "GET", to.path + (f"?{to.query}" if to.query else ""), None

    def _record(self, method: str, r: Response, seconds: float) -> None:
        app = db = None
        queries = None
        view = "?"
        header = r.headers.get("x-bench-cpu", "")
        if header:
            parts = dict(p.split("=", 1) for p in header.split(";"))
            app, view = float(parts["app"]), parts["view"]
            db = None if parts["db"] == "-" else float(parts["db"])
            queries = int(parts["q"])
        self.run.hits.append(Hit(view, method, r.status_code, seconds, app, db, queries))

    async def page(
        self, method: str, url: str, data: list[tuple[str, str]] | None = None, swap: bool = False
    ) -> Page:
        """`swap`: a link or form inside the choose steps' #journey region (htmx follows it)."""
        url, r = await self.request(method, url, data, swap)
        return Page(url, r.content.decode())

    async def submit(
        self, form: Form, *, choose: dict[str, str] | None = None, swap: bool = False
    ) -> Page:
        data = list(form.fields) + list(form.checkboxes)
        for name, value in (choose or {}).items():
            data.append((name, value))
        if form.buttons:
            data.append(form.buttons[0])
        if form.method == "get":
            query = urlencode([(k, v) for k, v in data if k != "csrfmiddlewaretoken"])
            return await self.page("GET", f"{form.action.split('?')[0]}?{query}", swap=swap)
        return await self.page("POST", form.action, data)


async def login(b: Browser, identifier: str, password: str) -> Page:
    page = await b.page("GET", "/accounts/login/")
    form = page.form("/accounts/login/", "post") or page.form("/login", "post")
    if form is None:
        raise GaveUp("no login form")
    form.fields = [(k, v) for k, v in form.fields if k not in {"identifier", "password"}]
    form.fields += [("identifier", identifier), ("password", password)]
    return await b.submit(form)


async def choose_until_review(
    b: Browser, page: Page, period: str, targets: list[dict[str, str]]
) -> Page | None:
    """Walk the choose steps towards the first of `targets` (the candidate's preferences, in
    order) that is still offered, choosing among what each step offers as a person would;
    the review page, or None when none of them is offered any more from here."""
    chosen: dict[str, str] = {}
    seen: set[str] = set()
    for _step in range(12):
        if urlsplit(page.url).path.endswith("/review/"):
            return page
        form = page.form(f"/register/{period}/", "get")
        chosen.update((k, v) for k, v in parse_qsl(urlsplit(page.url).query) if k in TARGET_KEYS)
        fits = [t for t in targets if all(t.get(k) == v for k, v in chosen.items())]
        if form is None or not form.radios:
            # The month calendar: a day is a link; a target's day may sit in another month.
            day = calendar_link(page, fits)
            if day is None or day in seen:
                return None  # the target's day is full (not a link): choose again
            seen.add(day)
            page = await b.page("GET", day, swap=True)
            continue
        pick = next(
            (t for t in fits if all(t.get(n) in offered for n, offered in form.radios.items())),
            None,
        )
        if pick is None:
            return None
        page = await b.submit(form, choose={n: pick[n] for n in form.radios}, swap=True)
    raise GaveUp("the choose steps never reached the review")


def calendar_link(page: Page, fits: list[dict[str, str]]) -> str | None:
    """The calendar's link to the first target's day (or to its month, when it shows another)."""
    links = [(href, dict(parse_qsl(urlsplit(href).query))) for href in page.links]
    for target in fits:
        day = target.get("date", "")
        for href, query in links:
            if day and query.get("date") == day:
                return href
    for target in fits:
        month = target.get("date", "")[:7]
        for href, query in links:
            if month and query.get("month") == month and "date" not in query:
                return href
    return None


async def journey(
    b: Browser,
    cand: dict[str, Any],
    state: dict[str, Any],
    targets: list[dict[str, str]],
    cfg: Config,
) -> str:
    period = state["period"]
    if cand.get("login"):
        page = await login(b, cand["identifier"], state["password"])
    else:
        page = await b.page("GET", "/dashboard/")
    start = page.link(r"^/register/$")
    if start is None:
        raise GaveUp("no link to the available tests on the dashboard")
    page = await b.page("GET", start)
    notes = page.link(rf"^/register/{re.escape(period)}/$")
    if notes is None:
        raise GaveUp("no link to the period's notes")
    page = await b.page("GET", notes)
    form = page.form(f"/register/{period}/", "post")
    if form is None:
        raise GaveUp("no terms form on the notes page")
    if not any(k == "accept" for k, _v in form.checkboxes):
        form.checkboxes.append(("accept", "yes"))
    page = await b.submit(form)
    choose_url = page.url
    for attempt in range(cfg.attempts):
        if not targets:
            break
        if attempt:
            # "Change the city": back to the step after the specialization.
            query = urlencode({"mode": targets[0]["mode"], "spec": targets[0]["spec"]})
            page = await b.page("GET", f"{choose_url.split('?')[0]}?{query}", swap=True)
        review = await choose_until_review(b, page, period, targets)
        if review is None:
            return "sold out"
        wanted = dict(parse_qsl(urlsplit(review.url).query)).get("session")
        targets = [t for t in targets if t["session"] != wanted]
        form = review.form(f"/register/{period}/review/", "post")
        if form is None:
            continue
        page = await b.submit(form)
        path = urlsplit(page.url).path
        if "/sandbox-gateway/" not in path and "/registrations/" not in path:
            continue  # full (or busy) by the time of the POST: choose again
        return await pay(b, page)
    return "sold out"


async def pay(b: Browser, page: Page) -> str:
    """From the card page the hold leads to (or, when the payment could not start there, from
    the held registration's "Pay now")."""
    if "/sandbox-gateway/" not in urlsplit(page.url).path:
        form = page.form("/pay/", "post")
        if form is None:
            raise GaveUp("no pay form on the held registration")
        page = await b.submit(form)
    card = page.form("/sandbox-gateway/", "post")
    if card is None:
        raise GaveUp("no card form")
    card.fields = [(k, PAID_CARD.get(k, v)) for k, v in card.fields]
    page = await b.submit(card)
    three_ds = page.form("/3ds/", "post")
    if three_ds is None:
        raise GaveUp("no 3-D Secure form")
    three_ds.buttons = [("result", "authenticate")]
    page = await b.submit(three_ds)
    if "/registrations/" not in urlsplit(page.url).path:
        raise GaveUp(f"the return landed on {urlsplit(page.url).path}")
    return "confirmed" if page.form("/pay/", "post") is None else "not confirmed"


async def drive(state: dict[str, Any], cfg: Config, run: Run, other: Run | None = None) -> float:
    """Every candidate's journey, 'cfg.concurrency' at a time; with `other` (BENCH_AB), every
    second candidate walks against the other server and is recorded there."""
    rng = random.Random(cfg.seed)
    # Keep-alive connections from one pool per server (bench/rawhttp.py). httpx's pool spent the
    # generator's core on its own bookkeeping (every request scanned every kept connection),
    # on the core PostgreSQL runs on.
    pools = {cfg.base_url: Pool(cfg.base_url, cfg.concurrency)}
    if other is not None:
        pools[cfg.ab_url] = Pool(cfg.ab_url, cfg.concurrency)
    hot = state["targets"]

    def job(index: int, cand: dict[str, Any]) -> Any:
        side, base_url = run, cfg.base_url
        if other is not None and index % 2:
            side, base_url = other, cfg.ab_url

        async def go() -> None:
            cookies = {"django_language": "en"}
            if cand["session_key"]:
                cookies["sessionid"] = cand["session_key"]
            client = Client(pools[base_url], cookies, cfg.request_timeout)
            targets = rng.sample(hot, len(hot))
            started = time.perf_counter()
            try:
                outcome = await journey(
                    Browser(client, side, htmx=cfg.htmx), cand, state, targets, cfg
                )
            except Exception as exc:
                outcome = "error"
                side.errors.append(f"{type(exc).__name__}: {exc}")
            side.outcomes[outcome] += 1
            if outcome == "confirmed":
                side.journeys.add(time.perf_counter() - started)

        return go

    started = time.perf_counter()
    try:
        unfinished = await bounded(
            [job(i, c) for i, c in enumerate(state["candidates"])], cfg.concurrency, cfg.timeout
        )
    finally:
        for pool in pools.values():
            await pool.aclose()
    run.outcomes["unfinished"] += unfinished
    return time.perf_counter() - started


async def metered(cfg: Config, coro: Any) -> tuple[Any, dict[str, float], float]:
    """The coroutine's result, the CPU used meanwhile, and (BENCH_AB) the other gunicorn's."""
    meter = CpuMeter(cfg.server_pid, cfg.dbname, cfg.worker_pid)
    # The other server alone (no database name matches this one).
    other = CpuMeter(cfg.ab_pid, "\x00", 0) if cfg.ab_pid else None
    meters = [m for m in (meter, other) if m is not None]
    for m in meters:
        m.start()

    async def sampler() -> None:
        while True:
            await asyncio.sleep(0.5)
            for m in meters:
                m.sample()

    task = asyncio.ensure_future(sampler())
    try:
        result = await coro
    finally:
        task.cancel()
    return result, meter.stop(), other.stop()["server_s"] if other else 0.0


# --- Entry points -----------------------------------------------------------------------------


def cmd_prepare(state_path: Path, cfg: Config, with_login: bool) -> int:
    django_setup()
    from dataset import prepare

    from rukhsa.catalog.models import Mode, Session

    started = time.perf_counter()
    state = prepare(
        candidates=cfg.candidates,
        logins=cfg.candidates if with_login else 0,
        terms_http=cfg.candidates,
        hot=cfg.hot,
        skip_candidates=cfg.skip_candidates,
        skip_sessions=cfg.skip_sessions,
    )
    # The bench's shape: `seats` seats spread over the hot sessions.
    ids = [h["id"] for h in state["hot"]]
    per, extra = divmod(cfg.seats, len(ids))
    for i, h in enumerate(state["hot"]):
        h["capacity"] = per + (1 if i < extra else 0)
        Session.objects.filter(pk=h["id"]).update(capacity=h["capacity"])
    cities = dict(Session.objects.filter(pk__in=ids).values_list("pk", "centre__city__code"))
    state["targets"] = [
        {
            "mode": Mode.DIGITAL,
            "spec": state["spec"],
            "city": cities[h["id"]],
            "centre": h["centre"],
            "date": h["date"],
            "session": str(h["id"]),
        }
        for h in state["hot"]
    ]
    for c in state["candidates"]:
        c["login"] = with_login
    state.pop("read_urls", None)
    state["prepare_s"] = time.perf_counter() - started
    state_path.write_text(json.dumps(state))
    print(
        f"Prepared {len(state['candidates'])} candidates "
        f"({'through the login form' if with_login else 'logged in'}), {len(ids)} sessions "
        f"with {cfg.seats} seats, in {state['prepare_s']:.1f} s."
    )
    return OK


def verify(state: dict[str, Any]) -> dict[str, Any]:
    from dataset import verify as capacity

    from rukhsa.booking.models import Registration, Status
    from rukhsa.payments.models import Payment, PaymentStatus

    ids = [c["id"] for c in state["candidates"]]
    found = capacity(state)
    confirmed = Registration.objects.filter(candidate_id__in=ids, status=Status.CONFIRMED)
    paid = Payment.objects.filter(order__owner_id__in=ids, status=PaymentStatus.PAID)
    found["confirmed"] = confirmed.count()
    found["paid"] = paid.count()
    found["held_unpaid"] = Registration.objects.filter(
        candidate_id__in=ids, status=Status.HELD
    ).count()
    return found


def per_page(hits: list[Hit]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        groups[f"{h.method} {h.view}"].append(h)
    out = {}
    for key, group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        t = Timings([h.seconds for h in group])
        app = [h.app_ms for h in group if h.app_ms is not None]
        db = [h.db_ms for h in group if h.db_ms is not None]
        queries = [h.queries for h in group if h.queries is not None]
        out[key] = {
            **t.summary(),
            "app_ms": sum(app) / len(app) if app else float("nan"),
            "db_ms": sum(db) / len(db) if db else float("nan"),
            "queries": sum(queries) / len(queries) if queries else float("nan"),
            "statuses": dict(Counter(h.status for h in group)),
        }
    return out


def sandbox_cpu(
    pages: dict[str, dict[str, Any]], server_s: float, requests: int, app_ms_mean: float
) -> tuple[int, float]:
    """The sandbox gateway's requests and their CPU (ms): each one's app thread and backend
    (the header) plus its share of gunicorn's CPU outside Django."""
    outside = max(0.0, server_s * 1000 / max(1, requests) - app_ms_mean)
    n, ms = 0, 0.0
    for key, page in pages.items():
        if "payments:sandbox" in key:
            n += page["n"]
            ms += page["n"] * (page["app_ms"] + page["db_ms"] + outside)
    return n, ms


def gateway_line(r: dict[str, Any], journey_ms: float, confirmed: int) -> str:
    """The sandbox gateway's share of a journey: in production its pages (card, 3-D Secure)
    are the payment provider's, served by its servers, not Rukhsa's. Estimated from the
    per-request header (app thread + backend) plus each request's share of the server's CPU
    outside Django."""
    n, ms = sandbox_cpu(r["pages"], r["cpu"]["server_s"], r["requests"], r["app_ms_mean"])
    own = journey_ms - ms / confirmed
    return (
        f"Of which the sandbox gateway's pages (the payment provider's own in production): "
        f"{n / confirmed:.1f} requests, ~{ms / confirmed:.0f} ms; Rukhsa's own pages: "
        f"~{own:.0f} ms per confirmed journey"
    )


def render(r: dict[str, Any]) -> str:
    m, db, cpu = r["machine"], r["db"], r["cpu"]
    confirmed = max(1, db["confirmed"])
    per = 1000 / confirmed
    total = cpu["server_s"] + cpu["db_s"] + cpu["worker_s"]
    lines = [
        "",
        "=" * 78,
        f"Rukhsa full-journey bench{' (with the login form)' if r['login'] else ''}",
        "=" * 78,
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM, Python {m['python']}",
        f"Load average before/after: {m['load_before'][0]:.2f} / {m['load_after'][0]:.2f}",
        f"Server: {m['server']}",
        "Walk: "
        + (
            "a browser with JavaScript (htmx swaps of the choose steps' #journey region)"
            if r.get("htmx")
            else "a browser without JavaScript (every choose step a whole page)"
        ),
        f"{r['candidates']} candidates, {r['concurrency']} at a time, {r['seats']} seats in "
        f"{r['sessions']} sessions; wall {r['wall_s']:.1f} s",
        f"Outcomes: {r['outcomes']}",
        f"Confirmed journeys: {db['confirmed']} ({db['confirmed'] / r['wall_s']:.2f}/s); "
        f"journey p50 {r['journey']['p50_ms'] / 1000:.1f} s, "
        f"p95 {r['journey']['p95_ms'] / 1000:.1f} s",
        f"Requests: {r['requests']} ({r['requests'] / confirmed:.1f} per confirmed journey)",
        f"Server CPU per confirmed journey: {total * per:.0f} ms = gunicorn "
        f"{cpu['server_s'] * per:.0f} + PostgreSQL {cpu['db_s'] * per:.0f} + task worker "
        f"{cpu['worker_s'] * per:.0f} (load generator {cpu['client_s'] * per:.0f}; other "
        f"processes {cpu['others_s'] / r['wall_s']:.2f} CPUs)",
        f"Per request: gunicorn {cpu['server_s'] * 1000 / r['requests']:.1f} ms, PostgreSQL "
        f"{cpu['db_s'] * 1000 / r['requests']:.1f} ms (/proc); inside Django "
        f"{r['app_ms_mean']:.1f} ms app thread + {r['db_ms_mean']:.1f} ms its backend (header)",
        gateway_line(r, total * per, confirmed),
        "",
        f"{'page (method view)':<44}{'n':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'app':>7}{'db':>6}"
        f"  ms {'queries':>7}",
    ]
    for key, s in r["pages"].items():
        lines.append(
            f"{key[:43]:<44}{s['n']:>6}{s['p50_ms']:>7.0f}{s['p95_ms']:>7.0f}{s['p99_ms']:>7.0f}"
            f"{s['app_ms']:>7.1f}{s['db_ms']:>6.1f}{s.get('queries', float('nan')):>11.1f}"
        )
    lines += [
        "",
        "Database after the run:",
        f"  over capacity: {db['over_capacity']}; confirmed {db['confirmed']} = paid "
        f"{db['paid']}; still held unpaid {db['held_unpaid']}; candidates with two active: "
        f"{db['candidates_with_two_active']}",
    ]
    if r["errors"]:
        lines.append(f"  first errors: {r['errors'][:5]}")
    lines.append("=" * 78)
    return "\n".join(lines)


def ab_results(
    cfg: Config, run: Run, other: Run, cpu: dict[str, float], other_server_s: float
) -> dict[str, Any]:
    """Each side's figures (BENCH_AB). gunicorn's CPU is each side's own (/proc); PostgreSQL's
    and the worker's are shared, split by the backend CPU each side's requests reported and by
    confirmed journeys."""
    this = os.environ.get("BENCH_THIS", "") or "this tree"
    sides = {this: (run, cpu["server_s"]), cfg.ab: (other, other_server_s)}
    db_ms = {name: sum(h.db_ms or 0.0 for h in r.hits) for name, (r, _s) in sides.items()}
    confirmed = {name: r.outcomes.get("confirmed", 0) for name, (r, _s) in sides.items()}
    out = {}
    for name, (r, server_s) in sides.items():
        n = max(1, confirmed[name])
        db_share = db_ms[name] / max(1e-9, sum(db_ms.values()))
        worker_share = confirmed[name] / max(1, sum(confirmed.values()))
        pages = per_page(r.hits)
        apps = [h.app_ms for h in r.hits if h.app_ms is not None]
        _n, sandbox = sandbox_cpu(pages, server_s, len(r.hits), sum(apps) / max(1, len(apps)))
        ms = {
            "gunicorn": server_s * 1000 / n,
            "postgresql": cpu["db_s"] * db_share * 1000 / n,
            "worker": cpu["worker_s"] * worker_share * 1000 / n,
        }
        out[name] = {
            "confirmed": confirmed[name],
            "outcomes": dict(r.outcomes),
            "requests": len(r.hits),
            "ms": ms,
            "total_ms": sum(ms.values()),
            "sandbox_ms": sandbox / n,
            "pages": pages,
        }
    return out


def render_ab(r: dict[str, Any]) -> str:
    m, db = r["machine"], r["db"]
    (a, ra), (b, rb) = r["ab"].items()
    lines = [
        "",
        "=" * 78,
        f"Rukhsa full-journey bench, two codes at once: {a} against {b}",
        "=" * 78,
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM, Python {m['python']}",
        f"Load average before/after: {m['load_before'][0]:.2f} / {m['load_after'][0]:.2f}",
        f"Servers: two of {m['server']}",
        f"{r['candidates']} candidates alternating, {r['concurrency']} at a time, {r['seats']} "
        f"seats in {r['sessions']} sessions; wall {r['wall_s']:.1f} s",
    ]
    for name, s in ((a, ra), (b, rb)):
        ms = s["ms"]
        lines.append(
            f"{name}: {s['confirmed']} confirmed, {s['requests'] / max(1, s['confirmed']):.1f} "
            f"requests each; server CPU per confirmed journey {s['total_ms']:.0f} ms = gunicorn "
            f"{ms['gunicorn']:.0f} + PostgreSQL {ms['postgresql']:.0f} + worker "
            f"{ms['worker']:.0f}; Rukhsa's own pages ~{s['total_ms'] - s['sandbox_ms']:.0f} ms"
        )
    lines += [
        "(PostgreSQL shared out by each side's backend CPU per request, the worker by confirmed",
        " journeys; the sandbox gateway's pages are the payment provider's in production)",
        "",
        f"{'page (method view)':<40}{'n':>5}{'app':>7}{'db':>6}{'q':>6}   |{'n':>5}{'app':>7}"
        f"{'db':>6}{'q':>6}",
    ]
    for key in sorted(
        set(ra["pages"]) | set(rb["pages"]), key=lambda k: -ra["pages"].get(k, {"n": 0})["n"]
    ):
        row = f"{key[:39]:<40}"
        for side in (ra, rb):
            p = side["pages"].get(key)
            row += (
                f"{p['n']:>5}{p['app_ms']:>7.1f}{p['db_ms']:>6.1f}{p['queries']:>6.1f}"
                if p
                else f"{'':>24}"
            )
            row += "   |" if side is ra else ""
        lines.append(row)
    lines += [
        "",
        f"Database after the run: over capacity {db['over_capacity']}; confirmed "
        f"{db['confirmed']} = paid {db['paid']}; held unpaid {db['held_unpaid']}; candidates "
        f"with two active {db['candidates_with_two_active']}",
        "=" * 78,
    ]
    return "\n".join(lines)


def waiting_rooms_off() -> None:
    """The journey measures the booking pages themselves: every waiting room is switched off
    (the demo's next period turns its own on a few minutes after the load, and it gates the
    available-tests page; bench/opening.py measures the waiting room). The servers read the
    switch again within CONFIG_TTL_SECONDS."""
    from rukhsa.admission.models import QueueSettings
    from rukhsa.admission.services import CONFIG_TTL_SECONDS

    if QueueSettings.objects.filter(enabled=True).update(enabled=False):
        time.sleep(CONFIG_TTL_SECONDS + 1)


def cmd_run(state_path: Path, results_path: Path | None, cfg: Config, with_login: bool) -> int:
    state = json.loads(state_path.read_text())
    django_setup()
    waiting_rooms_off()
    load_before = os.getloadavg()
    run = Run()
    other = Run() if cfg.ab_url else None
    failure = ""
    wall, cpu, other_server_s = 0.0, {}, 0.0
    try:
        wall, cpu, other_server_s = asyncio.run(metered(cfg, drive(state, cfg, run, other)))
    except Exception as exc:  # report what was measured, then fail
        failure = f"{type(exc).__name__}: {exc}"
    from dataset import machine

    apps = [h.app_ms for h in run.hits if h.app_ms is not None]
    dbs = [h.db_ms for h in run.hits if h.db_ms is not None]
    results = {
        "login": with_login,
        "htmx": cfg.htmx,
        "candidates": len(state["candidates"]),
        "concurrency": cfg.concurrency,
        "seats": sum(h["capacity"] for h in state["hot"]),
        "sessions": len(state["hot"]),
        "wall_s": wall or float("nan"),
        "cpu": cpu,
        "outcomes": dict(run.outcomes),
        "errors": run.errors,
        "journey": run.journeys.summary(),
        "requests": len(run.hits),
        "app_ms_mean": sum(apps) / len(apps) if apps else float("nan"),
        "db_ms_mean": sum(dbs) / len(dbs) if dbs else float("nan"),
        "pages": per_page(run.hits),
        "db": verify(state),
        "machine": {
            **machine_facts(),
            **machine(),
            "python": platform.python_version(),
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "server": os.environ.get("BENCH_SERVER", ""),
        },
    }
    if other is not None:
        results["ab"] = ab_results(cfg, run, other, cpu, other_server_s)
    if not failure and cpu:
        print(render(results) if other is None else render_ab(results))
    if results_path:
        results_path.write_text(json.dumps(results, indent=2, default=str))
        print(f"Raw results: {results_path}")
    db = results["db"]
    if db["over_capacity"] or db["candidates_with_two_active"] or db["confirmed"] != db["paid"]:
        print("FAIL: an invariant is broken (see above).", file=sys.stderr)
        return BROKEN
    errors = run.outcomes.get("error", 0) + (other.outcomes.get("error", 0) if other else 0)
    if not failure and errors:
        failure = f"{errors} journeys failed: {(run.errors + (other.errors if other else []))[:3]}"
    if failure:
        print(f"HARNESS FAILED: {failure}", file=sys.stderr)
        return HARNESS_FAILED
    return OK


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run"])
    parser.add_argument("state", type=Path)
    parser.add_argument("--results", type=Path, default=None)
    parser.add_argument("--login", action="store_true", help="log in through the form (Argon2)")
    args = parser.parse_args()
    cfg = Config()
    if args.command == "prepare":
        return cmd_prepare(args.state, cfg, args.login)
    return cmd_run(args.state, args.results, cfg, args.login)


if __name__ == "__main__":
    sys.exit(main())
