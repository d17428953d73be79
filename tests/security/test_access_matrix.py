"""The access matrix: every URL pattern of the project × five personas × GET and POST.

Personas: anonymous; the candidate who owns the objects in the URL ("owner"); another
candidate ("other"); back-office staff with a verified second factor but no permission
("staff-"); a superuser with a verified second factor ("staff+").

Each row of MATRIX is one URL pattern (its `namespace:name`) and the ten expected statuses, as
"GET anon owner other staff- staff+ | POST anon owner other staff- staff+". The URL is built
with real objects from the `world` fixture (a registration with its ticket, a paid invoice, a
credit note, a published result, a sandbox charge, a roster), so object pages are tried by their
owner and by everybody else.

Adding a page means adding ONE line to MATRIX (or to ADMIN_FAMILIES for the back office's
model pages): a pattern without a row fails `test_every_url_pattern_has_a_row`, and the failure
prints the statuses the new page answers today, ready to check and paste. Object kwargs the
world does not know yet go into `url_kwargs`.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rukhsa.payments.invoices import credit_note_issue
from rukhsa.payments.services import order_create
from tests.booking.conftest import cat as cat
from tests.payments.payments_helpers import PAID_CARDS, pay_with_card
from tests.results.conftest import Setup, header, row, run_import
from tests.results.conftest import register as register
from tests.results.conftest import setup as setup

pytestmark = pytest.mark.django_db
PERSONAS = ("anon", "owner", "other", "staff-", "staff+")

# --- The table --------------------------------------------------------------------------------
# name: "GET a o x s- s+ | POST a o x s- s+"
MATRIX: dict[str, str] = {
    "core:home": "200 200 200 200 200 | 200 200 200 200 200",
    "core:set_language": "405 405 405 405 405 | 302 302 302 302 302",
    "core:terms": "200 200 200 200 200 | 200 200 200 200 200",
    "core:privacy": "200 200 200 200 200 | 200 200 200 200 200",
    "healthz": "200 200 200 200 200 | 200 200 200 200 200",
    "readyz": "200 200 200 200 200 | 200 200 200 200 200",
    # Only Prometheus' bearer token opens it (tests/core/test_production.py).
    "metrics": "404 404 404 404 404 | 404 404 404 404 404",
    # The waiting room answers from its signed place token, whoever asks; none here.
    "admission:waiting_room": "400 400 400 400 400 | 400 400 400 400 400",
    "dashboard": "302 200 200 200 200 | 302 200 200 200 200",
    "accounts:signup": "200 302 302 302 302 | 200 302 302 302 302",
    # Later sign-up steps send a person without the earlier steps back to step 1.
    "accounts:signup_names": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:signup_contact": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:verify_mobile": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:verify_email": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:verify_email_link": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:login": "200 302 302 302 302 | 200 302 302 302 302",
    "accounts:challenge": "200 200 200 200 200 | 200 200 200 200 200",
    "accounts:logout": "405 405 405 405 405 | 302 302 302 302 302",
    "accounts:recover": "200 200 200 200 200 | 200 200 200 200 200",
    "accounts:recover_code": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:recover_link": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:recover_new_password": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:profile": "302 200 200 200 200 | 302 200 200 200 200",
    "accounts:profile_edit": "302 200 200 200 200 | 302 200 200 200 200",
    "accounts:change_mobile": "302 200 200 200 200 | 302 200 200 200 200",
    "accounts:change_email": "302 200 200 200 200 | 302 200 200 200 200",
    "accounts:change_email_link": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:confirm_contact": "302 302 302 302 302 | 302 302 302 302 302",
    "accounts:change_password": "302 200 200 200 200 | 302 200 200 200 200",
    "notifications:outbox": "404 404 404 404 404 | 404 404 404 404 404",
    "payments:order_pay": "302 405 405 405 405 | 302 302 404 404 404",
    "payments:return": "302 302 404 404 404 | 302 405 405 405 405",
    "payments:webhook": "405 405 405 405 405 | 401 401 401 401 401",
    "payments:invoice": "302 200 404 404 404 | 302 405 405 405 405",
    "payments:invoice_pdf": "302 200 404 404 404 | 302 405 405 405 405",
    "payments:credit_note": "302 200 404 404 404 | 302 405 405 405 405",
    "payments:credit_note_pdf": "302 200 404 404 404 | 302 405 405 405 405",
    "payments:sandbox_card": "404 404 404 404 404 | 404 404 404 404 404",
    "payments:sandbox_3ds": "404 404 404 404 404 | 405 405 405 405 405",
    "payments:sandbox_3ds_submit": "405 405 405 405 405 | 404 404 404 404 404",
    "payments:sandbox_cancel": "405 405 405 405 405 | 404 404 404 404 404",
    "booking:start": "302 200 200 200 200 | 302 200 200 200 200",
    "booking:notes": "302 200 200 200 200 | 302 200 200 200 200",
    "booking:choose": "302 302 302 302 302 | 302 302 302 302 302",
    "booking:review": "302 302 302 302 302 | 302 302 302 302 302",
    "booking:registrations": "302 200 200 200 200 | 302 200 200 200 200",
    # Like the choose step: the period's terms are accepted first.
    "booking:waitlist_join": "302 302 302 302 302 | 302 302 302 302 302",
    "booking:waitlist": "302 200 200 200 200 | 302 200 200 200 200",
    "booking:waitlist_leave": "405 405 405 405 405 | 302 302 404 404 404",
    "booking:registration": "302 200 404 404 404 | 302 200 404 404 404",
    "booking:pay": "405 405 405 405 405 | 302 302 404 404 404",
    "booking:release": "405 405 405 405 405 | 302 302 404 404 404",
    "booking:change": "302 200 404 404 404 | 302 409 404 404 404",
    "booking:cancel": "302 200 404 404 404 | 302 200/302 404 404 404",
    "tickets:ticket": "302 200 404 404 404 | 302 405 405 405 405",
    "tickets:ticket_pdf": "302 200 404 404 404 | 302 405 405 405 405",
    "tickets:ticket_ics": "302 200 404 404 404 | 302 405 405 405 405",
    "tickets:checkin": "302 302 302 403 200 | 302 302 302 403 200",
    "tickets:roster_csv": "302 302 302 403 200 | 302 302 302 403 405",
    "tickets:roster_xlsx": "302 302 302 403 200 | 302 302 302 403 405",
    "tickets:roster_pdf": "302 302 302 403 200 | 302 302 302 403 405",
    "results:list": "302 200 200 200 200 | 302 200 200 200 200",
    "results:detail": "302 200 404 404 404 | 302 200 404 404 404",
    "results:report_pdf": "302 200 404 404 404 | 302 200 404 404 404",
    "results:verify": "200 200 200 200 200 | 200 200 200 200 200",
    "results:verify_code": "200 200 200 200 200 | 200 200 200 200 200",
    "guide:contents": "200 200 200 200 200 | 200 200 200 200 200",
    "guide:service": "404 404 404 404 404 | 404 404 404 404 404",
    "admin:dashboard": "302 302 302 200 200 | 302 302 302 200 200",
    "admin:index": "302 302 302 200 200 | 302 302 302 200 200",
    "admin:login": "200 200 200 302 302 | 200 200 200 200 200",
    "admin:logout": "302 302 302 405 405 | 302 302 302 302 302",
    "admin:password_change": "302 302 302 200 200 | 302 302 302 200 200",
    "admin:password_change_done": "302 302 302 200 200 | 302 302 302 405 405",
    "admin:autocomplete": "302 302 302 403 403 | 302 302 302 405 405",
    "admin:jsi18n": "302 302 302 200 200 | 302 302 302 405 405",
    "admin:view_on_site": "302 302 302 404 404 | 302 302 302 404 404",
    "admin:catalog_session_bulk_create": "302 302 302 403 200 | 302 302 302 403 200",
    "admin:results_result_import": "302 302 302 403 200 | 302 302 302 403 200",
    "admin:results_result_import_run": "302 302 302 405 405 | 302 302 302 403 404",
    "admin:results_result_publication": "302 302 302 403 200 | 302 302 302 403 200",
    "admin:results_result_publish": "302 302 302 405 405 | 302 302 302 403 302",
    "admin:results_result_template": "302 302 302 403 200 | 302 302 302 403 200",
    "admin:otp_totp_totpdevice_config": "302 302 302 404 404 | 302 302 302 404 404",
    "admin:otp_totp_totpdevice_qrcode": "302 302 302 404 404 | 302 302 302 404 404",
    # The admin's catch-all for unknown addresses (unnamed).
    "admin/(?P<url>.*)$": "302 302 302 301/404 301/404 | 302 302 302 301/404 301/404",
    "admin:app_list": "302 302 302 404 200 | 302 302 302 404 200",
    "admin:admission_queuesettings_live": "302 302 302 403 404 | 302 302 302 403 404",
    "admin:admission_queuesettings_control": "302 302 302 405 405 | 302 302 302 403 404",
}

# The back office's model pages, by the suffix of their URL name (admin:<app>_<model>_<suffix>).
# Read-only model admins answer 403 where editable ones answer 200 or 302 (no such object).
ADMIN_FAMILIES: dict[str, str] = {
    "changelist": "302 302 302 403 200 | 302 302 302 403 200",
    "add": "302 302 302 403 200/403 | 302 302 302 403 200/403",
    "change": "302 302 302 403 302 | 302 302 302 403 302/403",
    "delete": "302 302 302 403 302/403 | 302 302 302 403 302/403",
    "history": "302 302 302 302 302 | 302 302 302 302 302",
    "object_redirect": "302 302 302 302/404 302/404 | 302 302 302 302/404 302/404",
}


# --- URL patterns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    params: tuple[str, ...]


def url_patterns() -> Iterator[Pattern]:
    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Pattern]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                space = namespace
                if entry.namespace:
                    space = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), space)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                route = prefix + str(entry.pattern)
                params = tuple(entry.pattern.converters) or tuple(entry.pattern.regex.groupindex)
                yield Pattern(name or route, route, params)

    yield from walk(get_resolver().url_patterns, "", None)


def family(pattern: Pattern) -> str | None:
    """The ADMIN_FAMILIES key of an admin model page, or None."""
    if pattern.name.startswith("admin/") and pattern.name.endswith("<path:object_id>/"):
        return "object_redirect"  # the admin's unnamed "<id>/" → "<id>/change/" redirect
    if not pattern.name.startswith("admin:") or pattern.name in MATRIX:
        return None
    for suffix in sorted(ADMIN_FAMILIES, key=len, reverse=True):
        if pattern.name.endswith(f"_{suffix}"):
            return suffix
    return None


def expected(pattern: Pattern) -> str | None:
    if pattern.name in MATRIX:
        return MATRIX[pattern.name]
    suffix = family(pattern)
    return ADMIN_FAMILIES[suffix] if suffix else None


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    kwargs: dict[str, Any]
    clients: dict[str, Any]  # persona → a function returning a fresh client


@pytest.fixture
def world(setup: Setup, register: Any, make_user: Any, make_staff: Any) -> World:
    owner = make_user(preferred_language="en")
    other = make_user()
    staff_without = make_staff()
    staff_with = make_staff(superuser=True)
    registration = register(owner)
    # The fixture writes the row directly; the seat it holds is counted as booking would.
    from django.db.models import F

    from rukhsa.catalog.models import Session

    Session.objects.filter(pk=registration.session_id).update(seats_taken=F("seats_taken") + 1)
    run_import(setup, [header(setup), row(setup, registration.reference)], dry_run=False)
    from rukhsa.results.models import Result
    from rukhsa.results.services import results_publish

    results_publish(period=setup.cat.period)
    result = Result.objects.get(registration=registration)
    from rukhsa.booking.models import WaitlistEntry

    entry = WaitlistEntry.objects.create(
        candidate=owner,
        test=registration.test,
        period=registration.period,
        specialization=registration.specialization,
        city=registration.session.centre.city,
    )
    order = order_create(
        owner=owner,
        kind="registration",
        subject_ref=f"registration:{registration.pk}",
        description_ar="رسوم",
        description_en="Fee",
        net_halalas=10000,
        vat_basis_points=1500,
        return_path="/registrations/",
    )

    def logged_in(user: Any) -> Client:
        client = Client(raise_request_exception=False)
        client.cookies["django_language"] = "en"
        client.force_login(user)
        return client

    owner_client = logged_in(owner)
    payment, _ = pay_with_card(owner_client, order, PAID_CARDS["mada"])
    note = credit_note_issue(payment, amount_halalas=1000, reason="test")
    kwargs = {
        "token": "n0t-a-real-token-n0t-a-real-token",
        "field": "mobile",
        "order_uuid": order.uuid,
        "payment_uuid": payment.uuid,
        "gateway": "sandbox",
        "invoice_uuid": payment.invoice.uuid,
        "note_uuid": note.uuid,
        "charge_id": payment.gateway_ref,
        "period_code": setup.cat.period.code,
        "reference": registration.reference,
        "session_id": setup.cat.sitting.pk,
        "result_id": result.pk,
        "code": "NOSUCHCODE",
        "slug": "signup",
        "object_id": "0",  # no such object: the admin answers every model alike
        "app_label": "accounts",
        "content_type_id": "1",
        "url": "x",
        "batch_id": "0",  # no such import batch
        "period_id": setup.cat.period.pk,
        "kind": "csv",
        "pk": "0",
        "entry_id": entry.pk,
        "action": "pause",
        # A parameter name shared by pages of different objects: "<pattern name>.<parameter>".
        "payments:invoice.uuid": payment.invoice.uuid,
        "payments:invoice_pdf.uuid": payment.invoice.uuid,
        "payments:credit_note.uuid": note.uuid,
        "payments:credit_note_pdf.uuid": note.uuid,
    }

    devices = {
        user.pk: TOTPDevice.objects.get(user=user).persistent_id
        for user in (staff_without, staff_with)
    }

    def verified(user: Any) -> Client:
        """Logged in with the second factor (as the back-office login form leaves it)."""
        client = logged_in(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = devices[user.pk]
        session.save()
        return client

    def anonymous() -> Client:
        client = Client(raise_request_exception=False)
        client.cookies["django_language"] = "en"
        return client

    return World(
        kwargs=kwargs,
        clients={
            "anon": anonymous,
            "owner": lambda: logged_in(owner),
            "other": lambda: logged_in(other),
            "staff-": lambda: verified(staff_without),
            "staff+": lambda: verified(staff_with),
        },
    )


def url_of(pattern: Pattern, world: World) -> str:
    kwargs = {
        p: world.kwargs.get(f"{pattern.name}.{p}", world.kwargs.get(p)) for p in pattern.params
    }
    missing = [p for p, value in kwargs.items() if value is None]
    assert not missing, f"{pattern.name}: add {missing} to the world's kwargs"
    if pattern.name == pattern.route:  # unnamed: fill the route itself
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern.route).strip("^$")
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world.kwargs[m.group(1)]), route)
    return reverse(pattern.name, kwargs=kwargs)


def matches(got: str, want: str) -> bool:
    """`want` may allow several statuses in a cell: "302 302 302 403 200/403 | ..."."""
    got_cells, want_cells = got.replace("|", " ").split(), want.replace("|", " ").split()
    return len(got_cells) == len(want_cells) and all(
        g in w.split("/") for g, w in zip(got_cells, want_cells, strict=True)
    )


def observed(pattern: Pattern, world: World, method: str) -> str:
    """The five personas' statuses for one method, e.g. "302 200 404 404 404"."""
    url = url_of(pattern, world)
    statuses = []
    for persona in PERSONAS:
        client = world.clients[persona]()
        response = client.get(url) if method == "GET" else client.post(url, {})
        statuses.append(str(response.status_code))
    return " ".join(statuses)


