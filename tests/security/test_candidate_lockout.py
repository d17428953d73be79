"""Item 7: one failure counter per candidate account, whatever identifier was typed."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def login(client: Client, identifier: str, password: str = PASSWORD) -> Any:
    return client.post(
        LOGIN, {"identifier": identifier, "password": password}, REMOTE_ADDR="198.51.100.7"
    )


def test_locking_the_identity_number_also_locks_the_email(candidate: Any) -> None:
    client = Client()
    for _ in range(5):
        login(client, candidate.identity_number, "Wrong-password-123")
    assert login(client, candidate.email, "Wrong-password-456").status_code == 429
    assert login(client, candidate.email.upper()).status_code == 429  # right password, locked


def test_failures_by_email_and_number_add_up(candidate: Any) -> None:
    client = Client()
    for i in range(5):
        identifier = candidate.email if i % 2 else candidate.identity_number
        login(client, identifier, "Wrong-password-123")
    assert login(client, candidate.identity_number).status_code == 429


def test_unknown_identities_are_counted_as_typed(db: Any) -> None:
    client = Client()
    for _ in range(5):
        login(client, "nobody@example.com", "Wrong-password-123")
    assert login(client, "nobody@example.com", "Wrong-password-123").status_code == 429
