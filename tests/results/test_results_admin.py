"""The back office: the results officer uploads, checks, imports and publishes; others cannot."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rukhsa.results.models import ImportBatch, Result
from tests.catalog.conftest import verified_client
from tests.results.conftest import csv_bytes, header, row, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media")


def upload(client, setup, rows, *, dry_run: bool, xlsx: bool = False):
    name = "results.xlsx" if xlsx else "results.csv"
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    return client.post(
        reverse("admin:results_result_import"),
        {
            "period": setup.cat.period.pk,
            "dry_run": "1" if dry_run else "0",
            "file": SimpleUploadedFile(name, data),
        },
    )


def test_results_officer_checks_then_imports_the_same_file(setup, register, make_staff) -> None:
    client = verified_client(make_staff("Results officer"))
    regs = [register(), register()]
    rows = [header(setup)] + [row(setup, r.reference) for r in regs]
    response = upload(client, setup, rows, dry_run=True, xlsx=True)
    assert response.status_code == 302
    checked = ImportBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "No problems found" in page and "Import this file now" in page
    assert not Result.objects.exists()
    kept = checked.stored_file
    assert kept and default_storage.exists(kept)
    done = client.post(reverse("admin:results_result_import_run", args=[checked.pk]))
    assert done.status_code == 302 and Result.objects.count() == 2
    assert "2 results written" in client.get(done["Location"]).content.decode()
    imported = ImportBatch.objects.exclude(pk=checked.pk).get()
    assert (imported.status, imported.rows, imported.written, imported.dry_run) == (
        "imported",
        2,
        2,
        False,
    )
    assert not default_storage.exists(kept) and imported.stored_file == ""
    # the stored file is gone: the same check cannot be imported twice
    again = client.post(reverse("admin:results_result_import_run", args=[checked.pk]))
    assert again.status_code == 404


def test_errors_are_listed_with_lines(setup, register, make_staff) -> None:
    client = verified_client(make_staff("Results officer"))
    reg = register()
    rows = [header(setup), row(setup, reg.reference, total=150), row(setup, "RK-0000-0000")]
    response = upload(client, setup, rows, dry_run=False)
    page = client.get(response["Location"]).content.decode()
    assert "2 problems — nothing was written" in page
    assert "The total score 150 is outside 0 to 100." in page and "RK-0000-0000" in page
    assert not Result.objects.exists()
    bad = client.post(
        reverse("admin:results_result_import"),
        {
            "period": setup.cat.period.pk,
            "dry_run": "1",
            "file": SimpleUploadedFile("results.pdf", b"%PDF"),
        },
    )
    assert bad.status_code == 200 and "Upload a .csv or .xlsx file." in bad.content.decode()


def test_template_and_publish_now(setup, register, make_staff, django_capture_on_commit_callbacks):
    client = verified_client(make_staff("Results officer"))
    template = client.get(
        reverse("admin:results_result_template", args=[setup.cat.period.pk, "csv"])
    )
    first_line = template.content.decode("utf-8-sig").splitlines()[0]
    assert first_line == ",".join(header(setup))
    xlsx = client.get(reverse("admin:results_result_template", args=[setup.cat.period.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    reg = register()
    upload(client, setup, [header(setup), row(setup, reg.reference)], dry_run=False)
    overview = client.get(reverse("admin:results_result_publication")).content.decode()
    assert setup.cat.period.code in overview and "Publish now" in overview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:results_result_publish", args=[setup.cat.period.pk]))
    result = Result.objects.get()
    assert result.published_at and result.notified_at


def test_other_roles_and_unverified_staff_are_refused(setup, make_staff) -> None:
    support = verified_client(make_staff("Support"))
    assert support.get(reverse("admin:results_result_import")).status_code == 403
    assert support.post(reverse("admin:results_result_import"), {}).status_code == 403
    assert support.post(reverse("admin:results_result_import_run", args=[1])).status_code == 403
    assert not ImportBatch.objects.exists()
    assert support.get(reverse("admin:results_result_publication")).status_code == 403
    from django.test import Client

    no_otp = Client()
    no_otp.force_login(make_staff("Results officer"))
    response = no_otp.get(reverse("admin:results_result_import"))
    assert response.status_code == 302 and "login" in response["Location"]
