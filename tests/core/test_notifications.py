"""Messages: recorded by the request, rendered by the task in the recipient's language, sent
after commit, logged, retried."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from rukhsa.core import clock
from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render
from rukhsa.notifications.services import message_send, messages_batch
from rukhsa.notifications.tasks import message_deliver, messages_deliver, messages_retry_due


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


def test_the_request_records_the_event_and_the_task_renders_it(db):
    with CaptureQueriesContext(connection) as queries:
        sms, email = send(dedupe_key="event:1")
    assert len(queries) == 1  # one INSERT for both channels, no savepoint, no template
    assert sms.body == email.body == email.subject == ""
    assert not sms.rendered and sms.context == {"when": None}
    assert message_deliver.call(email.pk) == "sent"
    email.refresh_from_db()
    assert email.rendered and email.context is None
    assert email.subject and "password" in email.body
    assert mail.outbox[0].subject == email.subject and mail.outbox[0].body == email.body


def test_the_events_of_a_batch_go_out_as_one_task(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
        messages_batch(),
    ):
        send(dedupe_key="event:a")
        with messages_batch():  # a block inside joins the outer one
            send(kind="contact_changed", context={"field": "email"}, dedupe_key="event:b")
    assert len(callbacks) == 1
    callbacks[0]()
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    assert Message.objects.count() == 4 and len(mail.outbox) == 2


def test_a_batch_rolled_back_queues_nothing(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
        messages_batch(),
    ):
        send()
        raise RuntimeError
    assert callbacks == [] and Message.objects.count() == 0


def test_rendered_in_the_recipients_language(db):
    arabic, english = send(language="ar", email_to=None)[0], send(language="en", email_to=None)[0]
    for message in (arabic, english):
        assert message_deliver.call(message.pk) == "sent"
        message.refresh_from_db()
    assert "Rukhsa" in english.body
    assert arabic.body != english.body


def test_the_context_keeps_dates_times_and_lazy_text_in_the_recipients_language(db):
    held_until = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    message = send(
        language="ar",
        email_to=None,
        context={
            "when": held_until,
            "day": date(2026, 12, 3),
            "start": time(9, 15),
            "reason": gettext_lazy("Email"),
        },
    )[0]
    message.refresh_from_db()
    assert message.context["reason"] != "Email"  # turned into Arabic text when recorded
    from rukhsa.notifications.rendering import _restore

    restored = _restore(message.context)
    assert restored["when"] == held_until
    assert restored["day"] == date(2026, 12, 3) and restored["start"] == time(9, 15)


def test_a_context_refuses_what_json_cannot_keep(db):
    with pytest.raises(TypeError):
        send(context={"when": object()})


def test_a_message_whose_task_was_lost_is_rendered_by_the_safety_net(
    db, django_capture_on_commit_callbacks
):
    message = send(email_to=None)[0]  # its task never ran (no commit callbacks here)
    Message.objects.filter(pk=message.pk).update(created_at=clock.now() - timedelta(minutes=16))
    assert messages_retry_due.call() == 1  # the immediate backend delivers it now
    message.refresh_from_db()
    assert message.status == "sent" and message.rendered and "Rukhsa" in message.body


def test_a_failed_delivery_still_shows_what_was_to_be_said(db, settings):
    settings.SMS_BACKEND = "rukhsa.notifications.backends.FailingSMSBackend"
    message = send(email_to=None)[0]
    assert message_deliver.call(message.pk) == "retrying"
    message.refresh_from_db()
    assert message.rendered and "Rukhsa" in message.body


def test_dedupe_key_sends_once_per_channel(db):
    assert len(send(dedupe_key="result:42")) == 2
    assert send(dedupe_key="result:42") == []
    assert Message.objects.count() == 2
    # A channel not yet used under the key is still sent.
    Message.objects.filter(channel="email").delete()
    again = send(dedupe_key="result:42")
    assert [m.channel for m in again] == ["email"]
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


def test_the_task_of_an_event_reads_its_messages_at_once(db):
    sms, email = send(dedupe_key="event:once")
    gone = send(kind="contact_changed", context={"field": "email"}, email_to=None)[0]
    gone.delete()
    with CaptureQueriesContext(connection) as queries:
        outcome = messages_deliver.call([sms.pk, gone.pk, email.pk])
    assert outcome == ["sent", "skipped", "sent"]
    # One read for the three ids, then each message's own save (delivered on its own).
    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "UPDATE", "UPDATE"]
    assert messages_deliver.call([sms.pk, email.pk]) == ["skipped", "skipped"]


def test_a_task_of_up_to_five_or_more_messages_reads_them_with_one_statement(db):
    """Up to five ids go through the statement built once (the first id repeated in the places
    left over), more through the ORM's read: the same messages either way, one read."""
    messages = [m for i in range(4) for m in send(dedupe_key=f"event:{i}")]  # eight
    for ids in ([messages[0].pk], [m.pk for m in messages[1:6]], [m.pk for m in messages[:8]]):
        Message.objects.filter(pk__in=ids).update(status="queued")
        with CaptureQueriesContext(connection) as queries:
            assert messages_deliver.call(ids) == ["sent"] * len(ids)
        assert [q["sql"].split()[0] for q in queries] == ["SELECT"] + ["UPDATE"] * len(ids)
        assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
    assert messages_deliver.call([]) == []


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
    assert "123456" in message_render(message).body
