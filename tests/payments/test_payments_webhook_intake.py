"""Items 2 and 3: the webhook URL cannot fill the database, and a malformed event with the right
secret is rejected with a reason (never a 500) without blocking a later correct delivery."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rukhsa.payments.models import Payment, WebhookEvent
from rukhsa.payments.sandbox import api as sandbox_api
from tests.payments.payments_helpers import PAID_CARDS, path_of, start_payment

pytestmark = pytest.mark.django_db
URL = reverse("payments:webhook", args=["sandbox"])


def _paid_at_the_sandbox(client: Client, order: Any) -> Payment:
    payment, card_url = start_payment(client, order)
    client.post(
        path_of(card_url),
        {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"},
    )
    sandbox_api.three_ds_complete(
        sandbox_api.charge_for_page(payment.gateway_ref), authenticated=True
    )
    return payment


def _body(payment: Payment, event_id: str, **overrides: Any) -> str:
    body = sandbox_api.webhook_body(payment.gateway_ref, "payment_paid", event_id)
    body.update(overrides)
    return json.dumps(body)


def test_a_forged_body_is_not_stored_only_a_small_record(client: Client) -> None:
    big = json.dumps({"id": "evt", "secret_token": "guess", "data": {"x": "A" * 60_000}})
    response = client.post(URL, big, content_type="application/json", REMOTE_ADDR="192.0.2.5")
    assert response.status_code == 401
    event = WebhookEvent.objects.get()
    assert event.status == "rejected" and "secret" in event.error
    assert event.payload == {"ip": "192.0.2.5", "bytes": len(big.encode())}
    assert len(json.dumps(event.payload)) < 100


def test_a_body_over_the_cap_is_refused_unread(client: Client) -> None:
    huge = b"{" + b" " * (settings.WEBHOOK_MAX_BODY_BYTES + 10) + b"}"
    response = client.post(URL, huge, content_type="application/json")
    assert response.status_code == 413
    event = WebhookEvent.objects.get()
    assert event.payload["bytes"] == settings.WEBHOOK_MAX_BODY_BYTES + 1  # read no further
    assert event.error == "body too large"


def test_refusals_are_rate_limited_per_ip(client: Client, settings: Any) -> None:
    settings.WEBHOOK_REFUSALS_PER_IP = 3
    forged = json.dumps({"id": "e", "secret_token": "guess"})
    codes = [
        client.post(URL, forged, content_type="application/json", REMOTE_ADDR="192.0.2.9")
        for _ in range(6)
    ]
    assert [r.status_code for r in codes] == [401, 401, 401, 429, 429, 429]
    assert WebhookEvent.objects.count() == 3  # nothing stored once limited
    other = client.post(URL, forged, content_type="application/json", REMOTE_ADDR="192.0.2.10")
    assert other.status_code == 401


@pytest.mark.parametrize(
    ("data", "metadata"),
    [("a string", None), ([1, 2], None), (42, None), (None, "text"), (None, [1]), (None, 7)],
)
def test_malformed_data_or_metadata_is_rejected_with_a_reason_then_redelivery_applies(
    client: Client, candidate_client: Client, order: Any, data: Any, metadata: Any
) -> None:
    payment = _paid_at_the_sandbox(candidate_client, order)
    good = json.loads(_body(payment, "evt-7"))
    bad = dict(good)
    if data is not None:
        bad["data"] = data
    else:
        bad["data"] = {**good["data"], "metadata": metadata}
    response = client.post(URL, json.dumps(bad), content_type="application/json")
    assert response.status_code == 400
    event = WebhookEvent.objects.get(event_id="evt-7")
    assert event.status == "rejected" and "malformed" in event.error
    payment.refresh_from_db()
    assert payment.status == "initiated"
    # The gateway sends the event again, correctly: it is applied, not answered "duplicate".
    again = client.post(URL, json.dumps(good), content_type="application/json")
    assert again.status_code == 200 and again.json() == {"status": "applied"}
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_the_moyasar_adapter_refuses_malformed_data_by_name() -> None:
    from rukhsa.payments.gateways.base import MalformedWebhook
    from rukhsa.payments.gateways.moyasar import MoyasarGateway

    with pytest.raises(MalformedWebhook, match="data"):
        MoyasarGateway().webhook_payment_ref({"data": "x"})
    with pytest.raises(MalformedWebhook, match="metadata"):
        MoyasarGateway().webhook_payment_ref({"data": {"metadata": ["x"]}})
    assert (
        MoyasarGateway().webhook_payment_ref({"data": {"id": "p1"}})["gateway_payment_id"] == "p1"
    )
