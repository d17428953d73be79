"""The task queue's backend: django-tasks-db's, its queue row written more cheaply.

``settings.TASKS`` names ``rukhsa.core.taskbackend.DatabaseBackend``. Everything but the
enqueue is the library's (the worker, the claim, results, retries, the back office). The
library's ``enqueue`` writes the task's row with ``DBTaskResult.objects.create`` — the ORM
builds and compiles the ``INSERT`` on every call — and builds the task's result twice (for the
``task_enqueued`` signal and for the caller): about half a millisecond of the app's CPU, once
in the seat hold's request and twice more a registration. This one writes the same row with a
statement built once (``core.rows``), builds the result once, and writes the request id into
the row as it goes in (``core.tasklog``), which the worker reads back when it runs the task.
The library's one ``pre_save`` receiver (a task without ``run_after`` gets the latest date,
"no limit") is done here, where the row is built; a test compares the rows both backends
write. The async `aenqueue` stays the library's (nothing here enqueues from async code; its rows
would carry no request id).
"""

from typing import Any

from django_tasks.signals import task_enqueued
from django_tasks_db import backend as library
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from rukhsa.core import rows, tasklog


class DatabaseBackend(library.DatabaseBackend):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        self.validate_task(task)
        row: Any = DBTaskResult(
            id=self._get_id(),
            args_kwargs=tasklog.with_request_id(normalize_json({"args": args, "kwargs": kwargs})),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # As the library's pre_save receiver does: no time given, no time limit.
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=self.alias,
        )
        rows.insert(row, receivers=False)  # the receiver's one job done just above
        result = row.task_result
        task_enqueued.send(type(self), task_result=result)
        return result
