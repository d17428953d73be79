"""Per-request CPU, for the bench only (`bench_settings` puts it first in MIDDLEWARE).

Every response carries `X-Bench-Cpu: app=<ms>;db=<ms>;view=<name>`:

- app: the CPU time of the thread that served the request (`time.thread_time_ns`), from the
  first middleware in to the response out (gunicorn's own parsing and writing are outside it:
  the bench reports them as the difference to gunicorn's CPU in /proc);
- db: the CPU time the request's PostgreSQL backend ran meanwhile, from the backend's
  `/proc/<pid>/schedstat` (nanoseconds; the bench, the server and PostgreSQL share a machine).
  A request that opened its connection reports 0 (connections live on between requests, so
  that is a thread's first request; the /proc totals have it);
- view: the URL name that answered, so the bench groups figures by page type.

Nothing here runs in production: the settings module the app ships does not name it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponse


def _backend_ns() -> tuple[int, int]:
    """(backend pid, its CPU nanoseconds so far), or (0, 0) without an open connection."""
    raw = getattr(connection, "connection", None)
    if raw is None:
        return 0, 0
    try:
        pid = int(raw.info.backend_pid)
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (AttributeError, OSError, ValueError):
        return 0, 0


class RequestCpuMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        app0 = time.thread_time_ns()
        pid0, db0 = _backend_ns()
        response = self.get_response(request)
        pid1, db1 = _backend_ns()
        db = db1 - db0 if pid1 and pid1 == pid0 else 0  # a connection opened meanwhile: 0
        app = time.thread_time_ns() - app0
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        response.headers["X-Bench-Cpu"] = f"app={app / 1e6:.3f};db={db / 1e6:.3f};view={view}"
        return response
