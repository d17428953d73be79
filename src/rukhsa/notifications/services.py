"""Sending messages: callers name a kind, a recipient and a context; the rest happens in the task.

The request records one Message row per channel (kind, recipient, address, language, dedupe key
and the template context as plain JSON) with one INSERT, and hands the event's messages to the
task queue after the transaction commits: one task per call. The task renders the text in the
recipient's language (`rendering.message_fill`), then delivers and retries each message on its
own.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import translation

from rukhsa.core import clock
from rukhsa.core.batching import collect, collecting
from rukhsa.notifications.models import Channel, Message
from rukhsa.notifications.rendering import context_plain
from rukhsa.notifications.tasks import messages_deliver

# The ids of the messages sent inside `messages_batch`, queued together when it closes.
_batch: ContextVar[list[int] | None] = ContextVar("messages_batch", default=None)


def _queue(ids: list[int]) -> None:
    """One task for these messages, after the commit (one queue row, one worker pick)."""
    transaction.on_commit(partial(messages_deliver.enqueue, list(dict.fromkeys(ids))))


@contextmanager
def messages_batch() -> Iterator[None]:
    """The messages of several events sent inside this block (inside a transaction) go to the
    queue as one task after the commit: one queue row and one worker pick instead of one per
    event. A block inside another joins it. Each message is still delivered on its own."""
    with collecting(_batch, _queue):
        yield


def _insert_new(messages: list[Message]) -> list[Message]:
    """Insert the messages in one statement; a channel whose dedupe key is already used is
    skipped (the partial unique constraint, ON CONFLICT DO NOTHING). Returns those inserted,
    with their ids."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        f.get_db_prep_save(getattr(m, f.attname), connection) for m in messages for f in fields
    ]
    table = qn(str(Message._meta.db_table))
    sql = (  # names from the model, values as parameters
        f"INSERT INTO {table} ({', '.join(qn(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row] * len(messages))} "
        f"ON CONFLICT ({qn('dedupe_key')}, {qn('channel')}) WHERE {qn('dedupe_key')} IS NOT NULL "
        f"DO NOTHING RETURNING {qn('id')}, {qn('channel')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = dict((channel, pk) for pk, channel in cursor.fetchall())
    inserted = []
    for message in messages:
        if message.channel in ids:
            message.pk = ids[message.channel]
            message._state.adding = False
            message._state.db = connection.alias
            inserted.append(message)
    return inserted


def message_send(
    *,
    kind: str,
    language: str,
    context: Mapping[str, Any],
    recipient: Any = None,
    sms_to: str | None = None,
    email_to: str | None = None,
    dedupe_key: str | None = None,
) -> list[Message]:
    """Queue `kind` by SMS to `sms_to` and/or by email to `email_to`, in `language`.

    With a `dedupe_key`, a message already sent under that key on a channel is not sent again.
    The context takes plain values (text, numbers, dates, times, datetimes, lazy translations);
    the text is rendered by the delivery task.
    """
    channels = [(c, a) for c, a in ((Channel.SMS, sms_to), (Channel.EMAIL, email_to)) if a]
    if not channels:
        return []
    with translation.override(language):
        plain = context_plain(context)
    now = clock.now()
    recipient_id = getattr(recipient, "pk", None)
    created = _insert_new(
        [
            Message(
                kind=kind,
                channel=channel,
                recipient_id=recipient_id,
                to=address,
                language=language,
                context=plain,
                dedupe_key=dedupe_key,
                created_at=now,
            )
            for channel, address in channels
        ]
    )
    ids = [m.pk for m in created]
    if ids and not collect(_batch, ids):
        _queue(ids)  # the event's messages: one task
    return created
