"""Reading and checking a results file (CSV or XLSX), streamed in batches.

The file's first row names the columns (any order, case-insensitive):

- ``reference``   the registration reference, RK-XXXX-XXXX
- ``attendance``  ``present`` or ``absent``
- ``D<id>``       one column per domain (``D17``: questions correct in domain 17); a row fills the
                  domains of its registration's specialization and leaves the others empty. The
                  back office gives a template per period with every domain column it needs.
- ``total_score`` the scaled total score, a whole number from 0 to 100

Each batch of rows costs a few queries (registrations, existing results, then the inserts), never
one per row; the duplicate check keeps the references seen so far in a set.
"""

import csv
import io
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import IO, Any

from django.db import connection
from django.utils.translation import gettext as _

from rukhsa.booking.models import Registration
from rukhsa.booking.models import Status as RegistrationStatus
from rukhsa.catalog.models import Domain, Period
from rukhsa.core import clock
from rukhsa.core.digits import is_number
from rukhsa.results.models import (
    Attendance,
    DomainScore,
    ImportBatch,
    Result,
    new_verification_code,
)

BATCH_SIZE = 2000
REQUIRED = ("reference", "attendance", "total_score")
MAX_STORED_ERRORS = 10_000


class FileRefused(Exception):
    """The file as a whole cannot be read (not CSV/XLSX, not UTF-8, no header)."""


def domain_key(domain_id: int) -> str:
    return f"D{domain_id}"


@dataclass(frozen=True)
class RowError:
    line: int
    reference: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.line, self.reference, self.reason]


# --- Reading ------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV would hold: 12.0 → "12", None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def file_kind(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileRefused(
            _("Upload a .csv or .xlsx file (this one is “%(name)s”).") % {"name": name}
        )
    return suffix[1:]


