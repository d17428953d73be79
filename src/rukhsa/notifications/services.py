"""Sending messages: callers name a kind, a recipient and a context; the rest happens here.

The text is rendered now, in the recipient's language, from
templates/notifications/<kind>.sms.txt, <kind>.subject.txt and <kind>.email.txt, stored as a
Message row (the delivery log), and handed to the task queue after the transaction commits: one
task per call (the event's SMS and email together), each message delivered and retried on its
own.
"""

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from rukhsa.core import clock
from rukhsa.notifications.models import Channel, Message
from rukhsa.notifications.tasks import messages_deliver


def _render(kind: str, part: str, context: Mapping[str, Any]) -> str:
    return render_to_string(f"notifications/{kind}.{part}.txt", dict(context)).strip()


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
    """
    channels: Iterable[tuple[str, str | None]] = ((Channel.SMS, sms_to), (Channel.EMAIL, email_to))
    full_context = {"SITE_URL": settings.SITE_URL, **context}
    created: list[Message] = []
    with translation.override(language):
        for channel, address in channels:
            if not address:
                continue
            if channel == Channel.SMS:
                subject, body = "", _render(kind, "sms", full_context)
            else:
                subject = _render(kind, "subject", full_context)
                body = _render(kind, "email", full_context)
            message = Message(
                kind=kind,
                channel=channel,
                recipient=recipient if getattr(recipient, "pk", None) else None,
                to=address,
                language=language,
                subject=subject,
                body=body,
                dedupe_key=dedupe_key,
                created_at=clock.now(),
            )
            try:
                with transaction.atomic():
                    message.save()
            except IntegrityError:
                if dedupe_key is None:
                    raise
                continue
            created.append(message)
    if created:
        # One task for the event's messages, after the commit (one queue row, one worker pick).
        transaction.on_commit(partial(messages_deliver.enqueue, [m.pk for m in created]))
    return created
