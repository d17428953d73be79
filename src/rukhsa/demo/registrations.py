"""Back the demo's nearly full and full sessions with real confirmed registrations.

The catalogue loader fills some sessions (`seats_taken`) so the journey shows "few seats left"
and مكتمل; here each of those seats gets a demo candidate's confirmed registration, so the
counter and the registrations always agree. Idempotent: only the missing ones are created.
"""

from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, F, Q

from rukhsa.accounts.models import Employment, IdentityType, Qualification, User
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Session
from rukhsa.core import clock
from rukhsa.core.digits import luhn_complete

FILLER_EMAIL = "seat-{n}@demo.rukhsa.example"
FILLER_SERIAL_BASE = 30_000_000
# Registrations that occupy a seat: held, confirmed, and completed (the test day passed).
SEAT_STATUSES = ["held", "confirmed", "completed"]


def _national_id(serial: int) -> str:
    return luhn_complete(f"1{serial:08d}")


def filler_user(*, serial: int, gender: str, label: str, when: datetime, password: str) -> User:
    """An unsaved verified demo candidate with a complete profile, numbered by `serial` (the
    demo's seat holders and waiting-list candidates: they never log in)."""
    number = _national_id(serial)
    return User(
        identity_type=IdentityType.CITIZEN,
        identity_number=number,
        nationality="SA",
        identity_key=number,
        gender=gender,
        password=password,
        name_ar_first="مرشح",
        name_ar_father="تجريبي",
        name_ar_grandfather="للعرض",
        name_ar_family="فقط",
        name_en_first="Demo",
        name_en_father=label,
        name_en_grandfather="Holder",
        name_en_family=f"N{serial}",
        mobile=f"+9665{serial % 10**8:08d}",
        mobile_verified_at=when,
        email=FILLER_EMAIL.format(n=serial),
        email_verified_at=when,
        qualification=Qualification.BACHELOR,
        major="Education",
        experience_years=3,
        employment=Employment.PUBLIC_SCHOOL,
        is_active=True,
        terms_accepted_at=when,
        privacy_accepted_at=when,
        date_joined=when,
    )


def demo_seat_registrations() -> int:
    """Create confirmed registrations for every seat counted but not yet registered."""
    sessions = (
        Session.objects.filter(seats_taken__gt=0)
        .annotate(active=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES)))
        .filter(active__lt=F("seats_taken"))
        .select_related("centre", "period__test")
        .prefetch_related("specializations")
    )
    wanted = [(session, session.seats_taken - session.active) for session in sessions]
    if not wanted:
        return 0
    now = clock.now()
    serial = (
        FILLER_SERIAL_BASE + User.objects.filter(email__endswith="@demo.rukhsa.example").count()
    )
    password = make_password(None)  # unusable: these demo candidates never log in
    created = 0
    with transaction.atomic():
        for session, missing in wanted:
            specialization = session.specializations.order_by("pk").first()
            if specialization is None:
                continue
            users = []
            for _ in range(missing):
                serial += 1
                users.append(
                    filler_user(
                        serial=serial,
                        gender=session.centre.gender,
                        label="Seat",
                        when=now,
                        password=password,
                    )
                )
            users = User.objects.bulk_create(users)
            Registration.objects.bulk_create(
                [
                    Registration(
                        candidate=user,
                        test=session.period.test,
                        period=session.period,
                        session=session,
                        specialization=specialization,
                        mode=session.centre.mode,
                        status=Status.CONFIRMED,
                        held_until=now,
                        created_at=now,
                        confirmed_at=now,
                    )
                    for user in users
                ]
            )
            created += len(users)
    return created
