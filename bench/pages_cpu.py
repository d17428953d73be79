"""CPU of each journey page, in process, one request at a time (the profile's companion).

    DJANGO_SETTINGS_MODULE=bench_settings DATABASE_URL=... REDIS_URL=... \\
        python bench/pages_cpu.py STATE [--repeat N] [--profile OUT.prof]

STATE is a journey state file (bench/journey.py prepare, kept with BENCH_KEEP_DB=1). One
logged-in candidate GETs the reading pages of the journey (dashboard, available tests, notes,
every choose step, review) through Django's test client, `--repeat` times each; printed per
page: the thread's CPU and its PostgreSQL backend's CPU (from /proc/<pid>/schedstat) per
request, and the number of queries. `--profile` writes a cProfile of all of it (open it with
`python -m pstats` or snakeviz). No server, no network: the figures are the app's own.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_middleware import _backend_ns
from burst import django_setup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from rukhsa.accounts.models import User
    from rukhsa.booking.views import TERMS_KEY

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    state = json.loads(args.state.read_text())
    period, target = state["period"], state["targets"][0]
    user = User.objects.get(pk=state["candidates"][-1]["id"])
    client = Client()
    client.force_login(user, backend="rukhsa.accounts.backends.IdentityBackend")
    client.cookies["django_language"] = "en"
    session = client.session
    session[TERMS_KEY] = [period]
    session.save()
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
    profiler = cProfile.Profile() if args.profile else None
    print(f"{'page':<22}{'app ms':>8}{'db ms':>8}{'queries':>9}")
    for name, url in pages:
        assert client.get(url).status_code == 200, url  # warm
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        app = db = 0
        for _ in range(args.repeat):
            pid0, db0 = _backend_ns()
            t0 = time.thread_time_ns()
            if profiler:
                profiler.enable()
            client.get(url)
            if profiler:
                profiler.disable()
            app += time.thread_time_ns() - t0
            pid1, db1 = _backend_ns()
            db += db1 - db0 if pid0 == pid1 else 0
        n = args.repeat * 1e6
        print(f"{name:<22}{app / n:>8.2f}{db / n:>8.2f}{len(queries):>9}")
    if profiler and args.profile:
        profiler.dump_stats(str(args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
