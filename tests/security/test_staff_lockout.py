"""Item 1: the back-office login lockout applies, and the second factor is never a password
oracle."""

from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.catalog.conftest import STAFF_PASSWORD, en_client

pytestmark = pytest.mark.django_db


def current_code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def wrong_code(user: Any) -> str:
    return f"{(int(current_code(user)) + 1) % 1_000_000:06d}"


def post(client: Client, username: str, password: str, code: str) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
    )


@pytest.mark.parametrize("login_as", ["identity_number", "email"])
def test_five_wrong_passwords_lock_the_staff_login_even_with_the_right_password_and_code(
    make_staff: Any, login_as: str
) -> None:
    staff = make_staff(superuser=True)
    username = getattr(staff, login_as)
    client = en_client()
    for _ in range(5):
        post(client, username, "Wrong-Password-123", current_code(staff))
    response = post(client, username, STAFF_PASSWORD, current_code(staff))
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still not in


def test_the_lock_counts_every_identifier_of_the_staff_account_together(make_staff: Any) -> None:
    staff = make_staff(superuser=True)
    client = en_client()
    for i in range(5):
        username = staff.identity_number if i % 2 else staff.email
        post(client, username, "Wrong-Password-123", current_code(staff))
    response = post(client, staff.identity_number, STAFF_PASSWORD, current_code(staff))
    assert response.status_code == 429


def test_a_wrong_code_does_not_reveal_that_the_password_was_right(make_staff: Any) -> None:
    staff = make_staff(superuser=True)
    right = post(en_client(), staff.identity_number, STAFF_PASSWORD, wrong_code(staff))
    wrong = post(en_client(), staff.identity_number, "Wrong-Password-123", wrong_code(staff))
    assert right.status_code == wrong.status_code == 200
    right_errors = right.context["form"].non_field_errors()
    assert right_errors == wrong.context["form"].non_field_errors()
    assert "authenticator code is wrong" not in right.content.decode()


def test_a_wrong_code_counts_as_a_failed_login(make_staff: Any) -> None:
    staff = make_staff(superuser=True)
    client = en_client()
    for _ in range(5):
        post(client, staff.identity_number, STAFF_PASSWORD, wrong_code(staff))
    response = post(client, staff.identity_number, STAFF_PASSWORD, current_code(staff))
    assert response.status_code == 429
