"""Demo results: the earlier period's published results, for the demo candidate and a cohort.

``demo_results_load()`` is called by the demo loader (rukhsa.demo.loader). It is idempotent:
candidates, registrations and results are looked up by stable keys before anything is created.
It creates past, confirmed registrations directly (the booking journey cannot book the past),
on the earlier period's sessions — adding a few closed past sessions if the period has none.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from rukhsa.booking.models import Registration
from rukhsa.booking.models import Status as RegistrationStatus
from rukhsa.catalog.models import (
    Centre,
    Domain,
    Gender,
    Mode,
    Period,
    Session,
    SessionStatus,
    Specialization,
)
from rukhsa.core import clock
from rukhsa.core.clock import RIYADH
from rukhsa.core.digits import luhn_complete
from rukhsa.results.importer import percent_of
from rukhsa.results.models import Attendance, DomainScore, Result

PAST_PERIOD = "splt-demo-past"
CANDIDATE_ID = "1000000008"
SPECIALIZATION = "mathematics"
COHORT = 40  # other candidates in the same specialization (≥ 30: the cohort average shows)
# The demo candidate's questions correct per domain, in domain order (64 of 80: a score of 80,
# the expert band, which 7 years with a bachelor's degree caps at advanced): bands high ×4,
# medium and low.
DEMO_CORRECT = (9, 14, 13, 6, 5, 17)

MEN_AR = ("عبدالرحمن", "خالد", "فيصل", "سعود", "تركي", "ماجد", "نواف", "بندر", "سلطان", "عمر")
MEN_EN = ("Abdulrahman", "Khalid", "Faisal", "Saud", "Turki", "Majed", "Nawaf", "Bandar",
          "Sultan", "Omar")  # fmt: skip
WOMEN_AR = ("نورة", "سارة", "ريم", "هند", "لمى", "أمل", "منيرة", "العنود", "دانة", "جواهر")
WOMEN_EN = ("Noura", "Sarah", "Reem", "Hind", "Lama", "Amal", "Munira", "Alanoud", "Dana",
            "Jawaher")  # fmt: skip
FAMILY_AR = ("الشهري", "الغامدي", "الزهراني", "الدوسري", "المطيري", "الحربي", "العنزي", "السبيعي")
FAMILY_EN = ("Alshehri", "Alghamdi", "Alzahrani", "Aldosari", "Almutairi", "Alharbi", "Alanazi",
             "Alsubaie")  # fmt: skip
QUALIFICATIONS = ("bachelor", "bachelor", "bachelor", "master", "higher_diploma", "doctorate",
                  "diploma")  # fmt: skip


def demo_id(i: int) -> str:
    """Luhn-valid national IDs 19000000xx, apart from the demo and national-scale ranges."""
    return luhn_complete(f"1{90_000_000 + i:08d}")


def _past_sessions(period: Period, spec: Specialization) -> dict[str, list[Session]]:
    """Closed past digital sessions of the period hosting the specialization, by gender."""
    sessions = list(
        Session.objects.filter(period=period, specializations=spec, centre__mode=Mode.DIGITAL)
        .select_related("centre")
        .order_by("date", "start_time", "centre__code")
    )
    by_gender: dict[str, list[Session]] = {Gender.MALE: [], Gender.FEMALE: []}
    for session in sessions:
        by_gender[session.centre.gender].append(session)
    for gender, found in by_gender.items():
        if found:
            continue
        centre = Centre.objects.filter(mode=Mode.DIGITAL, gender=gender).order_by("code").first()
        if centre is None:
            continue
        session = Session.objects.create(
            centre=centre,
            period=period,
            date=period.first_test_day,
            start_time=time(8, 0),
            capacity=45,
            status=SessionStatus.CLOSED,
        )
        session.specializations.add(spec)
        found.append(session)
    return by_gender


def _answers(domains: list[Domain], rng: random.Random, ability: float) -> list[int]:
    return [
        max(0, min(d.question_count, round(d.question_count * (ability + rng.uniform(-0.2, 0.2)))))
        for d in domains
    ]


def _candidate(i: int, *, gender: str, now: datetime) -> Any:
    user_model = get_user_model()
    key = demo_id(i)
    user = user_model.objects.filter(identity_key=key).first()
    if user is not None:
        return user
    men = gender == Gender.MALE
    first_ar, first_en = (MEN_AR, MEN_EN) if men else (WOMEN_AR, WOMEN_EN)
    return user_model.objects.create_user(
        identity_type="citizen",
        identity_number=key,
        password=None,  # unusable: these accounts only fill the cohort
        birth_date=date(1985 + i % 12, 1 + i % 12, 1 + i % 27),
        gender=gender,
        name_ar_first=first_ar[i % 10],
        name_ar_father=MEN_AR[(i + 3) % 10],
        name_ar_grandfather=MEN_AR[(i + 5) % 10],
        name_ar_family=FAMILY_AR[i % 8],
        name_en_first=first_en[i % 10],
        name_en_father=MEN_EN[(i + 3) % 10],
        name_en_grandfather=MEN_EN[(i + 5) % 10],
        name_en_family=FAMILY_EN[i % 8],
        mobile=f"+96659{i:07d}",
        mobile_verified_at=now,
        email=f"cohort{i}@demo.rukhsa.example",
        email_verified_at=now,
        qualification=QUALIFICATIONS[i % len(QUALIFICATIONS)],
        major="Mathematics",
        experience_years=(i * 3) % 16,
        employment="public_school",
        is_active=True,
        terms_accepted_at=now,
        privacy_accepted_at=now,
        city="riyadh",
    )


@transaction.atomic
def demo_results_load(*, period_code: str = PAST_PERIOD, candidate_key: str = CANDIDATE_ID) -> int:
    """Create what is missing; return how many results were created."""
    period = Period.objects.select_related("test").filter(code=period_code).first()
    spec = Specialization.objects.filter(code=SPECIALIZATION).first()
    demo = get_user_model().objects.filter(identity_key=candidate_key).first()
    if period is None or spec is None or demo is None:
        return 0
    domains = list(Domain.objects.filter(specialization=spec).order_by("order", "id"))
    sessions = _past_sessions(period, spec)
    published = period.results_published_at or clock.now()
    rng = random.Random(2024)  # noqa: S311 - demo data, not security
    people: list[tuple[Any, list[int] | None]] = []
    demo_answers = [min(c, d.question_count) for d, c in zip(domains, DEMO_CORRECT, strict=False)]
    demo_answers += _answers(domains[len(demo_answers) :], rng, 0.8)
    people.append((demo, demo_answers))
    for i in range(1, COHORT + 1):
        gender = Gender.MALE if i % 2 else Gender.FEMALE
        user = _candidate(i, gender=gender, now=published)
        absent = i % 13 == 0
        people.append((user, None if absent else _answers(domains, rng, rng.uniform(0.3, 0.95))))
    created = 0
    for n, (user, answers) in enumerate(people):
        pool = sessions.get(user.gender) or sessions[Gender.MALE] or sessions[Gender.FEMALE]
        if not pool:
            return created
        session = pool[n % len(pool)]
        registration = Registration.objects.filter(candidate=user, period=period).first()
        if registration is None:
            booked = datetime.combine(period.registration_opens_at.date(), time(10), tzinfo=RIYADH)
            booked += timedelta(days=n % 5)
            registration = Registration.objects.create(
                candidate=user,
                test=period.test,
                period=period,
                session=session,
                specialization=spec,
                mode=Mode.DIGITAL,
                status=RegistrationStatus.CONFIRMED,
                held_until=booked + timedelta(minutes=period.test.hold_minutes),
                created_at=booked,
                confirmed_at=booked + timedelta(minutes=5),
            )
            Session.objects.filter(pk=session.pk, seats_taken__lt=F("capacity")).update(
                seats_taken=F("seats_taken") + 1
            )
        if Result.objects.filter(registration=registration).exists():
            continue
        if answers is None:
            score = None
        else:
            total = sum(answers) * 100 / sum(d.question_count for d in domains)
            score = int(Decimal(total).quantize(Decimal(1)))
        result = Result.objects.create(
            registration=registration,
            candidate=user,
            period=period,
            specialization=spec,
            attendance=Attendance.ABSENT if answers is None else Attendance.PRESENT,
            score=score,
            passed=score is not None and score >= period.test.pass_mark,
            qualification=user.qualification,
            experience_years=user.experience_years,
            imported_at=published,
            published_at=published,
            notified_at=published,
        )
        if answers is not None:
            DomainScore.objects.bulk_create(
                DomainScore(
                    result=result,
                    domain=d,
                    correct=c,
                    question_count=d.question_count,
                    percent=percent_of(c, d.question_count),
                )
                for d, c in zip(domains, answers, strict=True)
            )
        created += 1
    return created
