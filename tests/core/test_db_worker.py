"""The task worker rides out a database or pooler restart (rukhsa/core/management/commands/
db_worker.py): a lost connection is logged and polled again, not the end of the process."""

import logging
import signal
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.db import OperationalError, connections
from django.test import override_settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from rukhsa.core import taskworker
from rukhsa.core.management.commands import db_worker
from rukhsa.core.observability import RequestIdFilter, request_id_var

DATABASE_TASKS = {"default": {"BACKEND": "rukhsa.core.taskbackend.DatabaseBackend"}}
OPTIONS = {"interval": 0, "startup_delay": False, "reload": False, "worker_id": "test-worker"}


@task()
def worker_test_task() -> str:
    return "done"


@pytest.fixture(autouse=True)
def process_state_kept() -> Any:
    """The worker installs its SIGINT/SIGTERM handlers, and a task cut short leaves its request
    id set: the tests that follow get the process as it was."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    token = request_id_var.set("")
    yield
    request_id_var.reset(token)
    for sig, handler in kept.items():
        signal.signal(sig, handler)


@pytest.fixture
def no_wait(monkeypatch: Any) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(db_worker.time, "sleep", waits.append)
    return waits


@pytest.fixture
def outage(monkeypatch: Any) -> list[bool]:
    """The database does not answer when the worker asks after an error (as many times as the
    test makes the loop fail), then answers again."""
    asked: list[bool] = []
    monkeypatch.setattr(db_worker, "_database_unreachable", lambda: asked.append(True) or True)
    return asked


def _failing_first(monkeypatch: Any, failures: int) -> list[str]:
    """The worker's loop, losing its database connection `failures` times first."""
    runs: list[str] = []
    real_run = taskworker.Worker.run

    def run(self: Any) -> None:
        if len(runs) < failures:
            runs.append("failed")
            request_id_var.set("req-of-the-task-cut-short")  # its "finished" never comes
            raise OperationalError("connection to server at 127.0.0.1, port 6432 failed")
        runs.append("ran")
        real_run(self)

    monkeypatch.setattr(taskworker.Worker, "run", run)
    return runs


def test_the_projects_worker_is_the_one_manage_py_runs() -> None:
    assert get_commands()["db_worker"] == "rukhsa.core"


@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_is_waited_out_and_the_queue_still_worked(
    monkeypatch: Any, no_wait: list[float], outage: list[bool], caplog: Any
) -> None:
    runs = _failing_first(monkeypatch, failures=2)
    with override_settings(TASKS=DATABASE_TASKS):
        result = worker_test_task.enqueue()
        caplog.handler.addFilter(RequestIdFilter())  # as the deployed log handler does
        with caplog.at_level(logging.WARNING, logger="rukhsa.tasks"):
            call_command("db_worker", max_tasks=1, **OPTIONS)
    assert runs == ["failed", "failed", "ran"]
    assert outage == [True, True]
    assert no_wait == [db_worker.RETRY_SECONDS] * 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "rukhsa.tasks"]
    assert len(warnings) == 2
    assert "the database is unavailable (OperationalError: connection to server" in warnings[0]
    ids = {getattr(r, "request_id", "") for r in caplog.records if r.name == "rukhsa.tasks"}
    assert ids == {""}  # the warning is not the interrupted task's
    assert request_id_var.get() == ""
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "done"


@pytest.mark.django_db(transaction=True)
def test_batch_mode_still_fails_at_once(
    monkeypatch: Any, no_wait: list[float], outage: list[bool]
) -> None:
    runs = _failing_first(monkeypatch, failures=1)
    with override_settings(TASKS=DATABASE_TASKS), pytest.raises(OperationalError):
        call_command("db_worker", batch=True, **OPTIONS)
    assert runs == ["failed"] and no_wait == []


def _ends_the_worker(monkeypatch: Any, error: str, *, asked_to_stop: bool = False) -> None:
    """The worker's loop fails once with `error`: the command raises it, without waiting."""

    def run(self: Any) -> None:
        if asked_to_stop:
            self.running = False  # what its SIGTERM handler does during a task
        raise OperationalError(error)

    monkeypatch.setattr(taskworker.Worker, "run", run)
    with override_settings(TASKS=DATABASE_TASKS), pytest.raises(OperationalError, match=error):
        call_command("db_worker", **OPTIONS)


@pytest.mark.django_db(transaction=True)
def test_a_worker_asked_to_stop_is_not_started_again(
    monkeypatch: Any, no_wait: list[float], outage: list[bool]
) -> None:
    """SIGTERM during a task, then the connection lost while recording it: the worker stops."""
    _ends_the_worker(monkeypatch, "server closed the connection", asked_to_stop=True)
    assert no_wait == []


@pytest.mark.django_db(transaction=True)
def test_an_error_while_the_database_answers_still_ends_the_worker(
    monkeypatch: Any, no_wait: list[float]
) -> None:
    """A missing table, a refused statement: not an outage, nothing to wait for."""
    _ends_the_worker(monkeypatch, "no such table: django_tasks_database_dbtaskresult")
    assert no_wait == []


@pytest.mark.django_db(transaction=True)
def test_the_database_is_unreachable_only_when_it_does_not_answer(monkeypatch: Any) -> None:
    assert db_worker._database_unreachable() is False  # the test database answers

    def refused(self: Any) -> None:
        raise OperationalError("connection to server at 127.0.0.1, port 6432 failed")

    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refused)
    assert db_worker._database_unreachable() is True


def test_stop_requested_reads_the_installed_handler() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert not db_worker._stop_requested()

    class Worker:
        running = True

        def shutdown(self, signum: int, frame: Any) -> None:
            self.running = False

    worker = Worker()
    signal.signal(signal.SIGTERM, worker.shutdown)
    assert not db_worker._stop_requested()
    worker.running = False
    assert db_worker._stop_requested()
