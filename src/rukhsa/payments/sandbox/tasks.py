"""The sandbox's webhook sender: in process, through the same function the HTTP endpoint calls
(authentication, storage and de-duplication included), with the body a POST would carry."""

import json

from django_tasks import task


@task()
def sandbox_webhook_deliver(charge_id: str, event_type: str, event_id: str) -> str:
    from rukhsa.payments.sandbox.api import webhook_body
    from rukhsa.payments.webhooks import webhook_receive

    body = json.dumps(webhook_body(charge_id, event_type, event_id)).encode()
    status_code, outcome = webhook_receive(gateway="sandbox", body=body)
    return f"{status_code} {outcome}"
