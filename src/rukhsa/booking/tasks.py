from django_tasks import task

from rukhsa.booking import services


@task()
def holds_expire_due() -> int:
    """Periodic: expire lapsed holds and free their seats (safe to run twice or late)."""
    return services.holds_expire()


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
