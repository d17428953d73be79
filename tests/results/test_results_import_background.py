"""The back office's imports run in the task worker: queued at upload, run by the task (inline
here: the tests' immediate backend), followed on the batch's page, closed as failed when the
task raises or its worker stops."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from rukhsa.core import clock
from rukhsa.core.models import AuditLog
from rukhsa.results import importer, services
from rukhsa.results.importer import Importer
from rukhsa.results.models import ImportBatch, ImportStatus, Result
from rukhsa.results.services import results_import_run
from rukhsa.results.tasks import results_imports_stalled_close_due
from tests.catalog.conftest import verified_client
from tests.results.conftest import csv_bytes, header, row, run_import

pytestmark = pytest.mark.usefixtures("media")

REFRESH = re.compile(r'<meta http-equiv="refresh" content="5">')


def upload(client, setup, rows, *, dry_run: bool):
    return client.post(
        reverse("admin:results_result_import"),
        {
            "period": setup.cat.period.pk,
            "dry_run": "1" if dry_run else "0",
            "file": SimpleUploadedFile("results.csv", csv_bytes(rows)),
        },
    )


@pytest.fixture
def officer(make_staff):
    return verified_client(make_staff("Results officer"))


class Spy:
    """Stands for the import task where the service enqueues it: notes each call, then hands it
    to the real task (or raises `error`)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, bool, str]] = []
        self.error = error

    def enqueue(self, batch_id: int, stored_file: str, language: str):
        batch = ImportBatch.objects.get(pk=batch_id)
        self.calls.append((batch.status, batch.stored_file == stored_file, language))
        assert default_storage.exists(stored_file)
        if self.error:
            raise self.error
        return results_import_run.enqueue(batch_id, stored_file, language)


@pytest.fixture
def queued_calls(monkeypatch) -> list[tuple[str, bool, str]]:
    """Each enqueue of the import task, with the batch's status at that moment."""
    spy = Spy()
    monkeypatch.setattr(services, "results_import_run", spy)
    return spy.calls


def test_an_upload_is_queued_then_run_with_the_same_outcome_as_before(
    setup, register, officer, queued_calls
) -> None:
    regs = [register() for _ in range(3)]
    good = [header(setup)] + [row(setup, r.reference) for r in regs]
    bad = [*good, row(setup, regs[0].reference), row(setup, "RK-0000-0000", total=150)]
    # The same files through the service at once, as `manage.py import_results` runs them (and
    # as the back office did before): the reference outcome.
    expected = {}
    for name, rows in (("bad", bad), ("good", good)):
        batch = run_import(setup, rows, dry_run=False)
        expected[name] = (batch.status, batch.rows, batch.written, batch.error_count, batch.errors)
    Result.objects.all().delete()
    ImportBatch.objects.all().delete()

    for name, rows in (("bad", bad), ("good", good)):
        response = upload(officer, setup, rows, dry_run=False)
        batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-2]))
        assert response.status_code == 302
        assert (
            batch.status,
            batch.rows,
            batch.written,
            batch.error_count,
            batch.errors,
        ) == expected[name]
        assert batch.stored_file == "" and batch.finished_at and not batch.failure
    # queued first (with its stored file), in the page's language; the file is dropped after
    assert queued_calls == [("queued", True, "en"), ("queued", True, "en")]
    assert Result.objects.count() == 3
    assert not default_storage.listdir("results-imports")[1]
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions[-4:] == [
        "results.import_queued",
        "results.import",
        "results.import_queued",
        "results.import",
    ]


def test_a_clean_dry_run_keeps_its_file_until_it_is_imported(
    setup, register, officer, queued_calls
) -> None:
    reg = register()
    response = upload(officer, setup, [header(setup), row(setup, reg.reference)], dry_run=True)
    checked = ImportBatch.objects.get()
    assert (checked.status, checked.rows) == (ImportStatus.VALID, 1)
    assert default_storage.exists(checked.stored_file)
    page = officer.get(response["Location"]).content.decode()
    assert "Import this file now" in page and not REFRESH.search(page)
    run = officer.post(reverse("admin:results_result_import_run", args=[checked.pk]))
    imported = ImportBatch.objects.exclude(pk=checked.pk).get()
    assert run["Location"].endswith(f"/{imported.pk}/change/")
    assert (imported.status, imported.written) == (ImportStatus.IMPORTED, 1)
    assert [c[0] for c in queued_calls] == ["queued", "queued"]
    assert not default_storage.listdir("results-imports")[1]


