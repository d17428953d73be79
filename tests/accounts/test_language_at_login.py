"""The language a person chooses on the page wins at login and is stored; messages greet with
the name written in the message's language."""

from django.test import Client
from django.urls import reverse

from rukhsa.accounts import services
from rukhsa.accounts.models import User
from rukhsa.notifications.models import Message
from rukhsa.notifications.rendering import message_render
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")


def login(client: Client, identifier: str) -> object:
    return client.post(LOGIN, {"identifier": identifier, "password": PASSWORD, "nationality": ""})


def test_english_chosen_on_the_page_wins_over_a_stored_arabic_preference(make_user) -> None:
    user = make_user(preferred_language="ar")
    client = Client()
    client.post(reverse("core:set_language"), {"language": "en", "next": LOGIN})
    response = login(client, user.identity_number)
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en" dir="ltr">' in client.get(reverse("dashboard")).content.decode()
    user.refresh_from_db()
    assert user.preferred_language == "en"  # stored: messages and other devices follow it


def test_arabic_chosen_on_the_page_wins_over_a_stored_english_preference(make_user) -> None:
    user = make_user(preferred_language="en")
    client = Client()
    client.post(reverse("core:set_language"), {"language": "ar", "next": LOGIN})
    response = login(client, user.identity_number)
    assert response.cookies["django_language"].value == "ar"
    user.refresh_from_db()
    assert user.preferred_language == "ar"


def test_a_device_where_nothing_was_chosen_follows_the_stored_preference(make_user) -> None:
    user = make_user(preferred_language="en")
    response = login(Client(), user.identity_number)
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_a_forged_language_cookie_is_ignored(make_user) -> None:
    user = make_user(preferred_language="en")
    client = Client()
    client.cookies["django_language"] = "xx"
    assert login(client, user.identity_number).cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_arabic_email_greets_with_the_arabic_name(make_user) -> None:
    user: User = make_user(preferred_language="ar", email_verified_at=None)
    services.email_code_send(user=user, ip="198.51.100.7")
    body = message_render(Message.objects.get(recipient=user, kind="email_code")).body
    assert "محمد" in body and "Mohammed" not in body


def test_english_email_greets_with_the_english_name(make_user) -> None:
    user: User = make_user(preferred_language="en", email_verified_at=None)
    services.email_code_send(user=user, ip="198.51.100.8")
    body = message_render(Message.objects.get(recipient=user, kind="email_code")).body
    assert "Hello Mohammed," in body and "محمد" not in body


def test_arabic_email_without_an_arabic_name_uses_the_english_one(make_user) -> None:
    user: User = make_user(
        preferred_language="ar", email_verified_at=None, name_ar_first="", identity_type="visitor"
    )
    services.email_code_send(user=user, ip="198.51.100.9")
    assert "Mohammed" in message_render(Message.objects.get(recipient=user, kind="email_code")).body
