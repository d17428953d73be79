"""The queue's rules, on both stores: the shuffle at the opening, first come first served
afterwards, one place per candidate, passes, the rate, pause / resume / drain, automatic rate."""

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import ShuffleRecord
from rukhsa.admission.store import ADMITTED, PREQUEUE, WAITING, Status, Store
from rukhsa.catalog.models import Period
from tests.admission.conftest import settings_of


def enter(period: Period, user: User, at: datetime) -> Status:
    config = services.config_for(period_id=period.pk)
    assert config is not None
    return services.admission_enter(config=config, user_id=user.pk, now=at)


def test_pre_queue_is_shuffled_at_the_opening_each_once_and_recorded(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=1, max_active=1)
    users = [make_user() for _ in range(30)]
    for i, user in enumerate(users):  # arriving one by one in the 30 minutes before the opening
        status = enter(queued_period, user, opening - timedelta(minutes=30) + timedelta(seconds=i))
        assert status.state == PREQUEUE
    at = opening + timedelta(seconds=1)
    places = {user.pk: enter(queued_period, user, at) for user in users}
    admitted = [pk for pk, s in places.items() if s.state == ADMITTED]
    waiting = sorted((s.place, pk) for pk, s in places.items() if s.state == WAITING)
    assert len(admitted) == 1  # the rate lets one in at once
    assert [place for place, _pk in waiting] == list(range(1, 30))  # everyone else, each once
    drawn = admitted + [pk for _place, pk in waiting]
    arrival = [u.pk for u in users]
    assert sorted(drawn) == sorted(arrival)
    assert drawn != arrival  # not the arrival order (1 chance in 30! to fail)
    record = ShuffleRecord.objects.get(period=queued_period)
    assert record.entrants == arrival
    assert record.order == drawn
    # An operator can draw the order again from the revealed seed, and the seed matches the
    # commitment shown before the opening.
    assert services.shuffle_order(record.seed, record.entrants) == record.order
    assert record.commitment == queued_period.queue_settings.commitment
    assert queue_store.admission_log(queued_period.pk) == admitted
    assert queue_store.join_log(queued_period.pk) == drawn


def test_later_arrivals_queue_behind_the_pre_queue_in_arrival_order(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=1, max_active=1)
    early = [make_user() for _ in range(3)]
    for user in early:
        enter(queued_period, user, opening - timedelta(minutes=5))
    late = [make_user() for _ in range(5)]
    places = [
        enter(queued_period, user, opening + timedelta(milliseconds=10 * (i + 1))).place
        for i, user in enumerate(late)
    ]
    # one of the three early ones was admitted at the opening: two wait ahead of the late ones
    assert places == [3, 4, 5, 6, 7]
    # the server's record of the line: the shuffled pre-queue, then the late ones as they came,
    # whether admitted since or still waiting
    record = ShuffleRecord.objects.get(period=queued_period)
    joins = queue_store.join_log(queued_period.pk)
    assert joins == record.order + [u.pk for u in late]
    assert joins[: len(queue_store.admission_log(queued_period.pk))] == (
        queue_store.admission_log(queued_period.pk)
    )


def test_one_place_per_candidate_across_tabs_and_devices(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=1, max_active=1)
    first, candidate = make_user(), make_user()
    at = opening + timedelta(seconds=1)
    enter(queued_period, first, at)
    one = enter(queued_period, candidate, at)
    for tab in range(5):  # every tab, browser or script asks again as the same candidate
        again = enter(queued_period, candidate, at + timedelta(seconds=tab))
        assert (again.state, again.place) == (one.state, one.place)
    assert one.queue_length == again.queue_length == 1


