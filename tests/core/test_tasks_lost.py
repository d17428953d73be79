"""A task whose worker was killed mid-run stays "running" in django-tasks' table for ever; the
periodic job closes it as failed once it is older than any task runs."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from rukhsa.core import clock
from rukhsa.core.tasks import LOST, tasks_lost_close_due

pytestmark = pytest.mark.django_db


def _row(status: str, started_minutes_ago: int | None) -> DBTaskResult:
    started = (
        None
        if started_minutes_ago is None
        else clock.now() - timedelta(minutes=started_minutes_ago)
    )
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="rukhsa.notifications.tasks.messages_retry_due",
        backend_name="default",
        status=status,
        started_at=started,
    )


@override_settings(TASKS_LOST_AFTER=timedelta(minutes=60))
def test_only_tasks_running_past_the_limit_are_closed_as_failed(caplog) -> None:  # type: ignore[no-untyped-def]
    lost = _row(TaskResultStatus.RUNNING, 61)
    running = _row(TaskResultStatus.RUNNING, 5)
    waiting = _row(TaskResultStatus.READY, None)
    done = _row(TaskResultStatus.SUCCESSFUL, 120)

    assert tasks_lost_close_due.call() == 1
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == LOST and "worker" in lost.traceback
    assert lost.finished_at is not None
    for row, status in ((running, "RUNNING"), (waiting, "READY"), (done, "SUCCESSFUL")):
        row.refresh_from_db()
        assert row.status == status
    assert "closed 1 task(s)" in caplog.text
    assert tasks_lost_close_due.call() == 0  # safe to run twice


def test_the_job_is_on_the_clock() -> None:
    from django.conf import settings

    assert ("rukhsa.core.tasks.tasks_lost_close_due", 300) in settings.PERIODIC_TASKS
