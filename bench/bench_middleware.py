"""Per-request CPU, for the bench only (`bench_settings` puts it first in MIDDLEWARE).

Every response carries `X-Bench-Cpu: app=<ms>;db=<ms>;q=<queries>;view=<name>`:

- app: the CPU time of the thread that served the request (`time.thread_time_ns`), from the
  first middleware in to the response out (gunicorn's own parsing and writing are outside it:
  the bench reports them as the difference to gunicorn's CPU in /proc);
- db: the CPU time the request's PostgreSQL backend ran meanwhile, from the backend's
  `/proc/<pid>/schedstat` (nanoseconds; the bench, the server and PostgreSQL share a machine).
  A request that opened its connection reports `db=-` (connections live on between requests,
  so that is a thread's first request; the /proc totals have it); one that ran no query, 0;
- q: the number of SQL statements the request ran;
- view: the URL name that answered, so the bench groups figures by page type; a choose page
  is named by its step (`booking:choose[city]`: the deepest choice its query string carries).

Nothing here runs in production: the settings module the app ships does not name it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

# /proc/<pid>/schedstat kept open per backend and read again from its start (`pread`): a
# tenth of the CPU of opening it each time (about 2 µs a read instead of 16; the middleware reads
# it twice per request, and its own CPU is counted in gunicorn's).
_schedstat: dict[int, int] = {}


def _backend_ns() -> tuple[int, int]:
    """(backend pid, its CPU nanoseconds so far), or (0, 0) without an open connection."""
    raw = getattr(connection, "connection", None)
    if raw is None:
        return 0, 0
    try:
        pid = int(raw.info.backend_pid)
        fd = _schedstat.get(pid)
        if fd is None:
            if len(_schedstat) > 64:  # backends of connections closed since
                for old in _schedstat.values():
                    os.close(old)
                _schedstat.clear()
            fd = _schedstat[pid] = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY)
        return pid, int(os.pread(fd, 64, 0).split()[0])
    except (AttributeError, OSError, ValueError):
        return 0, 0


CHOICE_KEYS = ("time", "date", "month", "centre", "city", "spec", "mode")


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    view = (match.view_name if match else "") or "unmatched"
    if view == "booking:choose":
        step = next((k for k in CHOICE_KEYS if request.GET.get(k)), "start")
        return f"{view}[{step}]"
    return view


class RequestCpuMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        app0 = time.thread_time_ns()
        pid0, db0 = _backend_ns()
        queries = [0]

        def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        pid1, db1 = _backend_ns()
        app = time.thread_time_ns() - app0
        if pid1 and pid1 == pid0:
            db = f"{(db1 - db0) / 1e6:.3f}"
        else:
            db = "-" if queries[0] else "0"  # a connection opened meanwhile: unknown
        response.headers["X-Bench-Cpu"] = (
            f"app={app / 1e6:.3f};db={db};q={queries[0]};view={_view_name(request)}"
        )
        return response
