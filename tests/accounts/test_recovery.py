"""Password recovery (PRODUCT §2.1): enumeration-safe, code or link, sessions ended after."""

import re
import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import UserSession
from rukhsa.core.models import AuditLog
from rukhsa.notifications.models import Message
from tests.accounts.helpers import latest_code, latest_link
from tests.conftest import PASSWORD

RECOVER = reverse("accounts:recover")
NEW_PASSWORD = "Palm-Grove-Lantern-77"


def ask(client, identifier, nationality=""):
    return client.post(RECOVER, {"identifier": identifier, "nationality": nationality}, follow=True)


def visible_text(response) -> str:
    html = response.content.decode()
    return (
        html.split('<main id="main"', 1)[1]
        .split("</main>", 1)[0]
        .replace('name="csrfmiddlewaretoken"', "")
    )


def without_tokens(response) -> str:
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", visible_text(response))


def test_same_answer_for_known_and_unknown_identity(candidate, settings):
    settings.RECOVERY_MIN_RESPONSE_SECONDS = 0.3
    known_client, unknown_client = Client(), Client()
    started = time.monotonic()
    known = ask(known_client, candidate.identity_number)
    known_time = time.monotonic() - started
    started = time.monotonic()
    unknown = ask(unknown_client, "1234567897")
    unknown_time = time.monotonic() - started
    assert known.redirect_chain == unknown.redirect_chain
    assert without_tokens(known) == without_tokens(unknown)
    assert known_time >= 0.3 and unknown_time >= 0.3
    assert abs(known_time - unknown_time) < 0.25
    assert Message.objects.filter(recipient=candidate, kind="reset_code").count() == 1
    assert (
        Message.objects.filter(kind__startswith="reset").exclude(recipient=candidate).count() == 0
    )


def test_answer_never_shows_masked_digits(candidate):
    text = visible_text(ask(Client(), candidate.identity_number))
    assert candidate.mobile[-3:] not in text
    assert candidate.email.split("@")[1] not in text


def test_reset_by_code_ends_other_sessions_and_tells_the_candidate(candidate):
    other = Client()
    other.post(
        reverse("accounts:login"), {"identifier": candidate.identity_number, "password": PASSWORD}
    )
    assert other.get(reverse("dashboard")).status_code == 200
    other_key = other.session.session_key

    client = Client()
    ask(client, candidate.identity_number)
    code = latest_code(candidate.mobile, kind="reset_code")
    response = client.post(reverse("accounts:recover_code"), {"code": code})
    assert response["Location"] == reverse("accounts:recover_new_password")
    response = client.post(
        reverse("accounts:recover_new_password"),
        {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:login")

    candidate.refresh_from_db()
    assert candidate.check_password(NEW_PASSWORD)
    assert not Session.objects.filter(session_key=other_key).exists()
    assert not UserSession.objects.filter(user=candidate).exists()
    assert other.get(reverse("dashboard")).status_code == 302
    changed = Message.objects.filter(recipient=candidate, kind="password_changed")
    assert set(changed.values_list("channel", flat=True)) == {"sms", "email"}
    assert AuditLog.objects.filter(subject=candidate, action="account.password_reset").exists()


def test_reset_by_email_link(candidate):
    client = Client()
    ask(client, candidate.identity_number)
    link = latest_link(candidate.email)
    response = Client().get(link)
    assert response["Location"] == reverse("accounts:recover_new_password")
    # The link is single use.
    assert Client().get(link)["Location"] == reverse("accounts:recover")


def test_wrong_code_for_unknown_identity_says_the_same(candidate):
    client = Client()
    ask(client, "1234567897")
    response = client.post(reverse("accounts:recover_code"), {"code": "123456"})
    assert response.status_code == 200
    errors = response.context["form"].errors["code"]
    known = Client()
    ask(known, candidate.identity_number)
    code = latest_code(candidate.mobile, kind="reset_code")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert (
        known.post(reverse("accounts:recover_code"), {"code": wrong}).context["form"].errors["code"]
        == errors
    )


def test_new_password_rules_apply(candidate):
    client = Client()
    ask(client, candidate.identity_number)
    client.post(
        reverse("accounts:recover_code"), {"code": latest_code(candidate.mobile, kind="reset_code")}
    )
    response = client.post(
        reverse("accounts:recover_new_password"), {"password": "short", "password_confirm": "short"}
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors


def test_new_password_page_needs_a_checked_code(client, db):
    assert client.get(reverse("accounts:recover_new_password"))["Location"] == RECOVER


def test_visitor_recovers_with_passport_and_nationality(make_user):
    visitor = make_user(identity_type="visitor", identity_number="A1234567", nationality="EG")
    ask(Client(), "a1234567", nationality="EG")
    assert Message.objects.filter(recipient=visitor, kind="reset_code").exists()
