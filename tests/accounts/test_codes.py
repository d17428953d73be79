"""Verification code rules: 10 minutes, single use, 5 tries, 60 s resend, 5 sends an hour."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import translation

from rukhsa.accounts import services
from rukhsa.accounts.models import CodePurpose
from rukhsa.accounts.services import AccountError, CodeLimitError
from rukhsa.core import clock

T0 = "2026-11-25 10:00 +0300"


def issue(user, ip="10.0.0.1"):
    _row, code, _token = services.code_issue(
        user=user, purpose=CodePurpose.SIGNUP_MOBILE, target=user.mobile, ip=ip
    )
    return code


def check(user, code):
    return services.code_check(user=user, purpose=CodePurpose.SIGNUP_MOBILE, code=code)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_code_is_six_digits_and_stored_hashed(candidate):
    code = issue(candidate)
    assert len(code) == 6 and code.isdigit()
    row = candidate.codes.get()
    assert code not in row.code_hash


def test_code_expires_after_ten_minutes(candidate):
    with time_machine.travel(T0, tick=False) as traveller:
        code = issue(candidate)
        traveller.shift(timedelta(minutes=9, seconds=59))
        check(candidate, code)
        traveller.shift(timedelta(minutes=1))
        code = issue(candidate)
        traveller.shift(timedelta(minutes=10))
        with pytest.raises(AccountError) as exc:
            check(candidate, code)
        assert exc.value.code == "expired"


def test_code_is_single_use(candidate):
    code = issue(candidate)
    check(candidate, code)
    with pytest.raises(AccountError):
        check(candidate, code)


def test_five_wrong_tries_kill_the_code(candidate):
    code = issue(candidate)
    for _ in range(4):
        with pytest.raises(AccountError) as exc:
            check(candidate, wrong(code))
        assert exc.value.code == "wrong_code"
    with pytest.raises(AccountError) as exc:
        check(candidate, wrong(code))
    assert exc.value.code == "too_many_tries"
    with pytest.raises(AccountError):
        check(candidate, code)  # even the right code is dead now


def test_new_code_replaces_the_old_one(candidate):
    with time_machine.travel(T0, tick=False) as traveller:
        first = issue(candidate)
        traveller.shift(timedelta(seconds=61))
        second = issue(candidate)
        with pytest.raises(AccountError):
            check(candidate, first) if first != second else check(candidate, wrong(second))
        check(candidate, second)


def test_resend_no_sooner_than_60_seconds(candidate):
    with time_machine.travel(T0, tick=False) as traveller:
        issue(candidate)
        traveller.shift(timedelta(seconds=59))
        with pytest.raises(CodeLimitError) as exc:
            issue(candidate)
        assert exc.value.retry_after == 1
        traveller.shift(timedelta(seconds=1))
        issue(candidate)


def test_at_most_five_sends_an_hour_per_account(candidate):
    with time_machine.travel(T0, tick=False) as traveller:
        for n in range(5):
            issue(candidate, ip=f"10.0.0.{n}")
            traveller.shift(timedelta(seconds=61))
        with pytest.raises(CodeLimitError):
            issue(candidate, ip="10.0.0.99")
        traveller.shift(timedelta(minutes=56))
        issue(candidate, ip="10.0.0.99")


def test_the_per_ip_limit_is_high_and_says_it_is_the_network(make_user, settings):
    settings.CODE_IP_MAX_SENDS_PER_HOUR = 8
    users = [make_user() for _ in range(9)]
    with time_machine.travel(T0, tick=False):
        for user in users[:8]:
            issue(user, ip="192.0.2.7")
        with translation.override("en"), pytest.raises(CodeLimitError) as exc:
            issue(users[8], ip="192.0.2.7")
        assert "from your network" in str(exc.value.message) and exc.value.retry_after > 0
        issue(users[8], ip="192.0.2.8")


def test_resend_button_respects_the_wait(client, db):
    from django.urls import reverse

    from tests.accounts.helpers import sign_up, signup_data

    with time_machine.travel(T0, tick=False) as traveller:
        sign_up(client, signup_data())
        response = client.post(reverse("accounts:verify_mobile"), {"resend": "1"}, follow=True)
        assert response.status_code == 200
        from rukhsa.accounts.models import VerificationCode

        assert VerificationCode.objects.filter(purpose="signup_mobile").count() == 1
        traveller.shift(timedelta(seconds=60))
        client.post(reverse("accounts:verify_mobile"), {"resend": "1"})
        assert VerificationCode.objects.filter(purpose="signup_mobile").count() == 2
        assert clock.now()
