"""Audit rows collected by `audit_batch` and inserted with one statement, inside the caller's
transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rukhsa.core import audit
from rukhsa.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_a_batch_inserts_its_rows_with_one_statement_when_it_closes(candidate) -> None:  # type: ignore[no-untyped-def]
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with audit.audit_batch():
            audit.audit_log(action="one", subject=candidate)
            audit.audit_log(action="two", subject=candidate, changes={"a": (1, 2), "b": (3, 4)})
            assert not AuditLog.objects.filter(action__in=["one", "two"]).exists()
        inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1
    assert sorted(AuditLog.objects.values_list("action", "field")) == [
        ("one", ""),
        ("two", "a"),
        ("two", "b"),
    ]


def test_a_batch_that_raises_writes_nothing_and_a_nested_one_joins_the_outer(candidate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError), audit.audit_batch():
        audit.audit_log(action="lost", subject=candidate)
        raise RuntimeError
    with audit.audit_batch():
        with audit.audit_batch():
            audit.audit_log(action="inner", subject=candidate)
        assert not AuditLog.objects.filter(action="inner").exists()
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["inner"]
