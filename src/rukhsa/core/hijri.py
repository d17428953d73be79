"""Gregorian and Umm al-Qura Hijri dates side by side."""

from datetime import date
from functools import lru_cache
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from hijridate import Gregorian, Hijri

HIJRI_MONTHS_AR = (
    "محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة",
    "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة",
)  # fmt: skip
HIJRI_MONTHS_EN = (
    "Muharram", "Safar", "Rabi al-Awwal", "Rabi al-Thani", "Jumada al-Ula", "Jumada al-Akhirah",
    "Rajab", "Shaban", "Ramadan", "Shawwal", "Dhu al-Qadah", "Dhu al-Hijjah",
)  # fmt: skip


def to_hijri(value: date) -> Hijri:
    return Gregorian(value.year, value.month, value.day).to_hijri()


def from_hijri(year: int, month: int, day: int) -> date:
    """A Gregorian date from an Umm al-Qura date; ValueError when out of range or invalid."""
    try:
        return Hijri(year, month, day, validate=True).to_gregorian()
    except (ValueError, OverflowError) as exc:
        raise ValueError(str(exc)) from exc


def hijri_display(value: date, language: str | None = None) -> str:
    hijri = to_hijri(value)
    language = language or get_language() or "ar"
    months = HIJRI_MONTHS_AR if language.startswith("ar") else HIJRI_MONTHS_EN
    # Translators: a Hijri date, e.g. "5 Jumada al-Akhirah 1448 AH"
    text = _("%(day)s %(month)s %(year)s AH") % {
        "day": hijri.day,
        "month": months[hijri.month - 1],
        "year": hijri.year,
    }
    return text.replace(" ", "\u00a0")  # one Hijri date never breaks across lines


def gregorian_display(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def dual_date(value: date, *, weekday: bool = False) -> str:
    """'Wednesday 25 November 2026 (5 Jumada al-Akhirah 1448 AH)' in the active language.

    Kept per date, language and weekday (a month calendar shows each day's date again on
    every step): the text depends on nothing else but the settings, and a settings change
    (tests' `override_settings`) forgets them."""
    return _dual_date(value, get_language() or "ar", weekday)


@lru_cache(maxsize=4096)
def _dual_date(value: date, language: str, weekday: bool) -> str:  # language: the cache key
    text = gregorian_display(value)
    if weekday:
        text = formats.date_format(value, "l") + " " + text
    # Translators: Gregorian date followed by the Hijri date in brackets
    return _("%(gregorian)s (%(hijri)s)") % {"gregorian": text, "hijri": hijri_display(value)}


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _dual_date.cache_clear()
