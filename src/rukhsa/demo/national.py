"""National-scale data for load tests: ~400,000 candidates, 300 centres, 20,000 sessions and
(for the read benchmark, bench/scale_reads.py) ~350,000 registrations.

Fast on purpose: one password hash shared by every generated candidate, ``bulk_create`` in
batches, conflicts ignored so a second run adds nothing.
"""

import itertools
import time as timer
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from rukhsa.catalog.models import Centre, City, Gender, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.core.digits import luhn_complete
from rukhsa.demo.loader import (
    DIGITAL_TIMES,
    PAPER_TIME,
    digital_capacity,
    paper_dates,
    working_days,
)

CANDIDATES = 400_000
DIGITAL_CENTRES = 200
PAPER_CENTRES = 100
SESSIONS = 20_000
REGISTRATIONS = 350_000
CANDIDATE_PASSWORD = "Rukhsa-Candidate-2026"  # noqa: S105 - published load-test credential
BATCH = 5_000
ROWS_PER_STATEMENT = 500  # 500 rows x 34 columns stays under SQLite's 32,766 parameters
FIRST_SERIAL = 10_000_000  # generated national IDs: 1 + 8-digit serial + check digit


def national_id(serial: int) -> str:
    return luhn_complete(f"1{FIRST_SERIAL + serial:08d}")


