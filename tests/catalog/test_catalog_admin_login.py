"""Every staff login needs a password and a TOTP code; no authenticator, no back office."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.catalog.conftest import STAFF_PASSWORD, en_client

pytestmark = pytest.mark.django_db


def current_code(user) -> str:  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def login(client: Client, username: str, code: str, password: str = STAFF_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "otp_token": code, "next": "/admin/"},
    )


def test_staff_with_an_authenticator_logs_in_through_the_form(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True)
    client = en_client()
    response = login(client, staff.identity_number, current_code(staff))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_may_log_in_with_email_and_arabic_digits(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True)
    arabic = current_code(staff).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = login(en_client(), staff.email.upper(), arabic)
    assert response.status_code == 302


def test_a_wrong_code_is_refused(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True)
    wrong = f"{(int(current_code(staff)) + 1) % 1_000_000:06d}"
    client = en_client()
    response = login(client, staff.identity_number, wrong)
    assert response.status_code == 200
    # The same sentence as a wrong password: a wrong code does not confirm the password.
    assert "password or authenticator code is not correct" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_password_alone_is_not_enough(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True)
    response = login(en_client(), staff.identity_number, "")
    assert response.status_code == 200
    assert "otp_token" in response.context["form"].errors


def test_staff_without_an_authenticator_cannot_reach_the_admin(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True, totp=False)
    client = en_client()
    response = login(client, staff.identity_number, "123456")
    assert response.status_code == 200
    assert "manage.py enrol_totp" in response.content.decode()
    # Logged in elsewhere (the candidate login) is not enough either.
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    page = client.get(response["Location"]).content.decode()
    assert "enrol_totp" in page


def test_an_unconfirmed_device_does_not_count(make_staff) -> None:  # type: ignore[no-untyped-def]
    staff = make_staff(superuser=True)
    TOTPDevice.objects.filter(user=staff).update(confirmed=False)
    response = login(en_client(), staff.identity_number, current_code(staff))
    assert "enrol_totp" in response.content.decode()


def test_a_candidate_cannot_log_in_to_the_back_office(candidate) -> None:  # type: ignore[no-untyped-def]
    response = login(en_client(), candidate.identity_number, "123456")
    assert response.status_code == 200
    assert "active staff account" in response.content.decode()


def test_enrol_totp_command_prints_url_and_secret(make_staff) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    staff = make_staff(totp=False)
    out = StringIO()
    call_command("enrol_totp", staff.identity_number, stdout=out)
    text = out.getvalue()
    assert "otpauth://totp/" in text
    assert "Secret (base32" in text
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1
    with pytest.raises(CommandError, match="already has an authenticator"):
        call_command("enrol_totp", staff.email, stdout=StringIO())
    call_command("enrol_totp", staff.email, "--replace", stdout=StringIO())
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_enrol_totp_refuses_candidates(candidate) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Only staff"):
        call_command("enrol_totp", candidate.identity_number, stdout=StringIO())


def test_the_login_page_is_arabic_first() -> None:
    page = Client().get("/admin/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert 'autocomplete="one-time-code"' in page
