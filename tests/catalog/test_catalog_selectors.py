"""What a candidate is offered: registration windows, gender, mode, full and closed sessions."""

from datetime import time, timedelta

import pytest
import time_machine

from rukhsa.catalog import selectors
from rukhsa.catalog.models import Gender, Mode, ModesOffered, SessionStatus
from rukhsa.core import clock
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_window,
)

pytestmark = pytest.mark.django_db


def staggered_period():  # type: ignore[no-untyped-def]
    """ETEC-style: in-service men, all men, in-service women, then all women."""
    now = clock.now()
    period = make_period(
        registration_opens_at=now - timedelta(days=3),
        registration_closes_at=now + timedelta(days=30),
    )
    make_window(period, gender=Gender.MALE, in_service_only=True, opens_at=now - timedelta(days=3))
    make_window(period, gender=Gender.MALE, opens_at=now - timedelta(days=1))
    make_window(
        period, gender=Gender.FEMALE, in_service_only=True, opens_at=now + timedelta(days=2)
    )
    make_window(period, gender=Gender.FEMALE, opens_at=now + timedelta(days=5))
    return period


def open_codes(gender: str, in_service: bool) -> list[str]:
    return [p.code for p in selectors.open_periods(gender=gender, in_service=in_service)]


def test_a_woman_not_yet_in_her_window_sees_nothing_to_book() -> None:
    period = staggered_period()
    assert open_codes(Gender.FEMALE, True) == []
    assert open_codes(Gender.FEMALE, False) == []
    assert open_codes(Gender.MALE, False) == [period.code]
    [offer] = selectors.candidate_periods(gender=Gender.FEMALE, in_service=True)
    assert not offer.is_open
    assert offer.opens_at == period.windows.get(gender="female", in_service_only=True).opens_at


def test_in_service_women_open_before_other_women() -> None:
    period = staggered_period()
    with time_machine.travel(clock.now() + timedelta(days=2, minutes=1)):
        assert open_codes(Gender.FEMALE, True) == [period.code]
        assert open_codes(Gender.FEMALE, False) == []
    with time_machine.travel(clock.now() + timedelta(days=5, minutes=1)):
        assert open_codes(Gender.FEMALE, False) == [period.code]


def test_an_in_service_window_admits_only_teachers_in_service() -> None:
    now = clock.now()
    period = make_period(registration_opens_at=now - timedelta(days=1))
    make_window(period, in_service_only=True, opens_at=now - timedelta(days=1))
    make_window(period, opens_at=now + timedelta(days=3))
    assert open_codes(Gender.MALE, True) == [period.code]
    assert open_codes(Gender.MALE, False) == []
    assert open_codes(Gender.FEMALE, True) == [period.code]


def test_windows_for_one_gender_only_keep_the_other_out() -> None:
    now = clock.now()
    period = make_period()
    make_window(period, gender=Gender.MALE, opens_at=now - timedelta(days=1))
    assert open_codes(Gender.FEMALE, True) == []
    [offer] = selectors.candidate_periods(gender=Gender.FEMALE, in_service=True)
    assert offer.not_for_candidate


def test_never_before_registration_opens_nor_after_it_closes() -> None:
    now = clock.now()
    period = make_period(registration_opens_at=now + timedelta(days=1))
    make_window(period, opens_at=now - timedelta(days=5))  # a bad window cannot open early
    assert open_codes(Gender.MALE, True) == []
    [offer] = selectors.candidate_periods(gender=Gender.MALE, in_service=True)
    assert offer.opens_at == period.registration_opens_at
    closed = make_period(
        registration_opens_at=now - timedelta(days=9),
        registration_closes_at=now - timedelta(seconds=1),
    )
    assert closed.code not in open_codes(Gender.MALE, True)


def test_without_windows_everyone_registers_when_registration_opens() -> None:
    period = make_period()
    assert open_codes(Gender.FEMALE, False) == [period.code]
    assert open_codes(Gender.MALE, True) == [period.code]


