"""Importing results files: every bad-row reason, dry runs, all-or-nothing, replacing, formats."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from rukhsa.booking.models import Status
from rukhsa.core import clock
from rukhsa.results.models import DomainScore, ImportBatch, ImportStatus, Result
from tests.results.conftest import csv_bytes, header, key, row, run_import


def reasons(batch: ImportBatch) -> list[tuple[int, str]]:
    return [(line, reason) for line, _ref, reason in batch.errors]


def test_a_good_file_imports_scores_percent_and_pass(setup, register) -> None:
    passed, failed, absent = register(), register(), register()
    rows = [
        header(setup),
        row(setup, passed.reference, correct=(8, 15, 24), total=72),
        row(setup, failed.reference.lower(), correct=(2, 5, 9), total=31),
        [absent.reference, "ABSENT", "", "", "", "", ""],
    ]
    batch = run_import(setup, rows, dry_run=False)
    assert (batch.status, batch.rows, batch.written, batch.error_count) == ("imported", 3, 3, 0)
    good = Result.objects.get(registration=passed)
    assert (good.score, good.passed, good.attendance, good.published_at) == (
        72,
        True,
        "present",
        None,
    )
    assert good.candidate_id == passed.candidate_id and good.specialization_id == setup.cat.spec.pk
    percents = [str(s.percent) for s in good.domain_scores.order_by("domain__order")]
    assert percents == ["80.0", "75.0", "80.0"]
    assert Result.objects.get(registration=failed).passed is False
    gone = Result.objects.get(registration=absent)
    assert (gone.attendance, gone.score, gone.passed) == ("absent", None, False)
    assert not gone.domain_scores.exists()
    assert len({r.verification_code for r in Result.objects.all()}) == 3


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"reference": "RK-ZZZZ-ZZZZ"}, "No registration has the reference RK-ZZZZ-ZZZZ."),
        ({"reference": ""}, "The reference is empty."),
        ({"total": "101"}, "The total score 101 is outside 0 to 100."),
        ({"total": "-1"}, "The total score -1 is outside 0 to 100."),
        ({"total": "72.5"}, "The total score “72.5” is not a whole number."),
        ({"total": "seventy"}, "The total score “seventy” is not a whole number."),
        ({"total": ""}, "The total score is missing."),
        ({"correct": (11, 15, 20)}, "are more than its 10 questions"),
        ({"correct": (-1, 15, 20)}, "cannot be negative (-1)"),
        ({"correct": ("x", 15, 20)}, "“x”, is not a whole number"),
        ({"correct": ("", 15, 20)}, "are missing"),
        ({"other": "5"}, "is not a domain of the specialization"),
        (
            {"attendance": "absent"},
            "An absent candidate cannot have a total score or domain scores.",
        ),
        ({"attendance": "late"}, "The attendance “late” is not present or absent."),
    ],
)
def test_each_bad_row_reason_with_its_line(setup, register, cells, reason) -> None:
    good, bad = register(), register()
    values = {
        "reference": bad.reference,
        "attendance": "present",
        "correct": (8, 15, 20),
        "total": 72,
        "other": "",
    }
    values.update(cells)
    rows = [
        header(setup),
        row(setup, good.reference),
        row(
            setup,
            values["reference"],
            values["attendance"],
            values["correct"],
            values["total"],
            values["other"],
        ),
    ]
    batch = run_import(setup, rows, dry_run=True)
    assert batch.status == ImportStatus.INVALID
    assert [line for line, _r in reasons(batch)] == [3]
    assert reason in reasons(batch)[0][1]


def test_duplicate_reference_points_to_the_first_line(setup, register) -> None:
    reg = register()
    rows = [header(setup), row(setup, reg.reference), row(setup, reg.reference)]
    batch = run_import(setup, rows, dry_run=True)
    assert reasons(batch) == [
        (3, f"The reference {reg.reference} appears again (first on line 2).")
    ]


def test_not_a_confirmed_registration_of_the_period(setup, register, make_user) -> None:
    from tests.catalog.factories import make_period

    held = register(status=Status.HELD)
    cancelled = register(status=Status.CANCELLED)
    other_period = register(period=make_period(setup.cat.test, code="p-other"))
    rows = [header(setup)] + [row(setup, r.reference) for r in (held, cancelled, other_period)]
    batch = run_import(setup, rows, dry_run=True)
    assert [line for line, _r in reasons(batch)] == [2, 3, 4]
    assert all(
        "is not a confirmed registration of the period p-open" in r for _l, r in reasons(batch)
    )


def test_missing_domain_column_and_unknown_columns(setup, register) -> None:
    reg = register()
    without_last = [c for c in header(setup) if c != key(setup.domains[2])]
    batch = run_import(
        setup, [without_last, [reg.reference, "present", 8, 15, "", 72]], dry_run=True
    )
    assert "The file has no column " + key(setup.domains[2]) in reasons(batch)[0][1]
    batch = run_import(
        setup,
        [[*header(setup), "D999999", "notes"], [*row(setup, reg.reference), "", ""]],
        dry_run=True,
    )
    assert [line for line, _r in reasons(batch)] == [1, 1]
    assert "Unknown column “D999999”" in reasons(batch)[0][1]
    batch = run_import(setup, [["reference", "attendance"]], dry_run=True)
    assert reasons(batch) == [(1, "The column “total_score” is missing.")]


def test_a_dry_run_lists_every_bad_row_and_writes_nothing(setup, register) -> None:
    regs = [register() for _ in range(4)]
    rows = [
        header(setup),
        row(setup, regs[0].reference),
        row(setup, regs[1].reference, total=500),
        row(setup, regs[2].reference),
        row(setup, "RK-NOPE-NOPE"),
        row(setup, regs[3].reference),
    ]
    batch = run_import(setup, rows, dry_run=True)
    assert [line for line, _r in reasons(batch)] == [3, 5]
    assert (batch.rows, batch.written, batch.error_count) == (5, 0, 2)
    assert not Result.objects.exists() and not DomainScore.objects.exists()
    clean = run_import(setup, [rows[0], rows[1], rows[3]], dry_run=True)
    assert clean.status == ImportStatus.VALID and not Result.objects.exists()


def test_a_bad_row_after_many_good_batches_writes_nothing(setup, register, monkeypatch) -> None:
    from rukhsa.results import importer

    monkeypatch.setattr(importer, "BATCH_SIZE", 5)  # the good rows are written in earlier batches
    regs = [register() for _ in range(23)]
    rows = [header(setup)] + [row(setup, r.reference) for r in regs[:22]]
    rows.append(row(setup, regs[22].reference, correct=(8, 99, 20)))
    batch = run_import(setup, rows, dry_run=False)
    assert batch.status == ImportStatus.INVALID and batch.written == 0
    assert reasons(batch)[0][0] == 24
    assert not Result.objects.exists() and not DomainScore.objects.exists()


def test_reimport_replaces_unpublished_and_refuses_published(setup, register) -> None:
    first, second = register(), register()
    rows = [header(setup), row(setup, first.reference, total=40), row(setup, second.reference)]
    run_import(setup, rows, dry_run=False)
    code = Result.objects.get(registration=first).verification_code
    again = run_import(
        setup,
        [header(setup), row(setup, first.reference, correct=(10, 20, 30), total=95)],
        dry_run=False,
    )
    assert (again.written, again.replaced) == (1, 1)
    result = Result.objects.get(registration=first)
    assert (result.score, result.passed, result.verification_code) == (95, True, code)
    assert sorted(result.domain_scores.values_list("correct", flat=True)) == [10, 20, 30]
    assert DomainScore.objects.count() == 6

    Result.objects.filter(registration=second).update(published_at=clock.now())
    refused = run_import(
        setup,
        [
            header(setup),
            row(setup, first.reference, total=10),
            row(setup, second.reference, total=1),
        ],
        dry_run=False,
    )
    assert refused.status == ImportStatus.INVALID
    assert reasons(refused) == [
        (
            3,
            f"The result of {second.reference} is already published and cannot be replaced; "
            "ask a supervisor to correct it.",
        )
    ]
    assert Result.objects.get(registration=first).score == 95  # all or nothing


def test_results_of_a_period_past_its_publication_time_count_as_published(setup, register) -> None:
    reg = register()
    run_import(setup, [header(setup), row(setup, reg.reference)], dry_run=False)
    period = setup.cat.period
    period.results_published_at = period.registration_closes_at + timedelta(days=1)
    period.save()
    with time_machine.travel(period.results_published_at + timedelta(minutes=1)):
        batch = run_import(
            setup, [header(setup), row(setup, reg.reference, total=12)], dry_run=True
        )
    assert "already published" in reasons(batch)[0][1]


def test_xlsx_and_csv_give_the_same_results(setup, register) -> None:
    regs = [register() for _ in range(3)]
    rows = [
        header(setup),
        row(setup, regs[0].reference, correct=(1, 2, 3), total=9),
        row(setup, regs[1].reference, correct=(10, 20, 30), total=100),
        [regs[2].reference, "absent", None, None, None, None, None],
    ]

    def snapshot():
        return sorted(
            (
                r.registration.reference,
                r.attendance,
                r.score,
                r.passed,
                tuple(r.domain_scores.order_by("domain__order").values_list("correct", "percent")),
            )
            for r in Result.objects.select_related("registration")
        )

    assert run_import(setup, rows, dry_run=False, xlsx=True).status == ImportStatus.IMPORTED
    from_xlsx = snapshot()
    Result.objects.all().delete()
    assert run_import(setup, rows, dry_run=False).status == ImportStatus.IMPORTED
    assert snapshot() == from_xlsx and len(from_xlsx) == 3
    bad = [header(setup), row(setup, regs[0].reference, total=101)]
    assert reasons(run_import(setup, bad, dry_run=True, xlsx=True)) == reasons(
        run_import(setup, bad, dry_run=True)
    )


def test_a_file_that_is_not_csv_or_xlsx_is_refused_clearly(setup) -> None:
    from rukhsa.results.services import results_import

    for name, data in (("r.pdf", b"%PDF"), ("r.xlsx", b"not a zip"), ("r.csv", b"\xff\xfe\x00bad")):
        batch = results_import(
            period=setup.cat.period, file=io.BytesIO(data), file_name=name, dry_run=False
        )
        assert batch.status == ImportStatus.INVALID and batch.errors[0][0] == 0, name


def test_few_queries_per_batch(setup, register, django_assert_max_num_queries) -> None:
    regs = [register() for _ in range(60)]
    rows = [header(setup)] + [row(setup, r.reference) for r in regs]
    data = csv_bytes(rows)
    from rukhsa.results.services import results_import

    with django_assert_max_num_queries(20):
        batch = results_import(
            period=setup.cat.period, file=io.BytesIO(data), file_name="r.csv", dry_run=False
        )
    assert batch.written == 60


def test_the_command_prints_errors_and_exits_non_zero(setup, register, tmp_path, capsys) -> None:
    reg = register()
    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes([header(setup), row(setup, reg.reference, total=130)]))
    with pytest.raises(CommandError) as error:
        call_command("import_results", str(path), "--period", "p-open", "--dry-run")
    assert error.value.returncode == 1
    out = capsys.readouterr()
    assert "line 2:" in out.out and "outside 0 to 100" in out.out
    assert "rows" in out.err  # the progress bar
    path.write_bytes(csv_bytes([header(setup), row(setup, reg.reference)]))
    call_command("import_results", str(path), "--period", "p-open")
    assert "1 results written" in capsys.readouterr().out
    assert Result.objects.get().score == 72
    with pytest.raises(CommandError):
        call_command("import_results", str(path), "--period", "nope")


def test_a_registration_whose_test_day_passed_is_importable(setup, register) -> None:
    reg = register(status=Status.COMPLETED)  # confirmed, then the test day passed
    batch = run_import(setup, [header(setup), row(setup, reg.reference)], dry_run=False)
    assert batch.status == ImportStatus.IMPORTED and Result.objects.get().registration == reg
