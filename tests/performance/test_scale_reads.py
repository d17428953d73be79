"""National-scale reads stay flat: every candidate page runs exactly as many queries on a
database with tens of thousands of candidates, registrations and sessions as on the demo data.

The same walk (tests/performance/pages.py) runs twice in one test: on the demo data, then after
the national-scale generators (rukhsa/demo/national.py, the ones `load_demo --scale national`
and the read benchmark use) added candidates, centres, sessions and registrations — scaled down
here so the test stays fast; `make bench` with BENCH_SCALE=1 loads the full 400,000 / 350,000 /
20,000 on PostgreSQL and compares the pages' server times (bench/scale_reads.py).
Select it alone with `pytest -m scale`.
"""

import time

import pytest

from rukhsa.accounts.models import User
from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Period, Session
from rukhsa.demo import loader, national
from tests.performance.pages import table, walk

pytestmark = [pytest.mark.django_db, pytest.mark.scale]

CANDIDATES = 12_000
SESSIONS = 3_000
REGISTRATIONS = 10_000


def test_every_candidate_page_runs_the_same_queries_at_scale(make_user) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    walk(make_user)  # once first: what the first walk leaves (a result seen, settings read) …
    demo = walk(make_user).counts  # … is there for both measured walks

    started = time.perf_counter()
    period = Period.objects.get(code=loader.OPEN_PERIOD)
    national.load_candidates(CANDIDATES, lambda _line: None)
    national.load_sessions(period, national.load_centres(), count=SESSIONS)
    assert national.load_registrations(period, REGISTRATIONS, lambda _line: None) == REGISTRATIONS
    loaded = time.perf_counter() - started
    assert User.objects.count() > CANDIDATES
    assert Session.objects.count() > SESSIONS
    assert Registration.objects.count() > REGISTRATIONS

    large = walk(make_user).counts
    assert large == demo, f"demo:\n{table(demo)}\n\nlarge ({loaded:.1f} s to load):\n{table(large)}"


def test_generated_registrations_keep_the_seat_counts(make_user) -> None:  # type: ignore[no-untyped-def]
    """The generator never fills a session past its capacity, and seats_taken matches."""
    from django.db.models import Count, F, Q

    from rukhsa.booking.models import ACTIVE

    loader.load_demo()
    period = Period.objects.get(code=loader.OPEN_PERIOD)
    national.load_candidates(2_000, lambda _line: None)
    national.load_sessions(period, national.load_centres(), count=700)
    national.load_registrations(period, 2_000, lambda _line: None)
    assert national.load_registrations(period, 2_000, lambda _line: None) == 0  # loaded once
    sessions = Session.objects.filter(centre__code__startswith="NAT-").annotate(
        active=Count("registrations", filter=Q(registrations__status__in=ACTIVE))
    )
    assert sessions.filter(active__gt=0).exists()
    assert not sessions.exclude(active=F("seats_taken")).exists()
    assert not sessions.filter(seats_taken__gt=F("capacity")).exists()
    doubles = (
        Registration.objects.filter(status__in=ACTIVE)
        .values("candidate_id", "test_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not doubles.exists()