def test_a_task_that_raises_marks_the_batch_failed(setup, register, officer, monkeypatch) -> None:
    regs = [register() for _ in range(3)]
    rows = [header(setup)] + [row(setup, r.reference) for r in regs]
    monkeypatch.setattr(importer, "BATCH_SIZE", 1)
    write = Importer._write
    calls = []

    def failing_write(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first row is written (in the transaction) by now
            raise RuntimeError("disk on fire")
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Importer, "_write", failing_write)
    response = upload(officer, setup, rows, dry_run=False)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED and batch.finished_at
    assert "RuntimeError: disk on fire" in batch.failure
    assert (batch.written, batch.replaced, batch.stored_file) == (0, 0, "")
    assert not Result.objects.exists()  # the first row was rolled back with the rest
    assert not default_storage.listdir("results-imports")[1]
    assert AuditLog.objects.filter(action="results.import_failed", object_id=str(batch.pk))
    page = officer.get(response["Location"]).content.decode()
    assert "The import stopped before the end — nothing was written" in page
    assert "disk on fire" in page and not REFRESH.search(page)
    # a failed batch is not run again
    assert results_import_run.enqueue(batch.pk, "results-imports/x.csv", "en").return_value == (
        "skipped"
    )


def test_a_queue_that_refuses_the_task_fails_the_batch(setup, officer, monkeypatch) -> None:
    monkeypatch.setattr(services, "results_import_run", Spy(ConnectionError("queue unreachable")))
    upload(officer, setup, [header(setup)], dry_run=True)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED and "queue unreachable" in batch.failure
    assert not default_storage.listdir("results-imports")[1]


def test_a_stored_file_gone_before_the_task_runs_fails_the_batch(setup) -> None:
    batch = services.import_batch_create(
        period=setup.cat.period,
        file_name="results.csv",
        dry_run=True,
        queued=True,
        stored_file="results-imports/gone.csv",
    )
    assert results_import_run.enqueue(batch.pk, batch.stored_file, "en").return_value == "failed"
    batch.refresh_from_db()
    assert batch.failure == "The uploaded file is no longer kept; upload it again."


def test_the_task_runs_a_queued_batch_once(setup, register) -> None:
    reg = register()
    stored = default_storage.save(
        "results-imports/once.csv",
        ContentFile(csv_bytes([header(setup), row(setup, reg.reference)])),
    )
    batch = services.import_batch_create(
        period=setup.cat.period,
        file_name="results.csv",
        dry_run=False,
        queued=True,
        stored_file=stored,
    )
    assert results_import_run.enqueue(batch.pk, stored, "en").return_value == "imported"
    assert results_import_run.enqueue(batch.pk, stored, "en").return_value == "skipped"
    assert Result.objects.count() == 1


def test_the_waiting_and_running_page_shows_progress_and_refreshes(setup, officer) -> None:
    batch = services.import_batch_create(
        period=setup.cat.period, file_name="national.csv", dry_run=False, queued=True
    )
    url = reverse("admin:results_importbatch_change", args=[batch.pk])
    page = officer.get(url).content.decode()
    assert REFRESH.search(page) and "Waiting to start" in page
    assert "The file waits for the background worker." in page
    assert "Import another file" not in page

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, rows=124000, progress_at=clock.now()
    )
    page = officer.get(url).content.decode()
    assert REFRESH.search(page) and "Importing the file…" in page
    assert "124000 rows read so far." in page and "Waiting to start" not in page

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.IMPORTED, rows=350000, written=350000, finished_at=clock.now()
    )
    page = officer.get(url).content.decode()
    assert not REFRESH.search(page) and "350000 results written" in page
    assert "Import another file" in page


