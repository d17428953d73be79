"""Messages: rendered in the recipient's language, sent after commit, logged, retried."""

import pytest
from django.core import mail
from django.test import Client

from rukhsa.notifications.models import Message
from rukhsa.notifications.services import message_send
from rukhsa.notifications.tasks import message_deliver


def send(**kwargs):
    defaults = {
        "kind": "password_changed",
        "language": "en",
        "context": {"when": None},
        "sms_to": "+966551234567",
        "email_to": "a@example.com",
    }
    defaults.update(kwargs)
    return message_send(**defaults)


def test_messages_are_queued_and_delivered_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = send()
    assert {m.status for m in created} == {"queued"}
    assert len(mail.outbox) == 0  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    statuses = dict(Message.objects.values_list("channel", "status"))
    assert statuses == {"sms": "sent", "email": "sent"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.com"]


def test_rendered_in_the_recipients_language(db):
    arabic, english = send(language="ar", email_to=None)[0], send(language="en", email_to=None)[0]
    assert "Rukhsa" in english.body
    assert arabic.body != english.body


def test_dedupe_key_sends_once_per_channel(db):
    assert len(send(dedupe_key="result:42")) == 2
    assert send(dedupe_key="result:42") == []
    assert Message.objects.count() == 2


def test_failed_delivery_is_logged_and_retried_then_given_up(db, settings):
    settings.SMS_BACKEND = "rukhsa.notifications.backends.FailingSMSBackend"
    message = send(email_to=None)[0]
    for attempt in range(1, settings.NOTIFICATION_MAX_ATTEMPTS + 1):
        message_deliver.call(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert "unreachable" in message.last_error
    assert message.status == "failed"


def test_delivery_is_idempotent(db):
    message = send(email_to=None)[0]
    assert message_deliver.call(message.pk) == "sent"
    assert message_deliver.call(message.pk) == "skipped"
    message.refresh_from_db()
    assert message.attempts == 1


def test_outbox_only_when_debug(db, settings):
    send(language="en")
    settings.DEBUG = False
    assert Client().get("/dev/outbox/").status_code == 404
    settings.DEBUG = True
    html = Client().get("/dev/outbox/").content.decode()
    assert "+966551234567" in html and "a@example.com" in html


@pytest.mark.parametrize("kind", ["mobile_code", "reset_code", "mobile_change_code"])
def test_code_messages_carry_the_code(db, kind):
    message = message_send(
        kind=kind, language="ar", context={"code": "123456"}, sms_to="+966551234567"
    )[0]
    assert "123456" in message.body
