"""SMS and email delivery behind one interface.

A backend's `send(message)` delivers one Message or raises; the task records the outcome.
SMS backends are chosen with settings.SMS_BACKEND; email goes through Django's email backend
(settings.EMAIL_BACKEND), so SMTP, console and the test outbox all work unchanged.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from rukhsa.notifications.models import Channel, Message

logger = logging.getLogger("rukhsa.notifications")


class DeliveryBackend(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleSMSBackend:
    """Development SMS: the text goes to the log (the console); /dev/outbox/ shows it too."""

    def send(self, message: Message) -> None:
        logger.info("SMS to %s: %s", message.to, message.body)


class FailingSMSBackend:
    """An SMS gateway that is down; used to exercise retries."""

    def send(self, message: Message) -> None:
        raise ConnectionError("SMS gateway unreachable")


class DjangoEmailBackend:
    def send(self, message: Message) -> None:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
        ).send(fail_silently=False)


def backend_for(channel: str) -> DeliveryBackend:
    if channel == Channel.SMS:
        backend: DeliveryBackend = import_string(settings.SMS_BACKEND)()
        return backend
    return DjangoEmailBackend()
