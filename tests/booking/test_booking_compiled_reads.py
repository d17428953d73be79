"""The registration pages' model reads, sent as SQL compiled once (core/compiled.py): the same
objects as their querysets give, with the same related rows, on SQLite and PostgreSQL; and
still never another candidate's."""

import pytest
from django.http import Http404

from rukhsa.booking import selectors, services
from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Session
from rukhsa.core import clock
from rukhsa.payments import selectors as payment_selectors
from rukhsa.payments.models import Invoice, Payment
from tests.booking.booking_helpers import confirmed


def _same_fields(got, want) -> None:
    assert type(got) is type(want)
    for field in type(want)._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(want, field.attname), field.name


def test_the_registration_and_its_invoice_read_as_the_orm_reads_them(cat, candidate, stranger):
    registration = confirmed(candidate, cat.slot, cat.spec)
    assert selectors._REGISTRATION.compiled() and selectors._INVOICE_OF_ORDER.compiled()
    got = selectors.registration_for(candidate=candidate, reference=registration.reference.lower())
    want = Registration.objects.select_related("session").get(pk=registration.pk)
    _same_fields(got, want)
    _same_fields(got.session, want.session)
    assert got.period.pk == cat.period.pk and got.session.centre.pk == cat.digital.pk
    invoice = selectors.invoice_for(got)
    _same_fields(invoice, Invoice.objects.get(order_id=registration.order_id))
    with pytest.raises(Http404):
        selectors.registration_for(candidate=stranger, reference=registration.reference)
    with pytest.raises(Http404):
        selectors.registration_for(candidate=candidate, reference="RK-NONE-NONE")


def test_the_payment_returned_to_reads_as_the_orm_reads_it(cat, candidate, stranger):
    registration = confirmed(candidate, cat.slot, cat.spec)
    assert payment_selectors._PAYMENT_OF_OWNER.compiled()
    payment = Payment.objects.get(order_id=registration.order_id)
    got = payment_selectors.payment_for_owner(candidate, payment.uuid)
    want = Payment.objects.select_related("order", "invoice").get(pk=payment.pk)
    _same_fields(got, want)
    _same_fields(got.order, want.order)
    _same_fields(got.invoice, want.invoice)
    assert got.amount_halalas == want.amount_halalas and got.updated_at == want.updated_at
    with pytest.raises(Http404):
        payment_selectors.payment_for_owner(stranger, payment.uuid)


def test_an_unpaid_payment_has_no_invoice_attached(cat, candidate):
    held = services.registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    order = Registration.objects.get(pk=held.pk).order
    payment = Payment.objects.filter(order=order).first() or Payment.objects.create(
        order=order, gateway="sandbox", amount_halalas=order.total_halalas
    )
    got = payment_selectors.payment_for_owner(candidate, payment.uuid)
    assert got.pk == payment.pk
    with pytest.raises(Payment.invoice.RelatedObjectDoesNotExist):
        got.invoice  # noqa: B018 - as the ORM's select_related leaves it: no invoice yet


def test_the_session_under_review_reads_as_the_orm_reads_it(cat):
    assert selectors._SESSION_FOR_REVIEW.compiled()
    got = selectors.session_for_review(period=cat.period, session_id=str(cat.slot.pk))
    want = Session.objects.select_related("centre__city").get(pk=cat.slot.pk)
    _same_fields(got, want)
    _same_fields(got.centre, want.centre)
    _same_fields(got.centre.city, want.centre.city)
    assert got.period is cat.period
    Session.objects.filter(pk=cat.slot.pk).update(date=clock.today())  # today: no longer offered
    assert selectors.session_for_review(period=cat.period, session_id=str(cat.slot.pk)) is None
    assert selectors.session_for_review(period=cat.period, session_id="12x") is None


def test_a_payment_read_again_takes_the_fresh_row_and_its_invoice(
    cat, candidate, django_assert_num_queries
):
    """Compiled.refresh: refresh_from_db's fields and cached rows, in one compiled read, the
    invoice attached too (Django's own refresh drops it, to be read again)."""
    from rukhsa.payments import services as payment_services

    registration = confirmed(candidate, cat.slot, cat.spec)
    stale = Payment.objects.get(order_id=registration.order_id)
    Payment.objects.filter(pk=stale.pk).update(gateway_message="changed meanwhile")
    with django_assert_num_queries(1):
        payment_services._WITH_ORDER.refresh(stale)
        assert stale.gateway_message == "changed meanwhile"
        assert stale.order.pk == registration.order_id
        assert stale.invoice.payment is stale
    want = Payment.objects.get(pk=stale.pk)
    _same_fields(stale, want)
    Payment.objects.filter(pk=stale.pk).update(scheme="visa")
    with django_assert_num_queries(1):
        payment_services._AGAIN.refresh(stale)
    assert stale.scheme == "visa" and stale.gateway_message == "changed meanwhile"
    gone = Payment(pk=10**9)
    with pytest.raises(Payment.DoesNotExist):
        payment_services._AGAIN.refresh(gone)


def test_the_confirmation_locks_the_registration_as_the_orm_would(cat, candidate, is_postgres):
    from django.db import connection, transaction

    registration = confirmed(candidate, cat.slot, cat.spec)
    assert services._ORDERS_REGISTRATION.rows(registration.order_id) == [
        (registration.pk, cat.slot.pk)
    ]
    with transaction.atomic():
        got = services._LOCKED_WITH_CANDIDATE.first(registration.pk)
        want = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("candidate")
            .get(pk=registration.pk)
        )
    _same_fields(got, want)
    _same_fields(got.candidate, want.candidate)
    assert services._LOCKED_WITH_CANDIDATE.compiled()
    plan = services._LOCKED_WITH_CANDIDATE._plan_for(connection)
    assert ("FOR UPDATE OF" in plan.sql) is is_postgres  # SQLite locks the whole database
