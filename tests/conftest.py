"""Shared fixtures: candidates in every identity type, logged-in clients, the outbox."""

import itertools
import os
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from rukhsa.accounts.models import Employment, IdentityType, Qualification, User
from rukhsa.core import clock
from rukhsa.core.digits import luhn_complete

PASSWORD = "Desert-Falcon-2931"

# Under CI the local Redis (db 0); elsewhere only the Redis the developer names, so a shared
# Redis is never written by accident.
TEST_REDIS_URL = os.environ.get("RUKHSA_TEST_REDIS_URL") or (
    "redis://127.0.0.1:6379/0" if os.environ.get("CI") else ""
)


def live_redis_url() -> str:
    """The Redis the tests marked `redis` may write to; they are skipped without one (and fail
    under CI, where the machine's Redis must be up)."""
    import redis

    if not TEST_REDIS_URL:
        pytest.skip("set RUKHSA_TEST_REDIS_URL to run the tests on a live Redis")
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5).ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}")
    return TEST_REDIS_URL


_counter = itertools.count(1)


def national_number(first: str, serial: int) -> str:
    """A Luhn-valid 10-digit number starting with `first` (1 national ID, 2 iqama)."""
    return luhn_complete(f"{first}{serial:08d}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL tests run in the PostgreSQL pass of `make test` (required under CI, where
    scripts/test.sh fails when PostgreSQL cannot be reached); the SQLite pass skips them."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass (DATABASE_URL)"))


@pytest.fixture(autouse=True)
def _no_waiting_room_yet() -> None:
    """Each test starts with no period's waiting room on (a test that adds one is seen at once:
    saving the settings drops the per-process cache), and the configured queue store."""
    from rukhsa.admission import services as admission

    admission.configs_prime_empty()
    admission.store_replace(None)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """Create an active, verified candidate; keyword arguments override any field."""

    def make(**fields: Any) -> User:
        n = next(_counter)
        identity_type = fields.pop("identity_type", IdentityType.CITIZEN)
        if identity_type == IdentityType.VISITOR:
            number = fields.pop("identity_number", f"P{n:07d}")
            nationality = fields.pop("nationality", "EG")
        else:
            first = "1" if identity_type == IdentityType.CITIZEN else "2"
            number = fields.pop("identity_number", national_number(first, 5000 + n))
            nationality = fields.pop("nationality", "SA" if first == "1" else "IN")
        now = clock.now()
        defaults: dict[str, Any] = {
            "birth_date": date(1990, 5, 17),
            "gender": "male",
            "name_ar_first": "محمد",
            "name_ar_father": "عبدالله",
            "name_ar_grandfather": "سالم",
            "name_ar_family": "القحطاني",
            "name_en_first": "Mohammed",
            "name_en_father": "Abdullah",
            "name_en_grandfather": "Salem",
            "name_en_family": "Alqahtani",
            "mobile": f"+9665{70_000_000 + n:08d}",  # clear of the demo data's numbers
            "mobile_verified_at": now,
            "email": f"candidate{n}@example.com",
            "email_verified_at": now,
            "qualification": Qualification.BACHELOR,
            "major": "Mathematics",
            "experience_years": 4,
            "employment": Employment.PUBLIC_SCHOOL,
            "is_active": True,
            "terms_accepted_at": now,
            "privacy_accepted_at": now,
        }
        defaults.update(fields)
        password = defaults.pop("password", PASSWORD)
        return User.objects.create_user(
            identity_type=identity_type,
            identity_number=number,
            nationality=nationality,
            password=password,
            **defaults,
        )

    return make


@pytest.fixture
def candidate(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user(name_en_first="Stranger")


@pytest.fixture
def candidate_client(candidate: User) -> Client:
    client = Client()
    client.force_login(candidate)
    return client


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache: every test starts with none (and no process copy
    of a cached choice: a frozen clock can give a version number again)."""
    from django.core.cache import cache

    from rukhsa.catalog import choices

    cache.clear()
    choices.forget_kept()
    yield
    cache.clear()
    choices.forget_kept()
