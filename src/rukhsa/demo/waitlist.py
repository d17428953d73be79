"""A full demo session with a waiting list (PRODUCT §10): three demo candidates wait for it, so
the back office's waiting-list figures show a line and a seat that frees there is offered.
Idempotent: nothing is added when the session already has its line."""

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F

from rukhsa.accounts.models import User
from rukhsa.booking.models import WaitlistEntry
from rukhsa.catalog.models import Session, SessionStatus
from rukhsa.core import clock
from rukhsa.demo.registrations import FILLER_SERIAL_BASE, filler_user

LINE_LENGTH = 3


def demo_waitlist() -> int:
    """Put three demo candidates on the waiting list of the first full open session."""
    session = (
        Session.objects.filter(
            status=SessionStatus.OPEN,
            seats_taken__gte=F("capacity"),
            date__gt=clock.today(),
            period__registration_closes_at__gt=clock.now(),
        )
        .select_related("centre__city", "period")
        .prefetch_related("specializations")
        .order_by("date", "start_time", "pk")
        .first()
    )
    if session is None or WaitlistEntry.objects.filter(session=session).exists():
        return 0
    specialization = session.specializations.order_by("pk").first()
    if specialization is None:
        return 0
    now = clock.now()
    with transaction.atomic():
        users = demo_candidates(LINE_LENGTH, gender=session.centre.gender, label="Waiting")
        WaitlistEntry.objects.bulk_create(
            [
                WaitlistEntry(
                    candidate=user,
                    test_id=session.period.test_id,
                    period=session.period,
                    specialization=specialization,
                    session=session,
                    city=session.centre.city,
                    mode=session.centre.mode,
                    joined_at=now,
                    queued_at=now,
                )
                for user in users
            ]
        )
    return len(users)


def demo_candidates(count: int, *, gender: str, label: str = "Seat") -> list[User]:
    """`count` verified demo candidates with unusable passwords (they never log in)."""
    now = clock.now()
    serial = (
        FILLER_SERIAL_BASE + User.objects.filter(email__endswith="@demo.rukhsa.example").count()
    )
    password = make_password(None)
    users = []
    for _ in range(count):
        serial += 1
        users.append(
            filler_user(serial=serial, gender=gender, label=label, when=now, password=password)
        )
    return User.objects.bulk_create(users)