def test_an_expired_pass_frees_its_place_and_activity_renews_it(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=600, max_active=1, pass_minutes=20)
    a, b = make_user(), make_user()
    at = opening + timedelta(seconds=1)
    assert enter(queued_period, a, at).state == ADMITTED
    assert enter(queued_period, b, at).state == WAITING  # nobody else while A is active
    # A keeps working: the pass is renewed at minute 15, so B still waits at minute 30
    assert enter(queued_period, a, at + timedelta(minutes=15)).state == ADMITTED
    assert enter(queued_period, b, at + timedelta(minutes=30)).state == WAITING
    # A goes idle: 20 minutes after their last page the place goes to B
    assert enter(queued_period, b, at + timedelta(minutes=35, seconds=1)).state == ADMITTED


def test_payment_or_logout_ends_the_pass_for_the_next_in_line(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=600, max_active=1)
    a, b = make_user(), make_user()
    at = opening + timedelta(seconds=1)
    enter(queued_period, a, at)
    assert enter(queued_period, b, at).state == WAITING
    services.pass_end(period_id=queued_period.pk, user_id=a.pk)
    assert enter(queued_period, b, at + timedelta(seconds=1)).state == ADMITTED


def test_admission_follows_the_rate_per_minute(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=12, max_active=1000)
    users = [make_user() for _ in range(20)]
    at = opening + timedelta(seconds=1)
    first = [enter(queued_period, u, at).state for u in users]
    assert first.count(ADMITTED) == 1  # a burst of five seconds' worth: one at 12 a minute
    later = at + timedelta(seconds=60)
    states = [enter(queued_period, u, later).state for u in users]
    assert states.count(ADMITTED) == 1 + 1  # the bucket saves up at most five seconds
    stats, _p95 = services.queue_stats(period_id=queued_period.pk, now=later)
    assert stats.active == 2
    assert stats.queue_length == 18


def test_pause_keeps_everyone_in_place_and_resume_admits_again(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=600, max_active=100)
    a, b = make_user(), make_user()
    at = opening + timedelta(seconds=1)
    enter(queued_period, a, at - timedelta(minutes=1))
    services.queue_control(period_id=queued_period.pk, action="pause")
    paused = enter(queued_period, b, at)
    assert (paused.state, paused.paused) == (WAITING, True)
    assert services.wait_minutes(paused) is None  # no estimate while paused
    assert enter(queued_period, b, at + timedelta(minutes=5)).state == WAITING
    services.queue_control(period_id=queued_period.pk, action="resume")
    assert enter(queued_period, b, at + timedelta(minutes=5, seconds=1)).state == ADMITTED


def test_drain_admits_everyone_waiting_at_once(
    queue_store: Store, queued_period: Period, opening: datetime, make_user: Callable[..., User]
) -> None:
    settings_of(queued_period, rate_per_minute=1, max_active=1)
    users = [make_user() for _ in range(6)]
    at = opening + timedelta(seconds=1)
    assert [enter(queued_period, u, at).state for u in users].count(ADMITTED) == 1
    services.queue_control(period_id=queued_period.pk, action="drain")
    assert {enter(queued_period, u, at + timedelta(seconds=2)).state for u in users} == {ADMITTED}
    assert sorted(queue_store.admission_log(queued_period.pk)) == sorted(u.pk for u in users)


def test_automatic_rate_follows_the_p95_within_the_operator_limits(
    queue_store: Store, queued_period: Period, opening: datetime
) -> None:
    settings_of(
        queued_period,
        automatic=True,
        rate_per_minute=500,
        rate_min=300,
        rate_max=700,
        target_p95_ms=800,
    )
    config = services.config_for(period_id=queued_period.pk)
    assert config is not None
    at = opening + timedelta(minutes=1)
    with time_machine.travel(at, tick=False) as traveller:
        for _ in range(50):  # slow pages: p95 above the target
            services.latency_record(config=config, ms=1800, now=at)
        assert services.rate_adjust(config=config, now=at) == 400  # -20 %, at most every 10 s
        rates = []
        for step in range(1, 6):
            moment = at + timedelta(seconds=11 * step)
            traveller.move_to(moment)
            services.latency_record(config=config, ms=1800, now=moment)
            rates.append(services.rate_adjust(config=config, now=moment))
        assert rates[-1] == 300  # never below the operator's lowest
        # a minute later the slow samples are gone and the pages are fast: the rate climbs back
        moment = at + timedelta(minutes=3)
        for _step in range(12):
            moment += timedelta(seconds=11)
            traveller.move_to(moment)
            services.latency_record(config=config, ms=40, now=moment)
            rate = services.rate_adjust(config=config, now=moment)
        assert rate == 700  # never above the operator's highest
    # the status the candidates see uses the automatic rate
    stats, p95 = services.queue_stats(period_id=queued_period.pk, now=moment)
    assert stats.rate_auto == 700
    assert p95 is not None and p95 <= 50