# --- The tests --------------------------------------------------------------------------------


def test_every_url_pattern_has_a_row() -> None:
    missing = [p.name for p in url_patterns() if expected(p) is None]
    assert not missing, "URL patterns without a row in the access matrix:\n" + "\n".join(missing)


def test_no_row_names_a_pattern_that_is_gone() -> None:
    names = {p.name for p in url_patterns()}
    gone = [name for name in MATRIX if name not in names]
    assert not gone, f"rows for URL patterns that no longer exist: {gone}"


def test_the_matrix(world: World) -> None:
    """Every GET first, then every POST: a POST that changes the world (cancelling the
    registration, logging out) cannot change what a later GET sees."""
    chosen: list[tuple[Pattern, str]] = []
    seen_families: set[str] = set()
    for pattern in url_patterns():
        want = expected(pattern)
        if want is None:
            continue
        suffix = family(pattern)
        if suffix is not None:
            # One representative per family and app keeps the run short; the rule is shared.
            key = f"{pattern.name.split('_', 1)[0]}:{suffix}"
            if key in seen_families:
                continue
            seen_families.add(key)
        chosen.append((pattern, want))
    got = {
        (pattern.name, method): observed(pattern, world, method)
        for method in ("GET", "POST")
        for pattern, _want in chosen
    }
    wrong = []
    for pattern, want in chosen:
        answer = f"{got[(pattern.name, 'GET')]} | {got[(pattern.name, 'POST')]}"
        if not matches(answer, want):
            wrong.append(f'    "{pattern.name}": "{answer}",  # expected "{want}"')
    assert not wrong, "statuses differ from the matrix:\n" + "\n".join(wrong)
