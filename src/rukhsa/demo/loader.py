"""Load the demo data idempotently: a second run finds everything and changes nothing.

Dates are relative to the day the demo period is first created and are stored with it; later
runs derive every session date from the stored period, so they neither move nor duplicate rows.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from rukhsa.catalog.models import (
    Centre,
    City,
    Domain,
    Gender,
    Mode,
    ModesOffered,
    Period,
    PriorityWindow,
    Session,
    SessionStatus,
    Specialization,
    Test,
)
from rukhsa.catalog.services import places_sync
from rukhsa.core import clock
from rukhsa.core.admin_site import roles_setup, staff_totp_enrol
from rukhsa.core.clock import RIYADH
from rukhsa.core.geo import CITIES as GEO_CITIES
from rukhsa.demo.data import ACCESSIBILITY_AR, ACCESSIBILITY_EN, CITIES, SPECIALIZATIONS

TEST_CODE = "SPLT"
OPEN_PERIOD = "splt-demo-open"
OPENING_PERIOD = "splt-demo-opening"  # opens a few minutes after the first load: the waiting room
OPENING_IN = timedelta(minutes=15)
PAST_PERIOD = "splt-demo-past"
DIGITAL_TIMES = (time(8, 0), time(11, 0), time(14, 0))
PAPER_TIME = time(8, 0)
WORKING_DAYS = {6, 0, 1, 2, 3}  # Sunday to Thursday (Python: Monday = 0)

CANDIDATE_ID = "1000000008"
CANDIDATE_PASSWORD = "Rukhsa-Demo-2026"  # noqa: S105 - published demo credential
STAFF_ID = "1000000016"
STAFF_PASSWORD = "Rukhsa-Staff-2026"  # noqa: S105 - published demo credential
# A fixed, published TOTP secret so a newcomer can add the demo staff account to an app.
STAFF_TOTP_KEY = b"RukhsaDemoStaffTOTP!".hex()


@dataclass
class Tally:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, created: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + created

    def __str__(self) -> str:
        return ", ".join(f"{name}: {n}" for name, n in self.counts.items())


def at_riyadh(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=RIYADH)


# --- Catalogue --------------------------------------------------------------------------------


def load_test() -> tuple[Test, bool]:
    return Test.objects.get_or_create(
        code=TEST_CODE,
        defaults={
            "name_ar": "اختبار الرخصة المهنية التخصصي",
            "name_en": "Specialized Professional License Test",
            "fee_halalas": 10000,
            "vat_basis_points": 1500,
            "duration_minutes": 180,
            "pass_mark": 50,
        },
    )


def load_specializations(tally: Tally) -> list[Specialization]:
    specializations = []
    for order, data in enumerate(SPECIALIZATIONS, start=1):
        spec, created = Specialization.objects.get_or_create(
            code=data.code,
            defaults={"name_ar": data.name_ar, "name_en": data.name_en, "order": order},
        )
        tally.add("specializations", created)
        for d_order, domain in enumerate(data.domains, start=1):
            _obj, created = Domain.objects.get_or_create(
                specialization=spec,
                name_en=domain.name_en,
                defaults={
                    "name_ar": domain.name_ar,
                    "question_count": domain.questions,
                    "order": d_order,
                },
            )
            tally.add("domains", created)
        specializations.append(spec)
    return specializations


def load_centres(tally: Tally) -> list[Centre]:
    cities = {c.code: c for c in City.objects.filter(code__in=[c.code for c in CITIES])}
    kinds = (
        (Mode.PAPER, Gender.MALE, "P", "M"),
        (Mode.PAPER, Gender.FEMALE, "P", "F"),
        (Mode.DIGITAL, Gender.MALE, "D", "M"),
        (Mode.DIGITAL, Gender.FEMALE, "D", "F"),
    )
    centres = []
    for demo_city in CITIES:
        city = cities[demo_city.code]
        place = GEO_CITIES[demo_city.code]
        for (mode, gender, m, g), district in zip(kinds, demo_city.districts, strict=True):
            if mode == Mode.PAPER:
                noun_ar = "للبنين" if gender == Gender.MALE else "للبنات"
                noun_en = "for Boys" if gender == Gender.MALE else "for Girls"
                name_ar = f"ثانوية {district.name_ar} {noun_ar}، {place.name_ar}"
                name_en = f"{district.name_en} Secondary School {noun_en}, {place.name_en}"
            else:
                who_ar = "رجال" if gender == Gender.MALE else "نساء"
                who_en = "Men" if gender == Gender.MALE else "Women"
                name_ar = f"مركز الاختبارات الإلكترونية، {place.name_ar} ({who_ar})"
                name_en = f"Computer-Based Test Centre, {place.name_en} ({who_en})"
            centre, created = Centre.objects.get_or_create(
                code=f"{demo_city.code[:3].upper()}-{m}{g}1",
                defaults={
                    "name_ar": name_ar,
                    "name_en": name_en,
                    "city": city,
                    "mode": mode,
                    "gender": gender,
                    "address_ar": f"{district.street_ar}، حي {district.name_ar}، {place.name_ar}",
                    "address_en": f"{district.street_en}, {district.name_en}, {place.name_en}",
                    "latitude": Decimal(f"{demo_city.lat + district.dlat:.6f}"),
                    "longitude": Decimal(f"{demo_city.lon + district.dlon:.6f}"),
                    "accessibility_ar": ACCESSIBILITY_AR,
                    "accessibility_en": ACCESSIBILITY_EN,
                },
            )
            tally.add("centres", created)
            centres.append(centre)
    return centres


def load_open_period(test: Test, tally: Tally) -> Period:
    today = clock.today()
    first = today + timedelta(days=21)
    last = first + timedelta(weeks=8) - timedelta(days=1)
    opened = today - timedelta(days=3)
    period, created = Period.objects.get_or_create(
        code=OPEN_PERIOD,
        defaults={
            "test": test,
            "name_ar": "الفترة الحالية - اختبار الرخصة المهنية التخصصي",
            "name_en": "Current period - Specialized Professional License Test",
            "modes": ModesOffered.BOTH,
            "registration_opens_at": at_riyadh(opened),
            "registration_closes_at": at_riyadh(last - timedelta(days=7), 23, 59),
            "first_test_day": first,
            "last_test_day": last,
            "results_published_at": at_riyadh(last + timedelta(days=30), 12),
        },
    )
    tally.add("periods", created)
    if created:
        # Staggered like ETEC's windows; all already open so every demo candidate can book.
        windows = [
            (Gender.MALE, True, 0), (Gender.MALE, False, 1),
            (Gender.FEMALE, True, 1), (Gender.FEMALE, False, 2),
        ]  # fmt: skip
        PriorityWindow.objects.bulk_create(
            PriorityWindow(
                period=period,
                gender=gender,
                in_service_only=in_service,
                opens_at=at_riyadh(opened + timedelta(days=offset)),
            )
            for gender, in_service, offset in windows
        )
    return period


def load_past_period(test: Test, tally: Tally) -> Period:
    today = clock.today()
    opened = today - timedelta(days=200)
    first = today - timedelta(days=140)
    period, created = Period.objects.get_or_create(
        code=PAST_PERIOD,
        defaults={
            "test": test,
            "name_ar": "الفترة السابقة - اختبار الرخصة المهنية التخصصي",
            "name_en": "Previous period - Specialized Professional License Test",
            "modes": ModesOffered.BOTH,
            "registration_opens_at": at_riyadh(opened),
            "registration_closes_at": at_riyadh(first - timedelta(days=7), 23, 59),
            "first_test_day": first,
            "last_test_day": first + timedelta(days=20),
            "results_published_at": at_riyadh(first + timedelta(days=50), 12),
        },
    )
    tally.add("periods", created)
    return period


def load_opening_period(test: Test, tally: Tally, *, opening_in: timedelta | None = None) -> Period:
    """A period whose registration opens fifteen minutes after the first load, with its waiting
    room on from ten minutes before (docs/opening-day.md). ``opening_in`` moves an existing
    one's opening to that far from now and empties its queue, to see the opening again."""
    from rukhsa.admission.models import QueueSettings
    from rukhsa.admission.services import queue_reset

    now = clock.now().replace(second=0, microsecond=0)
    first = clock.today() + timedelta(days=84)  # after the open period's test days
    opens = now + (opening_in or OPENING_IN)
    period, created = Period.objects.get_or_create(
        code=OPENING_PERIOD,
        defaults={
            "test": test,
            "name_ar": "الفترة القادمة - اختبار الرخصة المهنية التخصصي",
            "name_en": "Next period - Specialized Professional License Test",
            "modes": ModesOffered.DIGITAL,
            "registration_opens_at": opens,
            "registration_closes_at": at_riyadh(first - timedelta(days=7), 23, 59),
            "first_test_day": first,
            "last_test_day": first + timedelta(days=13),
        },
    )
    tally.add("periods", created)
    _settings, made = QueueSettings.objects.get_or_create(
        period=period,
        defaults={"starts_before_minutes": 10, "rate_per_minute": 6, "max_active": 3},
    )
    tally.add("waiting rooms", made)
    if opening_in is not None and not created:
        Period.objects.filter(pk=period.pk).update(registration_opens_at=opens)
        queue_reset(period_id=period.pk)
        period.refresh_from_db()
    return period


