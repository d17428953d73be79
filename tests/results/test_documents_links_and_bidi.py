"""Documents that make sense on paper and in Arabic (issue 17, items 5 and 9).

- Every link and QR code in a generated PDF (ticket, score report, invoice, credit note) and the
  calendar file points at SITE_URL, never at 127.0.0.1 or localhost.
- The printed ticket prints the centre's address and a QR code of its location on a map.
- A cancelled registration links its credit note; the invoice and credit note link back.
- Left-to-right tokens (URLs, references, phone numbers, emails, card endings) keep their order
  inside Arabic, on pages and in PDFs (checked in the text poppler extracts).
"""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import qrcode
from django.test import Client
from django.urls import reverse

from rukhsa.booking import changes
from rukhsa.core import pdf as core_pdf
from rukhsa.payments.models import CreditNote, Invoice
from rukhsa.results.models import Result
from rukhsa.results.services import results_publish
from tests.booking.booking_helpers import confirmed
from tests.results.conftest import header, row, run_import

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "zbarimg")),
    reason="needs poppler-utils and zbar-tools",
)

PUBLIC = "https://rukhsa.example.sa"


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def client_in(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def recorded(monkeypatch) -> dict[str, list[str]]:
    """Everything that went into a PDF (its HTML) or a QR code, as it was generated."""
    seen: dict[str, list[str]] = {"html": [], "qr": []}
    render = core_pdf.render_to_string
    add_data = qrcode.QRCode.add_data

    def render_and_record(*args: Any, **kwargs: Any) -> str:
        html = render(*args, **kwargs)
        seen["html"].append(html)
        return html

    def add_and_record(self: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        seen["qr"].append(str(data))
        add_data(self, data, *args, **kwargs)

    monkeypatch.setattr(core_pdf, "render_to_string", render_and_record)
    monkeypatch.setattr(qrcode.QRCode, "add_data", add_and_record)
    return seen


@pytest.fixture
def paid(cat, candidate, settings):
    settings.SITE_URL = PUBLIC
    return confirmed(candidate, cat.slot, cat.spec)


@pytest.fixture
def published(setup, register, make_user, settings) -> Result:
    settings.SITE_URL = PUBLIC
    reg = register(make_user())
    run_import(setup, [header(setup), row(setup, reg.reference, total=84)], dry_run=False)
    results_publish(period=setup.cat.period)
    return Result.objects.get(registration=reg)


def pdf_text(content: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def qr_codes(content: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    run("pdftoppm", "-png", "-r", "150", "-singlefile", str(path), str(tmp_path / name))
    return run(
        "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp_path / f"{name}.png")
    ).split()


# --- SITE_URL in every document --------------------------------------------------------------


def cancel(registration: Any, candidate: Any, capture: Any) -> None:
    with capture(execute=True):  # the refund and its credit note follow the commit
        changes.registration_cancel(registration=registration, actor=candidate)


def test_no_document_or_qr_points_at_the_development_host(
    paid, published, candidate, recorded, tmp_path, django_capture_on_commit_callbacks
) -> None:
    cancel(paid, candidate, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(order=paid.order)
    note = CreditNote.objects.get(invoice=invoice)
    mine = client_in(candidate, "ar")
    owner = client_in(published.candidate, "ar")
    documents = {
        "invoice": mine.get(reverse("payments:invoice_pdf", args=[invoice.uuid])).content,
        "credit-note": mine.get(reverse("payments:credit_note_pdf", args=[note.uuid])).content,
        "report": owner.get(reverse("results:report_pdf", args=[published.pk])).content,
    }
    for name, content in documents.items():
        text = pdf_text(content, tmp_path, name)
        assert "127.0.0.1" not in text and "localhost" not in text, name
    for html in recorded["html"]:
        assert "127.0.0.1" not in html and "localhost" not in html
    assert recorded["qr"], "the documents carry QR codes"
    for data in recorded["qr"]:
        assert "127.0.0.1" not in data and "localhost" not in data
    assert any(data.startswith(f"{PUBLIC}/verify/") for data in recorded["qr"])


def test_ticket_and_calendar_use_site_url_and_print_the_map(cat, candidate, settings, tmp_path):
    settings.SITE_URL = PUBLIC
    registration = confirmed(candidate, cat.slot, cat.spec)
    client = client_in(candidate, "ar")
    content = client.get(reverse("tickets:ticket_pdf", args=[registration.reference])).content
    text = pdf_text(content, tmp_path, "ticket")
    assert "127.0.0.1" not in text and "localhost" not in text
    assert cat.digital.address_ar.split()[0] in text  # the address, printed
    assert "OpenStreetMap" not in text  # no link to "open" on paper
    cat.digital.refresh_from_db()
    assert cat.digital.map_url in qr_codes(content, tmp_path, "ticket")
    ics = client.get(reverse("tickets:ticket_ics", args=[registration.reference])).content.decode()
    unfolded = ics.replace("\r\n ", "")
    assert f"URL:{PUBLIC}/registrations/{registration.reference}/ticket/" in unfolded or (
        f"URL:{PUBLIC}/" in unfolded
    )
    assert "127.0.0.1" not in unfolded and "localhost" not in unfolded


# --- Links between a registration and its documents --------------------------------------------


def test_cancelled_registration_links_its_credit_note_and_back(
    paid, candidate, django_capture_on_commit_callbacks
) -> None:
    cancel(paid, candidate, django_capture_on_commit_callbacks)
    note = CreditNote.objects.get(invoice__order=paid.order)
    client = client_in(candidate, "en")
    page = client.get(reverse("booking:registration", args=[paid.reference])).content.decode()
    assert reverse("payments:credit_note", args=[note.uuid]) in page
    assert f'Credit note <bdi dir="ltr">{note.display_number}</bdi>' in page
    assert "the credit note is with your invoice" not in page
    back = reverse("booking:registration", args=[paid.reference])
    note_page = client.get(reverse("payments:credit_note", args=[note.uuid])).content.decode()
    assert f'href="{back}"' in note_page and "Back to the registration" in note_page


def test_invoice_page_links_back_to_its_registration(paid, candidate) -> None:
    invoice = Invoice.objects.get(order=paid.order)
    page = (
        client_in(candidate, "en")
        .get(reverse("payments:invoice", args=[invoice.uuid]))
        .content.decode()
    )
    back = reverse("booking:registration", args=[paid.reference])
    assert f'href="{back}"' in page and "Back to the registration" in page


# --- Left-to-right tokens inside Arabic ---------------------------------------------------------


def test_arabic_pdfs_keep_urls_references_and_card_endings_in_order(
    paid, published, candidate, tmp_path
) -> None:
    report = client_in(published.candidate, "ar").get(
        reverse("results:report_pdf", args=[published.pk])
    )
    text = pdf_text(report.content, tmp_path, "report")
    url = f"{PUBLIC}/verify/{published.verification_code}/"
    assert url in text  # not "/https://…" (the trailing slash thrown to the other end)
    assert f"/{PUBLIC}" not in text

    invoice = Invoice.objects.get(order=paid.order)
    text = pdf_text(
        client_in(candidate, "ar")
        .get(reverse("payments:invoice_pdf", args=[invoice.uuid]))
        .content,
        tmp_path,
        "invoice",
    )
    assert invoice.display_number in text
    assert invoice.masked_card and invoice.masked_card in text  # "•••• 1010", not "1010 ••••"

    ticket = client_in(candidate, "ar").get(reverse("tickets:ticket_pdf", args=[paid.reference]))
    assert paid.reference in pdf_text(ticket.content, tmp_path, "ticket")


def test_arabic_pages_isolate_phone_email_and_references(paid, candidate, settings) -> None:
    settings.SUPPORT_PHONE = "+966 11 000 0000"
    client = client_in(candidate, "ar")
    page = client.get(reverse("dashboard")).content.decode()
    assert '<bdi dir="ltr">+966 11 000 0000</bdi>' in page
    assert '<bdi dir="ltr">support@rukhsa.example</bdi>' in page
    assert f'<bdi dir="ltr">{paid.reference}</bdi>' in page
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert f'dir="ltr" class="ltr-value">{candidate.mobile}<' in profile
    cancel = client.get(reverse("booking:cancel", args=[paid.reference])).content.decode()
    assert f'<bdi dir="ltr">{paid.reference}</bdi>' in cancel
