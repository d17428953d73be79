"""The score report PDF: one A4 page, Arabic text, the score, and a QR code to verification."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rukhsa.results.models import Result
from rukhsa.results.services import results_publish
from tests.results.conftest import header, row, run_import

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdftoppm", "zbarimg")),
    reason="needs poppler-utils and zbar-tools",
)


@pytest.fixture
def report(setup, register, make_user, tmp_path) -> tuple[Result, Path]:
    reg = register(make_user(identity_number="1000000008"))
    run_import(
        setup,
        [header(setup), row(setup, reg.reference, correct=(4, 16, 27), total=84)],
        dry_run=False,
    )
    results_publish(period=setup.cat.period)
    result = Result.objects.get(registration=reg)
    client = Client()
    client.force_login(reg.candidate)
    response = client.get(reverse("results:report_pdf", args=[result.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    return result, path


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def test_one_a4_page(report) -> None:
    info = run("pdfinfo", str(report[1]))
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Page size:\s+595.\d+ x 841.\d+ pts \(A4\)", info, re.M)


def test_text_has_arabic_specialization_score_and_masked_identity(report) -> None:
    text = run("pdftotext", "-enc", "UTF-8", str(report[1]), "-")
    result = report[0]
    assert "الرياضيات" in text or "الرياضيات"[::-1] in text
    assert "84" in text and "••••••0008" in text
    assert "1000000008" not in text
    assert result.code_display in text


def test_qr_code_decodes_to_the_verification_url(report, tmp_path) -> None:
    run("pdftoppm", "-png", "-r", "150", str(report[1]), str(tmp_path / "page"))
    png = next(tmp_path.glob("page*.png"))
    decoded = run("zbarimg", "--quiet", "--raw", str(png)).strip()
    code = report[0].verification_code
    assert decoded == f"{settings.SITE_URL}/verify/{code}/"
    assert Client().get(decoded.removeprefix(settings.SITE_URL)).status_code == 200
