"""The sandbox gateway's own pages: hosted card page and 3-D Secure step.

They are the gateway's, not Rukhsa's: the card form posts here, the number is checked and
dropped in this request (only scheme, masked number and outcome are kept), and nothing here
reads or writes Rukhsa's payments — the merchant learns the outcome from the redirect (a hint),
the API (fetch) and the webhook.

A charge's pages answer only the browser session that opened its card page first, with the
one-time grant in the link the merchant redirected to (spent on that first visit, and recorded
on the charge); anyone else who learns the charge id or the link (a shared screen, a log, a
proxy, the browser's history) gets "not found".
"""

import hmac
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rukhsa.payments.sandbox import api
from rukhsa.payments.sandbox.cards import card_outcome, card_scheme, mask_card
from rukhsa.payments.sandbox.forms import CardForm
from rukhsa.payments.sandbox.models import ChargeStatus, SandboxCharge, ThreeDSState

SESSION_CHARGES = "sandbox_charges"


def _bound(request: HttpRequest, charge_id: str) -> bool:
    """True when this session may see the charge: it opened the card page with the grant."""
    charges: list[str] = request.session.get(SESSION_CHARGES, [])
    if charge_id in charges:
        return True
    grant = request.GET.get("grant", "")
    if not (grant and hmac.compare_digest(grant, api.charge_grant(charge_id))):
        return False
    if not api.grant_spend(charge_id):
        return False  # the grant was used by another session already
    request.session[SESSION_CHARGES] = [*charges[-19:], charge_id]
    return True


def _charge(request: HttpRequest, charge_id: str) -> SandboxCharge:
    charge_id = str(charge_id)
    if not _bound(request, charge_id):
        raise Http404
    try:
        return api.charge_for_page(charge_id)
    except api.ChargeNotFound as exc:
        raise Http404 from exc


def _back_to_merchant(charge: SandboxCharge) -> HttpResponseRedirect:
    """Moyasar's callback: the merchant's URL with id, status and message."""
    query = urlencode({"id": str(charge.id), "status": charge.status, "message": charge.message})
    separator = "&" if "?" in charge.callback_url else "?"
    return HttpResponseRedirect(f"{charge.callback_url}{separator}{query}")


@never_cache
@sensitive_post_parameters("number", "cvc", "expiry", "name")
@require_http_methods(["GET", "POST"])
def card_page(request: HttpRequest, charge_id: str) -> HttpResponse:
    # Opened with the grant, the page answers at once (the grant is spent by now; its script
    # takes it out of the address bar); the form posts to the address without it.
    charge = _charge(request, charge_id)
    if charge.status != ChargeStatus.INITIATED:
        return _back_to_merchant(charge)
    if charge.three_ds == ThreeDSState.PENDING and request.method == "GET":
        return redirect("payments:sandbox_3ds", charge_id=charge.id)
    form = CardForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            number = form.cleaned_data["number"]
            api.card_submit(
                charge,
                scheme=card_scheme(number),
                masked_number=mask_card(number),
                outcome=card_outcome(number),
            )
            return redirect("payments:sandbox_3ds", charge_id=charge.id)
        form.forget_card_data()
    return render(request, "sandbox_gateway/card.html", {"charge": charge, "form": form})


@never_cache
@require_http_methods(["GET"])
def three_ds_page(request: HttpRequest, charge_id: str) -> HttpResponse:
    charge = _charge(request, charge_id)
    if charge.status != ChargeStatus.INITIATED:
        return _back_to_merchant(charge)
    if charge.three_ds != ThreeDSState.PENDING:
        return redirect("payments:sandbox_card", charge_id=charge.id)
    return render(request, "sandbox_gateway/three_ds.html", {"charge": charge})


@never_cache
@require_POST
def three_ds_submit(request: HttpRequest, charge_id: str) -> HttpResponse:
    charge = _charge(request, charge_id)
    if charge.status == ChargeStatus.INITIATED and charge.three_ds == ThreeDSState.PENDING:
        try:
            charge = api.three_ds_complete(
                charge, authenticated=request.POST.get("result") == "authenticate"
            )
        except api.ChargeStateError:
            charge.refresh_from_db()
    return _back_to_merchant(charge)


@never_cache
@require_POST
def cancel(request: HttpRequest, charge_id: str) -> HttpResponse:
    """ "Cancel and return to the merchant" on the card page."""
    charge = _charge(request, charge_id)
    api.charge_cancel(str(charge.id))
    charge.refresh_from_db()
    return _back_to_merchant(charge)
