from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rukhsa.notifications.models import Message


def outbox(request: HttpRequest) -> HttpResponse:
    """Development outbox: every SMS and email, newest first. Only when DEBUG is on."""
    if not settings.DEBUG:
        raise Http404
    messages = Message.objects.order_by("-created_at", "-id")[:100]
    return render(request, "notifications/outbox.html", {"outbox_messages": messages})
