"""Request ids, JSON logs and the request latency histogram.

- nginx gives every request an id (`X-Request-ID: $request_id`); `RequestMiddleware` keeps it
  (or makes one when the request did not come through nginx), answers with it, and puts it on
  every log line written while the request runs.
- A task enqueued during the request carries the id in its queued row (`core.tasklog`), and the
  worker puts it back on its own log lines while it runs that task: one id from nginx's access
  log to the task's last line.
- `JsonFormatter` writes one JSON object per line: time, level, logger, message, request id.
- `RequestMiddleware` also logs one line per request (method, view, status, duration, client IP
  from the one client IP function) and observes the Prometheus latency histogram by view.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

from rukhsa.core.net import client_ip

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUEST_LATENCY = Histogram(
    "rukhsa_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

access_logger = logging.getLogger("rukhsa.access")


def current_request_id() -> str:
    return request_id_var.get()


def incoming_request_id(value: str | None) -> str:
    """The id nginx sent, when it looks like one; otherwise a fresh one."""
    if value and _VALID_ID.match(value):
        return value
    return uuid.uuid4().hex


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


class RequestMiddleware:
    """Request id in, request id out, one access log line and one histogram observation."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            view = (match.view_name if match else "") or "unmatched"
            REQUEST_LATENCY.labels(
                view=view, method=request.method or "", status=_status_class(response.status_code)
            ).observe(elapsed)
            response.headers["X-Request-ID"] = request_id
            access_logger.info(
                "%s %s %s %.1f ms",
                request.method,
                view,
                response.status_code,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "client_ip": client_ip(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
