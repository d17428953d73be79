"""Passwords are hashed with Argon2id at OWASP's parameters; older hashes upgrade at login."""

from typing import Any

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)
from django.test import Client, override_settings
from django.urls import reverse

import rukhsa.settings as production
from rukhsa.accounts.hashers import OwaspArgon2PasswordHasher
from rukhsa.accounts.models import User
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")
OWASP = {"variety": "argon2id", "memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}

# The production list, whatever the test settings use to keep the suite fast.
production_hashers = override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)


def argon2_parameters(encoded: str) -> dict[str, Any]:
    decoded = identify_hasher(encoded).decode(encoded)
    return {key: decoded[key] for key in OWASP}


def log_in(client: Client, user: User, password: str = PASSWORD) -> int:
    response = client.post(
        LOGIN,
        {"identifier": user.identity_number, "password": password},
        REMOTE_ADDR="198.51.100.7",
    )
    return response.status_code


def test_production_hashes_new_passwords_with_argon2id_at_owasp_parameters() -> None:
    assert production.PASSWORD_HASHERS[0] == "rukhsa.accounts.hashers.OwaspArgon2PasswordHasher"
    with production_hashers:
        encoded = make_password(PASSWORD)
        assert isinstance(identify_hasher(encoded), OwaspArgon2PasswordHasher)
        assert argon2_parameters(encoded) == OWASP
        assert check_password(PASSWORD, encoded)
        assert not check_password("Wrong-password-123", encoded)


@pytest.mark.django_db
def test_login_with_a_django_default_argon2_hash_rehashes_it_at_owasp_parameters(
    candidate: User,
) -> None:
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert argon2_parameters(old)["memory_cost"] == 102400  # Django's default: 100 MiB, p=8
    User.objects.filter(pk=candidate.pk).update(password=old)

    with production_hashers:
        assert log_in(Client(), candidate, "Wrong-password-123") == 200
        candidate.refresh_from_db()
        assert candidate.password == old  # a failed login changes nothing

        assert log_in(Client(), candidate) == 302
        candidate.refresh_from_db()
        assert candidate.password != old
        assert argon2_parameters(candidate.password) == OWASP

        upgraded = candidate.password
        assert log_in(Client(), candidate) == 302  # the new hash works, and stays as it is
        candidate.refresh_from_db()
        assert candidate.password == upgraded


@pytest.mark.django_db
def test_login_with_an_owasp_hash_does_not_rewrite_it(candidate: User) -> None:
    with production_hashers:
        candidate.set_password(PASSWORD)
        candidate.save(update_fields=["password"])
        stored = candidate.password
        assert log_in(Client(), candidate) == 302
        candidate.refresh_from_db()
        assert candidate.password == stored