def opening_period_sessions(
    period: Period, centres: list[Centre], specializations: list[Specialization]
) -> list["SessionSpec"]:
    """Riyadh's computer-based centres, the first week: enough to book after the opening."""
    ids = tuple(s.pk for s in specializations)
    days = working_days(period.first_test_day, period.first_test_day + timedelta(days=6))
    return [
        SessionSpec(centre, day, start, digital_capacity(centre), ids)
        for centre in centres
        if centre.mode == Mode.DIGITAL and centre.code.startswith("RIY-")
        for day in days
        for start in DIGITAL_TIMES
    ]


@dataclass(frozen=True)
class SessionSpec:
    centre: Centre
    day: date
    start: time
    capacity: int
    specializations: tuple[int, ...]
    seats_taken: int = 0
    status: str = SessionStatus.OPEN


def digital_capacity(centre: Centre) -> int:
    """19 to 45 seats, as ETEC's computer-based centres, fixed per centre."""
    return 19 + (sum(map(ord, centre.code)) * 7) % 27


def create_sessions(period: Period, specs: Iterable[SessionSpec], actor: Any = None) -> int:
    """Create the sessions that do not exist yet (by centre, date, time); return how many."""
    specs = list(specs)
    existing = set(
        Session.objects.filter(period=period).values_list("centre_id", "date", "start_time")
    )
    missing = [s for s in specs if (s.centre.pk, s.day, s.start) not in existing]
    with transaction.atomic():
        sessions = Session.objects.bulk_create(
            [
                Session(
                    centre=s.centre,
                    period=period,
                    date=s.day,
                    start_time=s.start,
                    capacity=s.capacity,
                    seats_taken=s.seats_taken,
                    status=s.status,
                    created_by=actor,
                )
                for s in missing
            ],
            batch_size=1000,
        )
        through = Session.specializations.through
        through.objects.bulk_create(
            [
                through(session_id=session.pk, specialization_id=spec_id)
                for session, spec in zip(sessions, missing, strict=True)
                for spec_id in spec.specializations
            ],
            batch_size=5000,
        )
    return len(missing)


