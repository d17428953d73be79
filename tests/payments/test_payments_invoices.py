"""Simplified tax invoices: ZATCA TLV, gap-free numbers, the PDF and its QR code."""

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from rukhsa.core.pdf import render_pdf
from rukhsa.payments.gateways.base import GatewayResult
from rukhsa.payments.invoices import next_number, tlv_decode, zatca_tlv
from rukhsa.payments.models import Invoice, InvoiceSequence
from rukhsa.payments.services import payment_apply_result
from tests.payments.payments_helpers import PAID_CARDS, pay_with_card, start_payment

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="poppler-utils and zbar-tools are needed",
)


def test_tlv_decodes_back_to_the_five_fields():
    encoded = zatca_tlv(
        seller_name="هيئة تقويم التعليم والتدريب",
        vat_number="300000000000003",
        timestamp=datetime(2025, 3, 1, 9, 30, 5, tzinfo=UTC),
        total_halalas=11500,
        vat_halalas=1500,
    )
    assert tlv_decode(encoded) == {
        1: "هيئة تقويم التعليم والتدريب",
        2: "300000000000003",
        3: "2025-03-01T09:30:05Z",
        4: "115.00",
        5: "15.00",
    }


def test_invoice_carries_the_seller_buyer_line_and_totals(candidate_client, order, candidate):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    invoice = payment.invoice
    fields = tlv_decode(invoice.qr_tlv)
    assert fields[1] == settings.SELLER_NAME_AR
    assert fields[2] == settings.SELLER_VAT_NUMBER
    assert re.fullmatch(r"\d{15}", fields[2]) and fields[2][0] == fields[2][-1] == "3"
    assert fields[3] == invoice.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (fields[4], fields[5]) == ("115.00", "15.00")
    assert invoice.buyer_name_ar == candidate.name_ar
    assert invoice.masked_card == "420132******1010" and invoice.scheme == "mada"
    html = candidate_client.get(reverse("payments:invoice", args=[invoice.uuid])).content.decode()
    for text in ("فاتورة ضريبية مبسطة", settings.SELLER_NAME_AR, "300000000000003", "115.00",
                 "15.00", "100.00", "15%", "420132******1010", candidate.name_ar):  # fmt: skip
        assert text in html, text
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )


def _paid_invoice(make_order, candidate):  # type: ignore[no-untyped-def]
    from rukhsa.payments.services import payment_start

    order = make_order(owner=candidate)
    payment_start(order=order, owner=candidate, site_url="http://testserver/")
    payment = order.payments.get()
    payment_apply_result(
        payment=payment,
        result=GatewayResult(status="paid", amount_halalas=order.total_halalas, scheme="visa"),
    )
    return Invoice.objects.get(payment=payment)


def test_numbers_are_consecutive_even_across_a_rolled_back_transaction(make_order, candidate):
    first = _paid_invoice(make_order, candidate)
    with pytest.raises(RuntimeError), transaction.atomic():
        _paid_invoice(make_order, candidate)
        raise RuntimeError("booking failed after the invoice was numbered")
    third = _paid_invoice(make_order, candidate)
    assert third.number == first.number + 1
    assert list(Invoice.objects.order_by("number").values_list("number", flat=True)) == [
        first.number,
        first.number + 1,
    ]


def test_sequences_start_from_the_migration_row(db):
    assert set(InvoiceSequence.objects.values_list("name", flat=True)) >= {
        "invoice",
        "credit_note",
    }
    with transaction.atomic():
        assert next_number("invoice") == 1
        assert next_number("invoice") == 2


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    command = ["pdftotext", "-enc", "UTF-8", str(path), "-"]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def _qr_from_pdf(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    command = ["pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page")]
    subprocess.run(command, check=True)  # noqa: S603
    pages = sorted(tmp_path.glob("page*.png"))
    command = ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, pages)]
    out = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    return out.stdout.strip()


@needs_poppler
def test_pdf_has_arabic_seller_name_in_logical_order_and_the_number(
    candidate_client, order, tmp_path
):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    invoice = payment.invoice
    response = candidate_client.get(reverse("payments:invoice_pdf", args=[invoice.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert settings.SELLER_NAME_AR in text
    assert "مبسطة" in text  # (poppler extracts "ضر" of ضريبية as "رض": an extraction artefact)
    assert invoice.display_number in text
    assert "115.00" in text


@needs_poppler
def test_qr_code_in_the_pdf_decodes_to_the_tlv(candidate_client, order, tmp_path):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mastercard"])
    invoice = payment.invoice
    pdf = candidate_client.get(reverse("payments:invoice_pdf", args=[invoice.uuid])).content
    assert _qr_from_pdf(pdf, tmp_path) == invoice.qr_tlv


@needs_poppler
def test_qr_code_on_the_page_decodes_to_the_tlv(candidate_client, order, tmp_path):
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["mada"])
    invoice = payment.invoice
    html = candidate_client.get(reverse("payments:invoice", args=[invoice.uuid])).content.decode()
    match = re.search(r"<svg.*?</svg>", html, re.S)
    assert match is not None
    svg = match.group(0)
    from weasyprint import HTML

    pdf = HTML(string=f"<html><body style='margin:20mm'>{svg}</body></html>").write_pdf()
    assert _qr_from_pdf(pdf, tmp_path) == invoice.qr_tlv


def test_pdf_renderer_fetches_nothing_from_outside(candidate_client, order, monkeypatch):
    import urllib.request

    calls: list[object] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: calls.append(a))
    payment, _ = pay_with_card(candidate_client, order, PAID_CARDS["visa"])
    pdf = render_pdf(
        "payments/document_pdf.html", {"doc": payment.invoice, "kind": "invoice", "qr": ""}
    )
    assert pdf.startswith(b"%PDF")
    assert calls == []


def test_initiated_payment_has_no_invoice(candidate_client, order):
    payment, _ = start_payment(candidate_client, order)
    assert not Invoice.objects.filter(payment=payment).exists()
