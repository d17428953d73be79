"""Items 5 and 8: the recovery code step says the same for every identity, and a stranger who
knows an identity number cannot kill its owner's recovery."""

import re
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.core import clock
from tests.accounts.helpers import latest_code, latest_link

pytestmark = pytest.mark.django_db
RECOVER = reverse("accounts:recover")
CODE = reverse("accounts:recover_code")
UNKNOWN = "1234567897"  # Luhn-valid, no account


def en_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def start(identifier: str) -> Client:
    client = en_client()
    client.post(RECOVER, {"identifier": identifier})
    return client


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def answer(client: Client, code: str) -> tuple[int, str]:
    response = client.post(CODE, {"code": code}, follow=True)
    main = response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r'value="[A-Za-z0-9]{64}"', "", main)
    return response.status_code, main


def test_expired_code_reads_like_an_unknown_identity(candidate: Any) -> None:
    with time_machine.travel(clock.now(), tick=False) as traveller:
        known = start(candidate.identity_number)
        code = latest_code(candidate.mobile)
        unknown = start(UNKNOWN)
        traveller.shift(timedelta(minutes=11))
        assert answer(known, code) == answer(unknown, code)


def test_used_code_reads_like_an_unknown_identity(candidate: Any) -> None:
    first = start(candidate.identity_number)
    code = latest_code(candidate.mobile)
    assert first.post(CODE, {"code": code}).status_code == 302  # used
    again = start(candidate.identity_number)
    unknown = start(UNKNOWN)
    # The new request was within the resend wait: no new code, the old one is used.
    assert answer(again, code) == answer(unknown, code)


def test_five_wrong_tries_end_the_attempt_the_same_way_for_everyone(candidate: Any) -> None:
    known, unknown = start(candidate.identity_number), start(UNKNOWN)
    code = latest_code(candidate.mobile)
    for _ in range(4):
        assert answer(known, wrong(code)) == answer(unknown, wrong(code))
    last_known, last_unknown = answer(known, wrong(code)), answer(unknown, wrong(code))
    assert last_known == last_unknown
    assert "Too many wrong tries" in last_known[1]


def test_refusals_take_about_as_long(candidate: Any) -> None:
    known, unknown = start(candidate.identity_number), start(UNKNOWN)
    code = latest_code(candidate.mobile)

    def timed(client: Client) -> float:
        began = time.perf_counter()
        client.post(CODE, {"code": wrong(code)})
        return time.perf_counter() - began

    known_times = sorted(timed(known) for _ in range(3))
    unknown_times = sorted(timed(unknown) for _ in range(3))
    assert abs(known_times[1] - unknown_times[1]) < 0.05


def test_a_stranger_cannot_kill_the_owners_recovery(candidate: Any) -> None:
    owner = start(candidate.identity_number)
    code = latest_code(candidate.mobile)
    link = latest_link(candidate.email).replace("http://testserver", "")
    # A stranger who knows the identity number starts recovery and types wrong codes.
    for _ in range(3):
        stranger = start(candidate.identity_number)
        for _ in range(5):
            stranger.post(CODE, {"code": wrong(code)})
    # The owner's emailed link still works...
    by_link = en_client().get(link)
    assert by_link.status_code == 302
    assert by_link["Location"] == reverse("accounts:recover_new_password")
    assert owner.session.get("rukhsa_reset_key") == candidate.identity_number  # still going


def test_the_owners_typed_code_survives_a_strangers_tries(candidate: Any) -> None:
    owner = start(candidate.identity_number)
    code = latest_code(candidate.mobile)
    stranger = start(candidate.identity_number)
    for _ in range(5):
        stranger.post(CODE, {"code": wrong(code)})
    response = owner.post(CODE, {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:recover_new_password")