@pytest.fixture
def offer():  # type: ignore[no-untyped-def]
    """An open period with one session of each kind that must or must not be offered."""
    period = make_period()
    math, physics = make_specialization(code="math"), make_specialization(code="physics")
    men = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, city_code="riyadh", code="RM")
    women = make_centre(mode=Mode.DIGITAL, gender=Gender.FEMALE, city_code="jeddah", code="JW")
    paper = make_centre(mode=Mode.PAPER, gender=Gender.MALE, city_code="dammam", code="DP")
    inactive = make_centre(gender=Gender.MALE, city_code="abha", code="AX", active=False)
    day = period.first_test_day
    s = {
        "men_free": make_session(men, period, day=day, start=time(8), specializations=[math]),
        "men_full": make_session(
            men,
            period,
            day=day,
            start=time(11),
            capacity=20,
            seats_taken=20,
            specializations=[math],
        ),
        "men_closed": make_session(
            men,
            period,
            day=day,
            start=time(14),
            status=SessionStatus.CLOSED,
            specializations=[math],
        ),
        "men_cancelled": make_session(
            men,
            period,
            day=day + timedelta(days=1),
            status=SessionStatus.CANCELLED,
            specializations=[math],
        ),
        "men_physics": make_session(
            men, period, day=day + timedelta(days=2), specializations=[physics]
        ),
        "women": make_session(women, period, day=day, specializations=[math]),
        "paper": make_session(paper, period, day=day, capacity=200, specializations=[math]),
        "inactive": make_session(inactive, period, day=day, specializations=[math]),
    }
    return period, math, physics, men, women, paper, s


def test_gender_decides_cities_and_centres(offer) -> None:  # type: ignore[no-untyped-def]
    period, math, _physics, men, women, _paper, _s = offer
    men_cities = selectors.cities_with_seats(
        period=period, mode=Mode.DIGITAL, specialization=math, gender=Gender.MALE
    )
    women_cities = selectors.cities_with_seats(
        period=period, mode=Mode.DIGITAL, specialization=math, gender=Gender.FEMALE
    )
    assert [c.code for c in men_cities] == ["riyadh"]  # abha's centre is inactive
    assert [c.code for c in women_cities] == ["jeddah"]
    assert (
        list(
            selectors.centres_with_seats(
                period=period,
                mode=Mode.DIGITAL,
                specialization=math,
                gender=Gender.FEMALE,
                city=men.city,
            )
        )
        == []
    )
    assert list(
        selectors.centres_with_seats(
            period=period,
            mode=Mode.DIGITAL,
            specialization=math,
            gender=Gender.FEMALE,
            city=women.city,
        )
    ) == [women]


def test_full_closed_and_cancelled_sessions_are_not_offered(offer) -> None:  # type: ignore[no-untyped-def]
    period, math, _physics, men, _women, _paper, s = offer
    slots = selectors.session_slots(
        period=period,
        specialization=math,
        gender=Gender.MALE,
        centre=men,
        day=period.first_test_day,
    )
    assert list(slots) == [s["men_free"]]
    assert selectors.dates_with_seats(
        period=period, specialization=math, gender=Gender.MALE, centre=men
    ) == [period.first_test_day]


def test_a_full_session_can_be_listed_as_full(offer) -> None:  # type: ignore[no-untyped-def]
    period, math, _physics, men, _women, _paper, s = offer
    slots = selectors.session_slots(
        period=period,
        specialization=math,
        gender=Gender.MALE,
        centre=men,
        day=period.first_test_day,
        include_full=True,
    )
    assert [(x.pk, x.full, x.free) for x in slots] == [
        (s["men_free"].pk, False, 30),
        (s["men_full"].pk, True, 0),
    ]


def test_specialization_and_mode_narrow_the_offer(offer) -> None:  # type: ignore[no-untyped-def]
    period, math, physics, men, _women, _paper, _s = offer
    assert selectors.dates_with_seats(
        period=period, specialization=physics, gender=Gender.MALE, centre=men
    ) == [period.first_test_day + timedelta(days=2)]
    paper_cities = selectors.cities_with_seats(
        period=period, mode=Mode.PAPER, specialization=math, gender=Gender.MALE
    )
    assert [c.code for c in paper_cities] == ["dammam"]
    assert set(selectors.period_specializations(period=period, gender=Gender.FEMALE)) == {math}
    assert set(
        selectors.period_specializations(period=period, mode=Mode.DIGITAL, gender=Gender.MALE)
    ) == {math, physics}
    period.modes = ModesOffered.DIGITAL
    period.save()
    assert (
        list(
            selectors.cities_with_seats(
                period=period, mode=Mode.PAPER, specialization=math, gender=Gender.MALE
            )
        )
        == []
    )


def test_past_sessions_are_not_offered(offer) -> None:  # type: ignore[no-untyped-def]
    period, math, _physics, men, _women, _paper, _s = offer
    with time_machine.travel(clock.now() + timedelta(days=7)):  # the first test day is today
        assert period.first_test_day not in selectors.dates_with_seats(
            period=period, specialization=math, gender=Gender.MALE, centre=men
        )
