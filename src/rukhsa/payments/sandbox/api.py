"""The sandbox gateway's "API": Moyasar's payment shapes, served from the SandboxCharge table.

Rukhsa talks to it only through gateways/sandbox.py, as it would to a remote gateway. Rules:
- a charge is created `initiated`; its hosted card page is /payments/sandbox-gateway/<id>/;
- the card page decides the outcome from the number (cards.py), then the 3-D Secure page moves
  the charge to `paid` or `failed` once (a conditional UPDATE), sends the candidate back to the
  merchant's callback URL with `id`, `status` and `message`, and sends a webhook after commit;
- a charge still `initiated` 30 minutes after it was created (card page or 3-D Secure step never
  finished) is expired: the next fetch reports it `failed` with the message "ABANDONED";
- refunds: at most the amount; status `refunded` once anything was refunded.
"""

import json
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django_tasks import task

from rukhsa.core import clock, rows
from rukhsa.payments.sandbox.models import ChargeStatus, SandboxCharge, ThreeDSState
from rukhsa.payments.webhooks import webhook_receive

MESSAGES = {
    "paid": "APPROVED",
    "insufficient_funds": "INSUFFICIENT_FUNDS: Insufficient funds",
    "declined": "DECLINED: Declined by the issuer",
    "3ds_failed": "3-D Secure transaction attempt failed (Authentication Failed)",
    "abandoned": "ABANDONED: The card page was not completed in time",
    "canceled": "CANCELED: The payment was cancelled by the merchant",
}


class ChargeNotFound(Exception):
    pass


class ChargeStateError(Exception):
    pass


def abandon_after() -> timedelta:
    return getattr(settings, "PAYMENTS_SANDBOX_ABANDON_AFTER", timedelta(minutes=30))


def _format(halalas: int) -> str:
    return f"{halalas // 100}.{halalas % 100:02d} SAR"


def charge_grant(charge_id: str) -> str:
    """The one-time grant in the card page's link: the first browser session that opens it is
    the only one the charge's pages answer afterwards."""
    return salted_hmac("rukhsa.sandbox.grant", charge_id).hexdigest()[:32]


def charge_json(charge: SandboxCharge) -> dict[str, Any]:
    """The charge as Moyasar's payment object."""
    return {
        "id": str(charge.id),
        "status": charge.status,
        "amount": charge.amount,
        "fee": 0,
        "currency": charge.currency,
        "refunded": charge.refunded,
        "captured": 0,
        "description": charge.description,
        "amount_format": _format(charge.amount),
        "refunded_format": _format(charge.refunded),
        "invoice_id": None,
        "callback_url": charge.callback_url,
        "given_id": charge.given_id,
        "created_at": charge.created_at.isoformat(),
        "updated_at": charge.updated_at.isoformat(),
        "metadata": charge.metadata,
        "source": {
            "type": "creditcard",
            "company": charge.scheme or None,
            "number": charge.masked_number or None,
            "message": charge.message or None,
            "transaction_url": reverse("payments:sandbox_card", args=[charge.id])
            + f"?grant={charge_grant(str(charge.id))}",
            "three_ds": charge.three_ds,
        },
    }


