"""Small builders for catalogue rows; every argument has a sensible default."""

import itertools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from rukhsa.catalog.models import (
    Centre,
    City,
    Gender,
    Mode,
    ModesOffered,
    Period,
    PriorityWindow,
    Session,
    SessionStatus,
    Specialization,
    Test,
)
from rukhsa.catalog.services import places_sync
from rukhsa.core import clock

_n = itertools.count(1)


def make_test(**fields: Any) -> Test:
    defaults: dict[str, Any] = {
        "code": f"T{next(_n)}",
        "name_ar": "اختبار الرخصة المهنية التخصصي",
        "name_en": "Specialized Professional License Test",
        "fee_halalas": 10000,
    }
    defaults.update(fields)
    return Test.objects.create(**defaults)


def make_specialization(**fields: Any) -> Specialization:
    n = next(_n)
    defaults: dict[str, Any] = {"code": f"spec-{n}", "name_ar": f"تخصص {n}", "name_en": f"Spec {n}"}
    defaults.update(fields)
    return Specialization.objects.create(**defaults)


def make_period(test: Test | None = None, **fields: Any) -> Period:
    now = clock.now()
    today = clock.today()
    defaults: dict[str, Any] = {
        "test": test or make_test(),
        "code": f"period-{next(_n)}",
        "name_ar": "الفترة",
        "name_en": "Period",
        "modes": ModesOffered.BOTH,
        "registration_opens_at": now - timedelta(days=2),
        "registration_closes_at": now + timedelta(days=20),
        "first_test_day": today + timedelta(days=7),
        "last_test_day": today + timedelta(days=60),
    }
    defaults.update(fields)
    return Period.objects.create(**defaults)


def make_window(
    period: Period, *, gender: str = "", in_service_only: bool = False, opens_at: datetime
) -> PriorityWindow:
    return PriorityWindow.objects.create(
        period=period, gender=gender, in_service_only=in_service_only, opens_at=opens_at
    )


def city(code: str = "riyadh") -> City:
    if not City.objects.filter(code=code).exists():
        places_sync()
    return City.objects.get(code=code)


def make_centre(
    *, mode: str = Mode.DIGITAL, gender: str = Gender.MALE, city_code: str = "riyadh", **fields: Any
) -> Centre:
    n = next(_n)
    defaults: dict[str, Any] = {
        "code": f"C{n}",
        "name_ar": f"مركز {n}",
        "name_en": f"Centre {n}",
        "city": city(city_code),
        "mode": mode,
        "gender": gender,
        "address_ar": "شارع العليا، الرياض",
        "address_en": "Olaya Street, Riyadh",
        "latitude": Decimal("24.7136"),
        "longitude": Decimal("46.6753"),
    }
    defaults.update(fields)
    return Centre.objects.create(**defaults)


def make_session(
    centre: Centre,
    period: Period,
    *,
    day: date | None = None,
    start: time = time(8, 0),
    capacity: int = 30,
    seats_taken: int = 0,
    status: str = SessionStatus.OPEN,
    specializations: Iterable[Specialization] = (),
) -> Session:
    session = Session.objects.create(
        centre=centre,
        period=period,
        date=day or period.first_test_day,
        start_time=start,
        capacity=capacity,
        seats_taken=seats_taken,
        status=status,
    )
    session.specializations.set(list(specializations))
    return session
