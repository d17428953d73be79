"""Each candidate page's query count, pinned: the test fails when a page runs more queries.

The walk (tests/performance/pages.py) visits every candidate page on the demo data as a signed-in
candidate. When a change adds a query, look at the page's statements (the failure prints them)
and cut it (``select_related``/``prefetch_related`` in the selector) — or, when it is worth it,
raise the pin here in the same commit, saying why. A page that gets cheaper: lower its pin.
"""

import pytest
from django.db import connection

from rukhsa.demo import loader
from tests.performance.pages import table, walk

pytestmark = pytest.mark.django_db

# Page → at most this many SQL statements. Every page pays 5 for the signed-in request itself
# (the session and the user are read; the session's last-seen time is written in a savepoint).
PINNED = {
    "dashboard": 8,
    "profile": 7,
    "start": 8,
    "notes": 7,
    "notes: accept (POST)": 6,
    "choose: mode": 6,
    "choose: specialization": 7,
    "choose: city": 7,
    "choose: centre": 7,
    "choose: date": 7,
    "choose: date (cached)": 6,
    "choose: slot": 7,
    "choose: slot (cached)": 6,
    "choose: specialization (cached)": 6,
    "choose: city (cached)": 6,
    "choose: centre (cached)": 6,
    "choose: sitting": 10,
    "choose: sitting (cached)": 6,
    "review": 8,
    "review: hold (POST)": 38,
    "registration (held)": 8,
    "pay (POST)": 22,
    "registration (confirmed)": 8,
    "registrations": 7,
    "ticket": 6,
    "invoice": 6,
    "change": 12,
    "change: city": 9,
    "cancel": 8,
    "waitlist": 6,
    "waitlist: join": 9,
    "dashboard (registered)": 8,
    "dashboard (with a result)": 8,
    "results": 6,
    "result": 9,
}
# PostgreSQL runs one statement more where seats are locked (`SET LOCAL lock_timeout`).
POSTGRES_EXTRA = {"review: hold (POST)": 1}


def test_every_candidate_page_stays_within_its_query_count(make_user) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    w = walk(make_user)
    print(table(w.counts))
    assert set(w.counts) == set(PINNED), "a page was added or removed: pin it here"
    pins = {
        page: pin + (POSTGRES_EXTRA.get(page, 0) if connection.vendor == "postgresql" else 0)
        for page, pin in PINNED.items()
    }
    grown = {page: (n, pins[page]) for page, n in w.counts.items() if n > pins[page]}
    assert not grown, "\n\n".join(
        f"{page}: {n} queries (pinned {pin})\n" + "\n".join(w.sql[page])
        for page, (n, pin) in grown.items()
    )


def test_a_cached_choose_step_runs_fewer_queries_than_the_first_visit(make_user) -> None:  # type: ignore[no-untyped-def]
    loader.load_demo()
    counts = walk(make_user).counts
    cached = [page for page in counts if page.endswith(" (cached)")]
    assert len(cached) == 6
    for page in cached:
        assert counts[page] < counts[page.removesuffix(" (cached)")], page
