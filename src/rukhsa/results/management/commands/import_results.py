"""manage.py import_results FILE --period CODE [--dry-run]"""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rukhsa.catalog.models import Period
from rukhsa.results.importer import count_rows
from rukhsa.results.models import ImportStatus
from rukhsa.results.services import results_import


class Progress:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, total: int | None, stream: Any = sys.stderr) -> None:
        self.total, self.stream = total, stream
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        if self.total:
            share = min(done / self.total, 1.0)
            bar = "#" * int(share * 30)
            line = f"\r[{bar:<30}] {done:>9,}/{self.total:,} rows {share:6.1%} {rate:8,.0f}/s"
        else:
            line = f"\r{done:>9,} rows {rate:8,.0f}/s"
        self.stream.write(line)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a results file (CSV or XLSX) for a period. With --dry-run, check every row and "
        "write nothing. A real import writes all rows or none. Exits 1 when there are errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, help="the period's code")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        period = Period.objects.select_related("test").filter(code=options["period"]).first()
        if period is None:
            raise CommandError(f"No period has the code {options['period']!r}.")
        progress = (
            None if options["quiet_progress"] else Progress(count_rows(path), self.stderr._out)
        )
        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = results_import(
                period=period,
                file=handle,
                file_name=path.name,
                dry_run=options["dry_run"],
                progress=progress,
            )
        if progress:
            progress(batch.rows, final=True)
            self.stderr.write("")
        seconds = time.perf_counter() - started
        for line, reference, reason in batch.errors:
            self.stdout.write(f"line {line}: {reference + ': ' if reference else ''}{reason}")
        if batch.error_count > len(batch.errors):
            self.stdout.write(f"... and {batch.error_count - len(batch.errors)} more errors")
        kind = "Dry run" if batch.dry_run else "Import"
        self.stdout.write(
            f"{kind} of {path.name} for {period.code}: {batch.rows} rows, "
            f"{batch.written} results written ({batch.replaced} replaced), "
            f"{batch.error_count} errors, in {seconds:.1f} s. Batch #{batch.pk}: {batch.status}."
        )
        if batch.status == ImportStatus.INVALID:
            raise CommandError(f"{batch.error_count} errors: nothing was written.", returncode=1)
