"""The language a message to a person is written in."""

from django.conf import settings


def language_of(person: object) -> str:
    """The person's preferred language when it is one the site speaks, else the site's (Arabic).

    Every message, PDF and notification sent to someone outside a request uses this.
    """
    preferred = str(getattr(person, "preferred_language", "") or "")
    return preferred if preferred in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
