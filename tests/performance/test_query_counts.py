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

# Page → at most this many SQL statements, the signed-in request's own reads included (the
# session and the user; the session's last-seen time is written at most once a minute).
PINNED = {
    "dashboard": 8,
    "profile": 4,
    "start": 6,
    "notes": 5,
    "notes: accept (POST)": 9,  # the acceptance is stored on the candidate
    "choose: mode": 4,
    "choose: specialization": 5,
    "choose: city": 5,
    "choose: centre": 5,
    "choose: date": 5,
    "choose: date (cached)": 4,
    "choose: slot": 5,
    "choose: slot (cached)": 4,
    "choose: specialization (cached)": 4,
    "choose: city (cached)": 4,
    "choose: centre (cached)": 4,
    "choose: sitting": 8,
    "choose: sitting (cached)": 4,
    "review": 6,
    "review: hold (POST)": 34,  # holds and opens the payment (straight to the card page)
    "registration (held)": 5,
    "pay (POST)": 30,  # a candidate who comes back: the open attempt is superseded
    "gateway: grant": 6,
    "gateway: card": 3,
    "gateway: card (POST)": 4,
    "gateway: 3-D Secure": 3,
    "gateway: 3-D Secure (POST)": 7,
    "payment return": 27,  # paid: the invoice, the registration confirmed, both messages (one task)
    "registration (confirmed)": 5,
    "registrations": 4,
    "ticket": 3,
    "invoice": 3,
    "change": 9,
    "change: city": 6,
    "cancel": 5,
    "waitlist": 3,
    "waitlist: join": 6,
    "dashboard (registered)": 5,
    "dashboard (with a result)": 8,
    "results": 3,
    "result": 6,
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
