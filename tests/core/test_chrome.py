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
    # assets, brand, menu, footer and the language switch's form and button, in each language
    assert len(chrome._rendered) == 12
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


@pytest.mark.django_db
def test_the_language_switch_keeps_its_form_and_button_but_not_the_token_or_the_page(make_user):
    """The switch's form tag and button are kept per language; the CSRF token and the page to
    come back to (`next`) are written afresh on every page."""
    from tests.booking.booking_helpers import client_for

    chrome._rendered.clear()
    client = client_for(make_user())
    switch = re.compile(
        r'<form method="post" action="/language/" class="inline-form lang-switch">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">\s*'
        r'<input type="hidden" name="next" value="([^"]+)">\s*'
        r'<button type="submit" name="language" value="(en|ar)"'
    )
    found = [
        switch.search(client.get(path).content.decode()).groups()
        for path in ("/dashboard/", "/results/", "/dashboard/")
    ]
    assert [f[1] for f in found] == ["/dashboard/", "/results/", "/dashboard/"]
    assert len({f[0] for f in found}) == 3  # a token masked anew each time
    assert not any("csrfmiddlewaretoken" in html for html in chrome._rendered.values())
    client.cookies["django_language"] = "en"
    assert switch.search(client.get("/dashboard/").content.decode()).group(3) == "ar"
