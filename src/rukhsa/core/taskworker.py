"""The task worker's loop, with each task claimed by one statement on PostgreSQL.

django-tasks-db's worker takes a task in a transaction of its own: it builds and compiles the
"first ready task" query with the ORM (`SELECT … FOR UPDATE SKIP LOCKED`), then marks the row
running with `save()` and commits — four round trips to PostgreSQL (with `BEGIN` and `COMMIT`)
and two statements compiled, for each task. On PostgreSQL this worker does the same with one
statement built once per process, in autocommit:

    UPDATE … SET status = 'RUNNING', started_at = now, worker_ids = worker_ids || [this worker]
    WHERE id = (SELECT id FROM … WHERE <ready, this backend, these queues>
                ORDER BY priority DESC, run_after, enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING *

The same row gets the same values as with the library's `claim()`: "ready" is the library's
(`status = READY` and `run_after` either its "no limit" date or past), in the order of the
library's own index (priority, then run after, then enqueued), and two workers never take the
same row (the lock, skipped by the other). Running the task, its result and its signals stay the
library's (`run_task`). On another database (SQLite in development) the library's loop runs
unchanged.
"""

import logging
import random
import time
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger("django_tasks_db")


class Worker(library.Worker):
    def run(self) -> None:
        database = connections[DBTaskResult.objects.db]
        if database.vendor != "postgresql":
            super().run()
            return
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 (spreads workers started together)
        while self.running:
            close_old_connections()  # a connection past its age or broken is replaced
            claimed = self.claim_next()
            if claimed is not None:
                self.run_task(claimed)
            elif self.batch:
                logger.info("No more tasks to run for worker_id=%s: exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Ran %d tasks on worker_id=%s: exiting.", self._run_tasks, self.worker_id
                )
                return
            if self.running and claimed is None:
                time.sleep(self.interval)

    def claim_next(self) -> DBTaskResult | None:
        """The first ready task of this worker's queues, marked running for it; None when
        there is none (or every ready one is being claimed by another worker right now)."""
        sql, params = self._claim_statement()
        now = timezone.now()
        values = [TaskResultStatus.RUNNING.value, now, self.worker_id, *params, get_date_max(), now]
        found = list(DBTaskResult.objects.raw(sql, values))
        return found[0] if found else None

    def _claim_statement(self) -> tuple[str, list[Any]]:
        cached = getattr(self, "_claim", None)
        if cached is None:
            cached = self._claim = _claim_sql(
                queues=None if self.process_all_queues else self.queue_names,
                excluded=self.excluded_queue_names,
                backend_name=self.backend_name,
            )
        return cached


def _claim_sql(
    *, queues: list[str] | None, excluded: list[str], backend_name: str
) -> tuple[str, list[Any]]:
    """The claim's statement and its fixed parameters (the ready status, the backend and queue
    names), names from the model. Its first three parameters are the running status, the time
    and the worker's id, its last two the library's "no limit" date and the time."""
    meta: Any = DBTaskResult._meta
    qn = connections[DBTaskResult.objects.db].ops.quote_name
    table = qn(meta.db_table)
    column = {f.name: qn(f.column) for f in meta.concrete_fields}
    where = [f"{column['status']} = %s", f"{column['backend_name']} = %s"]
    params: list[Any] = [TaskResultStatus.READY.value, backend_name]
    if queues is not None:
        where.append(f"{column['queue_name']} = ANY(%s)")
        params.append(list(queues))
    if excluded:
        where.append(f"NOT ({column['queue_name']} = ANY(%s))")
        params.append(list(excluded))
    where.append(f"({column['run_after']} = %s OR {column['run_after']} <= %s)")
    sql = (
        f"UPDATE {table} SET {column['status']} = %s, {column['started_at']} = %s, "  # noqa: S608
        f"{column['worker_ids']} = {column['worker_ids']} || jsonb_build_array(%s::text) "
        f"WHERE {column['id']} = (SELECT {column['id']} FROM {table} "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY {column['priority']} DESC, {column['run_after']} ASC, "
        f"{column['enqueued_at']} ASC LIMIT 1 FOR UPDATE SKIP LOCKED) "
        f"RETURNING {', '.join(column[f.name] for f in meta.concrete_fields)}"
    )
    return sql, params
