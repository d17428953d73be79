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