def working_days(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() in WORKING_DAYS
    ]


def paper_dates(period: Period) -> tuple[date, date]:
    """Two fixed Saturdays: group 1 (sciences) early in the period, group 2 three weeks later."""
    first = period.first_test_day + timedelta(days=(5 - period.first_test_day.weekday()) % 7)
    return first, first + timedelta(weeks=3)


def open_period_sessions(
    period: Period, centres: list[Centre], specializations: list[Specialization]
) -> list[SessionSpec]:
    all_ids = tuple(s.pk for s in specializations)
    group = {data.code: data.paper_group for data in SPECIALIZATIONS}
    groups = {g: tuple(s.pk for s in specializations if group.get(s.code) == g) for g in (1, 2)}
    days = working_days(period.first_test_day, period.last_test_day)
    result = []
    for centre in centres:
        if centre.mode == Mode.DIGITAL:
            capacity = digital_capacity(centre)
            for day in days:
                for start in DIGITAL_TIMES:
                    result.append(SessionSpec(centre, day, start, capacity, all_ids))
        else:
            for g, day in zip((1, 2), paper_dates(period), strict=True):
                result.append(SessionSpec(centre, day, PAPER_TIME, 150, groups[g]))
    return with_demo_fill(result)


def with_demo_fill(specs: list[SessionSpec]) -> list[SessionSpec]:
    """A few sessions nearly full and two full, on the first days, so the UI shows both."""
    first_day = min(s.day for s in specs if s.centre.mode == Mode.DIGITAL)
    filled = []
    for s in specs:
        code = s.centre.code
        taken = 0
        if s.day == first_day and s.centre.mode == Mode.DIGITAL:
            if (code, s.start) in {("JED-DM1", time(8, 0)), ("RIY-DM1", time(14, 0))}:
                taken = s.capacity  # full: shown as full (مكتمل) beside the others
            elif code in {"RIY-DM1", "RIY-DF1", "DAM-DM1"} and s.start == time(8, 0):
                taken = s.capacity - 1
            elif code in {"RIY-DM1", "JED-DF1"} and s.start == time(11, 0):
                taken = s.capacity - 2
        elif s.centre.mode == Mode.PAPER and code in {"RIY-PM1", "JED-PF1"}:
            taken = s.capacity - 3
        filled.append(
            SessionSpec(s.centre, s.day, s.start, s.capacity, s.specializations, taken, s.status)
        )
    return filled


