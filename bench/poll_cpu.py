"""CPU per waiting-room request, measured in-process, so the figure holds on a busy machine.

    DEBUG=1 ADMISSION_REDIS_URL=redis://127.0.0.1:6379/N ADMISSION_REDIS_PREFIX=cpu \\
        .venv/bin/python bench/poll_cpu.py [POLLS] [--http URL --server-pid PID]

Uses the demo database (`make demo`) and Redis for the queue (its own key prefix, emptied
afterwards). With the demo's next period's waiting room paused, a line of demo candidates is
polled through `rukhsa.wsgi.application`, the callable gunicorn calls (every middleware, the
handler, the template; no HTTP parsing), with the cookies a logged-in candidate's browser
sends (session, language): the htmx fragment, the full page (no JavaScript) and the JSON
answer. The same polls then go through a handler built without the fast path
(`WaitingRoomMiddleware`), as every poll was served before it. Last, the redirect of a
logged-in candidate without a pass asking for a journey page (the session as the login view
leaves it, seen a minute ago or just now), answered by the fast path and by the gate behind the
whole stack. Prints CPU milliseconds per request (`time.process_time`, this process only) and
the database queries per request.

With ``--http URL --server-pid PID``, the fragment polls are also sent over HTTP (one
keep-alive connection) to a server started with the same settings (same SECRET_KEY, database
and Redis), and the server's own CPU per poll is read from /proc (the gunicorn master's
process tree, and the database's backends for ``--dbname``).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FAST_PATH = "rukhsa.admission.fastpath.WaitingRoomMiddleware"


def measure(label: str, count: int, call: Callable[[int], Any]) -> None:
    started_cpu, started = time.process_time(), time.perf_counter()
    for i in range(count):
        call(i)
    cpu = (time.process_time() - started_cpu) * 1000 / count
    wall = (time.perf_counter() - started) * 1000 / count
    print(f"{label:<50} {cpu:6.2f} ms CPU, {wall:6.2f} ms wall per request (n={count})")


def environ(url: str, headers: dict[str, str], cookie: str) -> dict[str, Any]:
    """What gunicorn hands the WSGI application for a GET of `url`."""
    path, _, query = url.partition("?")
    env: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def wsgi_get(app: Any, url: str, headers: dict[str, str], cookie: str) -> tuple[str, bytes]:
    status: list[str] = []
    body = app(environ(url, headers, cookie), lambda s, h, *_: status.append(s))
    try:
        content = b"".join(body)
    finally:
        body.close()
    return status[0], content


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("polls", nargs="?", type=int, default=3000)
    parser.add_argument(
        "--http", default="", help="a server's base URL, e.g. http://127.0.0.1:8100"
    )
    parser.add_argument("--server-pid", type=int, default=0, help="the server's (master) pid")
    parser.add_argument("--dbname", default="", help="the server's PostgreSQL database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rukhsa.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from rukhsa.accounts.middleware import CANDIDATE, LOGIN_AT, SEEN_AT
    from rukhsa.accounts.models import User
    from rukhsa.admission import services
    from rukhsa.catalog.models import Period
    from rukhsa.core import clock
    from rukhsa.demo import loader
    from rukhsa.wsgi import application

    if not settings.ADMISSION_REDIS_URL:
        print("Set ADMISSION_REDIS_URL (or REDIS_URL): the figure is for the Redis store.")
        return 2
    polls = args.polls
    period = Period.objects.get(code=loader.OPENING_PERIOD)
    Period.objects.filter(pk=period.pk).update(
        registration_opens_at=clock.now() - timedelta(seconds=1)
    )
    services.queue_reset(period_id=period.pk)
    config = services.config_for(period_id=period.pk)
    assert config is not None
    services.queue_control(period_id=period.pk, action="pause")
    users = list(User.objects.filter(is_staff=False).order_by("pk")[:500])
    tokens = []
    now = clock.now()
    for user in users:
        services.admission_enter(config=config, user_id=user.pk, now=now)
        token = services.place_token(period_id=period.pk, user_id=user.pk, next_url="/register/")
        tokens.append(f"/waiting-room/?t={token}")

    # Logged-in candidates' cookies, as their browsers send them with every poll.
    def signed_in(some: list[Any], seen_ago: float = 0.0) -> list[str]:
        """Their browsers' cookies, the sessions as the login view leaves a candidate's."""
        found = []
        for user in some:
            logged_in = Client()
            logged_in.force_login(user)
            session = logged_in.session
            session[LOGIN_AT] = session[SEEN_AT] = clock.now().timestamp() - seen_ago
            session[CANDIDATE] = True
            session.save()
            found.append(
                f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
                f"{settings.LANGUAGE_COOKIE_NAME}=en"
            )
        return found

    cookies = signed_in(users[:50])
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != FAST_PATH]):
        full_stack = WSGIHandler()  # the middleware chain is built here, without the fast path
    fragment = {"HX-Request": "true"}
    json = {"Accept": "application/json"}

    def poll(app: Any, headers: dict[str, str]) -> Callable[[int], Any]:
        return lambda i: wsgi_get(app, tokens[i % len(tokens)], headers, cookies[i % len(cookies)])

    print(f"line: {len(tokens)} candidates waiting (paused), logged-in cookies sent")
    for label, app in (("fast path", application), ("without the fast path", full_stack)):
        for i in range(50):  # warm up: templates, translations, the Redis connection
            poll(app, fragment)(i)
        with CaptureQueriesContext(connection) as queries:
            status, _body = poll(app, fragment)(7)
        assert status.startswith("200"), status
        print(f"{label}: {len(queries)} database queries per poll")
        measure(f"{label}: poll, htmx fragment", polls, poll(app, fragment))
        measure(f"{label}: poll, full page (no JavaScript)", polls // 3, poll(app, {}))
        measure(f"{label}: poll, JSON", polls // 3, poll(app, json))
    # The redirect before admission, for the line's later candidates (not yet admitted).
    journey = f"/register/{period.code}/choose/?mode=digital"

    def redirect(app: Any) -> Callable[[int], Any]:
        return lambda i: wsgi_get(app, journey, {}, cookies[i % len(cookies)])

    for label, app in (("fast path", application), ("without the fast path", full_stack)):
        for i in range(20):
            redirect(app)(i)
        with CaptureQueriesContext(connection) as queries:
            status, _body = redirect(app)(7)
        assert status.startswith("302"), status
        print(f"{label}: {len(queries)} database queries per redirect")
        measure(f"{label}: journey URL without a pass (redirect)", polls // 3, redirect(app))
    # A candidate last seen over a minute ago: the session is written too (SEEN_AT), once.
    for label, app in (("fast path", application), ("without the fast path", full_stack)):
        stale = signed_in(users[100:300], seen_ago=120)

        def once(i: int, stale: list[str] = stale, app: Any = app) -> Any:
            return wsgi_get(app, journey, {}, stale[i])

        measure(f"{label}: the same, session seen 2 min ago (written)", len(stale), once)
    if args.http:
        over_http(args, tokens, cookies, fragment)
        redirects_over_http(args, journey, signed_in(users[:50]))
    services.queue_reset(period_id=period.pk)
    services.store().reset(period.pk)
    return 0


def metered(
    args: argparse.Namespace, count: int, get: Callable[[int], None]
) -> tuple[float, dict[str, float]]:
    """`get(0)` … `get(count - 1)` with the server's and the database's CPU measured from /proc:
    the wall time and the CPU meter's figures."""
    from stats import CpuMeter

    meter = CpuMeter(args.server_pid, args.dbname or "-")
    meter.start()
    started = time.perf_counter()
    for i in range(count):
        get(i)
        if i % 200 == 0:
            meter.sample()
    wall = time.perf_counter() - started
    return wall, meter.stop()


