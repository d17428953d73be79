"""Incoming webhooks: authenticate, store, de-duplicate, apply idempotently.

``webhook_receive(gateway=..., body=...)`` is what POST /payments/webhooks/<gateway>/ calls, and
what the sandbox gateway calls in process. Steps:

1. Parse the JSON body (Moyasar's shape: ``id``, ``type``, ``secret_token``, ``data``).
2. Compare ``secret_token`` with the gateway's configured secret in constant time. A wrong or
   missing secret is answered 401, stored as ``rejected`` and logged (the secret is never
   stored). An empty configured secret rejects everything.
3. Store the event; the first delivery of a (gateway, event id) owns the key (a partial unique
   constraint), later ones are stored as ``duplicate`` and change nothing — unless the first
   one ended in ``error``, in which case it is applied again.
4. Apply: find our payment from the payload's references, then ask the gateway about it server
   to server (``payment_refresh``) — the payload's status is never applied as such.
"""

import hmac
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from rukhsa.core import clock
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways import gateway_names, get_gateway
from rukhsa.payments.models import Payment, WebhookEvent, WebhookStatus
from rukhsa.payments.services import payment_refresh

logger = logging.getLogger(__name__)

OWNING_STATUSES = (WebhookStatus.RECEIVED, WebhookStatus.APPLIED, WebhookStatus.ERROR)


def webhook_secret(gateway: str) -> str:
    if gateway == "sandbox":
        return str(settings.PAYMENTS_SANDBOX_WEBHOOK_SECRET or "")
    if gateway == "moyasar":
        return str(settings.MOYASAR_WEBHOOK_SECRET or "")
    return ""


def _stored_payload(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key != "secret_token"}


def _reject(gateway: str, payload: dict[str, Any], reason: str) -> tuple[int, str]:
    WebhookEvent.objects.create(
        gateway=gateway,
        event_id=str(payload.get("id") or "")[:100],
        event_type=str(payload.get("type") or "")[:50],
        payload=_stored_payload(payload),
        status=WebhookStatus.REJECTED,
        error=reason,
        processed_at=clock.now(),
    )
    logger.warning("webhook rejected (%s): gateway=%s event=%s", reason, gateway, payload.get("id"))
    return 401, "rejected"


def webhook_receive(*, gateway: str, body: bytes) -> tuple[int, str]:
    """Handle one delivery; returns (HTTP status, outcome word)."""
    if gateway not in gateway_names():
        return 404, "unknown gateway"
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        return _reject(gateway, {}, "the body is not a JSON object")
    expected = webhook_secret(gateway)
    given = payload.get("secret_token")
    if not (
        expected
        and isinstance(given, str)
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    ):
        return _reject(gateway, payload, "wrong or missing secret_token")
    event_id = str(payload.get("id") or "")[:100]
    if not event_id:
        return _reject(gateway, payload, "no event id")
    fields = {
        "gateway": gateway,
        "event_id": event_id,
        "event_type": str(payload.get("type") or "")[:50],
        "payload": _stored_payload(payload),
    }
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(status=WebhookStatus.RECEIVED, **fields)
    except IntegrityError:
        original = WebhookEvent.objects.filter(
            gateway=gateway, event_id=event_id, status__in=OWNING_STATUSES
        ).first()
        WebhookEvent.objects.create(
            status=WebhookStatus.DUPLICATE,
            error=f"duplicate of #{original.pk}" if original else "duplicate",
            processed_at=clock.now(),
            payment=original.payment if original else None,
            **fields,
        )
        if original is not None and original.status == WebhookStatus.ERROR:
            return webhook_apply(original)
        return 200, "duplicate"
    return webhook_apply(event)


def _find_payment(gateway: str, payload: dict[str, Any]) -> Payment | None:
    refs = get_gateway(gateway).webhook_payment_ref(payload)
    payments = Payment.objects.filter(gateway=gateway)
    if refs.get("payment_uuid"):
        try:
            found = payments.filter(uuid=uuid.UUID(refs["payment_uuid"])).first()
        except ValueError:  # a malformed uuid
            found = None
        if found is not None:
            return found
    for field in ("gateway_ref", "gateway_payment_id"):
        value = refs.get(field)
        if value:
            found = payments.filter(**{field: value}).first()
            if found is not None:
                return found
    return None


def webhook_apply(event: WebhookEvent) -> tuple[int, str]:
    """Apply a stored event (again, if need be): ask the gateway and apply its answer."""
    payment = _find_payment(event.gateway, event.payload)
    event.payment = payment
    event.processed_at = clock.now()
    if payment is None:
        event.status = WebhookStatus.ERROR
        event.error = "no payment matches this event"
        event.save(update_fields=["payment", "processed_at", "status", "error"])
        logger.warning("webhook %s: no payment matches", event.event_id)
        return 200, "unknown payment"
    try:
        payment_refresh(payment=payment)
    except PaymentError as exc:
        event.status = WebhookStatus.ERROR
        event.error = f"{exc.code}: {exc}"
        event.save(update_fields=["payment", "processed_at", "status", "error"])
        logger.warning("webhook %s: %s", event.event_id, event.error)
        return 503, "error"
    event.status = WebhookStatus.APPLIED
    event.error = ""
    event.save(update_fields=["payment", "processed_at", "status", "error"])
    return 200, "applied"
