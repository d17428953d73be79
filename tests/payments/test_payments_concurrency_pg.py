"""Concurrency on PostgreSQL: one "paid" move per payment, gap-free invoice numbers.

Each test has a control run that replaces the lock from the test side (a read-wait-write
instead of the conditional UPDATE or the locked sequence row) and shows that the test can see
the race the locking prevents.
"""

import json
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from rukhsa.core.models import AuditLog
from rukhsa.payments import invoices
from rukhsa.payments import services as payment_services
from rukhsa.payments.models import (
    Invoice,
    InvoiceSequence,
    Order,
    Payment,
    SandboxCharge,
    WebhookEvent,
)
from rukhsa.payments.sandbox import api as sandbox_api
from rukhsa.payments.services import payment_refresh, payment_start
from rukhsa.payments.webhooks import webhook_receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    """Start every job at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def runner(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def paid_at_the_sandbox(order: Order) -> Payment:
    """Start a payment and mark its sandbox charge paid (no webhook sent)."""
    payment_start(order=order, owner=order.owner, site_url="http://testserver/")
    payment = order.payments.get()
    SandboxCharge.objects.filter(pk=payment.gateway_ref).update(
        status="paid", scheme="visa", masked_number="411111******1111", message="APPROVED"
    )
    return payment


def _webhooks_and_return(payment: Payment, user: Any) -> list[BaseException]:
    body = json.dumps(sandbox_api.webhook_body(payment.gateway_ref, "payment_paid", "evt-1"))
    client = Client()
    client.force_login(user)
    return_url = reverse("payments:return", args=[payment.uuid])
    jobs: list[Callable[[], Any]] = [
        lambda: webhook_receive(gateway="sandbox", body=body.encode()) for _ in range(20)
    ]
    jobs.append(lambda: client.get(return_url, {"status": "paid"}))
    return run_together(jobs)


def test_twenty_webhooks_and_the_return_make_one_paid_move(make_order, candidate, hook_calls):
    order = make_order(owner=candidate)
    payment = paid_at_the_sandbox(order)

    errors = _webhooks_and_return(payment, candidate)

    assert errors == []
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert hook_calls == [("paid", str(payment.uuid))]
    assert Invoice.objects.filter(payment=payment).count() == 1
    assert AuditLog.objects.filter(action="payments.payment_paid").count() == 1
    assert WebhookEvent.objects.filter(status="applied").count() == 1
    assert WebhookEvent.objects.filter(status="duplicate").count() == 19


def _racy_move(payment_id: int, *, source: str, target: str, now: Any, **fields: Any) -> bool:
    """Read, wait, write: what the conditional UPDATE prevents."""
    current = Payment.objects.get(pk=payment_id).status
    time.sleep(0.02)
    if current != source:
        return False
    Payment.objects.filter(pk=payment_id).update(status=target, updated_at=now, **fields)
    return True


def _racy_number(series: str) -> int:
    """Read, wait, write: what the sequence row's lock prevents."""
    row, _created = InvoiceSequence.objects.get_or_create(name=series)
    time.sleep(0.02)
    number = row.last_number + 1
    InvoiceSequence.objects.filter(name=series).update(last_number=number)
    return number


def test_control_without_locks_the_race_is_visible(monkeypatch, make_order, candidate, hook_calls):
    monkeypatch.setattr(payment_services, "status_move", _racy_move)
    order = make_order(owner=candidate)
    payment = paid_at_the_sandbox(order)
    # Distinct event ids so the webhooks' own de-duplication does not hide the race.
    bodies = [
        json.dumps(sandbox_api.webhook_body(payment.gateway_ref, "payment_paid", f"e{i}")).encode()
        for i in range(20)
    ]
    errors = run_together([partial(webhook_receive, gateway="sandbox", body=b) for b in bodies])
    # Several callers believed they made the move: the extra ones crashed into the unique
    # invoice-per-payment backstop (or called the hook more than once).
    assert errors or len(hook_calls) > 1


def _refresh(payment_id: int) -> None:
    payment_refresh(payment=Payment.objects.get(pk=payment_id))


def _numbers(
    count: int, make_order: Callable[..., Order], make_user: Any
) -> tuple[list[int], list[BaseException]]:
    payments = [paid_at_the_sandbox(make_order(owner=make_user())) for _ in range(count)]
    errors = run_together([partial(_refresh, p.pk) for p in payments])
    return sorted(Invoice.objects.values_list("number", flat=True)), errors


def test_thirty_concurrent_payments_get_consecutive_numbers(make_order, make_user):
    numbers, errors = _numbers(30, make_order, make_user)
    assert errors == []
    assert numbers == list(range(numbers[0], numbers[0] + 30))


def test_control_without_locks_numbers_collide(monkeypatch, make_order, make_user):
    monkeypatch.setattr(invoices, "next_number", _racy_number)
    numbers, errors = _numbers(30, make_order, make_user)
    consecutive = len(numbers) == 30 and numbers == list(range(numbers[0], numbers[0] + 30))
    assert errors or not consecutive
