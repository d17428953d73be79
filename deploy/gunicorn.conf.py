"""gunicorn settings for each app instance (`gunicorn -c deploy/gunicorn.conf.py rukhsa.wsgi`).

Bind address, workers and threads come from the environment (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_THREADS). Without WEB_CONCURRENCY: one worker process per CPU this instance may run on
(its CPU affinity, so `taskset` or a container's cpuset counts). The threads of a process share
its CPU while one waits for PostgreSQL or Redis; a second process on the same CPU adds nothing
but switching: 10–14 % more CPU per request on one core (docs/performance.md).

SIGTERM is a graceful stop: the instance stops accepting, finishes the requests in flight (up to
graceful_timeout) and exits; nginx sends new requests to the others.
"""

import os
from typing import Any


def _cpus() -> int:
    """The CPUs this process may run on: its affinity on Linux, all of them elsewhere."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
graceful_timeout = 30
keepalive = 30
backlog = 2048
# Recycle a worker now and then (a slow leak would not outlive it), staggered by the jitter. A new
# worker costs about 0.5 s of CPU to import the app and 0.3–0.4 s more to warm its first pages
# (templates, URL resolvers, compiled statements, the process's cached entries): every 5,000
# requests that was ~0.17 ms a request, about 4 ms of a booking journey's 24 requests; every
# 50,000, a tenth of it. The process's own stores are bounded (docs/performance.md).
max_requests = 50_000
max_requests_jitter = 5_000
accesslog = None  # nginx and the app's JSON request log (rukhsa.access) record every request
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
control_socket_disable = True  # several instances per machine; nothing uses it


def child_exit(server: Any, worker: Any) -> None:
    """Prometheus multiprocess mode: forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
