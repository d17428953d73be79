from datetime import date, datetime

from django import template

from rukhsa.core import bidi, hijri
from rukhsa.core.clock import RIYADH
from rukhsa.core.masking import mask_email, mask_identity, mask_phone
from rukhsa.core.money import format_sar

register = template.Library()


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(RIYADH).date() if value.tzinfo else value.date()
    return value


@register.filter
def dual_date(value: date | datetime | None) -> str:
    """Gregorian and Hijri side by side."""
    return hijri.dual_date(_as_date(value)) if value else ""


@register.filter
def dual_date_weekday(value: date | datetime | None) -> str:
    return hijri.dual_date(_as_date(value), weekday=True) if value else ""


@register.filter
def hijri_date(value: date | datetime | None) -> str:
    return hijri.hijri_display(_as_date(value)) if value else ""


register.filter("mask_identity", mask_identity)
register.filter("ltr", bidi.ltr)
register.filter("mask_phone", mask_phone)
register.filter("mask_email", mask_email)


@register.filter
def sar(halalas: int | None) -> str:
    """Halalas as riyals: 11500 → "115.00 SAR" (ر.س in Arabic)."""
    return "" if halalas is None else format_sar(halalas)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def mmss(seconds: int | None) -> str:
    """Seconds as minutes:seconds, 14:05."""
    seconds = max(0, int(seconds or 0))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@register.filter
def summary_label(label: str) -> str:
    """A field label for the error summary: without the full stop a sentence-label ends with."""
    return str(label).rstrip(" .。")
