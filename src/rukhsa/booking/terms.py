"""A period's pre-registration notes and terms, accepted once per candidate (PRODUCT §4).

The acceptance is stored on the candidate with a fingerprint of what the notes said; it counts
until the notes change (another fee, hold time, change deadline, change fee, refund, test days,
or a new wording of the notes page: `NOTES_WORDING`), and then the notes are asked again."""

import hashlib
import json

from django.core.cache import cache
from django.db import transaction

from rukhsa.accounts.models import User
from rukhsa.booking.models import TermsAcceptance
from rukhsa.catalog.models import Period
from rukhsa.core import clock
from rukhsa.core.compiled import Compiled

# Raise when the wording of templates/booking/notes.html changes what a candidate agrees to.
NOTES_WORDING = 1


def terms_version(period: Period) -> str:
    """A fingerprint of the period's notes as the candidate reads them."""
    test = period.test
    facts = {
        "wording": NOTES_WORDING,
        "fee": test.fee_halalas,
        "vat": test.vat_basis_points,
        "duration": test.duration_minutes,
        "hold": test.hold_minutes,
        "paper_deadline": test.change_deadline_paper_hours,
        "digital_deadline": test.change_deadline_digital_hours,
        "max_changes": test.max_changes,
        "change_fee": test.change_fee_halalas,
        "refund": test.refund_percent,
        "days": [period.first_test_day.isoformat(), period.last_test_day.isoformat()],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


_ACCEPTANCES = Compiled(
    lambda candidate_id: TermsAcceptance.objects.filter(candidate_id=candidate_id).values_list(
        "period_id", "terms_version"
    ),
    kinds=(int,),
)


def accepted_periods(*, candidate: User, periods: list[Period]) -> set[int]:
    """The ids of `periods` whose current terms the candidate has accepted. One query, compiled
    once per process: every acceptance of the candidate (one a period at most), kept here for
    the periods asked about."""
    if not periods:
        return set()
    stored = dict(_ACCEPTANCES.rows(candidate.pk))
    return {p.pk for p in periods if stored.get(p.pk) == terms_version(p)}


# An acceptance found in the database is remembered in the cache for this long, so that each
# step of the journey does not ask again (the key carries the fingerprint: changed notes miss).
ACCEPTED_TTL = 15 * 60  # seconds


def _accepted_key(candidate_id: int, period_id: int, version: str) -> str:
    return f"rukhsa:terms:{candidate_id}:{period_id}:{version}"


# The version the candidate accepted for a period, asked with SQL compiled once per process
# (core/compiled.py; compared here, so the statement takes only ids).
_ACCEPTED_VERSION = Compiled(
    lambda candidate_id, period_id: TermsAcceptance.objects.filter(
        candidate_id=candidate_id, period_id=period_id
    ).values_list("terms_version"),
    kinds=(int, int),
)


def terms_accepted(*, candidate: User, period: Period) -> bool:
    version = terms_version(period)
    key = _accepted_key(candidate.pk, period.pk, version)
    if cache.get(key):
        return True
    accepted = any(row[0] == version for row in _ACCEPTED_VERSION.rows(candidate.pk, period.pk))
    if accepted:
        cache.set(key, 1, timeout=ACCEPTED_TTL)
    return accepted


def terms_accept(*, candidate: User, period: Period) -> None:
    """Record that the candidate accepted the period's terms as they are now."""
    version = terms_version(period)
    # One INSERT … ON CONFLICT DO UPDATE (the row is the candidate's and the period's), not
    # update_or_create's savepoint, locking read and write.
    TermsAcceptance.objects.bulk_create(
        [
            TermsAcceptance(
                candidate=candidate, period=period, terms_version=version, accepted_at=clock.now()
            )
        ],
        update_conflicts=True,
        unique_fields=["candidate", "period"],
        update_fields=["terms_version", "accepted_at"],
    )
    key = _accepted_key(candidate.pk, period.pk, version)
    transaction.on_commit(lambda: cache.set(key, 1, timeout=ACCEPTED_TTL))
