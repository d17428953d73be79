"""Every write of the results app: import a file, publish a period, tell the candidates."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from rukhsa.catalog.models import Period
from rukhsa.core import clock
from rukhsa.core.audit import audit_log
from rukhsa.notifications.services import message_send
from rukhsa.results.importer import FileRefused, Importer, RowError, iter_rows
from rukhsa.results.models import ImportBatch, ImportStatus, Result

NOTIFY_BATCH = 500
NOTIFY_GRACE = timedelta(minutes=10)
STALE_LIMIT = 50_000


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
    request: HttpRequest | None = None,
) -> ImportBatch:
    """Check a results file and, unless `dry_run`, write it — all rows or none.

    A real import runs in one transaction: any bad row rolls every row back. Results already
    published (or of a period whose publication time has passed) are never replaced.
    """
    batch = ImportBatch.objects.create(
        period=period,
        created_by=actor if getattr(actor, "pk", None) else None,
        file_name=file_name[:255],
        dry_run=dry_run,
    )
    importer = Importer(period=period, dry_run=dry_run, batch=batch, progress=progress)
    try:
        if dry_run:
            outcome = importer.run(iter_rows(file, file_name))
        else:
            try:
                with transaction.atomic(durable=True):
                    outcome = importer.run(iter_rows(file, file_name))
                    if outcome.error_count:
                        raise _Rollback
            except _Rollback:
                outcome = importer.outcome
                outcome.written = outcome.replaced = 0
    except FileRefused as exc:
        outcome = importer.outcome
        outcome.written = outcome.replaced = 0
        outcome.add(RowError(0, "", str(exc)))
    if outcome.error_count:
        status = ImportStatus.INVALID
    else:
        status = ImportStatus.VALID if dry_run else ImportStatus.IMPORTED
    batch.status = status
    batch.rows = outcome.rows
    batch.written = outcome.written
    batch.replaced = outcome.replaced
    batch.error_count = outcome.error_count
    batch.errors = [e.as_list() for e in outcome.errors]
    batch.finished_at = clock.now()
    batch.save()
    audit_log(
        action="results.import_dry_run" if dry_run else "results.import",
        actor=actor,
        obj=batch,
        note=(
            f"period {period.code}, file {file_name}: {outcome.rows} rows, "
            f"{outcome.written} written ({outcome.replaced} replaced), "
            f"{outcome.error_count} errors"
        ),
        request=request,
    )
    return batch


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
    *, period: Period, actor: Any = None, when: Any = None, request: HttpRequest | None = None
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
            request=request,
        )
    return total


def _enqueue_notify(ids: list[int]) -> None:
    from rukhsa.results.tasks import results_notify

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
                language=user.preferred_language or "ar",
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
