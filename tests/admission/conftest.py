"""A period whose waiting room is on, the two queue stores, and the clock near the opening."""

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import DatabaseStore, RedisStore, Store
from rukhsa.catalog.models import Period
from rukhsa.core import clock
from tests.catalog.factories import make_period
from tests.conftest import live_redis_url


def redis_store_or_skip() -> RedisStore:
    return RedisStore(live_redis_url(), prefix=f"test:admission:{uuid.uuid4().hex}")


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def queue_store(request: pytest.FixtureRequest, db: None) -> Iterator[Store]:
    """Each queue test runs on both stores: the database one and Redis (RUKHSA_TEST_REDIS_URL)."""
    store: Store = DatabaseStore() if request.param == "database" else redis_store_or_skip()
    services.store_replace(store)
    yield store
    if isinstance(store, RedisStore):
        store.flush_all()
    services.store_replace(None)


@pytest.fixture
def opening() -> datetime:
    """Registration opens an hour from now (the waiting room takes arrivals 30 min before)."""
    return clock.now().replace(microsecond=0) + timedelta(hours=1)


@pytest.fixture
def queued_period(db: None, opening: datetime) -> Period:
    period = make_period(
        code="p-opening",
        registration_opens_at=opening,
        registration_closes_at=opening + timedelta(days=10),
    )
    QueueSettings.objects.create(period=period, rate_per_minute=60, max_active=100)
    return period


def settings_of(period: Period, **fields: object) -> QueueSettings:
    QueueSettings.objects.filter(period=period).update(**fields)
    services.configs_forget()
    return QueueSettings.objects.get(period=period)