def over_http(
    args: argparse.Namespace, tokens: list[str], cookies: list[str], fragment: dict[str, str]
) -> None:
    import httpx

    polls = args.polls
    with httpx.Client(base_url=args.http, trust_env=False, timeout=10) as client:

        def get(i: int) -> None:
            response = client.get(
                tokens[i % len(tokens)], headers={**fragment, "Cookie": cookies[i % len(cookies)]}
            )
            assert response.status_code == 200, response.status_code

        for i in range(100):  # warm up every worker a little
            get(i)
        wall, used = metered(args, polls, get)
    print(
        f"over HTTP ({args.http}): {polls} fragment polls in {wall:.1f} s, server CPU "
        f"{used['server_s'] * 1000 / polls:.2f} ms per poll, database "
        f"{used['db_s'] * 1000 / polls:.2f} ms per poll, this client "
        f"{used['client_s'] * 1000 / polls:.2f} ms per poll; load {os.getloadavg()[0]:.2f}"
    )


def redirects_over_http(args: argparse.Namespace, journey: str, cookies: list[str]) -> None:
    """The redirect before admission over HTTP: the server's CPU per request from /proc."""
    import httpx

    count = max(len(cookies), args.polls // 3)
    with httpx.Client(base_url=args.http, trust_env=False, timeout=10) as client:
        app_ms: list[float] = []

        def get(i: int) -> None:
            response = client.get(journey, headers={"Cookie": cookies[i % len(cookies)]})
            assert response.status_code == 302, response.status_code
            assert response.headers["location"].startswith("/waiting-room/")
            # bench_settings' X-Bench-Cpu: the serving thread's CPU from the first middleware in
            spent = response.headers.get("X-Bench-Cpu", "").partition("app=")[2].partition(";")
            if spent[0]:
                app_ms.append(float(spent[0]))

        for i in range(len(cookies)):  # warm up; the sessions are written here if at all
            get(i)
        wall, used = metered(args, count, get)
    print(
        f"over HTTP ({args.http}): {count} redirects before admission in {wall:.1f} s, server "
        f"CPU {used['server_s'] * 1000 / count:.2f} ms per redirect, database "
        f"{used['db_s'] * 1000 / count:.2f} ms; load {os.getloadavg()[0]:.2f}"
        + (f"; the app thread {sum(app_ms) / len(app_ms):.2f} ms (X-Bench-Cpu)" if app_ms else "")
    )


if __name__ == "__main__":
    sys.exit(main())
