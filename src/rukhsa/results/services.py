"""Every write of the results app: import a file, publish a period, tell the candidates."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from rukhsa.catalog.models import Period
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.core.language import language_of
from rukhsa.notifications.services import message_send
from rukhsa.results.importer import FileRefused, Importer, Outcome, RowError, iter_rows
from rukhsa.results.models import ImportBatch, ImportStatus, Result

NOTIFY_BATCH = 500
NOTIFY_GRACE = timedelta(minutes=10)
STALE_LIMIT = 50_000
IMPORT_STALL = timedelta(minutes=15)  # a running import silent this long has lost its worker
PROGRESS_EVERY = 1.0  # seconds: the rows read are written on the batch at most this often

PENDING = (ImportStatus.QUEUED, ImportStatus.RUNNING)

logger = logging.getLogger(__name__)


class _Rollback(Exception):
    pass


def results_import(
    *,
    period: Period,
    file: IO[bytes],
    file_name: str,
    dry_run: bool,
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
    ip: str | None = None,
) -> ImportBatch:
    """Check a results file and, unless `dry_run`, write it — all rows or none — here and now
    (`manage.py import_results`). The back office queues its uploads instead:
    `results_import_enqueue`."""
    batch = import_batch_create(period=period, file_name=file_name, dry_run=dry_run, actor=actor)
    return import_batch_run(batch, file=file, actor=actor, progress=progress, ip=ip)


def import_batch_create(
    *,
    period: Period,
    file_name: str,
    dry_run: bool,
    actor: Any = None,
    queued: bool = False,
    stored_file: str = "",
) -> ImportBatch:
    """The batch of an import about to run (or, when `queued`, waiting for the task worker)."""
    now = clock.now()
    return ImportBatch.objects.create(
        period=period,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        file_name=file_name[:255],
        dry_run=dry_run,
        stored_file=stored_file,
        status=ImportStatus.QUEUED if queued else ImportStatus.RUNNING,
        progress_at=None if queued else now,
    )


def import_batch_run(
    batch: ImportBatch,
    *,
    file: IO[bytes],
    actor: Any = None,
    progress: Callable[[int], None] | None = None,
    ip: str | None = None,
) -> ImportBatch:
    """Check the batch's file and, unless it is a dry run, write it — all rows or none — then
    close the batch (status, counts, errors) and log it.

    A real import runs in one transaction: any bad row rolls every row back. Results already
    published (or of a period whose publication time has passed) are never replaced. The rows
    read so far are written on the batch as the file is read (`_ProgressRecorder`). Should the
    run stop on an unexpected error (or be interrupted), the batch is closed as failed and the
    error raised again.
    """
    recorder = _ProgressRecorder(batch, separate=not batch.dry_run, also=progress)
    try:
        return _run(batch, file, recorder, actor, ip)
    except BaseException as exc:
        import_batch_fail(batch, reason=_failure_reason(exc), actor=actor)
        raise
    finally:
        recorder.close()


def _run(
    batch: ImportBatch,
    file: IO[bytes],
    progress: Callable[[int], None],
    actor: Any,
    ip: str | None,
) -> ImportBatch:
    period, dry_run, file_name = batch.period, batch.dry_run, batch.file_name
    importer = Importer(period=period, dry_run=dry_run, batch=batch, progress=progress)
    rows = iter_rows(file, file_name)
    try:
        if dry_run:
            outcome = importer.run(rows)
        else:
            try:
                with transaction.atomic(durable=True):
                    outcome = importer.run(rows)
                    if outcome.error_count:
                        raise _Rollback
                    # Closed in the import's own transaction: results written are never left
                    # under a batch that still reads "running".
                    _close(batch, outcome)
            except _Rollback:
                outcome = importer.outcome
                outcome.written = outcome.replaced = 0
    except FileRefused as exc:
        outcome = importer.outcome
        outcome.written = outcome.replaced = 0
        outcome.add(RowError(0, "", str(exc)))
    finally:
        rows.close()  # while the file is open, even when an error stopped the reading
    if batch.status in PENDING:
        _close(batch, outcome)
    audit_log(
        action="results.import_dry_run" if dry_run else "results.import",
        actor=actor,
        obj=batch,
        note=(
            f"period {period.code}, file {file_name}: {outcome.rows} rows, "
            f"{outcome.written} written ({outcome.replaced} replaced), "
            f"{outcome.error_count} errors"
        ),
        ip=ip,
    )
    return batch


def _close(batch: ImportBatch, outcome: Outcome) -> None:
    if outcome.error_count:
        status = ImportStatus.INVALID
    else:
        status = ImportStatus.VALID if batch.dry_run else ImportStatus.IMPORTED
    batch.status = status
    batch.rows = outcome.rows
    batch.written = outcome.written
    batch.replaced = outcome.replaced
    batch.error_count = outcome.error_count
    batch.errors = [e.as_list() for e in outcome.errors]
    batch.failure = ""
    batch.finished_at = batch.progress_at = clock.now()
    batch.save()


class _ProgressRecorder:
    """Writes the rows read so far (and the time) on the batch, for its back-office page.

    A dry run writes through the ordinary connection: no transaction is open, so each update is
    seen at once. A real import runs in one transaction, which nobody else sees into until it
    ends, so its progress goes through a second connection of its own — except on SQLite, which
    has one writer at a time: there the page shows the rows when the import ends. Progress is
    best effort: a failed write is logged and the import goes on.
    """

    def __init__(
        self, batch: ImportBatch, *, separate: bool, also: Callable[[int], None] | None
    ) -> None:
        self.batch_id = batch.pk
        self.also = also
        self.last = 0.0
        self.enabled = True
        self.side: Any = None
        if separate:
            main = connections[ImportBatch.objects.db]
            if main.vendor == "sqlite":
                self.enabled = False
            else:
                self.side = main.copy()

    def __call__(self, rows: int) -> None:
        if self.enabled and time.monotonic() - self.last >= PROGRESS_EVERY:
            self.last = time.monotonic()
            try:
                self._write(rows, clock.now())
            except DatabaseError:
                logger.warning(
                    "Import batch %s: progress not recorded", self.batch_id, exc_info=True
                )
                self.enabled = False
        if self.also is not None:
            self.also(rows)

    def _write(self, rows: int, now: Any) -> None:
        if self.side is None:
            with transaction.atomic():
                ImportBatch.objects.filter(pk=self.batch_id, status=ImportStatus.RUNNING).update(
                    rows=rows, progress_at=now
                )
            return
        meta, quote = ImportBatch._meta, self.side.ops.quote_name
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {quote('rows')} = %s, "  # noqa: S608
                f"{quote('progress_at')} = %s WHERE {quote('id')} = %s AND {quote('status')} = %s",
                [
                    rows,
                    self.side.ops.adapt_datetimefield_value(now),
                    self.batch_id,
                    ImportStatus.RUNNING.value,
                ],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return _("The import was interrupted before the end. Nothing was written; start it again.")
    return _(
        "The import stopped on an unexpected error (%(error)s). Nothing was written; try again, "
        "and if it happens again, tell the system administrator."
    ) % {"error": f"{type(exc).__name__}: {exc}"[:500]}


def import_batch_fail(
    batch: ImportBatch, *, reason: str, actor: Any = None, silent_since: Any = None
) -> bool:
    """Close a batch that is still waiting or running as failed, and drop its stored file.

    False (and nothing done) when the batch was closed meanwhile — or, with `silent_since`, when
    it has shown progress since then. Never raises: a batch it cannot close is closed later by
    `results_imports_stalled_close`.
    """
    pending = Q(pk=batch.pk, status__in=PENDING)
    if silent_since is not None:
        pending &= Q(progress_at__lt=silent_since) | Q(
            progress_at__isnull=True, created_at__lt=silent_since
        )
    try:
        stored = ImportBatch.objects.filter(pk=batch.pk).values_list("stored_file", flat=True)
        stored_file = next(iter(stored), "")
        closed = ImportBatch.objects.filter(pending).update(
            status=ImportStatus.FAILED,
            written=0,
            replaced=0,
            failure=reason,
            stored_file="",
            finished_at=clock.now(),
        )
        if closed:
            audit_log(action="results.import_failed", actor=actor, obj=batch, note=reason)
            if stored_file:
                default_storage.delete(stored_file)
        batch.refresh_from_db()
    except Exception:
        logger.exception("Import batch %s could not be closed as failed", batch.pk)
        return False
    return bool(closed)


def results_import_enqueue(
    *,
    period: Period,
    stored_file: str,
    file_name: str,
    dry_run: bool,
    actor: Any = None,
    ip: str | None = None,
) -> ImportBatch:
    """Queue the import of a file already in the default storage; the task worker runs it
    (`results_import_run`) in the language of the page that queued it. Returns the batch at once
    — already closed when the tasks run inline (the immediate backend of the tests)."""
    batch = import_batch_create(
        period=period,
        file_name=file_name,
        dry_run=dry_run,
        actor=actor,
        queued=True,
        stored_file=stored_file,
    )
    audit_log(
        action="results.import_queued",
        actor=actor,
        obj=batch,
        note=f"period {period.code}, file {file_name}, {'dry run' if dry_run else 'import'}",
        ip=ip,
    )
    try:
        results_import_run.enqueue(
            batch.pk, stored_file, translation.get_language() or settings.LANGUAGE_CODE
        )
    except Exception as exc:
        logger.exception("Import batch %s could not be queued", batch.pk)
        import_batch_fail(batch, reason=_failure_reason(exc), actor=actor)
    batch.refresh_from_db()
    return batch


def results_import_checked_enqueue(
    *, checked: ImportBatch, actor: Any = None, ip: str | None = None
) -> ImportBatch | None:
    """Queue the real import of the file a clean dry run kept. The stored file passes from the
    dry run to the new batch, which drops it when it is done, so the same check is imported
    once: a second call (the file already taken) returns None."""
    stored = checked.stored_file
    if not ImportBatch.objects.filter(pk=checked.pk, stored_file=stored).update(stored_file=""):
        return None
    return results_import_enqueue(
        period=checked.period,
        stored_file=stored,
        file_name=checked.file_name,
        dry_run=False,
        actor=actor,
        ip=ip,
    )


def results_import_queued_run(*, batch_id: int, stored_file: str) -> str:
    """The task's work: run a queued batch from its stored file, then drop the file unless the
    batch is a clean dry run (kept for "Import this file now"). Runs a batch once: a batch no
    longer waiting (run already, or closed as failed) is skipped."""
    started = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, progress_at=clock.now()
    )
    if not started:
        return "skipped"
    batch = ImportBatch.objects.select_related("period__test", "created_by").get(pk=batch_id)
    actor = batch.created_by
    if not default_storage.exists(stored_file):
        import_batch_fail(
            batch, reason=_("The uploaded file is no longer kept; upload it again."), actor=actor
        )
        return batch.status
    try:
        with default_storage.open(stored_file, "rb") as handle:
            import_batch_run(batch, file=handle, actor=actor)
    except BaseException as exc:
        import_batch_fail(batch, reason=_failure_reason(exc), actor=actor)  # if not yet closed
        raise
    finally:
        if not (batch.dry_run and batch.status == ImportStatus.VALID):
            default_storage.delete(stored_file)
            ImportBatch.objects.filter(pk=batch_id, stored_file=stored_file).update(stored_file="")
            batch.stored_file = ""
    return batch.status


def results_imports_stalled_close(*, pk: int | None = None) -> int:
    """Close as failed the running imports that have shown no progress for IMPORT_STALL — their
    worker was stopped or died, and their transaction was rolled back with it. Periodic
    (`tasks.results_imports_stalled_close_due`), and on the batch's own page."""
    silent_since = clock.now() - IMPORT_STALL
    minutes = int(IMPORT_STALL.total_seconds() // 60)
    stalled = ImportBatch.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(progress_at__lt=silent_since) | Q(progress_at__isnull=True, created_at__lt=silent_since)
    )
    if pk is not None:
        stalled = stalled.filter(pk=pk)
    closed = 0
    for batch in stalled.order_by("pk")[:100]:
        reason = ngettext(
            "The import stopped without finishing: it showed no progress for %(minutes)d minute "
            "(the background worker was probably stopped). Nothing was written; start it again.",
            "The import stopped without finishing: it showed no progress for %(minutes)d minutes "
            "(the background worker was probably stopped). Nothing was written; start it again.",
            minutes,
        ) % {"minutes": minutes}
        closed += import_batch_fail(batch, reason=reason, silent_since=silent_since)
    return closed


