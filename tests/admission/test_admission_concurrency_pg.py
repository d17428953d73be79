"""Many candidates joining the line at the same instant on the database store (PostgreSQL row
lock on the period's queue state): each gets a place of their own, none lost, none shared."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import ADMITTED, WAITING, DatabaseStore, Status
from rukhsa.core import clock
from tests.catalog.factories import make_period

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_arrivals_get_distinct_places(make_user: Callable[..., User]) -> None:
    opening = clock.now() - timedelta(minutes=1)
    period = make_period(registration_opens_at=opening)
    QueueSettings.objects.create(period=period, rate_per_minute=12, max_active=1)
    services.store_replace(DatabaseStore())
    config = services.config_for(period_id=period.pk)
    assert config is not None
    users = [make_user() for _ in range(24)]
    now = clock.now()

    def join(user: User) -> Status:
        try:
            return services.admission_enter(config=config, user_id=user.pk, now=now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(join, users))
    admitted = [s for s in statuses if s.state == ADMITTED]
    places = sorted(s.place for s in statuses if s.state == WAITING)
    assert len(admitted) == 1
    assert places == list(range(1, 24))
