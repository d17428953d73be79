"""Item 4: code-send limits are keyed to the account and the recipient first; one IP shared by
many people (a school, a carrier's NAT) gets a challenge page, then a wait, never a block after
two sign-ups."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import CodePurpose, User
from rukhsa.accounts.services import CodeLimitError, code_issue
from rukhsa.core import clock
from tests.accounts.helpers import sign_up as sign_up_steps
from tests.accounts.helpers import signup_data
from tests.conftest import national_number

pytestmark = pytest.mark.django_db
SIGNUP = reverse("accounts:signup")
RECOVER = reverse("accounts:recover")
SCHOOL = "198.51.100.20"


def en_client() -> Client:
    client = Client(REMOTE_ADDR=SCHOOL)
    client.cookies["django_language"] = "en"
    return client


def sign_up(client: Client, n: int) -> Any:
    data = signup_data(
        identity_number=national_number("1", 700 + n),
        email=f"teacher{n}@example.com",
        mobile=f"0551{n:06d}",
    )
    return sign_up_steps(client, data)


def test_ten_teachers_behind_one_address_can_all_sign_up() -> None:
    with time_machine.travel(clock.now(), tick=False):
        # Five recovery requests for unknown identities no longer block the address.
        for n in range(5):
            en_client().post(RECOVER, {"identifier": national_number("1", 900 + n)})
        for n in range(10):
            response = sign_up(en_client(), n)
            assert response.status_code == 302, response.content.decode()[:300]
    assert User.objects.count() == 10


def test_the_recipient_is_limited_whatever_the_account(make_user: Any) -> None:
    shared = "+966551999000"
    accounts = [make_user(mobile=shared, mobile_verified_at=None) for _ in range(6)]
    with time_machine.travel(clock.now(), tick=False):
        for user in accounts[:5]:
            code_issue(user=user, purpose=CodePurpose.SIGNUP_MOBILE, target=shared, ip=None)
        with pytest.raises(CodeLimitError):
            code_issue(user=accounts[5], purpose=CodePurpose.SIGNUP_MOBILE, target=shared, ip=None)


def test_a_busy_address_is_challenged_then_made_to_wait(settings: Any) -> None:
    settings.CODE_IP_CHALLENGE_AFTER = 4
    settings.CODE_IP_MAX_SENDS_PER_HOUR = 6
    settings.CODE_CHALLENGE_MIN_SECONDS = 3
    with time_machine.travel(clock.now(), tick=False) as traveller:
        for n in range(2):  # two sign-ups: two codes each
            assert sign_up(en_client(), n).status_code == 302
        # The address is busy now: the next person sees the challenge page first.
        client = en_client()
        page = client.get(SIGNUP)
        assert page.status_code == 302 and page["Location"].startswith(
            reverse("accounts:challenge")
        )
        challenge = client.get(page["Location"])
        assert "Many codes were requested from your network" in challenge.content.decode()
        ticket = challenge.context["ticket"]
        # Confirming at once (as a script would) does not pass.
        too_fast = client.post(page["Location"], {"ticket": ticket, "next": SIGNUP})
        assert too_fast.status_code == 200
        traveller.shift(timedelta(seconds=3))
        passed = client.post(page["Location"], {"ticket": ticket, "next": SIGNUP})
        assert passed.status_code == 302 and passed["Location"] == SIGNUP
        assert client.get(SIGNUP).status_code == 200
        assert sign_up(client, 2).status_code == 302
        # Once the hourly maximum is reached, everybody behind it waits, with a clear sentence.
        another = en_client()
        assert another.get(SIGNUP).status_code == 200  # no challenge can help now
        refused = sign_up(another, 3)
        assert refused.status_code == 200
        assert "Too many codes were requested from your network" in refused.content.decode()
        assert not User.objects.filter(identity_number=national_number("1", 703)).exists()
