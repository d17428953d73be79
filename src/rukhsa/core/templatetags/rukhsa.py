from datetime import date, datetime

from django import template

from rukhsa.core import hijri
from rukhsa.core.clock import RIYADH
from rukhsa.core.masking import mask_email, mask_identity, mask_phone

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
register.filter("mask_phone", mask_phone)
register.filter("mask_email", mask_email)