def charge_create(
    *,
    amount: int,
    currency: str,
    description: str,
    callback_url: str,
    given_id: str,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """Create a charge; the same `given_id` returns the same charge (idempotency key).

    Inserted first (a first request is the usual case: one statement, not a read before it);
    a repeated `given_id` fails the unique constraint and the charge made the first time is
    returned."""
    charge = SandboxCharge(
        given_id=given_id,
        amount=amount,
        currency=currency,
        description=description[:200],
        callback_url=callback_url,
        metadata=metadata,
    )
    try:
        rows.insert(charge, may_clash=True)
    except IntegrityError:
        charge = SandboxCharge.objects.get(given_id=given_id)
    return charge_json(charge)


def _get(charge_id: str) -> SandboxCharge:
    try:
        return SandboxCharge.objects.get(pk=uuid.UUID(str(charge_id)))
    except (ValueError, SandboxCharge.DoesNotExist) as exc:
        raise ChargeNotFound(charge_id) from exc


def _expire_if_abandoned(charge: SandboxCharge) -> SandboxCharge:
    if (
        charge.status == ChargeStatus.INITIATED
        and clock.now() - charge.created_at > abandon_after()
    ):
        SandboxCharge.objects.filter(pk=charge.pk, status=ChargeStatus.INITIATED).update(
            status=ChargeStatus.FAILED, message=MESSAGES["abandoned"], updated_at=clock.now()
        )
        charge.refresh_from_db()
    return charge


def charge_fetch(charge_id: str) -> dict[str, Any]:
    return charge_json(_expire_if_abandoned(_get(charge_id)))


def grant_spend(charge_id: str) -> bool:
    """Spend the charge's one-time grant: True for the first browser to open its card page with
    it, False ever after. Recorded on the charge, so it stays spent whatever the cache loses."""
    spent = SandboxCharge.objects.filter(pk=charge_id, grant_spent_at__isnull=True).update(
        grant_spent_at=clock.now()
    )
    return spent == 1


def charge_for_page(charge_id: str) -> SandboxCharge:
    return _expire_if_abandoned(_get(charge_id))


def charge_refund(charge_id: str, amount: int) -> dict[str, Any]:
    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().get(pk=_get(charge_id).pk)
        if charge.status not in (ChargeStatus.PAID, ChargeStatus.REFUNDED):
            raise ChargeStateError("only a paid charge can be refunded")
        if amount <= 0 or charge.refunded + amount > charge.amount:
            raise ChargeStateError("refund amount exceeds the amount paid")
        charge.refunded += amount
        charge.status = ChargeStatus.REFUNDED
        charge.updated_at = clock.now()
        charge.save(update_fields=["refunded", "status", "updated_at"])
        _webhook_on_commit(charge, "payment_refunded")
    return charge_json(charge)


def charge_cancel(charge_id: str) -> bool:
    """Cancel an unfinished charge; False when it is already paid, failed or refunded."""
    charge = _get(charge_id)
    updated = SandboxCharge.objects.filter(pk=charge.pk, status=ChargeStatus.INITIATED).update(
        status=ChargeStatus.CANCELED, message=MESSAGES["canceled"], updated_at=clock.now()
    )
    if updated:
        return True
    charge.refresh_from_db()
    return charge.status in (ChargeStatus.CANCELED, ChargeStatus.FAILED)


def card_submit(charge: SandboxCharge, *, scheme: str, masked_number: str, outcome: str) -> bool:
    """Record the card's scheme, masked number and outcome; the 3-D Secure step comes next."""
    updated = SandboxCharge.objects.filter(pk=charge.pk, status=ChargeStatus.INITIATED).update(
        scheme=scheme,
        masked_number=masked_number,
        pending_outcome=outcome,
        three_ds=ThreeDSState.PENDING,
        updated_at=clock.now(),
    )
    return bool(updated)


def three_ds_complete(charge: SandboxCharge, *, authenticated: bool) -> SandboxCharge:
    """Finish the 3-D Secure step once: the charge becomes paid or failed (one conditional
    update; `charge` takes the values written, and the webhook is queued)."""
    if authenticated:
        outcome = charge.pending_outcome or "declined"
        status = ChargeStatus.PAID if outcome == "paid" else ChargeStatus.FAILED
        three_ds = ThreeDSState.AUTHENTICATED
    else:
        outcome, status, three_ds = "3ds_failed", ChargeStatus.FAILED, ThreeDSState.FAILED
    written = {
        "status": status,
        "three_ds": three_ds,
        "message": MESSAGES[outcome],
        "pending_outcome": "",
        "updated_at": clock.now(),
    }
    updated = SandboxCharge.objects.filter(
        pk=charge.pk, status=ChargeStatus.INITIATED, three_ds=ThreeDSState.PENDING
    ).update(**written)
    if not updated:
        raise ChargeStateError("this charge is not waiting for 3-D Secure")
    for field, value in written.items():
        setattr(charge, field, value)
    # After the commit when the caller has a transaction open; at once otherwise.
    _webhook_on_commit(charge, "payment_paid" if status == ChargeStatus.PAID else "payment_failed")
    return charge


def _webhook_on_commit(charge: SandboxCharge, event_type: str) -> None:
    transaction.on_commit(
        partial(sandbox_webhook_deliver.enqueue, str(charge.id), event_type, str(uuid.uuid4()))
    )


def webhook_body(charge_id: str, event_type: str, event_id: str) -> dict[str, Any]:
    """The JSON a webhook delivery carries, in Moyasar's shape, with the shared secret."""
    return {
        "id": event_id,
        "type": event_type,
        "created_at": clock.now().isoformat(),
        "secret_token": settings.PAYMENTS_SANDBOX_WEBHOOK_SECRET,
        "account_name": "Rukhsa sandbox",
        "live": False,
        "data": charge_json(_get(charge_id)),
    }


@task()
def sandbox_webhook_deliver(charge_id: str, event_type: str, event_id: str) -> str:
    """The sandbox's webhook sender: in process, through the same function the HTTP endpoint
    calls (authentication, storage and de-duplication included), with the body a POST would
    carry."""
    body = json.dumps(webhook_body(charge_id, event_type, event_id)).encode()
    status_code, outcome = webhook_receive(gateway="sandbox", body=body)
    return f"{status_code} {outcome}"
