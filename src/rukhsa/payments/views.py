"""The candidate's side of payments: start, return from the gateway, invoices; and webhooks."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rukhsa.core import bidi
from rukhsa.core.net import client_ip
from rukhsa.core.pdf import qr_svg, render_pdf
from rukhsa.payments import selectors
from rukhsa.payments.errors import PaymentError
from rukhsa.payments.models import CreditNote, FailureReason, Invoice, Payment, PaymentStatus
from rukhsa.payments.services import payment_refresh, payment_start
from rukhsa.payments.webhooks import webhook_receive

logger = logging.getLogger(__name__)


def _safe_return(request: HttpRequest, path: str) -> str:
    if url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return path
    return "/"


def failure_sentence(reason: str) -> str:
    sentences: dict[str, str] = {
        FailureReason.DECLINED: _(
            "Your payment was declined by your bank. No amount was taken. You can try again "
            "with another card."
        ),
        FailureReason.INSUFFICIENT_FUNDS: _(
            "Your payment did not go through because the card does not have enough funds. No "
            "amount was taken. You can try again with another card."
        ),
        FailureReason.THREE_DS_FAILED: _(
            "Your payment did not go through because the card's 3-D Secure verification "
            "failed. No amount was taken. You can try again."
        ),
        FailureReason.ABANDONED: _(
            "Your payment was not completed in time. No amount was taken. You can try again."
        ),
    }
    return sentences.get(
        reason,
        _("Your payment did not go through. No amount was taken. You can try again."),
    )


def _flash_outcome(request: HttpRequest, payment: Payment) -> None:
    if payment.status == PaymentStatus.PAID:
        invoice = getattr(payment, "invoice", None)
        messages.success(
            request,
            bidi.sentence(
                _("Your payment was received. Your receipt is simplified tax invoice %(number)s."),
                number=invoice.display_number if invoice else "",
            ),
        )
    elif payment.status == PaymentStatus.REFUNDED:
        messages.info(request, _("This payment was refunded to your card."))
    elif payment.status == PaymentStatus.FAILED:
        messages.error(request, failure_sentence(payment.failure_reason))
    else:
        messages.warning(
            request,
            _(
                "Your payment is not confirmed yet. We will check with the payment service and "
                "tell you by SMS and email as soon as it is."
            ),
        )


@login_required
@require_POST
def order_pay(request: HttpRequest, order_uuid: str) -> HttpResponse:
    """Start paying an order (a form button on the caller's page posts here)."""
    order = selectors.order_for_owner(request.user, order_uuid)
    try:
        url = payment_start(
            order=order, owner=request.user, site_url=request.build_absolute_uri("/")
        )
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(_safe_return(request, order.return_path))
    return HttpResponseRedirect(url)


@never_cache
@login_required
@require_GET
def payment_return(request: HttpRequest, payment_uuid: str) -> HttpResponse:
    """Where the gateway sends the candidate back. The query (`id`, `status`, `message`) is
    only a hint: the outcome is fetched from the gateway, server to server — unless the payment
    is already paid here (the gateway's webhook came first): nothing the gateway could answer
    would change what this page says."""
    payment = selectors.payment_for_owner(request.user, payment_uuid)
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        try:
            payment = payment_refresh(payment=payment, fresh=True)
        except PaymentError as exc:
            logger.warning("return for payment %s: %s", payment.uuid, exc)
            payment.refresh_from_db()
    _flash_outcome(request, payment)
    return redirect(_safe_return(request, payment.order.return_path))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    # Read one byte more than the cap, never the whole body: an oversized one is refused.
    body = request.read(settings.WEBHOOK_MAX_BODY_BYTES + 1)
    status, outcome = webhook_receive(gateway=gateway, body=body, ip=client_ip(request))
    return JsonResponse({"status": outcome}, status=status)


def _document_context(document: Invoice | CreditNote, kind: str) -> dict[str, object]:
    qr = document.qr_tlv if isinstance(document, Invoice) else ""
    return {"doc": document, "kind": kind, "qr": qr_svg(qr) if qr else ""}


@login_required
@require_GET
def document(request: HttpRequest, uuid: str, kind: str, as_pdf: bool = False) -> HttpResponse:
    """An invoice or a credit note of the signed-in owner (404 for anyone else's), as a page
    or as a PDF; `kind` and `as_pdf` come from the URL pattern."""
    found: Invoice | CreditNote
    if kind == "invoice":
        found = selectors.invoice_for_owner(request.user, uuid)
    else:
        found = selectors.credit_note_for_owner(request.user, uuid)
    context = _document_context(found, kind)
    if not as_pdf:
        return render(request, "payments/invoice.html", context)
    response = HttpResponse(
        render_pdf("payments/document_pdf.html", context), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{found.display_number}.pdf"'
    return response
