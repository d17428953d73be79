from datetime import timedelta

from django.conf import settings
from django_tasks import task

from rukhsa.core import clock, rows
from rukhsa.core.compiled import Compiled
from rukhsa.notifications.backends import backend_for
from rukhsa.notifications.models import Message, Status
from rukhsa.notifications.rendering import message_fill


def retry_delay(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min between attempts."""
    return timedelta(seconds=30 * 4 ** max(attempts - 1, 0))


@task()
def message_deliver(message_id: int) -> str:
    """Render (if not yet) and deliver one message; on failure try again later, up to
    NOTIFICATION_MAX_ATTEMPTS."""
    return _deliver(Message.objects.filter(pk=message_id).first())


@task()
def messages_deliver(message_ids: list[int]) -> list[str]:
    """Deliver the messages of one event (its SMS and its email): one task, not one per message.
    Each is delivered, retried and logged on its own, as by `message_deliver`."""
    found = _messages(message_ids)  # one read for the event's messages
    return [_deliver(found.get(message_id)) for message_id in message_ids]


# Compiled once per process (core/compiled.py): the messages of one task, up to five (an event's
# SMS and email; the events of a batch), the first id repeated in the places left over.
_FIVE = 5
_MESSAGES = Compiled(
    lambda *ids: Message.objects.filter(pk__in=ids).order_by(), kinds=(int,) * _FIVE
)


def _messages(ids: list[int]) -> dict[int, Message]:
    if not ids or len(ids) > _FIVE:
        return Message.objects.in_bulk(ids)
    return {m.pk: m for m in _MESSAGES.objects(*ids, *[ids[0]] * (_FIVE - len(ids)))}


def _deliver(message: Message | None) -> str:
    if message is None or message.status in (Status.SENT, Status.FAILED):
        return "skipped"
    message.attempts += 1
    fields = ["attempts", "last_error", "status"]
    try:
        fields += message_fill(message)  # the text, in the recipient's language, saved below
        backend_for(message.channel).send(message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            message.status = Status.FAILED
            rows.update(message, fields)
            return "failed"
        message.status = Status.RETRYING
        rows.update(message, fields)
        backend = message_deliver.get_backend()
        if backend.supports_defer:
            message_deliver.using(run_after=clock.now() + retry_delay(message.attempts)).enqueue(
                message.pk
            )
        return "retrying"
    message.status = Status.SENT
    message.sent_at = clock.now()
    rows.update(message, [*fields, "sent_at"])
    return "sent"


@task()
def messages_retry_due() -> int:
    """Periodic safety net: re-enqueue messages stuck in queued/retrying for over 15 minutes
    (a message whose task was lost is rendered by the task it gets here)."""
    stale = clock.now() - timedelta(minutes=15)
    ids = list(
        Message.objects.filter(
            status__in=[Status.QUEUED, Status.RETRYING], created_at__lt=stale
        ).values_list("id", flat=True)[:500]
    )
    for message_id in ids:
        message_deliver.enqueue(message_id)
    return len(ids)
