"""Reconciliation of payments left `initiated` (the tab closed, the server died)."""

from datetime import timedelta

import time_machine

from rukhsa.core import clock
from rukhsa.payments.models import Invoice
from rukhsa.payments.sandbox import api as sandbox_api
from rukhsa.payments.tasks import reconcile_payments
from tests.payments.payments_helpers import PAID_CARDS, path_of, start_payment


def test_young_payments_are_left_alone(candidate_client, order):
    payment, _ = start_payment(candidate_client, order)
    result = reconcile_payments.call()
    assert result["checked"] == 0
    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_paid_at_the_gateway_but_never_returned_becomes_paid(candidate_client, order, hook_calls):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        payment, card_url = start_payment(candidate_client, order)
        candidate_client.post(
            path_of(card_url),
            {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"},
        )
        sandbox_api.three_ds_complete(
            sandbox_api.charge_for_page(payment.gateway_ref), authenticated=True
        )
        # ...the browser closes; the webhook is lost.
        traveller.shift(timedelta(minutes=16))
        result = reconcile_payments.call()
    payment.refresh_from_db()
    assert result["paid"] == 1
    assert payment.status == "paid"
    assert Invoice.objects.filter(payment=payment).exists()
    assert hook_calls == [("paid", str(payment.uuid))]


def test_card_page_never_submitted_fails_after_thirty_minutes(candidate_client, order):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        payment, _ = start_payment(candidate_client, order)
        traveller.shift(timedelta(minutes=20))
        assert reconcile_payments.call()["still_initiated"] == 1
        payment.refresh_from_db()
        assert payment.status == "initiated"
        traveller.shift(timedelta(minutes=11))
        assert reconcile_payments.call()["failed"] == 1
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert payment.failure_reason == "abandoned"


def test_three_ds_never_finished_fails_after_thirty_minutes(candidate_client, order):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        payment, card_url = start_payment(candidate_client, order)
        candidate_client.post(
            path_of(card_url),
            {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"},
        )
        traveller.shift(timedelta(minutes=31))
        reconcile_payments.call()
        # The 3-D Secure page no longer accepts an answer: the idle session that opened it has
        # ended, and the page answers no other.
        back = candidate_client.post(
            f"/payments/sandbox-gateway/{payment.gateway_ref}/3ds/submit/",
            {"result": "authenticate"},
        )
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert back.status_code == 404


def test_reconcile_twice_is_harmless(candidate_client, order, hook_calls):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        payment, _ = start_payment(candidate_client, order)
        traveller.shift(timedelta(minutes=40))
        reconcile_payments.call()
        reconcile_payments.call()
    assert hook_calls == [("failed", str(payment.uuid))]
