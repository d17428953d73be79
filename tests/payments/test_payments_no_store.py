"""Item 9: personal pages are never stored by a browser or a shared proxy."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.payments.payments_helpers import PAID_CARDS, pay_with_card

pytestmark = pytest.mark.django_db


def test_every_personal_page_and_pdf_says_no_store(candidate_client: Client, order: Any) -> None:
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    invoice = payment.invoice
    urls = [
        reverse("dashboard"),
        reverse("accounts:profile"),
        reverse("booking:registrations"),
        reverse("payments:invoice", args=[invoice.uuid]),
        reverse("payments:invoice_pdf", args=[invoice.uuid]),
    ]
    for url in urls:
        response = candidate_client.get(url)
        assert response.status_code == 200, url
        header = response["Cache-Control"]
        assert "no-store" in header and "private" in header, (url, header)
        assert header.count("no-store") == 1


def test_never_cache_pages_keep_their_one_header(candidate_client: Client) -> None:
    response = candidate_client.get(reverse("accounts:profile_edit"))
    assert response["Cache-Control"].count("no-store") == 1
    assert "max-age=0" in response["Cache-Control"]  # never_cache's own header, untouched


def test_a_view_marked_cache_allowed_is_left_alone(candidate: Any) -> None:
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from rukhsa.core.middleware import PrivateNoStoreMiddleware, cache_allowed

    @cache_allowed
    def public(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("the same for everybody")
        response["Cache-Control"] = "public, max-age=600"
        return response

    def handler(request: HttpRequest) -> HttpResponse:
        middleware.process_view(request, public, (), {})
        return public(request)

    middleware = PrivateNoStoreMiddleware(handler)
    request = RequestFactory().get("/x")
    request.user = candidate
    assert middleware(request)["Cache-Control"] == "public, max-age=600"


def test_anonymous_public_pages_are_not_marked(client: Client) -> None:
    response = client.get(reverse("core:home"))
    assert "no-store" not in response.get("Cache-Control", "")
