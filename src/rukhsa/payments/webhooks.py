"""Incoming webhooks: authenticate, store, de-duplicate, apply idempotently.

``webhook_receive(gateway=..., body=...)`` is what POST /payments/webhooks/<gateway>/ calls, and
what the sandbox gateway calls in process. Steps:

1. Parse the JSON body (Moyasar's shape: ``id``, ``type``, ``secret_token``, ``data``).
2. Compare ``secret_token`` with the gateway's configured secret in constant time. A wrong or
   missing secret is answered 401 and logged; only a small ``rejected`` record is stored (time,
   client IP, body size, reason), never the body. An empty configured secret rejects
   everything. Bodies over ``WEBHOOK_MAX_BODY_BYTES`` are refused (413) unread, and an IP with
   ``WEBHOOK_REFUSALS_PER_IP`` refusals in ``WEBHOOK_REFUSALS_WINDOW`` seconds is answered 429
   with nothing stored.
3. Check the shape: ``data`` and its ``metadata`` must be JSON objects. A malformed event with
   the right secret is stored ``rejected`` with the reason and answered 400; it holds no key,
   so a later correct delivery of the same id is processed.
4. Store the event; the first delivery of a (gateway, event id) owns the key (a partial unique
   constraint), later ones are stored as ``duplicate`` and change nothing — unless the first
   one ended in ``error``, in which case it is applied again.
5. Apply: find our payment from the payload's references, then ask the gateway about it server
   to server (``payment_refresh``) — the payload's status is never applied as such. An event
   that only repeats what is already recorded (our payment is paid, with the gateway payment
   id the event names, and the event says "paid") is stored as applied without asking: the
   answer could teach nothing, and it would cost two calls to the gateway (with Moyasar) for
   every payment whose payer came back to the return page first.
"""

import hmac
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError

from rukhsa.core import clock, ratelimit, rows
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.gateways import gateway_names, get_gateway
from rukhsa.payments.gateways.base import MalformedWebhook
from rukhsa.payments.models import Payment, PaymentStatus, WebhookEvent, WebhookStatus
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


def refusals_exceeded(ip: str | None) -> bool:
    """True when `ip` sent WEBHOOK_REFUSALS_PER_IP refused deliveries in the current window."""
    return ratelimit.count("webhook-refused", ip or "-") >= settings.WEBHOOK_REFUSALS_PER_IP


def webhook_refuse(*, gateway: str, reason: str, ip: str | None, size: int) -> tuple[int, str]:
    """An unauthenticated or oversized delivery: a small record (time, IP, size, reason), never
    the body, and one more refusal counted against the IP."""
    status = 413 if size > settings.WEBHOOK_MAX_BODY_BYTES else 401
    ratelimit.hit(
        "webhook-refused",
        ip or "-",
        limit=settings.WEBHOOK_REFUSALS_PER_IP,
        window=settings.WEBHOOK_REFUSALS_WINDOW,
    )
    WebhookEvent.objects.create(
        gateway=gateway,
        event_id="",
        payload={"ip": ip, "bytes": size},
        status=WebhookStatus.REJECTED,
        error=reason,
        processed_at=clock.now(),
    )
    logger.warning("webhook rejected (%s): gateway=%s ip=%s bytes=%d", reason, gateway, ip, size)
    return status, "rejected"


def _reject_malformed(gateway: str, payload: dict[str, Any], reason: str) -> tuple[int, str]:
    """An authenticated event of the wrong shape: kept (it is the gateway's) but holds no key."""
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
    return 400, "rejected"


def webhook_receive(*, gateway: str, body: bytes, ip: str | None = None) -> tuple[int, str]:
    """Handle one delivery; returns (HTTP status, outcome word)."""
    if gateway not in gateway_names():
        return 404, "unknown gateway"
    if refusals_exceeded(ip):
        logger.warning("webhook refused unread: too many refusals from ip=%s", ip)
        return 429, "too many refused deliveries"
    size = len(body)
    if size > settings.WEBHOOK_MAX_BODY_BYTES:
        return webhook_refuse(gateway=gateway, reason="body too large", ip=ip, size=size)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        return webhook_refuse(
            gateway=gateway, reason="the body is not a JSON object", ip=ip, size=size
        )
    expected = webhook_secret(gateway)
    given = payload.get("secret_token")
    if not (
        expected
        and isinstance(given, str)
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    ):
        return webhook_refuse(
            gateway=gateway, reason="wrong or missing secret_token", ip=ip, size=size
        )
    event_id = str(payload.get("id") or "")[:100]
    if not event_id or not isinstance(payload.get("id"), str | int):
        return _reject_malformed(gateway, payload, "no event id")
    try:
        get_gateway(gateway).webhook_payment_ref(payload)
    except MalformedWebhook as exc:
        return _reject_malformed(gateway, payload, f"malformed event: {exc}")
    fields = {
        "gateway": gateway,
        "event_id": event_id,
        "event_type": str(payload.get("type") or "")[:50],
        "payload": _stored_payload(payload),
    }
    event = WebhookEvent(status=WebhookStatus.RECEIVED, **fields)
    try:
        rows.insert(event, may_clash=True)  # the gateway's event id: stored once
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


def _paid_as_recorded(payment: Payment, payload: dict[str, Any]) -> bool:
    """The event says "paid" about the gateway payment our paid payment records: nothing the
    gateway could answer would change it (a refund arrives as "refunded", another attempt under
    another id; both are asked about as usual). Nothing is changed on the event's word."""
    data = payload.get("data")
    return (
        payment.status == PaymentStatus.PAID
        and bool(payment.gateway_payment_id)
        and isinstance(data, dict)
        and data.get("status") == "paid"
        and str(data.get("id") or "") == payment.gateway_payment_id
    )


def webhook_apply(event: WebhookEvent) -> tuple[int, str]:
    """Apply a stored event (again, if need be): ask the gateway and apply its answer."""
    try:
        payment = _find_payment(event.gateway, event.payload)
    except MalformedWebhook as exc:
        event.status = WebhookStatus.REJECTED
        event.error = f"malformed event: {exc}"
        event.processed_at = clock.now()
        rows.update(event, ["processed_at", "status", "error"])
        return 400, "rejected"
    event.payment = payment
    event.processed_at = clock.now()
    if payment is None:
        event.status = WebhookStatus.ERROR
        event.error = "no payment matches this event"
        rows.update(event, ["payment", "processed_at", "status", "error"])
        logger.warning("webhook %s: no payment matches", event.event_id)
        return 200, "unknown payment"
    if _paid_as_recorded(payment, event.payload):
        event.status = WebhookStatus.APPLIED
        event.error = ""
        rows.update(event, ["payment", "processed_at", "status", "error"])
        return 200, "applied"
    try:
        payment_refresh(payment=payment, fresh=True)  # read just now by _find_payment
    except PaymentError as exc:
        event.status = WebhookStatus.ERROR
        event.error = f"{exc.code}: {exc}"
        rows.update(event, ["payment", "processed_at", "status", "error"])
        logger.warning("webhook %s: %s", event.event_id, event.error)
        return 503, "error"
    event.status = WebhookStatus.APPLIED
    event.error = ""
    rows.update(event, ["payment", "processed_at", "status", "error"])
    return 200, "applied"
