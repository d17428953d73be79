"""Simplified tax invoices and credit notes: gap-free numbers, the ZATCA QR code, the PDF.

Numbering: each series ("invoice", "credit_note") has one InvoiceSequence row. The next number
is taken by locking that row (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE write transaction
does the same) inside the transaction that marks the payment paid (or refunded), so:
- two transactions never get the same number (the second waits for the first to commit);
- a transaction that rolls back gives its number back (the row's increment rolls back too);
- hence the numbers are consecutive without gaps.
The lock is taken as late as possible (just before the insert) and held until commit; after a
series' first number, taking the next one is one `UPDATE … RETURNING`.
"""

import base64
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection

from rukhsa.core import clock, rows
from rukhsa.payments.models import CreditNote, Invoice, InvoiceSequence, Order, Payment

INVOICE_SERIES = "invoice"
CREDIT_NOTE_SERIES = "credit_note"


def next_number(series: str) -> int:
    """The next number of `series`; call inside the transaction that uses it.

    The race-control tests replace it with a read-wait-write to show the race the lock prevents.
    """
    table = connection.ops.quote_name(InvoiceSequence._meta.db_table)
    with connection.cursor() as cursor:
        # One statement: the increment takes the row's lock until the commit, as before.
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE name = %s "  # noqa: S608 - the model's own table name
            "RETURNING last_number",
            [series],
        )
        found = cursor.fetchone()
    if found is not None:
        return int(found[0])
    # A series' first number: its row is made (two first numbers at once: one makes it, the
    # other finds it and waits for its lock).
    row, _created = InvoiceSequence.objects.select_for_update().get_or_create(name=series)
    row.last_number += 1
    row.save(update_fields=["last_number"])
    return row.last_number


def amount_text(halalas: int) -> str:
    """115.00 — the form ZATCA's QR code and the documents use."""
    return f"{halalas // 100}.{halalas % 100:02d}"


def zatca_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zatca_tlv(
    *, seller_name: str, vat_number: str, timestamp: datetime, total_halalas: int, vat_halalas: int
) -> str:
    """Base64 of the TLV the ZATCA phase-1 QR code carries (tags 1 to 5, values in UTF-8)."""
    values = (
        seller_name,
        vat_number,
        zatca_timestamp(timestamp),
        amount_text(total_halalas),
        amount_text(vat_halalas),
    )
    out = bytearray()
    for tag, value in enumerate(values, start=1):
        data = value.encode("utf-8")
        if len(data) > 255:
            raise ValueError(f"TLV value for tag {tag} is longer than 255 bytes")
        out += bytes((tag, len(data))) + data
    return base64.b64encode(bytes(out)).decode("ascii")


def tlv_decode(encoded: str) -> dict[int, str]:
    """The TLV back into {tag: text} (used by tests and by support tools)."""
    data = base64.b64decode(encoded)
    fields: dict[int, str] = {}
    index = 0
    while index < len(data):
        tag, length = data[index], data[index + 1]
        fields[tag] = data[index + 2 : index + 2 + length].decode("utf-8")
        index += 2 + length
    return fields


def _seller() -> dict[str, str]:
    return {
        "seller_name_ar": settings.SELLER_NAME_AR,
        "seller_name_en": settings.SELLER_NAME_EN,
        "seller_vat_number": settings.SELLER_VAT_NUMBER,
        "seller_address_ar": settings.SELLER_ADDRESS_AR,
        "seller_address_en": settings.SELLER_ADDRESS_EN,
    }


def _buyer(order: Order) -> dict[str, str]:
    owner: Any = order.owner
    return {"buyer_name_ar": owner.name_ar, "buyer_name_en": owner.name_en}


def invoice_issue(payment: Payment) -> Invoice:
    """Issue the simplified tax invoice of a payment that has just become paid."""
    order = payment.order
    issued_at = clock.now()
    seller = _seller()
    invoice = Invoice(
        payment=payment,
        order=order,
        issued_at=issued_at,
        **seller,
        **_buyer(order),
        description_ar=order.description_ar,
        description_en=order.description_en,
        net_halalas=order.net_halalas,
        vat_basis_points=order.vat_basis_points,
        vat_halalas=order.vat_halalas,
        total_halalas=order.total_halalas,
        scheme=payment.scheme,
        masked_card=payment.masked_card,
        qr_tlv=zatca_tlv(
            seller_name=seller["seller_name_ar"],
            vat_number=seller["seller_vat_number"],
            timestamp=issued_at,
            total_halalas=order.total_halalas,
            vat_halalas=order.vat_halalas,
        ),
    )
    invoice.number = next_number(INVOICE_SERIES)
    rows.insert(invoice)
    return invoice


def split_gross(gross_halalas: int, vat_basis_points: int) -> tuple[int, int]:
    """A VAT-inclusive amount into (net, VAT), VAT rounded half up; net + VAT == gross."""
    vat = (gross_halalas * vat_basis_points * 2 + (10000 + vat_basis_points)) // (
        2 * (10000 + vat_basis_points)
    )
    return gross_halalas - vat, vat


def credit_note_issue(payment: Payment, *, amount_halalas: int, reason: str) -> CreditNote:
    """Issue the credit note of a refund of `amount_halalas` (VAT included) of a paid payment."""
    invoice = payment.invoice
    if amount_halalas == invoice.total_halalas:
        net, vat = invoice.net_halalas, invoice.vat_halalas
    else:
        net, vat = split_gross(amount_halalas, invoice.vat_basis_points)
    note = CreditNote(
        invoice=invoice,
        payment=payment,
        issued_at=clock.now(),
        **_seller(),
        buyer_name_ar=invoice.buyer_name_ar,
        buyer_name_en=invoice.buyer_name_en,
        description_ar=invoice.description_ar,
        description_en=invoice.description_en,
        net_halalas=net,
        vat_basis_points=invoice.vat_basis_points,
        vat_halalas=vat,
        total_halalas=amount_halalas,
        scheme=invoice.scheme,
        masked_card=invoice.masked_card,
        reason=reason[:200],
    )
    note.number = next_number(CREDIT_NOTE_SERIES)
    note.save()
    return note


# --- PDF ----------------------------------------------------------------------------------------
