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

# Page → at most this many SQL statements, the signed-in request's own included (the session and
# the user come from the cache after the first page; the session's last-seen time is written at
# most once a minute). The walk's first page (the dashboard) reads the user row.
PINNED = {
    # One query with three EXISTS says which of the results, registrations and waiting-list
    # entries to read: a candidate with none of them runs none of those reads.
    "dashboard": 6,
    "profile": 3,
    "start": 5,
    "notes": 4,
    "notes: accept (POST)": 2,  # the acceptance is stored on the candidate (one upsert)
    "choose: mode": 2,
    "choose: specialization": 2,
    "choose: city": 2,
    "choose: centre": 2,
    # The calendar's first visit reads the centre's sessions (kept with the catalogue rows) and
    # their seats (kept until the next seat taken at the centre): the times step reads neither.
    "choose: date": 3,
    "choose: date (cached)": 1,
    "choose: slot": 1,
    "choose: slot (cached)": 1,
    "choose: specialization (cached)": 1,
    "choose: city (cached)": 1,
    "choose: centre (cached)": 1,
    "choose: sitting": 6,
    "choose: sitting (cached)": 1,
    # The session's own row; its centre with the city from the catalogue rows' cache (read into
    # it here, on the walk's first visit to this centre's session).
    "review": 4,
    # Holds, and opens the payment in the same transaction (straight to the card page). A
    # candidate with no held or confirmed registration skips the read that settles them. The
    # order goes in before the registration, which is inserted with it (no update after). A
    # free seat is locked and taken with one statement (no read of the locked row first).
    "review: hold (POST)": 16,
    # The first registration page of the walk puts the registration's catalogue rows in the
    # cache (its period with the priority windows, specialization, centre: four small reads
    # instead of an eight-table join that costs more to plan); the later ones read them there.
    # (A registration never changed reads no history: every change raises the ticket version.)
    "registration (held)": 7,
    "pay (POST)": 28,  # a candidate who comes back: the open attempt is superseded
    "gateway: card (grant)": 6,  # the grant spent on the charge, the session bound to it
    "gateway: card": 2,
    "gateway: card (POST)": 3,
    "gateway: 3-D Secure": 2,
    "gateway: 3-D Secure (POST)": 6,
    "payment return": 22,  # paid: the invoice, the registration confirmed, both messages (one task)
    "registration (confirmed)": 3,
    "registrations": 3,
    "ticket": 2,
    "invoice": 2,
    "change": 8,
    "change: city": 5,
    "cancel": 4,
    "waitlist": 2,
    "waitlist: join": 5,
    "dashboard (registered)": 3,
    "dashboard (with a result)": 7,
    "results": 2,
    "result": 5,
}
# PostgreSQL sets the seat transaction's lock timeout (`SET LOCAL lock_timeout`) in the hold's
# claim statement, no statement more; where a page runs more there, it is named here.
POSTGRES_EXTRA: dict[str, int] = {}


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
        first = counts[page.removesuffix(" (cached)")]
        # The times step's first visit already finds what the calendar read.
        assert counts[page] < first or counts[page] == first == 1, page
