"""The audit log: one row per changed field, with personal values masked."""

from collections.abc import Mapping
from typing import Any

from rukhsa.core import clock
from rukhsa.core.masking import mask_field
from rukhsa.core.models import AuditLog


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
    rows = [
        AuditLog(
            field=field, old_value=mask_field(field, old), new_value=mask_field(field, new), **base
        )
        for field, (old, new) in (changes or {}).items()
    ] or [AuditLog(**base)]
    return AuditLog.objects.bulk_create(rows)