def test_progress_is_written_on_the_batch_as_the_file_is_read(setup, register, monkeypatch) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0)
    regs = [register() for _ in range(5)]
    seen = []

    def watch(rows: int) -> None:  # called after the batch's progress is written
        batch = ImportBatch.objects.get()
        seen.append((rows, batch.status, batch.rows, batch.progress_at is not None))

    batch = services.results_import(
        period=setup.cat.period,
        file=io.BytesIO(csv_bytes([header(setup)] + [row(setup, r.reference) for r in regs])),
        file_name="results.csv",
        dry_run=True,
        progress=watch,
    )
    assert seen == [(2, "running", 2, True), (4, "running", 4, True), (5, "running", 5, True)]
    assert (batch.status, batch.rows) == (ImportStatus.VALID, 5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_import_shows_its_progress_outside_its_transaction(
    setup, register, monkeypatch
) -> None:
    """PostgreSQL: a real import's progress goes through a second connection, so the back
    office sees it while the import's own transaction is still open."""
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 0)
    regs = [register() for _ in range(5)]
    seen = []
    outside = connection.copy()

    def watch(rows: int) -> None:
        with outside.cursor() as cursor:
            cursor.execute(
                "SELECT status, rows, (SELECT count(*) FROM results_result) FROM "
                "results_importbatch"
            )
            seen.append((rows, *cursor.fetchone()))

    try:
        batch = services.results_import(
            period=setup.cat.period,
            file=io.BytesIO(csv_bytes([header(setup)] + [row(setup, r.reference) for r in regs])),
            file_name="results.csv",
            dry_run=False,
            progress=watch,
        )
    finally:
        outside.close()
    # the rows read show at once; the results written only when the transaction commits
    assert seen == [(2, "running", 2, 0), (4, "running", 4, 0), (5, "running", 5, 0)]
    assert (batch.status, batch.written) == (ImportStatus.IMPORTED, 5)
    assert Result.objects.count() == 5


def test_an_interrupted_import_is_closed_as_failed(setup, register, monkeypatch) -> None:
    def interrupted(self, rows):
        raise KeyboardInterrupt

    monkeypatch.setattr(Importer, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_import(setup, [header(setup), row(setup, register().reference)], dry_run=False)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert batch.failure.startswith("The import was interrupted before the end.")


def test_an_import_whose_worker_stopped_is_closed_as_failed(setup, officer) -> None:
    def running(minutes_ago: int, **fields) -> ImportBatch:
        batch = services.import_batch_create(
            period=setup.cat.period, file_name=f"{minutes_ago}.csv", dry_run=False, **fields
        )
        ImportBatch.objects.filter(pk=batch.pk).update(
            progress_at=clock.now() - timedelta(minutes=minutes_ago)
        )
        return batch

    stored = default_storage.save("results-imports/stopped.csv", ContentFile(b"reference"))
    stopped, alive = running(16, stored_file=stored), running(5)
    waiting = running(60, queued=True)  # waits for a worker: never closed for lack of progress
    with time_machine.travel(clock.now() + timedelta(seconds=1)):
        results_imports_stalled_close_due.enqueue()
    statuses = dict(ImportBatch.objects.values_list("pk", "status"))
    assert statuses == {
        stopped.pk: ImportStatus.FAILED,
        alive.pk: ImportStatus.RUNNING,
        waiting.pk: ImportStatus.QUEUED,
    }
    stopped.refresh_from_db()
    assert "showed no progress for 15 minutes" in stopped.failure
    assert stopped.stored_file == "" and not default_storage.exists(stored)

    # the batch's own page closes it too (when no worker is left to run the periodic task)
    with time_machine.travel(clock.now() + timedelta(minutes=11)):
        page = officer.get(
            reverse("admin:results_importbatch_change", args=[alive.pk])
        ).content.decode()
    assert "The import stopped before the end — nothing was written" in page
    assert not REFRESH.search(page)
    assert ImportBatch.objects.get(pk=alive.pk).status == ImportStatus.FAILED


def test_the_reasons_are_written_in_the_language_of_the_page_that_queued(
    setup, make_staff, queued_calls
) -> None:
    arabic = verified_client(make_staff("Results officer"))
    arabic.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    upload(arabic, setup, [header(setup), row(setup, "RK-0000-0000")], dry_run=True)
    batch = ImportBatch.objects.get()
    assert queued_calls == [("queued", True, "ar")]
    assert re.search(r"[\u0600-\u06FF]", batch.errors[0][2]), batch.errors
