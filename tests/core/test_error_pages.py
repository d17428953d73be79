"""The 404 and 403 pages are the product's own pages, in the person's language."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title"), [("ar", "الصفحة غير موجودة"), ("en", "Page not found")]
)
def test_not_found_page_is_ours_in_the_page_language(settings, language, title) -> None:
    settings.DEBUG = False
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert f'lang="{language}"' in body
    assert title in body


def test_forbidden_page_is_ours(rf) -> None:
    request = rf.get("/staff/check-in/")
    request.user = AnonymousUser()
    with translation.override("ar"):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    body = response.content.decode()
    assert 'lang="ar"' in body
    assert "لا يمكنك فتح هذه الصفحة" in body