def past_period_sessions(
    period: Period, centres: list[Centre], specializations: list[Specialization]
) -> list[SessionSpec]:
    all_ids = tuple(s.pk for s in specializations)
    days = working_days(period.first_test_day, period.last_test_day)[:3]
    return [
        SessionSpec(centre, day, start, digital_capacity(centre), all_ids, 0, SessionStatus.CLOSED)
        for centre in centres
        if centre.mode == Mode.DIGITAL and centre.city.code in {"riyadh", "jeddah"}
        for day in days
        for start in DIGITAL_TIMES
    ]


# --- People -----------------------------------------------------------------------------------


def load_people(tally: Tally) -> tuple[Any, Any, Any]:
    user_model = get_user_model()
    now = clock.now()
    common: dict[str, Any] = {
        "nationality": "SA",
        "mobile_verified_at": now,
        "email_verified_at": now,
        "is_active": True,
        "terms_accepted_at": now,
        "privacy_accepted_at": now,
        "preferred_language": "ar",
        "city": "riyadh",
    }
    candidate = user_model.objects.filter(identity_key=CANDIDATE_ID).first()
    if candidate is None:
        candidate = user_model.objects.create_user(
            identity_type="citizen",
            identity_number=CANDIDATE_ID,
            password=CANDIDATE_PASSWORD,
            birth_date=date(1990, 3, 15),
            gender="male",
            name_ar_first="محمد",
            name_ar_father="عبدالله",
            name_ar_grandfather="سالم",
            name_ar_family="القحطاني",
            name_en_first="Mohammed",
            name_en_father="Abdullah",
            name_en_grandfather="Salem",
            name_en_family="Alqahtani",
            mobile="+966500000008",
            email="demo@rukhsa.example",
            qualification="bachelor",
            major="Mathematics",
            university="King Saud University",
            graduation_year=2012,
            experience_years=7,
            employment="public_school",
            **{k: v for k, v in common.items() if k != "nationality"},
        )
        tally.add("users", 1)
    staff = user_model.objects.filter(identity_key=STAFF_ID).first()
    if staff is None:
        staff = user_model.objects.create_user(
            identity_type="citizen",
            identity_number=STAFF_ID,
            password=STAFF_PASSWORD,
            birth_date=date(1985, 9, 1),
            gender="male",
            name_ar_first="فهد",
            name_ar_father="ناصر",
            name_ar_grandfather="علي",
            name_ar_family="العتيبي",
            name_en_first="Fahad",
            name_en_father="Nasser",
            name_en_grandfather="Ali",
            name_en_family="Alotaibi",
            mobile="+966500000016",
            email="staff@rukhsa.example",
            is_staff=True,
            is_superuser=True,
            **{k: v for k, v in common.items() if k != "nationality"},
        )
        tally.add("users", 1)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
    if device is None:
        device = staff_totp_enrol(user=staff, key=STAFF_TOTP_KEY, replace=True, name="demo")
        tally.add("authenticators", 1)
    return candidate, staff, device


# --- Entry point ------------------------------------------------------------------------------


def load_demo(
    log: Callable[[str], None] = lambda _m: None, *, opening_in: timedelta | None = None
) -> tuple[Tally, Any]:
    tally = Tally()
    created, _changed = places_sync()
    tally.add("regions and cities", created)
    roles_setup()
    test, created = load_test()
    tally.add("tests", created)
    specializations = load_specializations(tally)
    centres = load_centres(tally)
    _candidate, staff, device = load_people(tally)
    period = load_open_period(test, tally)
    tally.add(
        "sessions",
        create_sessions(period, open_period_sessions(period, centres, specializations), staff),
    )
    opening = load_opening_period(test, tally, opening_in=opening_in)
    tally.add(
        "sessions",
        create_sessions(opening, opening_period_sessions(opening, centres, specializations), staff),
    )
    past = load_past_period(test, tally)
    tally.add(
        "sessions",
        create_sessions(past, past_period_sessions(past, centres, specializations), staff),
    )
    from rukhsa.demo.registrations import demo_seat_registrations

    tally.add("registrations behind full seats", demo_seat_registrations())
    from rukhsa.demo.waitlist import demo_waitlist

    tally.add("candidates on a waiting list", demo_waitlist())
    from rukhsa.results.demo import demo_results_load

    tally.add("results", demo_results_load())
    from rukhsa.booking.services import registrations_complete_past

    registrations_complete_past()  # past sittings no longer block a new registration
    log(f"Created — {tally}")
    return tally, device
