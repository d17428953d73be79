"""`db_worker`: django-tasks-db's task worker, riding out a database or pooler restart.

django-tasks-db's worker exits as soon as its database connection fails (PgBouncer or
PostgreSQL restarting): the supervisor starts it again, paying the import (about half a second
of CPU) each time, and under systemd a handful of restarts within seconds stops the unit for
good (its start limit) — while the pooler is still coming back. This command is that worker,
with the same options, except that when a database error comes with the database not
answering (a lost or refused connection, PgBouncer without its server), it is logged and the
worker polls again after `RETRY_SECONDS`, as the `clock` does. Any other database error (a
missing table, a statement refused) ends the worker as before. (It takes the name over:
Django runs the command of the app listed first, and `rukhsa.core` comes before
`django_tasks_db`.)

A task that was running when the connection went stays "running" until
`core.tasks.tasks_lost_close_due` closes it as lost; the safety net that watches its work
(messages, payments, holds) redoes it. SIGTERM and SIGINT stop the worker as before, also while
it waits to poll again. `--batch` (process what is queued, then exit) still fails at once.

The loop is `core.taskworker.Worker`: the library's, but on PostgreSQL each task is claimed with
one statement.
"""

import logging
import os
import signal
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from rukhsa.core import tasklog
from rukhsa.core.taskworker import Worker

logger = logging.getLogger("rukhsa.tasks")

RETRY_SECONDS = 5.0


def _stop_requested() -> bool:
    """True when the worker that just ended had been asked to stop (SIGTERM or SIGINT during a
    task): its signal handler is its own `shutdown` method, and it cleared `running`."""
    handler = signal.getsignal(signal.SIGTERM)
    worker = getattr(handler, "__self__", None)
    return worker is not None and not getattr(worker, "running", True)


def _database_unreachable() -> bool:
    """After a database error: True when the database does not answer now (an outage to wait
    out), False when it does (the error was something else)."""
    connections.close_all()
    database = connections["default"]
    try:
        database.ensure_connection()
    except (OperationalError, InterfaceError):
        return True
    return not database.is_usable()


class Command(db_worker.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                return self.serve(**options)
            except (OperationalError, InterfaceError) as exc:
                if options.get("batch") or _stop_requested() or not _database_unreachable():
                    raise
                tasklog.forget_unfinished()
                logger.warning(
                    "Task worker: the database is unavailable (%s: %s); polling again in %.0f s",
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                    RETRY_SECONDS,
                )
                time.sleep(RETRY_SECONDS)

    def serve(
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        batch: bool,
        **options: Any,
    ) -> None:
        """The library's command with this project's worker loop: the same options, the same
        logging, reloading and signals."""
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together: not reloading.")
            reload = False
        queues = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queues:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queues,
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if not reload:
            worker.configure_signals()
            worker.run()
            return
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            worker.configure_signals()  # in the reloaded child only
        run_with_reloader(worker.run)
