"""Carry the request id from the request that enqueued a task to the worker that runs it.

Connected in `CoreConfig.ready()` to django-tasks' own signals. The immediate backend runs the
task inside the request, which already carries its id, so only queued backends record an origin.
"""

import logging
from typing import Any

from django.db import connection
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.signals import task_enqueued, task_finished, task_started

from rukhsa.core.models import TaskOrigin
from rukhsa.core.observability import request_id_var

logger = logging.getLogger("rukhsa.tasks")

_tokens: dict[str, Any] = {}


def _queued(sender: Any) -> bool:
    return not (isinstance(sender, type) and issubclass(sender, ImmediateBackend))


def on_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if not request_id or not _queued(sender):
        return
    TaskOrigin.objects.create(task_id=str(task_result.id), request_id=request_id)
    logger.info(
        "task enqueued",
        extra={"task_id": str(task_result.id), "task": task_result.task.module_path},
    )


def _origin_take(task_id: str) -> str:
    """The request id recorded for `task_id`, with its row removed: one statement (the row
    is only read here, so it goes when it is read)."""
    table = connection.ops.quote_name(TaskOrigin._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE task_id = %s RETURNING request_id",  # noqa: S608
            [task_id],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def on_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _queued(sender):
        return
    task_id = str(task_result.id)
    _tokens[task_id] = request_id_var.set(_origin_take(task_id))


def on_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _queued(sender):
        return
    token = _tokens.pop(str(task_result.id), None)
    if token is not None:
        request_id_var.reset(token)


def connect() -> None:
    task_enqueued.connect(on_enqueued, dispatch_uid="rukhsa.core.tasklog.enqueued")
    task_started.connect(on_started, dispatch_uid="rukhsa.core.tasklog.started")
    task_finished.connect(on_finished, dispatch_uid="rukhsa.core.tasklog.finished")
