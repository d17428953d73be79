"""The dashboard's one EXISTS query never hides what the full reads would show."""

import pytest

from rukhsa.accounts.models import User
from rukhsa.booking.selectors import active_registrations, waitlist_of
from rukhsa.core import clock
from rukhsa.demo import loader
from rukhsa.results.selectors import new_results
from rukhsa.views import _HOLDINGS, Holdings, holdings_of

pytestmark = pytest.mark.django_db


def test_a_new_candidate_holds_nothing(make_user) -> None:  # type: ignore[no-untyped-def]
    assert holdings_of(make_user()) == Holdings(False, False, False)


def test_holdings_cover_every_read_of_the_demo_candidates() -> None:
    loader.load_demo()
    seen = {"new_results": 0, "registrations": 0, "waitlist": 0}
    assert _HOLDINGS.compiled()  # the statement compiled once, sent with each candidate's id
    now = clock.now()
    for user in User.objects.filter(is_staff=False):
        holdings = holdings_of(user)
        # The same answers as the queryset it was compiled from.
        assert [tuple(map(bool, row)) for row in _HOLDINGS.rows(user.pk, now)] == list(
            _HOLDINGS.build(user.pk, now)
        )
        reads = {
            "new_results": new_results(candidate=user),
            "registrations": active_registrations(candidate=user),
            "waitlist": waitlist_of(candidate=user),
        }
        for kind, rows in reads.items():
            if rows:
                assert getattr(holdings, kind), (user.pk, kind)
                seen[kind] += 1
    assert all(seen.values()), seen  # the demo data has candidates with each kind