def load_candidates(count: int, log: Callable[[str], None]) -> int:
    """Insert generated candidates with one multi-row statement per batch.

    Raw ``executemany`` rather than ``bulk_create``: building 400,000 model instances costs
    more than writing them. Values go through each field's ``get_db_prep_save`` so they are
    stored exactly as the ORM would store them. Existing rows are skipped (ON CONFLICT).
    """
    user_model = get_user_model()
    password = make_password(CANDIDATE_PASSWORD)  # hashed once for every generated candidate
    now = clock.now()
    before = user_model.objects.count()
    qualifications = (
        "bachelor",
        "bachelor",
        "bachelor",
        "master",
        "diploma",
        "doctorate",
        "higher_diploma",
    )
    employment = ("public_school", "public_school", "private_school", "not_employed")
    majors = (
        "Mathematics",
        "Physics",
        "Chemistry",
        "Biology",
        "Arabic",
        "English",
        "Islamic studies",
        "History",
        "Computer science",
        "Early childhood",
        "Special education",
        "Physical education",
    )
    constant = {
        "identity_type": "citizen",
        "nationality": "SA",
        "password": password,
        "birth_date": None,
        "name_ar_father": "خالد",
        "name_ar_grandfather": "سعد",
        "name_ar_family": "الشمري",
        "name_en_father": "Khalid",
        "name_en_grandfather": "Saad",
        "name_en_family": "Alshammari",
        "mobile_verified_at": now,
        "email_verified_at": now,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "date_joined": now,
        "terms_accepted_at": now,
        "privacy_accepted_at": now,
        "last_login": None,
        "city": "",
        "preferred_language": "ar",
        "university": "",
        "graduation_year": None,
    }

    def row(i: int) -> dict[str, object]:
        number = national_id(i)
        female = i % 2 == 1
        return {
            "identity_number": number,
            "identity_key": number,
            "gender": "female" if female else "male",
            "name_ar_first": "نورة" if female else "عبدالرحمن",
            "name_en_first": "Noura" if female else "Abdulrahman",
            "mobile": f"+9665{60_000_000 + i:08d}",
            "email": f"candidate{i}@national.rukhsa.example",
            "qualification": qualifications[i % len(qualifications)],
            "major": majors[i % len(majors)],
            "experience_years": i % 25,
            "employment": employment[i % len(employment)],
        }

    fields = [f for f in user_model._meta.concrete_fields if not f.primary_key]
    missing = {f.name for f in fields} - set(constant) - set(row(0))
    if missing:  # a new column on the user model: give it a value above
        raise RuntimeError(f"No value for the user fields {sorted(missing)}.")
    prepared = {
        f.name: f.get_db_prep_save(constant[f.name], connection)
        for f in fields
        if f.name in constant
    }
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(str(user_model._meta.db_table))} "  # noqa: S608
        f"({', '.join(quote(str(f.column)) for f in fields)}) VALUES "
    )
    one_row = f"({', '.join(['%s'] * len(fields))})"
    for start in range(0, count, BATCH):
        end = min(start + BATCH, count)
        if user_model.objects.filter(identity_key=national_id(end - 1)).exists():
            continue  # loaded by an earlier run
        with transaction.atomic(), connection.cursor() as cursor:
            for chunk in range(start, end, ROWS_PER_STATEMENT):
                rows = range(chunk, min(chunk + ROWS_PER_STATEMENT, end))
                params: list[Any] = []
                for i in rows:
                    varying = row(i)
                    params += [
                        prepared[f.name] if f.name in prepared else varying[f.name] for f in fields
                    ]
                # Identifiers come from the model's metadata; every value is a parameter.
                sql = head + ", ".join([one_row] * len(rows)) + " ON CONFLICT DO NOTHING"
                cursor.execute(sql, params)
        if (start // BATCH) % 20 == 19:
            log(f"  candidates: {end:,}")
    return user_model.objects.count() - before


def load_centres() -> list[Centre]:
    cities = list(City.objects.order_by("region__order", "order"))
    kinds = itertools.cycle([(Mode.DIGITAL, Gender.MALE), (Mode.DIGITAL, Gender.FEMALE)])
    wanted = []
    for n in range(DIGITAL_CENTRES + PAPER_CENTRES):
        city = cities[n % len(cities)]
        if n < DIGITAL_CENTRES:
            mode, gender = next(kinds)
        else:
            mode, gender = Mode.PAPER, (Gender.MALE if n % 2 == 0 else Gender.FEMALE)
        who_ar = "رجال" if gender == Gender.MALE else "نساء"
        who_en = "Men" if gender == Gender.MALE else "Women"
        kind_ar = "مركز اختبارات إلكترونية" if mode == Mode.DIGITAL else "مقر اختبار ورقي"
        kind_en = "Computer-based centre" if mode == Mode.DIGITAL else "Paper venue"
        wanted.append(
            Centre(
                code=f"NAT-{n + 1:03d}",
                name_ar=f"{kind_ar} {n + 1}، {city.name_ar} ({who_ar})",
                name_en=f"{kind_en} {n + 1}, {city.name_en} ({who_en})",
                city=city,
                mode=mode,
                gender=gender,
                address_ar=f"{city.name_ar}",
                address_en=f"{city.name_en}",
                latitude=Decimal("24.000000"),
                longitude=Decimal("45.000000"),
            )
        )
    Centre.objects.bulk_create(wanted, ignore_conflicts=True)
    return list(Centre.objects.filter(code__startswith="NAT-").order_by("code"))


def load_sessions(period: Period, centres: list[Centre], *, count: int | None = None) -> int:
    count = SESSIONS if count is None else count  # read at call time (tests shrink it)
    spec_ids = list(Specialization.objects.filter(active=True).values_list("id", flat=True))
    days = working_days(period.first_test_day, period.last_test_day)
    digital = [c for c in centres if c.mode == Mode.DIGITAL]
    paper = [c for c in centres if c.mode == Mode.PAPER]
    slots_each = (count - 2 * len(paper)) // max(len(digital), 1)
    wanted: list[Session] = []
    for centre in digital:
        capacity = digital_capacity(centre)
        slots = [(d, t) for d in days for t in DIGITAL_TIMES][:slots_each]
        wanted += [
            Session(centre=centre, period=period, date=d, start_time=t, capacity=capacity)
            for d, t in slots
        ]
    for centre in paper:
        wanted += [
            Session(centre=centre, period=period, date=d, start_time=PAPER_TIME, capacity=300)
            for d in paper_dates(period)
        ]
    before = Session.objects.filter(centre__code__startswith="NAT-").count()
    with transaction.atomic():
        Session.objects.bulk_create(wanted, batch_size=BATCH, ignore_conflicts=True)
        bare = list(
            Session.objects.filter(
                centre__code__startswith="NAT-", specializations__isnull=True
            ).values_list("id", flat=True)
        )
        through = Session.specializations.through
        through.objects.bulk_create(
            (through(session_id=s, specialization_id=sp) for s in bare for sp in spec_ids),
            batch_size=BATCH,
        )
    return Session.objects.filter(centre__code__startswith="NAT-").count() - before


def load_registrations(
    period: Period, count: int, log: Callable[[str], None], *, skip: int = 0
) -> int:
    """Give ``count`` generated candidates (after the first ``skip``) one registration each in
    ``period``, on the national sessions of their gender in turn: six in ten confirmed (while
    the session has room, never past its capacity), the rest cancelled or expired. Then
    ``seats_taken`` is set from the confirmed ones. One multi-row statement per 500 rows, as for
    the candidates; skipped when an earlier run loaded them."""
    from rukhsa.booking.models import ACTIVE, Registration, Status

    if Registration.objects.filter(reference=_national_reference(0)).exists():
        return 0
    users = list(
        get_user_model()
        .objects.filter(email__endswith="@national.rukhsa.example")
        .order_by("pk")
        .values_list("pk", "gender")[skip : skip + count]
    )
    sessions: dict[str, list[tuple[int, str, int]]] = {Gender.MALE: [], Gender.FEMALE: []}
    for pk, gender, mode, capacity in (
        Session.objects.filter(period=period, centre__code__startswith="NAT-")
        .order_by("pk")
        .values_list("pk", "centre__gender", "centre__mode", "capacity")
    ):
        sessions[gender].append((pk, mode, capacity))
    if not sessions[Gender.MALE] or not sessions[Gender.FEMALE]:
        raise RuntimeError("No national sessions: load them first (load_sessions).")
    spec_ids = list(Specialization.objects.filter(active=True).values_list("id", flat=True))
    now = clock.now()
    taken: dict[int, int] = {}
    turn: dict[str, int] = {Gender.MALE: 0, Gender.FEMALE: 0}
    fields = [
        f
        for f in Registration._meta.concrete_fields
        if not f.primary_key and f.name not in {"order", "checked_in_by"}
    ]
    fields += [Registration._meta.get_field("order"), Registration._meta.get_field("checked_in_by")]

    def row(i: int, user_id: int, gender: str) -> list[object]:
        pool = sessions[gender]
        session_id, mode, capacity = pool[turn[gender] % len(pool)]
        turn[gender] += 1
        created = now - timedelta(days=1 + i % 20, minutes=i % 600)
        status = (
            Status.CONFIRMED if i % 10 < 6 else (Status.CANCELLED if i % 10 < 9 else Status.EXPIRED)
        )
        if status == Status.CONFIRMED and taken.get(session_id, 0) >= capacity:
            status = Status.CANCELLED
        if status == Status.CONFIRMED:
            taken[session_id] = taken.get(session_id, 0) + 1
        ended = None if status == Status.CONFIRMED else created + timedelta(minutes=15)
        values = {
            "reference": _national_reference(i),
            "candidate": user_id,
            "test": period.test_id,
            "period": period.pk,
            "session": session_id,
            "specialization": spec_ids[i % len(spec_ids)],
            "mode": mode,
            "status": status,
            "held_until": created + timedelta(minutes=15),
            "created_at": created,
            "confirmed_at": created + timedelta(minutes=5) if status == Status.CONFIRMED else None,
            "ended_at": ended,
            "end_reason": "" if ended is None else "generated",
            "changes_count": 0,
            "ticket_version": 1,
            "displaced_at": None,
            "checked_in_at": None,
            "order": None,
            "checked_in_by": None,
        }
        missing = {f.name for f in fields} - set(values)
        if missing:  # a new column on the registration: give it a value above
            raise RuntimeError(f"No value for the registration fields {sorted(missing)}.")
        return [f.get_db_prep_save(values[f.name], connection) for f in fields]

    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(Registration._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(str(f.column)) for f in fields)}) VALUES "
    )
    one_row = f"({', '.join(['%s'] * len(fields))})"
    for start in range(0, len(users), BATCH):
        batch = users[start : start + BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            for chunk in range(0, len(batch), ROWS_PER_STATEMENT):
                rows = batch[chunk : chunk + ROWS_PER_STATEMENT]
                params: list[Any] = []
                for offset, (user_id, gender) in enumerate(rows):
                    params += row(start + chunk + offset, user_id, gender)
                # Identifiers come from the model's metadata; every value is a parameter.
                cursor.execute(head + ", ".join([one_row] * len(rows)), params)
        if (start // BATCH) % 20 == 19:
            log(f"  registrations: {start + len(batch):,}")
    confirmed = (
        Registration.objects.filter(session=OuterRef("pk"), status__in=ACTIVE)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Session.objects.filter(period=period, centre__code__startswith="NAT-").update(
        seats_taken=Coalesce(Subquery(confirmed), 0)
    )
    return len(users)


def _national_reference(i: int) -> str:
    return f"NAT{i:09d}"


def load_national(
    period: Period, log: Callable[[str], None], *, candidates: int = CANDIDATES
) -> dict[str, float]:
    timings: dict[str, float] = {}
    started = timer.perf_counter()
    created = load_candidates(candidates, log)
    timings["candidates"] = timer.perf_counter() - started
    log(f"National candidates: {created:,} created in {timings['candidates']:.1f} s")
    started = timer.perf_counter()
    centres = load_centres()
    created = load_sessions(period, centres)
    timings["centres_sessions"] = timer.perf_counter() - started
    log(
        f"National centres: {len(centres)}, sessions created: {created:,} "
        f"in {timings['centres_sessions']:.1f} s"
    )
    # After a bulk load the planner must learn the new sizes, or the journey's selectors
    # choose nested loops over hundreds of thousands of rows (seconds instead of milliseconds).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return timings
