"""The seat hold's audit rows: the order's and the hold's, the same rows and fields, inserted
together inside the hold's transaction (`core.audit.audit_batch`)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rukhsa.booking import services
from rukhsa.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_the_hold_writes_the_order_and_hold_rows_in_one_statement(cat, candidate) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        registration = services.registration_hold(
            candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
        )
    audit_inserts = [
        q for q in captured.captured_queries if 'INSERT INTO "core_auditlog"' in q["sql"]
    ]
    # The order's and the hold's rows together; the payment's own row comes when paying starts.
    assert len(audit_inserts) == 1
    held = AuditLog.objects.get(action="registration.held")
    assert (held.actor_id, held.subject_id, held.object_id) == (
        candidate.pk,
        candidate.pk,
        str(registration.pk),
    )
    created = AuditLog.objects.get(action="payments.order_created")
    assert (created.subject_id, created.object_id, created.note) == (
        candidate.pk,
        str(registration.order_id),
        f"registration:{registration.reference}",
    )