def iter_rows(file: IO[bytes], name: str) -> Generator[list[str], None, None]:
    """The rows of the file as lists of stripped strings, header first, streamed."""
    kind = file_kind(name)
    file = getattr(file, "file", None) or file  # a Django File: its underlying binary file
    if kind == "csv":
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        try:
            for row in csv.reader(text):
                yield [cell.strip() for cell in row]
        except UnicodeDecodeError as exc:
            raise FileRefused(_("The CSV file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
        except csv.Error as exc:
            raise FileRefused(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
        finally:
            text.detach()
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML or openpyxl errors: all mean "not a workbook"
        raise FileRefused(_("The file is not an Excel workbook (.xlsx).")) from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def count_rows(path: Path) -> int | None:
    """Data rows in a file, cheaply, for a progress bar (None when it cannot tell)."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(lines - 1, 0)
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        rows = workbook.worksheets[0].max_row
    finally:
        workbook.close()
    return rows - 1 if rows else None


# --- Checking -----------------------------------------------------------------------------------


@dataclass
class Header:
    index: dict[str, int]  # column name → position
    domains: dict[int, int]  # domain id → position
    errors: list[RowError]


def parse_header(row: list[str], known_domains: dict[int, Domain]) -> Header:
    index: dict[str, int] = {}
    domains: dict[int, int] = {}
    errors: list[RowError] = []
    for position, raw in enumerate(row):
        name = raw.strip().lower()
        if not name:
            continue
        if name in index or (name[:1] == "d" and is_number(name[1:]) and int(name[1:]) in domains):
            errors.append(
                RowError(1, "", _("The column “%(name)s” appears twice.") % {"name": raw})
            )
            continue
        if name in REQUIRED:
            index[name] = position
        elif name[:1] == "d" and is_number(name[1:]) and int(name[1:]) in known_domains:
            domains[int(name[1:])] = position
        else:
            errors.append(
                RowError(
                    1,
                    "",
                    _(
                        "Unknown column “%(name)s”: use reference, attendance, total_score and a "
                        "domain column such as D12 from the period's template."
                    )
                    % {"name": raw},
                )
            )
    for name in REQUIRED:
        if name not in index:
            errors.append(RowError(1, "", _("The column “%(name)s” is missing.") % {"name": name}))
    return Header(index=index, domains=domains, errors=errors)


def parse_whole(text: str) -> int | None:
    """A whole number ("12", "12.0", " 7 "), or None when it is not one."""
    text = text.strip().replace("٫", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


def percent_of(correct: int, questions: int) -> Decimal:
    """Percent correct, truncated to one decimal place (never rounded up across a band edge)."""
    return (Decimal(correct) * 100 / Decimal(questions)).quantize(
        Decimal("0.1"), rounding=ROUND_DOWN
    )


@dataclass
class RegistrationInfo:
    id: int
    period_id: int
    status: str
    candidate_id: int
    specialization_id: int
    qualification: str
    experience_years: int | None


@dataclass
class Checked:
    """A good row, ready to write."""

    registration: RegistrationInfo
    attendance: str
    score: int | None
    correct: dict[int, int]  # domain id → questions correct


@dataclass
class Outcome:
    rows: int = 0
    written: int = 0
    replaced: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(error)


class Importer:
    """Check (and, unless it is a dry run, write) one file's rows for one period."""

    def __init__(
        self,
        *,
        period: Period,
        dry_run: bool,
        batch: ImportBatch | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.period = period
        self.dry_run = dry_run
        self.batch = batch
        self.progress = progress or (lambda _rows: None)
        self.pass_mark = period.test.pass_mark
        self.domains = {d.pk: d for d in Domain.objects.all()}
        self.spec_domains: dict[int, list[int]] = {}
        for domain in sorted(self.domains.values(), key=lambda d: (d.order, d.pk)):
            self.spec_domains.setdefault(domain.specialization_id, []).append(domain.pk)
        self.spec_codes = dict(
            (spec_id, code)
            for spec_id, code in Domain.objects.values_list(
                "specialization_id", "specialization__code"
            ).distinct()
        )
        self.seen: dict[str, int] = {}
        self.outcome = Outcome()
        self.header: Header | None = None

    # The rows after the header, `BATCH_SIZE` at a time.
    def run(self, rows: Iterable[list[str]]) -> Outcome:
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            self.outcome.add(RowError(1, "", _("The file is empty: it has no header row.")))
            return self.outcome
        self.header = parse_header(first, self.domains)
        for error in self.header.errors:
            self.outcome.add(error)
        if self.header.errors:
            return self.outcome
        chunk: list[tuple[int, list[str]]] = []
        for line, row in enumerate(iterator, start=2):
            if not any(row):
                continue  # a blank line is not a row
            chunk.append((line, row))
            if len(chunk) >= BATCH_SIZE:
                self._batch(chunk)
                chunk = []
        if chunk:
            self._batch(chunk)
        if self.outcome.rows == 0 and not self.outcome.error_count:
            self.outcome.add(RowError(2, "", _("The file has a header but no rows.")))
        return self.outcome

    def _header(self) -> Header:
        if self.header is None:
            raise RuntimeError("run() reads the header first")
        return self.header

    def _cell(self, row: list[str], position: int | None) -> str:
        if position is None or position >= len(row):
            return ""
        return row[position]

    def _batch(self, chunk: list[tuple[int, list[str]]]) -> None:
        header = self._header()
        index = header.index
        references = {self._cell(row, index["reference"]).upper() for _line, row in chunk} - {""}
        registrations = {
            row[0]: RegistrationInfo(*row[1:])  # type: ignore[arg-type]
            for row in Registration.objects.filter(reference__in=references).values_list(
                "reference",
                "id",
                "period_id",
                "status",
                "candidate_id",
                "specialization_id",
                "candidate__qualification",
                "candidate__experience_years",
            )
        }
        existing = {
            registration_id: (result_id, published_at)
            for registration_id, result_id, published_at in Result.objects.filter(
                registration_id__in=[r.id for r in registrations.values()]
            ).values_list("registration_id", "id", "published_at")
        }
        now = clock.now()
        period_public = bool(
            self.period.results_published_at and self.period.results_published_at <= now
        )
        good: list[Checked] = []
        for line, row in chunk:
            self.outcome.rows += 1
            checked = self._check(line, row, registrations, existing, period_public)
            if checked is not None:
                good.append(checked)
        if not self.dry_run and not self.outcome.error_count:
            self._write(good, existing, now)
        self.progress(self.outcome.rows)

    def _check(
        self,
        line: int,
        row: list[str],
        registrations: dict[str, RegistrationInfo],
        existing: dict[int, tuple[int, Any]],
        period_public: bool,
    ) -> Checked | None:
        header = self._header()
        index = header.index
        reference = self._cell(row, index["reference"]).upper()
        errors: list[str] = []

        def fail(reason: str) -> None:
            errors.append(reason)

        if not reference:
            self.outcome.add(RowError(line, "", _("The reference is empty.")))
            return None
        if reference in self.seen:
            self.outcome.add(
                RowError(
                    line,
                    reference,
                    _("The reference %(reference)s appears again (first on line %(first)s).")
                    % {"reference": reference, "first": self.seen[reference]},
                )
            )
            return None
        self.seen[reference] = line
        registration = registrations.get(reference)
        if registration is None:
            self.outcome.add(
                RowError(
                    line,
                    reference,
                    _("No registration has the reference %(reference)s.")
                    % {"reference": reference},
                )
            )
            return None
        if registration.period_id != self.period.pk or registration.status not in (
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.COMPLETED,
        ):
            self.outcome.add(
                RowError(
                    line,
                    reference,
                    _("%(reference)s is not a confirmed registration of the period %(period)s.")
                    % {"reference": reference, "period": self.period.code},
                )
            )
            return None
        previous = existing.get(registration.id)
        if previous is not None and (previous[1] is not None or period_public):
            fail(
                _(
                    "The result of %(reference)s is already published and cannot be replaced; "
                    "ask a supervisor to correct it."
                )
                % {"reference": reference}
            )

        attendance_text = self._cell(row, index["attendance"]).strip().lower()
        total_text = self._cell(row, index["total_score"])
        filled = {d: self._cell(row, pos) for d, pos in header.domains.items()}
        spec_domains = self.spec_domains.get(registration.specialization_id, [])
        spec_code = self.spec_codes.get(registration.specialization_id, "")
        score: int | None = None
        correct: dict[int, int] = {}
        if attendance_text not in Attendance.values:
            fail(
                _("The attendance “%(value)s” is not present or absent.")
                % {"value": attendance_text}
            )
        elif attendance_text == Attendance.ABSENT:
            if total_text or any(filled.values()):
                fail(_("An absent candidate cannot have a total score or domain scores."))
        else:
            score = parse_whole(total_text)
            if not total_text:
                fail(_("The total score is missing."))
            elif score is None:
                fail(
                    _("The total score “%(value)s” is not a whole number.") % {"value": total_text}
                )
            elif not 0 <= score <= 100:
                fail(_("The total score %(value)s is outside 0 to 100.") % {"value": score})
            for domain_id, text in filled.items():
                if text and domain_id not in spec_domains:
                    fail(
                        _(
                            "Domain %(key)s is not a domain of the specialization %(spec)s of "
                            "this registration."
                        )
                        % {"key": domain_key(domain_id), "spec": spec_code}
                    )
            for domain_id in spec_domains:
                domain = self.domains[domain_id]
                key = domain_key(domain_id)
                if domain_id not in filled:
                    fail(
                        _("The file has no column %(key)s for the domain “%(name)s” of %(spec)s.")
                        % {"key": key, "name": domain.name_en, "spec": spec_code}
                    )
                    continue
                text = filled[domain_id]
                value = parse_whole(text)
                if not text:
                    fail(_("Questions correct in domain %(key)s are missing.") % {"key": key})
                elif value is None:
                    fail(
                        _(
                            "Questions correct in domain %(key)s, “%(value)s”, is not a whole "
                            "number."
                        )
                        % {"key": key, "value": text}
                    )
                elif value < 0:
                    fail(
                        _("Questions correct in domain %(key)s cannot be negative (%(value)s).")
                        % {"key": key, "value": value}
                    )
                elif value > domain.question_count:
                    fail(
                        _(
                            "Questions correct in domain %(key)s (%(value)s) are more than its "
                            "%(count)s questions."
                        )
                        % {"key": key, "value": value, "count": domain.question_count}
                    )
                else:
                    correct[domain_id] = value
        if errors:
            for reason in errors:
                self.outcome.add(RowError(line, reference, reason))
            return None
        return Checked(registration, attendance_text, score, correct)

    def _write(self, good: list[Checked], existing: dict[int, tuple[int, Any]], now: Any) -> None:
        """Write a checked batch with executemany: a handful of statements, no model objects
        (the ORM's per-object cost dominated a 350,000-row import)."""
        ops = connection.ops
        when = ops.adapt_datetimefield_value(now)
        batch_id = self.batch.pk if self.batch else None
        fresh: list[tuple[Any, ...]] = []
        replaced: list[tuple[Any, ...]] = []
        for row in good:
            reg = row.registration
            values = (
                row.attendance,
                row.score,
                row.score is not None and row.score >= self.pass_mark,
                reg.qualification or "",
                reg.experience_years,
                batch_id,
                when,
            )
            previous = existing.get(reg.id)
            if previous is None:
                fresh.append(
                    (reg.id, reg.candidate_id, reg.period_id, reg.specialization_id, *values,
                     new_verification_code())
                )  # fmt: skip
            else:
                replaced.append((*values, previous[0]))
        result_table = Result._meta.db_table
        with connection.cursor() as cursor:
            if replaced:
                DomainScore.objects.filter(result_id__in=[r[-1] for r in replaced])._raw_delete(
                    DomainScore.objects.db
                )
                cursor.executemany(
                    f"UPDATE {result_table} SET attendance = %s, score = %s, passed = %s, "  # noqa: S608
                    "qualification = %s, experience_years = %s, batch_id = %s, imported_at = %s "
                    "WHERE id = %s",
                    replaced,
                )
            if fresh:
                cursor.executemany(
                    f"INSERT INTO {result_table} (registration_id, candidate_id, period_id, "  # noqa: S608
                    "specialization_id, attendance, score, passed, qualification, "
                    "experience_years, batch_id, imported_at, verification_code) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    fresh,
                )
            ids = dict(
                Result.objects.filter(
                    registration_id__in=[row.registration.id for row in good if row.correct]
                ).values_list("registration_id", "id")
            )
            scores = [
                (
                    ids[row.registration.id],
                    domain_id,
                    value,
                    self.domains[domain_id].question_count,
                    ops.adapt_decimalfield_value(
                        percent_of(value, self.domains[domain_id].question_count), 4, 1
                    ),
                )
                for row in good
                for domain_id, value in row.correct.items()
            ]
            if scores:
                cursor.executemany(
                    f"INSERT INTO {DomainScore._meta.db_table} "  # noqa: S608
                    "(result_id, domain_id, correct, question_count, percent) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    scores,
                )
        self.outcome.written += len(fresh) + len(replaced)
        self.outcome.replaced += len(replaced)
