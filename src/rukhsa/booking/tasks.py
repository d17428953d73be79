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


@task()
def late_payment_refund(payment_id: str) -> str:
    """Refund in full a payment that arrived after its seat was gone."""
    from rukhsa.payments import services as payments

    payment = payments.Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    payments.refund(
        payment=payment,
        amount_halalas=payment.amount_halalas,
        reason="paid after the seat hold ended and no seat was free",
    )
    return "refunded"


@task()
def registration_refund(payment_id: str, amount_halalas: int) -> str:
    """Refund a cancelled registration (idempotent in payments: one refund per payment)."""
    from rukhsa.payments import services as payments

    payment = payments.Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    payments.refund(payment=payment, amount_halalas=amount_halalas, reason="registration cancelled")
    return "refunded"
