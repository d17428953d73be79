from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rukhsa.notifications.models import Message, Status
from rukhsa.notifications.tasks import message_deliver


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "to", "language", "status", "attempts")
    list_filter = ("status", "channel", "kind", "language")
    search_fields = ("to", "kind", "recipient__identity_number", "recipient__email")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Message._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the selected messages again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = 0
        for message in queryset:
            message.status = Status.QUEUED
            message.attempts = 0
            message.save(update_fields=["status", "attempts"])
            message_deliver.enqueue(message.pk)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