# --- Publication --------------------------------------------------------------------------------


def published_q(now: Any = None, prefix: str = "") -> Q:
    """Results a candidate (or the verification page) may see.

    Published by the task or an operator — or due by the period's publication time even if the
    periodic task has not run yet (correctness never depends on the clock process). `prefix`
    reaches the result through a relation ("result__").
    """
    now = now or clock.now()
    return Q(**{f"{prefix}published_at__lte": now}) | Q(
        **{
            f"{prefix}published_at__isnull": True,
            f"{prefix}period__results_published_at__lte": now,
        }
    )


def results_publish(
    *, period: Period, actor: Any = None, when: Any = None, ip: str | None = None
) -> int:
    """Publish the period's unpublished results, 500 per transaction; tell each candidate.

    Safe to run again: only rows still unpublished are claimed (a conditional update), and each
    candidate's message carries a de-duplication key.
    """
    when = when or clock.now()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Result.objects.filter(period=period, published_at__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[:NOTIFY_BATCH]
            )
            if not ids:
                break
            claimed = Result.objects.filter(pk__in=ids, published_at__isnull=True).update(
                published_at=when
            )
            total += claimed
            transaction.on_commit(partial(_enqueue_notify, ids))
    if total or actor is not None:
        audit_log(
            action="results.publish",
            actor=actor,
            obj=period,
            note=f"{total} results published",
            ip=ip,
        )
    return total


