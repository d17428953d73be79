import copy

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext_lazy as _

from rukhsa.notifications.models import Message, Status
from rukhsa.notifications.rendering import message_fill
from rukhsa.notifications.tasks import message_deliver


def _written(message: Message) -> Message:
    """The message as it was sent, or, not yet rendered (the delivery task renders it from its
    recorded context), a copy rendered now as the task will (nothing saved). Kept on the
    instance the page shows, so its subject and body come from one rendering."""
    if message.rendered:
        return message
    preview: Message | None = message.__dict__.get("_preview")
    if preview is None:
        preview = copy.copy(message)
        message_fill(preview)
        message.__dict__["_preview"] = preview
    return preview


def _in_its_language(message: Message, text: str) -> SafeString:
    """The message's words in its own language and direction, whatever the page's."""
    direction = "rtl" if get_language_info(message.language)["bidi"] else "ltr"
    return format_html('<div lang="{}" dir="{}">{}</div>', message.language, direction, text)


def _lines(text: str) -> SafeString:
    """A plain-text body as a reader shows it: each line its own paragraph, its direction taken
    from its first letter (a link alone on its line reads left to right in an Arabic message)."""
    return mark_safe(  # noqa: S308 - each line escaped by format_html
        "".join(
            format_html('<div dir="auto">{}</div>', line) if line else "<br>"
            for line in text.split("\n")
        )
    )


_SHOWN = (
    "kind",
    "channel",
    "recipient",
    "to",
    "language",
    "text_subject",
    "text_body",
    "status",
    "attempts",
    "last_error",
    "dedupe_key",
    "created_at",
    "sent_at",
)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "to", "language", "status", "attempts")
    list_filter = ("status", "channel", "kind", "language")
    search_fields = ("to", "kind", "recipient__identity_number", "recipient__email")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    # Nothing to edit: the record as it stands, with the subject and body as written (a message
    # not yet delivered shows what it will say).
    fields = _SHOWN
    readonly_fields = _SHOWN
    actions = ["resend"]

    @admin.display(description=_("subject"))
    def text_subject(self, obj: Message) -> SafeString | str:
        try:
            subject = _written(obj).subject
        except Exception:  # said under the body
            return ""
        return _in_its_language(obj, subject) if subject else ""

    @admin.display(description=_("body"))
    def text_body(self, obj: Message) -> SafeString:
        try:
            written = _written(obj)
        except Exception as exc:
            return format_html(
                "<em>{}</em> {}",
                _("Not sent yet, and its text cannot be written:"),
                f"{type(exc).__name__}: {exc}",
            )
        body = _in_its_language(obj, _lines(written.body))
        if obj.rendered:
            return body
        return format_html(
            "{}<em>{}</em>", body, _("Not sent yet: the text as its delivery will write it.")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # A delivery record is read and sent again, never edited: without this, the page offered
        # "Save", which wrote the row back whole, over what the delivery task may just have set.
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
