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
    assert len(chrome._rendered) == 8  # assets, brand, menu and footer, in each language
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


@pytest.mark.django_db
def test_the_kept_menu_marks_the_page_it_is_on_and_keeps_no_token(make_user):
    """The menu is kept per language, signed in or not, and section; the logout form's CSRF
    token is written outside it, afresh on every page."""
    from tests.booking.booking_helpers import client_for

    chrome._rendered.clear()
    client = client_for(make_user())
    dashboard = client.get("/dashboard/").content.decode()
    results = client.get("/results/").content.decode()
    assert '/dashboard/" aria-current="page"' in dashboard
    assert '/results/" aria-current="page"' in results
    assert '/dashboard/" aria-current="page"' not in results
    assert not any("csrfmiddlewaretoken" in html for html in chrome._rendered.values())
    tokens = [
        re.findall(r'action="/accounts/logout/".*?value="([^"]+)"', html, re.S)
        for html in (dashboard, client.get("/dashboard/").content.decode())
    ]
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]  # masked anew each time
