"""core.rows: a row inserted or updated with a statement built once writes what save() writes."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from rukhsa.catalog.models import Region
from rukhsa.core import clock, rows
from rukhsa.core.models import AuditLog
from rukhsa.payments.models import Order, Payment
from rukhsa.payments.sandbox.models import SandboxCharge

pytestmark = pytest.mark.django_db


def _order(owner, **extra) -> Order:
    values = {
        "owner": owner,
        "kind": "registration_fee",
        "subject_ref": "registration:R-TEST",
        "description_ar": "اختبار الرخصة — رياضيات",
        "description_en": "Licence test — Mathematics",
        "net_halalas": 20000,
        "vat_basis_points": 1500,
        "vat_halalas": 3000,
        "total_halalas": 23000,
        "return_path": "/registrations/R-TEST/",
        **extra,
    }
    return Order(**values)


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_an_inserted_row_is_the_row_save_writes(candidate):
    by_save, by_insert = _order(candidate), _order(candidate, subject_ref="registration:R-2")
    by_save.save()
    with CaptureQueriesContext(connection) as queries:
        rows.insert(by_insert)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert by_insert.pk is not None and by_insert.pk != by_save.pk
    assert not by_insert._state.adding and by_insert._state.db == "default"
    stored_save = _columns(Order.objects.get(pk=by_save.pk))
    stored_insert = _columns(Order.objects.get(pk=by_insert.pk))
    for name in ("id", "uuid", "subject_ref", "created_at"):
        stored_save.pop(name), stored_insert.pop(name)
    assert stored_insert == stored_save
    # What the object holds is what the database holds (defaults included: currency, uuid).
    assert _columns(Order.objects.get(pk=by_insert.pk)) == _columns(by_insert)


def test_a_foreign_key_to_a_new_row_and_a_second_insert_of_the_same_shape(candidate):
    order = _order(candidate)
    rows.insert(order)
    first, second = (Payment(order=order, gateway="sandbox", amount_halalas=23000) for _ in "ab")
    rows.insert(first)
    rows.insert(second)  # the statement kept from the first
    assert [p.order_id for p in Payment.objects.filter(order=order).order_by("pk")] == [
        order.pk,
        order.pk,
    ]
    assert first.pk < second.pk


def test_an_unsaved_related_row_is_refused_as_save_refuses_it(candidate):
    payment = Payment(order=_order(candidate), gateway="sandbox", amount_halalas=1)
    with pytest.raises(ValueError, match="unsaved related object"):
        rows.insert(payment)


def test_a_broken_constraint_raises_and_marks_the_transaction_for_rollback(candidate):
    order = _order(candidate)
    rows.insert(order)
    again = _order(candidate, uuid=order.uuid)  # the order's unique reference
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(again)
        pytest.fail("the insert should have raised")
    assert Order.objects.filter(uuid=order.uuid).count() == 1
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            rows.insert(_order(candidate, uuid=order.uuid))
        assert transaction.get_connection().needs_rollback


def test_update_writes_only_the_named_columns(candidate):
    order = _order(candidate)
    rows.insert(order)
    payment = Payment(order=order, gateway="sandbox", amount_halalas=23000)
    rows.insert(payment)
    payment.gateway_ref = "ch_123"
    payment.updated_at = clock.now()
    payment.amount_halalas = 1  # changed on the object only: not named, not written
    with CaptureQueriesContext(connection) as queries:
        rows.update(payment, ["gateway_ref", "updated_at"])
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.gateway_ref == "ch_123" and stored.updated_at == payment.updated_at
    assert stored.amount_halalas == 23000


def test_update_of_a_row_that_is_gone_raises_as_save_does(candidate):
    order = _order(candidate)
    rows.insert(order)
    Order.objects.filter(pk=order.pk).delete()
    order.kind = "change_fee"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        rows.update(order, ["kind"])


def test_a_model_with_receivers_is_saved_by_django_and_its_receivers_run():
    """The catalogue's models bump the cached choices on save: never bypassed."""
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=Region, dispatch_uid="test-rows-region")
    try:
        region = Region(code="TST", name_ar="منطقة", name_en="Region")
        rows.insert(region)
        region.name_en = "Region II"
        rows.update(region, ["name_en"])
    finally:
        post_save.disconnect(sender=Region, dispatch_uid="test-rows-region")
    assert heard == [(region.pk, True), (region.pk, False)]
    assert Region.objects.get(pk=region.pk).name_en == "Region II"


def test_rows_of_a_uuid_key_and_json_go_in_as_save_puts_them():
    charge = SandboxCharge(
        given_id="given-1",
        amount=23000,
        currency="SAR",
        description="وصف",
        callback_url="https://example.test/back",
        metadata={"order_uuid": "o", "payment_uuid": "p"},
    )
    rows.insert(charge)
    stored = SandboxCharge.objects.get(pk=charge.pk)
    assert stored.metadata == {"order_uuid": "o", "payment_uuid": "p"}
    assert stored.description == "وصف" and stored.given_id == "given-1"


def test_the_journeys_rows_are_written_the_fast_way():
    """The rows a registration writes have no receivers and no save() of their own (a receiver
    added later would put them back on save(): slower, never wrong)."""
    from rukhsa.booking.models import Registration
    from rukhsa.notifications.models import Message
    from rukhsa.payments.models import Invoice, WebhookEvent

    written = (
        Order,
        Payment,
        SandboxCharge,
        AuditLog,
        Registration,
        Invoice,
        WebhookEvent,
        Message,
    )
    for model in written:
        assert rows._plain(model), model


def test_an_expected_clash_leaves_the_transaction_usable(candidate):
    order = _order(candidate)
    rows.insert(order)
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            rows.insert(_order(candidate, uuid=order.uuid), may_clash=True)
        assert not transaction.get_connection().needs_rollback
        rows.insert(_order(candidate, subject_ref="registration:R-3"))  # goes on
    assert Order.objects.filter(owner=candidate).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_expected_clash_outside_a_transaction_is_one_statement(make_user):
    """No BEGIN/COMMIT around it: in autocommit the statement is its own transaction."""
    candidate = make_user()
    order = _order(candidate)
    rows.insert(order)
    with CaptureQueriesContext(connection) as queries, pytest.raises(IntegrityError):
        rows.insert(_order(candidate, uuid=order.uuid), may_clash=True)
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]


def test_rows_inserted_together_get_their_keys_in_order(candidate):
    made = [
        AuditLog(action=f"test.{n}", subject=candidate, note=f"row {n}", created_at=clock.now())
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        written = rows.insert_many(made)
    assert written == made and len(queries) == 1
    assert [AuditLog.objects.get(pk=row.pk).note for row in made] == ["row 0", "row 1", "row 2"]
    assert all(not row._state.adding for row in made)
    by_django = AuditLog.objects.bulk_create(
        [AuditLog(action="test.0", subject=candidate, note="row 0", created_at=made[0].created_at)]
    )
    theirs, ours = (_columns(AuditLog.objects.get(pk=r.pk)) for r in (by_django[0], made[0]))
    theirs.pop("id"), ours.pop("id")
    assert ours == theirs
    assert rows.insert_many([]) == []


def test_many_rows_at_once_go_through_bulk_create(candidate):
    made = [
        AuditLog(action="test.many", subject=candidate, note=str(n), created_at=clock.now())
        for n in range(rows.MANY + 1)
    ]
    written = rows.insert_many(made)
    assert len(written) == rows.MANY + 1 and all(row.pk for row in written)
    assert AuditLog.objects.filter(action="test.many").count() == rows.MANY + 1