@pytest.mark.parametrize(
    ("place", "rate", "seconds"),
    [
        (1, 600, 5),  # near the front
        (500, 600, 5),  # 50 s to wait
        (1000, 600, 10),  # 100 s: a tenth of it
        (3000, 600, 30),
        (6000, 600, 60),  # 10 min
        (40000, 600, 60),  # never rarer than a minute
        (100, 10, 60),  # slow admission: the same place is far back in time
        (20, 10, 12),
    ],
)
def test_refresh_is_rarer_the_farther_back_in_time(place: int, rate: float, seconds: int) -> None:
    status = Status(WAITING, place=place, queue_length=place, rate=rate)
    assert services.refresh_seconds(status) == seconds


@pytest.mark.parametrize(("ahead", "seconds"), [(0, 5), (99, 5), (100, 10), (999, 10), (5000, 30)])
def test_while_paused_refresh_goes_by_place(ahead: int, seconds: int) -> None:
    status = Status(WAITING, place=ahead + 1, queue_length=ahead + 1, rate=600, paused=True)
    assert services.refresh_seconds(status) == seconds


def test_a_line_polls_far_less_than_one_poll_per_place_every_few_seconds() -> None:
    """10,000 waiting at 250 admissions a minute: about 270 polls a second (not 560 as with
    intervals by place), and the head still asks every 5 s."""
    polls = sum(
        1 / services.refresh_seconds(Status(WAITING, place=p, queue_length=10_000, rate=250))
        for p in range(1, 10_001)
    )
    assert 200 < polls < 320
    assert services.refresh_seconds(Status(WAITING, place=20, queue_length=10_000, rate=250)) == 5


@pytest.mark.parametrize("seconds", [5, 6, 10])
def test_the_heads_intervals_are_not_spread(seconds: int) -> None:
    assert {services.spread(seconds) for _ in range(200)} == {seconds}


def test_a_crowd_told_the_same_interval_does_not_come_back_in_the_same_seconds() -> None:
    """A thousand pages told 60 s at the same moment (a resume) come back over 45-75 s, not
    all at once; none sooner than the head's 10 s, and about as often as told on average."""
    told = [services.spread(60) for _ in range(1000)]
    assert min(told) >= 45 and max(told) <= 75
    assert len(set(told)) > 20
    assert max(Counter(told).values()) < 100  # no second gets a tenth of them
    assert 57 < sum(told) / len(told) < 63
    assert min(services.spread(11) for _ in range(200)) >= services.SPREAD_ABOVE


def test_the_automatic_rate_is_asked_of_the_store_once_per_interval_per_process(
    queue_store: Store, queued_period: Period, opening: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admitted candidate's every page records its time; the rate is looked at far less."""
    settings_of(queued_period, automatic=True)
    config = services.config_for(period_id=queued_period.pk)
    assert config is not None
    calls: list[int] = []
    original = queue_store.rate_checked_at

    def counted(period_id: int) -> tuple[float | None, float]:
        calls.append(period_id)
        return original(period_id)

    monkeypatch.setattr(queue_store, "rate_checked_at", counted)
    at = opening + timedelta(minutes=1)
    rates = {
        services.rate_adjust(config=config, now=at + timedelta(seconds=i / 2)) for i in range(20)
    }
    assert len(calls) == 1
    assert len(rates) == 1
    services.rate_adjust(config=config, now=at + timedelta(seconds=10))
    assert len(calls) == 2