def _enqueue_notify(ids: list[int]) -> None:
    results_notify.enqueue(ids)


def results_notify_send(*, result_ids: list[int]) -> int:
    """Tell each candidate (SMS and email) that their result is out; once per result."""
    results = list(
        Result.objects.filter(pk__in=result_ids, published_at__isnull=False, notified_at=None)
        .select_related("candidate", "period__test", "specialization")
        .order_by("id")
    )
    sent = 0
    for result in results:
        user = result.candidate
        spec, test = result.specialization, result.period.test
        with transaction.atomic():
            message_send(
                kind="result_published",
                language=language_of(user),
                recipient=user,
                sms_to=user.mobile,
                email_to=user.email,
                dedupe_key=f"result_published:{result.pk}",
                context={
                    "test_ar": test.name_ar,
                    "test_en": test.name_en,
                    "specialization_ar": spec.name_ar,
                    "specialization_en": spec.name_en,
                    "path": reverse("results:detail", args=[result.pk]),
                    "url": settings.SITE_URL + reverse("results:detail", args=[result.pk]),
                },
            )
            Result.objects.filter(pk=result.pk, notified_at=None).update(notified_at=clock.now())
        sent += 1
    return sent


def results_publish_due_run() -> int:
    """Publish every period whose publication time has come; re-send lost notifications."""
    now = clock.now()
    published = 0
    due = Period.objects.filter(
        results_published_at__lte=now, results__published_at__isnull=True
    ).distinct()
    for period in due:
        published += results_publish(period=period, when=period.results_published_at)
    # A notification task lost after its commit (a worker died) is enqueued again; the
    # de-duplication key keeps a candidate from being told twice.
    stale = list(
        Result.objects.filter(
            published_at__isnull=False, published_at__lt=now - NOTIFY_GRACE, notified_at=None
        )
        .order_by("id")
        .values_list("id", flat=True)[:STALE_LIMIT]
    )
    for start in range(0, len(stale), NOTIFY_BATCH):
        _enqueue_notify(stale[start : start + NOTIFY_BATCH])
    return published


def publish_refusal(period: Period) -> str:
    """Why a period cannot be published now ('' when it can)."""
    if not Result.objects.filter(period=period).exists():
        return _("The period %(period)s has no imported results to publish.") % {
            "period": period.code
        }
    return ""


def result_mark_seen(*, result: Result) -> None:
    """The candidate opened the result: it is no longer announced as new (first time only)."""
    if result.seen_at is None:
        Result.objects.filter(pk=result.pk, seen_at__isnull=True).update(seen_at=clock.now())


# --- Tasks this module queues (beside the work they do; the periodic jobs are in tasks.py) -----


@task()
def results_import_run(batch_id: int, stored_file: str, language: str = "ar") -> str:
    """Run a queued results import (dry run or real) from its stored file; the reasons of its
    bad rows are written in `language`, the one of the page that queued it."""
    with translation.override(language):
        return results_import_queued_run(batch_id=batch_id, stored_file=stored_file)


@task()
def results_notify(result_ids: list[int]) -> int:
    """Tell up to 500 candidates that their result is published (each once)."""
    return results_notify_send(result_ids=result_ids)
