"""The demo's full and nearly full sessions are backed by real registrations."""

from django.core.management import call_command
from django.db.models import Count, Q

from rukhsa.catalog.models import Session


def test_demo_seat_counters_match_registrations(db):
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent
    sessions = Session.objects.annotate(
        active=Count(
            "registrations", filter=Q(registrations__status__in=["held", "confirmed", "completed"])
        )
    )
    assert sessions.filter(seats_taken__gt=0).exists()
    mismatched = [(s.pk, s.seats_taken, s.active) for s in sessions if s.seats_taken != s.active]
    assert mismatched == []
    assert any(s.seats_taken == s.capacity for s in sessions)  # one full session


def test_demo_has_a_full_session_with_a_waiting_list(db):
    from rukhsa.booking.models import WaitlistEntry

    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent: the line is not doubled
    entries = WaitlistEntry.objects.filter(state="waiting").select_related("session")
    assert entries.count() == 3
    session = entries[0].session
    assert session.seats_taken == session.capacity
    assert {e.session_id for e in entries} == {session.pk}
