"""The audit log: one row per changed field, with personal values masked."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rukhsa.core import clock, rows
from rukhsa.core.batching import collect, collecting
from rukhsa.core.masking import mask_field
from rukhsa.core.models import AuditLog

# Rows of the `audit_batch` open in this context, inserted together when it closes.
_batch: ContextVar[list[AuditLog] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the audit rows written inside, and insert them with one statement at the end.

    Open it inside the transaction whose changes the rows record, so they commit (or roll
    back) with them; rows of a block that raises are not written. Nested batches join the
    outer one.
    """
    with collecting(_batch, rows.insert_many):
        yield


def audit_log(
    *,
    action: str,
    actor: Any = None,
    subject: Any = None,
    changes: Mapping[str, tuple[object, object]] | None = None,
    obj: Any = None,
    note: str = "",
    ip: str | None = None,
) -> list[AuditLog]:
    """Write audit rows: one per changed field in `changes` ({field: (old, new)}), or one row.

    `ip` is the client's address (the caller's view takes it from `core.net.client_ip`).
    """
    when = clock.now()
    base = {
        "created_at": when,
        "actor": actor if getattr(actor, "pk", None) else None,
        "subject": subject if getattr(subject, "pk", None) else None,
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "note": note,
        "ip_address": ip,
    }
    new = [
        AuditLog(
            field=field, old_value=mask_field(field, old), new_value=mask_field(field, new), **base
        )
        for field, (old, new) in (changes or {}).items()
    ] or [AuditLog(**base)]
    if collect(_batch, new):
        return new  # inserted when the batch closes
    return rows.insert_many(new)
