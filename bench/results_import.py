"""Import benchmark: a period with N confirmed registrations and an N-row results CSV, timed.

    .venv/bin/python bench/results_import.py [--rows 350000] [--database-url URL]

Without --database-url it runs on a fresh SQLite file in a temporary folder (the embedded
default: WAL, IMMEDIATE transactions). With a PostgreSQL URL it creates (or empties) the
database ``rukhsa_bench_results`` on that server and runs there. It prints the time to
generate the data, a dry run and a real import, in rows per second, and the peak memory.
"""

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
BENCH_DB = "rukhsa_bench_results"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SPECIALIZATIONS = 4
DOMAINS = (10, 16, 14, 12, 18)  # questions per domain, the same for every specialization


def reference(i: int) -> str:
    chars = "".join(ALPHABET[(i >> (5 * k)) & 31] for k in range(8))
    return f"RK-{chars[:4]}-{chars[4:]}"


def setup_database(url: str | None, folder: Path) -> None:
    os.environ["DEBUG"] = "1"
    os.environ["RUKHSA_VAR_DIR"] = str(folder)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            connection.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + BENCH_DB
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rukhsa.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def raw_insert(model: type, template: object, varying: dict[str, list[object]]) -> None:
    """Insert len(list) rows: the template's column values with `varying` columns per row, by
    executemany in one transaction (no model objects: the generator stays fast)."""
    from django.db import connection, transaction

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]  # type: ignore[attr-defined]
    base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    positions = {f.attname: n for n, f in enumerate(fields)}
    count = len(next(iter(varying.values())))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = model._meta.db_table  # type: ignore[attr-defined]
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, count, 20_000):
            chunk = []
            for i in range(start, min(start + 20_000, count)):
                values = list(base)
                for name, column in varying.items():
                    values[positions[name]] = column[i]
                chunk.append(values)
            cursor.executemany(sql, chunk)


def generate(rows: int, folder: Path) -> tuple[object, Path]:
    from rukhsa.accounts.models import User
    from rukhsa.booking.models import Registration
    from rukhsa.catalog.models import Centre, City, Domain, Period, Session, Specialization, Test
    from rukhsa.catalog.services import places_sync
    from rukhsa.core import clock

    places_sync()
    now = clock.now()
    test = Test.objects.create(code="BENCH", name_ar="اختبار", name_en="Test", fee_halalas=10000)
    period = Period.objects.create(
        test=test, code="bench", name_ar="فترة", name_en="Period",
        registration_opens_at=now - timedelta(days=60),
        registration_closes_at=now - timedelta(days=40),
        first_test_day=(now - timedelta(days=30)).date(),
        last_test_day=(now - timedelta(days=20)).date(),
    )  # fmt: skip
    specs = [
        Specialization.objects.create(code=f"s{n}", name_ar=f"تخصص {n}", name_en=f"Spec {n}")
        for n in range(SPECIALIZATIONS)
    ]
    domains = {
        spec.pk: [
            Domain.objects.create(specialization=spec, name_ar=f"مجال {k}", name_en=f"Domain {k}",
                                  question_count=q, order=k)
            for k, q in enumerate(DOMAINS)
        ]
        for spec in specs
    }  # fmt: skip
    centre = Centre.objects.create(
        code="BENCH", name_ar="مركز", name_en="Centre", city=City.objects.first(), mode="paper",
        gender="male", address_ar="-", address_en="-", latitude=24.7, longitude=46.7,
    )  # fmt: skip
    sessions = Session.objects.bulk_create(
        Session(centre=centre, period=period, date=period.first_test_day + timedelta(days=n // 10),
                start_time=f"{8 + n % 10}:00", capacity=30000)
        for n in range(20)
    )  # fmt: skip
    template_user = User(
        identity_type="citizen", nationality="SA", password="!", name_en_first="A",  # noqa: S106
        name_en_father="B", name_en_grandfather="C", name_en_family="D",
        qualification="bachelor", is_active=True, date_joined=now,
    )  # fmt: skip
    raw_insert(
        User, template_user,
        {"identity_number": [f"3{i:09d}" for i in range(rows)],
         "identity_key": [f"3{i:09d}" for i in range(rows)],
         "mobile": [f"+9665{i:08d}" for i in range(rows)],
         "email": [f"b{i}@bench.example" for i in range(rows)],
         "experience_years": [i % 20 for i in range(rows)]},
    )  # fmt: skip
    user_ids = list(
        User.objects.filter(identity_key__startswith="3")
        .order_by("identity_key")
        .values_list("id", flat=True)
    )
    template_registration = Registration(
        reference="", test=test, period=period, mode="paper", status="confirmed",
        held_until=now, created_at=now, confirmed_at=now,
    )  # fmt: skip
    raw_insert(
        Registration, template_registration,
        {"reference": [reference(i) for i in range(rows)],
         "candidate_id": user_ids,
         "session_id": [sessions[i % len(sessions)].pk for i in range(rows)],
         "specialization_id": [specs[i % SPECIALIZATIONS].pk for i in range(rows)]},
    )  # fmt: skip
    path = folder / "results.csv"
    keys = [f"D{d.pk}" for spec in specs for d in domains[spec.pk]]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "attendance", *keys, "total_score"])
        width = len(DOMAINS)
        for i in range(rows):
            cells = [""] * len(keys)
            if i % 25 == 0:
                writer.writerow([reference(i), "absent", *cells, ""])
                continue
            slot = (i % SPECIALIZATIONS) * width
            for k, questions in enumerate(DOMAINS):
                cells[slot + k] = (i * 7 + k * 3) % (questions + 1)
            writer.writerow([reference(i), "present", *cells, (i * 13) % 101])
    return period, path


def timed_import(period: object, path: Path, dry_run: bool) -> tuple[float, object]:
    from rukhsa.results.services import results_import

    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = results_import(period=period, file=handle, file_name=path.name, dry_run=dry_run)
    return time.perf_counter() - started, batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=350_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rukhsa-bench-results-"))
    try:
        setup_database(args.database_url, folder)
        from django.db import connection

        started = time.perf_counter()
        period, path = generate(args.rows, folder)
        generated = time.perf_counter() - started
        print(f"database: {connection.vendor}; CPUs: {os.cpu_count()}; rows: {args.rows:,}")
        print(f"generate {args.rows:,} candidates, registrations and the CSV "
              f"({path.stat().st_size / 1e6:.1f} MB): {generated:.1f} s")  # fmt: skip
        for dry_run in (True, False):
            seconds, batch = timed_import(period, path, dry_run)
            label = "dry run" if dry_run else "import "
            print(
                f"{label}: {seconds:6.1f} s, {batch.rows / seconds:8,.0f} rows/s, "
                f"{batch.written:,} results written, {batch.error_count} errors, {batch.status}"
            )
        from rukhsa.results.models import DomainScore, Result

        counts = (Result.objects.count(), DomainScore.objects.count())
        print(f"rows: {counts[0]:,} results, {counts[1]:,} domain scores")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
