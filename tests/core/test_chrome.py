"""Kept renderings (the page chrome of base.html, the dual dates) equal fresh ones."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory, override_settings
from django.utils import translation

from rukhsa.core.templatetags import chrome


def page(language: str) -> str:
    request = RequestFactory().get("/")
    with translation.override(language):
        html = engines["django"].get_template("core/terms.html").render({}, request)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # masked anew each time


@pytest.mark.django_db
def test_the_kept_chrome_is_the_chrome_rendered_afresh_in_each_language():
    first = {}
    for language in ("ar", "en"):
        chrome._rendered.clear()
        first[language] = page(language)  # rendered afresh
    page("ar")
    assert len(chrome._rendered) == 6  # assets, brand and footer, in each language
    again = {language: page(language) for language in ("en", "ar")}  # kept
    assert first == again
    assert "شروط الاستخدام" in first["ar"] and "Terms of use" in first["en"]
    assert "Terms of use" not in first["ar"] and 'lang="ar" dir="rtl"' in first["ar"]


@pytest.mark.django_db
def test_a_settings_change_renders_the_chrome_again():
    page("en")
    with override_settings(SUPPORT_EMAIL="help@example.org"):
        assert "help@example.org" in page("en")
    assert "help@example.org" not in page("en")


def test_a_kept_dual_date_follows_the_language():
    from datetime import date

    from rukhsa.core import hijri

    day = date(2026, 11, 25)
    with translation.override("en"):
        english = hijri.dual_date(day, weekday=True)
    with translation.override("ar"):
        arabic = hijri.dual_date(day, weekday=True)
        assert hijri.dual_date(day) != arabic  # without the weekday
    with translation.override("en"):
        assert hijri.dual_date(day, weekday=True) == english
    assert english.startswith("Wednesday") and "Jumada" in english
    assert "الأربعاء" in arabic and "جمادى" in arabic
