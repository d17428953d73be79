"""Webhooks: authenticated, stored, de-duplicated, applied idempotently."""

import json

from django.conf import settings
from django.urls import reverse

from rukhsa.payments.models import Invoice, Payment, WebhookEvent
from rukhsa.payments.sandbox import api as sandbox_api
from rukhsa.payments.webhooks import webhook_receive
from tests.payments.payments_helpers import PAID_CARDS, path_of, start_payment


def _pay_at_the_sandbox_only(client, order) -> Payment:  # type: ignore[no-untyped-def]
    """The candidate pays on the card page but never comes back to our return URL."""
    payment, card_url = start_payment(client, order)
    client.post(
        path_of(card_url),
        {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"},
    )
    charge = sandbox_api.charge_for_page(payment.gateway_ref)
    sandbox_api.three_ds_complete(charge, authenticated=True)
    return payment


def _body(payment: Payment, event_id: str = "evt-1", secret: str | None = None) -> bytes:
    body = sandbox_api.webhook_body(payment.gateway_ref, "payment_paid", event_id)
    if secret is not None:
        body["secret_token"] = secret
    return json.dumps(body).encode()


def test_sandbox_webhook_is_delivered_after_commit_and_marks_paid(
    candidate_client, order, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = _pay_at_the_sandbox_only(candidate_client, order)
    payment.refresh_from_db()
    assert payment.status == "paid"
    event = WebhookEvent.objects.get()
    assert event.status == "applied" and event.event_type == "payment_paid"
    assert event.payment == payment
    assert "secret_token" not in event.payload
    assert hook_calls == [("paid", str(payment.uuid))]


def test_wrong_secret_is_401_and_stored_as_rejected(client, candidate_client, order, caplog):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    response = client.post(
        reverse("payments:webhook", args=["sandbox"]),
        data=_body(payment, secret="not-the-secret"),
        content_type="application/json",
    )
    assert response.status_code == 401
    event = WebhookEvent.objects.get()
    assert event.status == "rejected"
    assert "secret" in event.error
    assert "webhook rejected" in caplog.text
    payment.refresh_from_db()
    assert payment.status == "initiated"


def test_forged_delivery_does_not_block_the_genuine_event(client, candidate_client, order):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    forged = client.post(url, _body(payment, "evt-9", "x"), content_type="application/json")
    genuine = client.post(url, _body(payment, "evt-9"), content_type="application/json")
    assert (forged.status_code, genuine.status_code) == (401, 200)
    payment.refresh_from_db()
    assert payment.status == "paid"


def test_missing_secret_and_bad_json_are_rejected(client, db):
    url = reverse("payments:webhook", args=["sandbox"])
    assert client.post(url, b"{", content_type="application/json").status_code == 401
    no_secret = json.dumps({"id": "e", "type": "payment_paid", "data": {}})
    assert client.post(url, no_secret, content_type="application/json").status_code == 401
    assert WebhookEvent.objects.filter(status="rejected").count() == 2


def test_empty_configured_secret_rejects_everything(settings, candidate_client, order):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    body = _body(payment, secret="")
    settings.PAYMENTS_SANDBOX_WEBHOOK_SECRET = ""
    assert webhook_receive(gateway="sandbox", body=body)[0] == 401


def test_unknown_gateway_is_404(client):
    response = client.post("/payments/webhooks/paypal/", b"{}", content_type="application/json")
    assert response.status_code == 404


def test_ten_replays_change_nothing_after_the_first(
    client, candidate_client, order, hook_calls, django_capture_on_commit_callbacks
):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    body = _body(payment, "evt-replayed")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.post(url, body, content_type="application/json")
    assert first.status_code == 200 and first.json() == {"status": "applied"}
    payment.refresh_from_db()
    state = (payment.status, payment.paid_at, payment.updated_at, Invoice.objects.count())
    sent = len(callbacks)
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = client.post(url, body, content_type="application/json")
        assert again.status_code == 200 and again.json() == {"status": "duplicate"}
        assert len(callbacks) == 0
    payment.refresh_from_db()
    assert (payment.status, payment.paid_at, payment.updated_at, Invoice.objects.count()) == state
    assert sent >= 1
    assert hook_calls == [("paid", str(payment.uuid))]
    assert WebhookEvent.objects.filter(status="applied").count() == 1
    assert WebhookEvent.objects.filter(status="duplicate").count() == 10


def test_a_second_event_for_a_paid_payment_is_applied_without_effect(
    client, candidate_client, order, hook_calls
):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    client.post(url, _body(payment, "evt-a"), content_type="application/json")
    client.post(url, _body(payment, "evt-b"), content_type="application/json")
    assert WebhookEvent.objects.filter(status="applied").count() == 2
    assert Invoice.objects.count() == 1
    assert len(hook_calls) == 1


def _asked(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The payments the sandbox gateway is asked about (its fetch still answers)."""
    from rukhsa.payments.gateways.sandbox import SandboxGateway

    asked: list[str] = []
    fetch = SandboxGateway.fetch

    def counted(self, payment):  # type: ignore[no-untyped-def]
        asked.append(str(payment.uuid))
        return fetch(self, payment)

    monkeypatch.setattr(SandboxGateway, "fetch", counted)
    return asked


def test_a_paid_event_about_a_payment_recorded_paid_does_not_ask_the_gateway(
    client, candidate_client, order, hook_calls, monkeypatch
):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    client.post(url, _body(payment, "evt-first"), content_type="application/json")
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.gateway_payment_id
    asked = _asked(monkeypatch)
    response = client.post(url, _body(payment, "evt-again"), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"status": "applied"}
    assert asked == []
    event = WebhookEvent.objects.get(event_id="evt-again")
    assert event.status == "applied" and event.payment == payment
    assert Invoice.objects.count() == 1 and len(hook_calls) == 1


def test_an_event_that_says_more_than_what_is_recorded_asks_the_gateway(
    client, candidate_client, order, monkeypatch
):
    """Another gateway payment id, or not "paid", or our payment not paid yet: asked."""
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    asked = _asked(monkeypatch)
    client.post(url, _body(payment, "evt-1"), content_type="application/json")  # not yet paid
    payment.refresh_from_db()
    assert payment.status == "paid" and asked == [str(payment.uuid)]
    for n, change in enumerate(({"id": "another-attempt"}, {"status": "refunded"})):
        body = json.loads(_body(payment, f"evt-other-{n}"))
        body["data"].update(change)
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 200
    assert len(asked) == 3
    payment.refresh_from_db()
    assert payment.status == "paid"  # the gateway's answer, not the event's word


def test_the_return_after_the_webhook_does_not_ask_the_gateway_again(
    client, candidate_client, order, monkeypatch
):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    client.post(url, _body(payment, "evt-first"), content_type="application/json")
    asked = _asked(monkeypatch)
    response = candidate_client.get(reverse("payments:return", args=[payment.uuid]), follow=True)
    assert asked == []
    invoice = Invoice.objects.get(payment=payment)
    flashed = [str(m) for m in response.context["messages"]]
    assert any(invoice.display_number in m for m in flashed), flashed


def test_event_in_error_is_applied_again_on_redelivery(client, candidate_client, order):
    payment = _pay_at_the_sandbox_only(candidate_client, order)
    url = reverse("payments:webhook", args=["sandbox"])
    gateway_ref = payment.gateway_ref
    body = _body(payment, "evt-err")
    # The gateway cannot be asked: the first delivery ends in error (503 → the gateway retries).
    Payment.objects.filter(pk=payment.pk).update(gateway_ref="00000000-0000-0000-0000-000000000000")
    assert client.post(url, body, content_type="application/json").status_code == 503
    assert WebhookEvent.objects.get().status == "error"
    Payment.objects.filter(pk=payment.pk).update(gateway_ref=gateway_ref)
    assert client.post(url, body, content_type="application/json").status_code == 200
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert WebhookEvent.objects.get(status__in=["applied"]).event_id == "evt-err"


def test_admin_replay_action_is_idempotent(candidate_client, order, hook_calls, rf):
    from django.contrib.admin.sites import site

    from rukhsa.payments.admin import WebhookEventAdmin

    payment = _pay_at_the_sandbox_only(candidate_client, order)
    webhook_receive(gateway="sandbox", body=_body(payment, "evt-admin"))
    model_admin = WebhookEventAdmin(WebhookEvent, site)
    request = rf.post("/")
    request._messages = type("M", (), {"add": lambda *a, **k: None})()  # type: ignore[attr-defined]
    for _ in range(3):
        model_admin.replay(request, WebhookEvent.objects.all())
    assert len(hook_calls) == 1
    assert Invoice.objects.count() == 1
    assert settings.PAYMENTS_SANDBOX_WEBHOOK_SECRET  # configured by default
