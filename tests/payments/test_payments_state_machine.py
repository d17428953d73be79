"""The payment state machine: allowed moves once, every other move refused."""

import pytest

from rukhsa.payments.errors import IllegalTransition, PaymentError
from rukhsa.payments.gateways.base import GatewayResult
from rukhsa.payments.models import Payment
from rukhsa.payments.services import (
    order_create,
    order_paid_payment,
    payment_apply_result,
    payment_transition,
    vat_halalas,
)
from tests.payments.payments_helpers import PAID_CARDS, pay_with_card, start_payment


@pytest.mark.parametrize(
    ("net", "bp", "vat"),
    [(10000, 1500, 1500), (3, 1500, 0), (4, 1500, 1), (10, 1500, 2), (1, 5000, 1), (0, 1500, 0)],
)
def test_vat_is_rounded_half_up(net, bp, vat):
    assert vat_halalas(net, bp) == vat


def test_order_totals_and_validation(candidate):
    order = order_create(
        owner=candidate,
        kind="registration",
        subject_ref="registration:1",
        description_ar="رسوم",
        description_en="Fee",
        net_halalas=33333,
        vat_basis_points=1500,
        return_path="/booking/1/",
    )
    assert (order.vat_halalas, order.total_halalas) == (5000, 38333)
    for bad in ({"net_halalas": -1}, {"vat_basis_points": 10001}, {"return_path": "//evil.com"},
                {"return_path": "https://evil.com/"}, {"net_halalas": 1.5}):  # fmt: skip
        values = {
            "owner": candidate, "kind": "k", "subject_ref": "s", "description_ar": "a",
            "description_en": "b", "net_halalas": 100, "vat_basis_points": 1500,
            "return_path": "/x/", **bad,
        }  # fmt: skip
        with pytest.raises(ValueError):
            order_create(**values)


def test_illegal_moves_are_refused(candidate_client, order):
    payment, _ = pay_with_card(candidate_client, order, "4201321234411220")
    assert payment.status == "failed"
    for target in ("paid", "refunded", "initiated"):
        with pytest.raises(IllegalTransition):
            payment_transition(payment=payment, to=target)
    payment.refresh_from_db()
    assert payment.status == "failed"


def test_paid_cannot_fail_or_go_back(candidate_client, order):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    with pytest.raises(IllegalTransition):
        payment_transition(payment=payment, to="failed")
    with pytest.raises(IllegalTransition):
        payment_transition(payment=payment, to="initiated")
    # A late "failed" from the gateway is ignored, the payment stays paid.
    payment_apply_result(payment=payment, result=GatewayResult(status="failed", message="x"))
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert order_paid_payment(order) == payment


def test_a_failed_payment_reported_paid_later_is_refused_loudly(candidate_client, order, caplog):
    payment, _ = pay_with_card(candidate_client, order, "4201321234411220")
    with pytest.raises(IllegalTransition):
        payment_apply_result(
            payment=payment, result=GatewayResult(status="paid", amount_halalas=11500)
        )
    assert "refund it at the gateway" in caplog.text


def test_a_paid_answer_with_another_amount_is_not_applied(candidate_client, order):
    payment, _ = start_payment(candidate_client, order)
    with pytest.raises(PaymentError) as info:
        payment_apply_result(payment=payment, result=GatewayResult(status="paid", amount_halalas=1))
    assert info.value.code == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_moving_twice_to_the_same_state_is_a_no_op(candidate_client, order, hook_calls):
    payment, _ = start_payment(candidate_client, order)
    result = GatewayResult(status="paid", amount_halalas=11500, scheme="visa")
    payment_apply_result(payment=payment, result=result)
    payment_apply_result(payment=payment, result=result)
    assert payment_transition(payment=payment, to="paid") is False
    assert hook_calls == [("paid", str(payment.uuid))]


def test_db_allows_only_one_successful_payment_per_order(candidate_client, order):
    from django.db import IntegrityError, transaction

    first, _ = pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    second = Payment.objects.create(order=order, gateway="sandbox", amount_halalas=11500)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=second.pk).update(status="paid")
    assert order_paid_payment(order) == first


def test_a_second_payment_reported_paid_is_refused_and_nothing_is_written(
    candidate_client, order, hook_calls, caplog
):
    """The gateway says a second attempt of an already paid order was paid too: the move is
    refused (a second charge, to refund), its transaction rolled back whole, the first payment
    and its invoice untouched, and the connection usable afterwards."""
    from rukhsa.core.models import AuditLog
    from rukhsa.payments.models import Invoice

    first, _ = pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    second = Payment.objects.create(order=order, gateway="sandbox", amount_halalas=11500)
    audits = AuditLog.objects.count()
    with pytest.raises(PaymentError) as info:
        payment_apply_result(
            payment=second, result=GatewayResult(status="paid", amount_halalas=11500)
        )
    assert info.value.code == "duplicate_payment"
    assert "refund this one at the gateway" in caplog.text
    second.refresh_from_db()
    assert second.status == "initiated"
    assert order_paid_payment(order) == first
    assert Invoice.objects.filter(order=order).count() == 1
    assert AuditLog.objects.count() == audits
    assert hook_calls == [("paid", str(first.uuid))]


def test_hook_errors_roll_the_move_back(candidate_client, order):
    from rukhsa.payments import hooks

    def broken(order, payment):  # type: ignore[no-untyped-def]
        raise RuntimeError("booking failed")

    hooks.subscribe("paid", broken)
    payment, _ = start_payment(candidate_client, order)
    with pytest.raises(RuntimeError):
        payment_apply_result(
            payment=payment, result=GatewayResult(status="paid", amount_halalas=11500)
        )
    payment.refresh_from_db()
    assert payment.status == "initiated"
    assert not hasattr(payment, "invoice") or payment.invoice is None


def test_unknown_hook_event_is_refused():
    from rukhsa.payments import hooks

    with pytest.raises(ValueError):
        hooks.subscribe("captured", lambda **kw: None)
