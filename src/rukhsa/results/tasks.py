"""Periodic jobs of the results app (enqueued by `manage.py clock`, see PERIODIC_TASKS).

Tasks import services, never the other way round: the two tasks the services queue themselves
(`results_import_run`, `results_notify`) live in `results.services` beside their work.
"""

from django_tasks import task

from rukhsa.results import services


@task()
def results_publish_due() -> int:
    """Periodic: publish the periods whose publication time has come (safe to run twice)."""
    return services.results_publish_due_run()


@task()
def results_imports_stalled_close_due() -> int:
    """Periodic: close as failed the imports whose worker stopped (no progress for 15 minutes)."""
    return services.results_imports_stalled_close()
