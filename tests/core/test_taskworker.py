"""core.taskworker: on PostgreSQL each task is claimed with one statement, the row left as the
library's claim leaves it, in the library's order, never by two workers."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus, task
from django_tasks_db.management.commands import db_worker as library
from django_tasks_db.models import DBTaskResult

from rukhsa.core import clock
from rukhsa.core.taskworker import Worker

TASKS = {"default": {"BACKEND": "rukhsa.core.taskbackend.DatabaseBackend"}}
DONE: list[str] = []


@task()
def note(word: str) -> str:
    DONE.append(word)
    return word.upper()


def _worker(cls: type = Worker, **options: Any) -> Any:
    settings = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "worker-a",
        "excluded_queue_names": [],
    }
    return cls(**{**settings, **options})


def _claimed(row: DBTaskResult) -> dict[str, Any]:
    values = {f.attname: getattr(row, f.attname) for f in DBTaskResult._meta.concrete_fields}
    for name in ("id", "enqueued_at", "started_at"):
        values.pop(name)
    return values


@pytest.fixture(autouse=True)
def nothing_done() -> Any:
    DONE.clear()
    with override_settings(TASKS=TASKS):
        yield


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_the_queue_through_to_the_results() -> None:
    """Both databases: the queue worked, each task's result and status written."""
    first, second = note.enqueue("one"), note.enqueue("two")
    call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False)
    assert DONE == ["one", "two"]
    for result, value in ((first, "ONE"), (second, "TWO")):
        row = DBTaskResult.objects.get(id=result.id)
        assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_statement_leaves_the_row_as_the_librarys_claim_does() -> None:
    ours, theirs = note.enqueue("ours"), note.enqueue("theirs")
    with CaptureQueriesContext(connection) as queries:
        claimed = _worker().claim_next()
    assert [q["sql"].split()[0] for q in queries] == ["UPDATE"]
    assert claimed is not None and str(claimed.id) == ours.id  # enqueued first, taken first
    library_row = DBTaskResult.objects.get(id=theirs.id)
    library_row.claim("worker-a")
    fresh = DBTaskResult.objects.get(id=ours.id)
    assert _claimed(fresh) == {**_claimed(library_row), "args_kwargs": fresh.args_kwargs}
    assert fresh.status == TaskResultStatus.RUNNING and fresh.worker_ids == ["worker-a"]
    assert abs(fresh.started_at - clock.now()) < timedelta(seconds=5)
    assert _claimed(claimed) == _claimed(fresh)  # the instance is the row as stored


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_order_and_the_filters_are_the_librarys() -> None:
    """Priority first, then the time it may run after, then the time it was queued; a task
    for later, another backend, queue or an excluded queue is left."""
    later = note.using(run_after=clock.now() + timedelta(hours=1)).enqueue("later")
    plain = note.enqueue("plain")
    soon = note.using(run_after=clock.now() - timedelta(minutes=1)).enqueue("due")
    high = note.using(priority=10).enqueue("high")
    urgent = note.enqueue("urgent")
    DBTaskResult.objects.filter(id=urgent.id).update(queue_name="urgent")
    DBTaskResult.objects.filter(id=plain.id).update(backend_name="other")

    order = []
    worker = _worker()
    while (claimed := worker.claim_next()) is not None:
        order.append(str(claimed.id))
    assert order == [high.id, soon.id]  # "plain" is another backend's now, "later" not due
    assert DBTaskResult.objects.get(id=later.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=urgent.id).status == TaskResultStatus.READY

    everything_but_default = _worker(queue_names=["*"], excluded_queue_names=["default"])
    assert str(everything_but_default.claim_next().id) == urgent.id
    assert everything_but_default.claim_next() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_retried_task_keeps_the_workers_that_tried_it() -> None:
    result = note.enqueue("again")
    DBTaskResult.objects.filter(id=result.id).update(worker_ids=["worker-old"])
    assert _worker().claim_next().worker_ids == ["worker-old", "worker-a"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_being_claimed_by_another_worker_is_skipped_not_waited_for() -> None:
    first, second = note.enqueue("first"), note.enqueue("second")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:  # holds the first row's lock, as a claim in progress does
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    f"SELECT id FROM {DBTaskResult._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                    [first.id],
                )
                locked.set()
                release.wait(10)
                cursor.execute("ROLLBACK")
        finally:
            connections["default"].close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        claimed = _worker().claim_next()
        assert claimed is not None and str(claimed.id) == second.id
        assert _worker(worker_id="worker-b").claim_next() is None  # nothing else ready
    finally:
        release.set()
        thread.join()
    assert str(_worker(worker_id="worker-b").claim_next().id) == first.id


@pytest.mark.django_db(transaction=True)
def test_on_another_database_the_librarys_loop_runs(monkeypatch: Any) -> None:
    ran: list[str] = []
    monkeypatch.setattr(library.Worker, "run", lambda self: ran.append("library"))
    monkeypatch.setattr(Worker, "claim_next", lambda self: ran.append("one statement"))
    _worker().run()
    assert ran == (["one statement"] if connection.vendor == "postgresql" else ["library"])
