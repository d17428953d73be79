"""Core helpers and pages: Hijri dates, masking, audit, language, health, security headers."""

from datetime import date
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import translation

from rukhsa.core import audit, hijri
from rukhsa.core.masking import mask_email, mask_field, mask_identity, mask_phone
from rukhsa.core.models import AuditLog


def test_hijri_umm_al_qura_side_by_side():
    day = date(2026, 11, 25)
    h = hijri.to_hijri(day)
    assert (h.year, h.month, h.day) == (1448, 6, 15)
    with translation.override("ar"):
        text = hijri.dual_date(day).replace("\u00a0", " ")
        assert "2026" in text and "1448" in text and "جمادى الآخرة" in text
        assert not any(ch in text for ch in "٠١٢٣٤٥٦٧٨٩")  # Western digits
    with translation.override("en"):
        assert "Jumada al-Akhirah" in hijri.dual_date(day, weekday=True).replace("\u00a0", " ")
        assert "Wednesday" in hijri.dual_date(day, weekday=True)


def test_masking():
    assert mask_identity("1000000008") == "••••••0008"
    assert mask_phone("+966551234567") == "+9665•••••567"
    assert mask_email("teacher@example.com") == "t••••••@example.com"
    assert mask_field("new_mobile", "+966551234567").endswith("567")
    assert mask_field("city", "riyadh") == "riyadh"


def test_audit_rows_mask_personal_values(candidate):
    audit.audit_log(
        action="profile.updated",
        actor=candidate,
        subject=candidate,
        changes={"email": ("a.person@example.com", "b.person@example.com"), "city": ("", "jeddah")},
    )
    rows = {row.field: row for row in AuditLog.objects.filter(subject=candidate)}
    assert rows["email"].old_value == "a•••••••@example.com"
    assert "b.person" not in rows["email"].new_value
    assert rows["city"].new_value == "jeddah"


def test_language_switch_remembered_by_cookie(client, db):
    response = client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    client.post("/language/", {"language": "ar", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(client, db):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert '<html lang="ar"' in client.get("/").content.decode()


def test_healthz_ok_and_down(client, db):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    with mock.patch("rukhsa.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_security_headers_and_csp_without_inline_script(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and "style=" not in html
    assert "http://" not in html.replace("http://testserver", "") or "https://" not in html


def test_pages_serve_no_external_assets(client, db):
    for url in ("/", "/accounts/signup/", "/accounts/login/"):
        html = client.get(url).content.decode()
        for attr in ('src="http', 'href="http', 'src="//', 'href="//'):
            assert attr not in html, url


@pytest.mark.parametrize("url", ["/", "/accounts/signup/", "/accounts/login/"])
def test_pages_are_small(client, db, url):
    assert len(Client().get(url).content) < 100_000


def test_skip_link_and_landmarks(client, db):
    html = client.get("/").content.decode()
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html
