"""CPU and statements of the task worker per task, in process (`pages_cpu.py`'s companion).

    DJANGO_SETTINGS_MODULE=bench_settings DATABASE_URL=... REDIS_URL=... \\
        python bench/worker_cpu.py

Runs the tasks waiting in the queue (the ones `pages_cpu.py --payers N` leaves: per payer the
gateway's webhook and the messages of the hold and of the payment) with the project's worker
loop (`core.taskworker`; `--library-loop`: django-tasks-db's), one after the other, as
`db_worker --batch` does, and prints per task path: how many
ran, the worker thread's CPU and its PostgreSQL backend's CPU per task (from /proc), and the
statements per task, the claim and the bookkeeping of the task framework included. No server:
the figures are the worker's own. `--profile OUT` writes a cProfile (thread CPU) of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_middleware import _backend_ns
from burst import django_setup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--library-loop",
        action="store_true",
        help="django-tasks-db's own worker loop (its claim) instead of the project's",
    )
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.urls import reverse
    from django_tasks import signals
    from django_tasks_db.management.commands import db_worker as library
    from django_tasks_db.models import DBTaskResult

    from rukhsa.core import taskworker

    Worker = library.Worker if args.library_loop else taskworker.Worker

    waiting = DBTaskResult.objects.ready().count()
    if not waiting:
        print("No task waiting: run bench/pages_cpu.py --payers N first.")
        return 1
    # Each task's span runs from the end of the one before (its claim included) to its finish.
    per_path: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    mark: dict[str, Any] = {}
    statements = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[0] += 1
        return execute(sql, params, many, context)

    def reset() -> None:
        pid, db = _backend_ns()
        mark.update(app=time.thread_time_ns(), pid=pid, db=db, statements=statements[0])

    def finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
        pid, db = _backend_ns()
        per_path[task_result.task.module_path].append(
            (
                time.thread_time_ns() - mark["app"],
                db - mark["db"] if pid == mark["pid"] else 0,
                statements[0] - mark["statements"],
            )
        )
        reset()

    signals.task_finished.connect(finished, dispatch_uid="bench.worker_cpu")
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-worker-cpu",
        excluded_queue_names=[],
    )
    # The console e-mail backend writes each message to stdout: away from the figures.
    with (
        open(os.devnull, "w") as devnull,
        contextlib.redirect_stdout(devnull),
        connection.execute_wrapper(count),
    ):
        connection.ensure_connection()
        reverse("core:home")  # the URL resolver, built once in a long-running worker
        reset()
        if args.profile:
            profiler = cProfile.Profile(time.thread_time)
            profiler.runcall(worker.run)
            profiler.dump_stats(args.profile)
        else:
            worker.run()
    # The mean carries the process's first-time work (imports, the URL resolver) in its first
    # tasks; the median is the steady state of a long-running worker.
    print(f"{'task':<54} {'n':>4} {'app ms':>7} {'p50':>6} {'db ms':>6} {'statements':>10}")
    for path, rows in sorted(per_path.items()):
        n = len(rows)
        app = sum(r[0] for r in rows) / n / 1e6
        app50 = statistics.median(r[0] for r in rows) / 1e6
        db = sum(r[1] for r in rows) / n / 1e6
        stmts = sum(r[2] for r in rows) / n
        print(f"{path:<54} {n:>4} {app:>7.2f} {app50:>6.2f} {db:>6.2f} {stmts:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
