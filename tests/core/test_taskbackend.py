"""core.taskbackend: the queue row the library's backend would write, with one statement."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from rukhsa.core import clock
from rukhsa.core.observability import request_id_var

OURS = {"default": {"BACKEND": "rukhsa.core.taskbackend.DatabaseBackend"}}
LIBRARY = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task(priority=3, queue_name="default")
def sample_task(number: int, *, word: str = "") -> str:
    return f"{number}{word}"


def _stored(row: DBTaskResult) -> dict[str, Any]:
    values = {f.attname: getattr(row, f.attname) for f in DBTaskResult._meta.concrete_fields}
    for name in ("id", "enqueued_at"):
        values.pop(name)
    return values


@pytest.mark.django_db
def test_the_row_is_the_librarys_row_written_with_one_statement() -> None:
    later = clock.now() + timedelta(minutes=5)
    heard: list[Any] = []

    def listen(sender: Any, task_result: Any, **kwargs: Any) -> None:
        heard.append(task_result)

    task_enqueued.connect(listen, dispatch_uid="test-taskbackend")
    try:
        with override_settings(TASKS=LIBRARY):
            theirs = sample_task.using(run_after=later).enqueue(7, word="x")
        with override_settings(TASKS=OURS), CaptureQueriesContext(connection) as queries:
            ours = sample_task.using(run_after=later).enqueue(7, word="x")
    finally:
        task_enqueued.disconnect(dispatch_uid="test-taskbackend")
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]
    assert _stored(DBTaskResult.objects.get(id=ours.id)) == _stored(
        DBTaskResult.objects.get(id=theirs.id)
    )
    assert [r.id for r in heard] == [theirs.id, ours.id]  # the signal, once each
    assert (ours.args, ours.kwargs, ours.task.priority) == ([7], {"word": "x"}, 3)
    assert ours.status == theirs.status and ours.backend == "default"


@pytest.mark.django_db
def test_a_task_without_a_time_gets_the_librarys_no_limit() -> None:
    """The library's pre_save receiver's work (no run_after: the latest date), done by ours."""
    from rukhsa.core import rows

    assert rows._plain(DBTaskResult, receivers=False)  # our row skips save() and its receiver
    with override_settings(TASKS=LIBRARY):
        theirs = sample_task.enqueue(1)
    with override_settings(TASKS=OURS):
        ours = sample_task.enqueue(1)
    assert _stored(DBTaskResult.objects.get(id=ours.id)) == _stored(
        DBTaskResult.objects.get(id=theirs.id)
    )


@pytest.mark.django_db
def test_the_row_carries_the_request_id_and_only_the_callers_arguments() -> None:
    with override_settings(TASKS=OURS):
        token = request_id_var.set("req-0002")
        try:
            result = sample_task.enqueue(1)
        finally:
            request_id_var.reset(token)
        outside = sample_task.enqueue(2)
    assert DBTaskResult.objects.get(id=result.id).args_kwargs == {
        "args": [1],
        "kwargs": {},
        "request_id": "req-0002",
    }
    assert (result.args, result.kwargs) == ([1], {})
    assert DBTaskResult.objects.get(id=outside.id).args_kwargs == {"args": [2], "kwargs": {}}
