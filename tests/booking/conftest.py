"""A small bookable catalogue: one test, one period (paper and digital), a specialization,
men's and women's centres in Riyadh with sessions, and a candidate ready to book."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest

from rukhsa.catalog.models import Centre, Gender, Mode, Period, Session, Specialization, Test
from rukhsa.core import clock
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)


@dataclass
class Catalogue:
    test: Test
    period: Period
    spec: Specialization
    other_spec: Specialization
    digital: Centre
    paper: Centre
    women: Centre
    slot: Session
    slot_late: Session
    sitting: Session
    women_slot: Session


@pytest.fixture
def cat(db) -> Catalogue:
    test = make_test(code="SPLT", hold_minutes=15)
    period = make_period(test, code="p-open")
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    other = make_specialization(code="physics", name_ar="الفيزياء", name_en="Physics")
    digital = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    paper = make_centre(mode=Mode.PAPER, gender=Gender.MALE, code="RUH-P-M")
    women = make_centre(mode=Mode.DIGITAL, gender=Gender.FEMALE, code="RUH-D-F")
    day = clock.today() + timedelta(days=10)
    return Catalogue(
        test=test,
        period=period,
        spec=spec,
        other_spec=other,
        digital=digital,
        paper=paper,
        women=women,
        slot=make_session(
            digital, period, day=day, start=time(8), capacity=10, specializations=[spec]
        ),
        slot_late=make_session(
            digital,
            period,
            day=day,
            start=time(14),
            capacity=1,
            seats_taken=1,
            specializations=[spec],
        ),
        sitting=make_session(
            paper,
            period,
            day=day + timedelta(days=5),
            start=time(8),
            capacity=40,
            specializations=[spec, other],
        ),
        women_slot=make_session(
            women, period, day=day, start=time(11), capacity=10, specializations=[spec]
        ),
    )
