"""The demo has a period whose registration opens a few minutes after the load, so `make run`
shows the waiting room; the other demo periods and their journeys are not queued."""

from datetime import timedelta

import pytest
import time_machine

from rukhsa.admission import services
from rukhsa.catalog import models as catalog
from rukhsa.core import clock
from rukhsa.demo import loader

pytestmark = pytest.mark.django_db


def test_the_demo_opening_period_and_its_waiting_room() -> None:
    loaded = clock.now()
    loader.load_demo()
    period = catalog.Period.objects.get(code=loader.OPENING_PERIOD)
    opens = period.registration_opens_at
    assert timedelta(minutes=14) <= opens - loaded <= timedelta(minutes=16)
    services.configs_forget()
    assert services.queues_on(clock.now()) == []  # the first minutes after a load: no queue
    with time_machine.travel(loaded + timedelta(minutes=6), tick=False):
        on = services.queues_on(clock.now())
        assert [c.period_code for c in on] == [loader.OPENING_PERIOD]
    assert period.sessions.count() > 0  # seats to book after the opening
    # --opening-in moves the opening and empties the line
    test = catalog.Test.objects.get(code=loader.TEST_CODE)
    moved = loader.load_opening_period(test, loader.Tally(), opening_in=timedelta(minutes=3))
    assert moved.registration_opens_at - clock.now() <= timedelta(minutes=3)
    assert services.queues_on(clock.now())[0].period_code == loader.OPENING_PERIOD
