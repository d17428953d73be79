"""A message's text, rendered by the delivery task from the context the request recorded.

The request stores the template context as JSON (`context_plain`): strings, numbers, booleans,
None, lists and dicts of them, and dates, times and datetimes tagged so they come back as such;
lazy translations are turned into text in the recipient's language when recorded. The task
renders templates/notifications/<kind>.sms.txt (SMS), <kind>.subject.txt and <kind>.email.txt
(email) in the message's language, stores subject and body and clears the context.
"""

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from rukhsa.notifications.models import Channel, Message

_TAGS: dict[str, Any] = {"$datetime": datetime, "$date": date, "$time": time}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Promise | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"a message's context takes plain values, not {type(value).__name__}")


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            kind = _TAGS.get(tag)
            if kind is not None and isinstance(text, str):
                return kind.fromisoformat(text)
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def context_plain(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as JSON-ready values (call it under the recipient's language)."""
    plain: dict[str, Any] = _plain(context)
    return plain


def _template(kind: str, part: str, context: Mapping[str, Any]) -> str:
    return render_to_string(f"notifications/{kind}.{part}.txt", dict(context)).strip()


def message_fill(message: Message) -> list[str]:
    """Render a recorded message's subject and body into it (not saved); the changed fields."""
    if message.context is None:
        return []
    context = {"SITE_URL": settings.SITE_URL, **_restore(message.context)}
    with translation.override(message.language):
        if message.channel == Channel.SMS:
            subject, body = "", _template(message.kind, "sms", context)
        else:
            subject = _template(message.kind, "subject", context)
            body = _template(message.kind, "email", context)
    message.subject, message.body, message.context = subject, body, None
    return ["subject", "body", "context"]


def message_render(message: Message) -> Message:
    """Render a recorded message now and save its text (nothing to do once rendered)."""
    fields = message_fill(message)
    if fields:
        message.save(update_fields=fields)
    return message
