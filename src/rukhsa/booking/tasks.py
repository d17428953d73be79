"""Periodic jobs of the booking app (enqueued by `manage.py clock`, see PERIODIC_TASKS).

Tasks import services, never the other way round; the one task a service queues (a refund)
lives beside the orders in `booking.payment`.
"""

from django_tasks import task

from rukhsa.booking import changes, services, waitlist


@task()
def holds_expire_due() -> int:
    """Periodic: expire lapsed seat holds and change holds, freeing their seats (offered to
    the waiting list first); end waiting-list entries of closed registrations."""
    return (
        services.holds_expire()
        + changes.change_holds_expire()
        + services.registrations_complete_past()
        + waitlist.entries_close_due()
    )


@task()
def reminders_due() -> int:
    """Periodic: reminders 3 days and 1 day before each confirmed test (each sent once)."""
    return changes.reminders_send()
