from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render


def outbox(request: HttpRequest) -> HttpResponse:
    """Development outbox: every SMS and email, newest first. Only when DEBUG is on."""
    if not settings.DEBUG:
        raise Http404
    # Messages the worker has not rendered yet are rendered here, so a code shows at once.
    messages = [message_render(m) for m in Message.objects.order_by("-created_at", "-id")[:100]]
    return render(request, "notifications/outbox.html", {"outbox_messages": messages})
