from django.utils import translation
from django_tasks import task

from rukhsa.results import services


@task()
def results_import_run(batch_id: int, stored_file: str, language: str = "ar") -> str:
    """Run a queued results import (dry run or real) from its stored file; the reasons of its
    bad rows are written in `language`, the one of the page that queued it."""
    with translation.override(language):
        return services.results_import_queued_run(batch_id=batch_id, stored_file=stored_file)


@task()
def results_publish_due() -> int:
    """Periodic: publish the periods whose publication time has come (safe to run twice)."""
    return services.results_publish_due_run()


@task()
def results_imports_stalled_close_due() -> int:
    """Periodic: close as failed the imports whose worker stopped (no progress for 15 minutes)."""
    return services.results_imports_stalled_close()


@task()
def results_notify(result_ids: list[int]) -> int:
    """Tell up to 500 candidates that their result is published (each once)."""
    return services.results_notify_send(result_ids=result_ids)
