"""Item 10: the sandbox gateway's pages answer only the browser session that opened them."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.payments.payments_helpers import PAID_CARDS, path_of, start_payment

pytestmark = pytest.mark.django_db


def test_someone_holding_only_the_charge_id_gets_not_found(
    candidate_client: Client, order: Any
) -> None:
    payment, card_url = start_payment(candidate_client, order)
    assert candidate_client.get(path_of(card_url), follow=True).status_code == 200
    stranger = Client()
    base = f"/payments/sandbox-gateway/{payment.gateway_ref}/"
    assert stranger.get(base).status_code == 404
    assert stranger.get(base + "3ds/").status_code == 404
    card = {"name": "A", "number": PAID_CARDS["visa"], "expiry": "12/39", "cvc": "123"}
    assert stranger.post(base, card).status_code == 404
    assert stranger.post(base + "3ds/submit/", {"result": "authenticate"}).status_code == 404
    assert stranger.post(base + "cancel/").status_code == 404
    assert stranger.get(base + "?grant=0123456789abcdef0123456789abcdef").status_code == 404
    # The owner's session goes on as before.
    assert candidate_client.get(base).status_code == 200


def test_the_grant_in_the_link_works_for_one_session_only(
    candidate_client: Client, order: Any
) -> None:
    _payment, card_url = start_payment(candidate_client, order)
    assert candidate_client.get(path_of(card_url), follow=True).status_code == 200
    assert Client().get(path_of(card_url), follow=True).status_code == 404


def test_a_spent_grant_stays_spent_when_the_cache_is_lost(
    candidate_client: Client, order: Any
) -> None:
    """The link with its grant stays in the first browser's history: another browser that finds
    it there (or on a shared screen) gets "not found", even after Redis lost everything."""
    payment, card_url = start_payment(candidate_client, order)
    assert candidate_client.get(path_of(card_url)).status_code == 200
    cache.clear()
    assert Client().get(path_of(card_url)).status_code == 404
    assert candidate_client.get(path_of(card_url)).status_code == 200  # its own, still
    payment.refresh_from_db()
    bare = f"/payments/sandbox-gateway/{payment.gateway_ref}/"
    assert candidate_client.get(bare).status_code == 200
