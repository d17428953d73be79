"""Periodic jobs of the payments app (enqueued by `manage.py clock`, see PERIODIC_TASKS)."""

from django_tasks import task

from rukhsa.payments.services import payments_reconcile


@task()
def reconcile_payments() -> dict[str, int]:
    """Every 5 minutes: settle payments left `initiated` by asking their gateway.

    See services.payments_reconcile for the rule; safe to run twice or late.
    """
    return payments_reconcile()
