"""Each candidate-facing selector runs a fixed number of queries, on the demo data and on ten
times as much."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F

from rukhsa.catalog import selectors
from rukhsa.catalog.models import Centre, Gender, Mode, Session, Specialization
from rukhsa.demo import loader

pytestmark = pytest.mark.django_db


def multiply(times: int) -> None:
    """Clone every centre with all its sessions and their specializations ``times - 1`` times.

    INSERT … SELECT in SQL: the same rows the ORM would write, in a fraction of the time.
    """
    centres = list(Centre.objects.all())
    for n in range(1, times):
        Centre.objects.bulk_create(
            [
                Centre(
                    **{
                        **{
                            f.attname: getattr(c, f.attname)
                            for f in Centre._meta.concrete_fields
                            if f.attname != "id"
                        },
                        "code": f"{c.code}-x{n}",
                    }
                )
                for c in centres
            ]
        )
    with connection.cursor() as cursor:
        for n in range(1, times):
            suffix = f"-x{n}"
            cursor.execute(
                """
                INSERT INTO catalog_session (centre_id, period_id, date, start_time, capacity,
                                             seats_taken, status, created_at)
                SELECT clone.id, s.period_id, s.date, s.start_time, s.capacity, s.seats_taken,
                       s.status, s.created_at
                FROM catalog_session s
                JOIN catalog_centre original ON original.id = s.centre_id
                JOIN catalog_centre clone ON clone.code = original.code || %s
                """,
                [suffix],
            )
            cursor.execute(
                """
                INSERT INTO catalog_session_specializations (session_id, specialization_id)
                SELECT clone_session.id, link.specialization_id
                FROM catalog_session_specializations link
                JOIN catalog_session s ON s.id = link.session_id
                JOIN catalog_centre original ON original.id = s.centre_id
                JOIN catalog_centre clone ON clone.code = original.code || %s
                JOIN catalog_session clone_session ON clone_session.centre_id = clone.id
                     AND clone_session.date = s.date AND clone_session.start_time = s.start_time
                """,
                [suffix],
            )


def run_journey(assert_queries) -> None:  # type: ignore[no-untyped-def]
    """The candidate's path through the selectors, each step pinned to its query count."""
    with assert_queries(1):
        [period] = list(selectors.open_periods(gender=Gender.FEMALE, in_service=True))
    with assert_queries(2):
        offers = selectors.candidate_periods(gender=Gender.FEMALE, in_service=False)
        assert any(o.is_open for o in offers)
    with assert_queries(1):
        specs = list(
            selectors.period_specializations(period=period, mode=Mode.DIGITAL, gender=Gender.FEMALE)
        )
    math = next(s for s in specs if s.code == "mathematics")
    with assert_queries(1):
        cities = list(
            selectors.cities_with_seats(
                period=period, mode=Mode.DIGITAL, specialization=math, gender=Gender.FEMALE
            )
        )
        assert [c.region.name_en for c in cities]
    riyadh = next(c for c in cities if c.code == "riyadh")
    with assert_queries(1):
        centres = list(
            selectors.centres_with_seats(
                period=period,
                mode=Mode.DIGITAL,
                specialization=math,
                gender=Gender.FEMALE,
                city=riyadh,
            )
        )
        assert [c.city.name_en for c in centres]
    centre = next(c for c in centres if c.code == "RIY-DF1")
    with assert_queries(1):
        days = selectors.dates_with_seats(
            period=period, specialization=math, gender=Gender.FEMALE, centre=centre
        )
    assert len(days) == 40
    with assert_queries(1):
        slots = list(
            selectors.session_slots(
                period=period,
                specialization=math,
                gender=Gender.FEMALE,
                centre=centre,
                day=days[0],
                include_full=True,
            )
        )
        assert [(s.start_time.hour, s.full) for s in slots] == [
            (8, False),
            (11, False),
            (14, False),
        ]


def test_selector_queries_are_fixed_on_demo_data(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    run_journey(django_assert_num_queries)


def test_selector_queries_are_fixed_on_ten_times_the_data(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    before = Session.objects.count()
    multiply(10)
    assert Session.objects.count() >= 9 * before
    run_journey(django_assert_num_queries)


def test_the_full_demo_session_is_listed_as_full(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    full = Session.objects.get(
        seats_taken=F("capacity"), period__code=loader.OPEN_PERIOD, centre__code="JED-DM1"
    )
    math = Specialization.objects.get(code="mathematics")
    kwargs = {
        "period": full.period,
        "specialization": math,
        "gender": full.centre.gender,
        "centre": full.centre,
        "day": full.date,
    }
    assert full not in selectors.session_slots(**kwargs)
    [listed] = [s for s in selectors.session_slots(**kwargs, include_full=True) if s.pk == full.pk]
    assert listed.full and listed.free == 0
    assert full.date - timedelta(days=0) in selectors.dates_with_seats(
        period=full.period, specialization=math, gender=full.centre.gender, centre=full.centre
    )
