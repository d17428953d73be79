"""Carry the request id from the request that enqueued a task to the worker that runs it.

When the task queue's backend (`core.taskbackend`) writes a queued task's row during a
request, the request id goes into it (django-tasks-db's `DBTaskResult.args_kwargs`, beside the
task's "args" and "kwargs", which stay the caller's: `with_request_id`); the worker reads it
back from the row it has just claimed when the task starts (django-tasks' own signals,
connected in `CoreConfig.ready()`). No statement of its own on either side. The immediate
backend runs the task inside the request, which already carries its id.
"""

import logging
from typing import Any

from django_tasks.signals import task_enqueued, task_finished, task_started

from rukhsa.core.observability import request_id_var

logger = logging.getLogger("rukhsa.tasks")

REQUEST_ID_KEY = "request_id"

_tokens: dict[str, Any] = {}


def with_request_id(args_kwargs: Any) -> Any:
    """A queued task's stored arguments, with the current request's id beside them (none
    outside a request)."""
    request_id = request_id_var.get()
    if request_id and isinstance(args_kwargs, dict):
        args_kwargs[REQUEST_ID_KEY] = request_id
    return args_kwargs


def _row_request_id(task_result: Any) -> str:
    """The request id stored in a queued task's row ("" for a task no request enqueued)."""
    stored = getattr(getattr(task_result, "db_result", None), "args_kwargs", None)
    return str(stored.get(REQUEST_ID_KEY) or "") if isinstance(stored, dict) else ""


def on_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if _row_request_id(task_result):
        logger.info(
            "task enqueued",
            extra={"task_id": str(task_result.id), "task": task_result.task.module_path},
        )


def on_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if getattr(task_result, "db_result", None) is None:
        return  # run inside the request (the immediate backend): its id is already set
    _tokens[str(task_result.id)] = request_id_var.set(_row_request_id(task_result))


def on_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _tokens.pop(str(task_result.id), None)
    if token is not None:
        request_id_var.reset(token)


def forget_unfinished() -> None:
    """The worker lost its database in the middle of a task, so no "finished" signal will come
    for it: the lines the worker logs next are not that task's."""
    _tokens.clear()
    request_id_var.set("")


def connect() -> None:
    task_enqueued.connect(on_enqueued, dispatch_uid="rukhsa.core.tasklog.enqueued")
    task_started.connect(on_started, dispatch_uid="rukhsa.core.tasklog.started")
    task_finished.connect(on_finished, dispatch_uid="rukhsa.core.tasklog.finished")
