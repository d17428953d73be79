"""The one clock. Everything that asks "what time is it" comes here, so tests can move time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

RIYADH = ZoneInfo("Asia/Riyadh")


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return timezone.now()


def local_now() -> datetime:
    """The current instant in Asia/Riyadh."""
    return now().astimezone(RIYADH)


def today() -> date:
    """Today's date in Asia/Riyadh."""
    return local_now().date()
