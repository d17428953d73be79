"""Periodic job of the task queue itself (enqueued by `manage.py clock`, see PERIODIC_TASKS)."""

import logging

from django.conf import settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from rukhsa.core import clock

logger = logging.getLogger("rukhsa.tasks")

LOST = "rukhsa.core.tasks.WorkerLost"
LOST_TRACEBACK = (
    "The worker running this task stopped (killed, or its machine lost) before the task "
    "finished. Its work is done again by the job that watches it (messages, payments, holds, "
    "results imports) or by the next run of a periodic job."
)


@task()
def tasks_lost_close_due() -> int:
    """Periodic: a task still "running" long after any task takes (its worker was killed
    mid-task: django-tasks' worker never comes back to it) is closed as failed, so the back
    office and the queue's figures stop counting it as running. Every task is idempotent, and
    what each one does is also watched by its own safety net (messages stuck queued are sent
    again, payments left initiated are reconciled, lapsed holds expire every minute)."""
    now = clock.now()
    lost = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - settings.TASKS_LOST_AFTER
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=LOST,
        traceback=LOST_TRACEBACK,
    )
    if lost:
        logger.warning("closed %d task(s) whose worker stopped while running them", lost)
    return lost
