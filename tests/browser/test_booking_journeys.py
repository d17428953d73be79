"""Booking journeys in a real browser, in Arabic (the default), each page checked with axe-core.

available tests → notes (accept) → choose (mode → specialization → city → centre → date → slot,
or → sitting for paper) → review → confirm (seat held, countdown) → sandbox card page → 3-D
Secure → back to the registration (confirmed, tax invoice).

Elements are found by name, value and id, never by visible English text; visible Arabic text is
compared only with what the message catalogue itself gives (gettext under "ar").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Centre, Gender, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.payments.models import Invoice
from rukhsa.payments.views import failure_sentence
from tests.browser.support import assert_accessible
from tests.catalog.factories import (
    make_centre,
    make_period,
    make_session,
    make_specialization,
    make_test,
)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
MAIN_FORM = "#main form"
REGISTRATION_PATH = re.compile(r"^https?://[^/]+/registrations/([A-Za-z0-9-]+)/$")

MADA_OK = "4201320111111010"
VISA_OK = "4111111111111111"
DECLINED = "4201321234411220"


def card_expiry() -> str:
    return f"12/{(clock.today().year + 3) % 100:02d}"


def arabic(message: str) -> str:
    """The Arabic the server shows for `message` (from the same compiled catalogue)."""
    with translation.override("ar"):
        return gettext(message)


# --- The catalogue --------------------------------------------------------------------------


@dataclass
class Catalogue:
    period: Period
    spec: Specialization
    digital: Centre  # men, Riyadh
    paper: Centre  # men, Riyadh
    women_digital: Centre  # women, Riyadh
    women_paper: Centre  # women, Riyadh
    men_jeddah: Centre  # men, Jeddah: no women's centre there
    slot: Session  # digital, 08:00, free seats
    full_slot: Session  # digital, 14:00, full
    sitting: Session  # paper
    women_slot: Session


@pytest.fixture
def cat(db: object) -> Catalogue:
    """One period offering both modes, registration open, sessions 10+ days ahead."""
    test = make_test(code="SPLT", fee_halalas=10000, hold_minutes=15)  # 100 + 15% VAT = 115.00
    period = make_period(test, code="p-open")
    spec = make_specialization(code="math", name_ar="الرياضيات", name_en="Mathematics")
    digital = make_centre(mode=Mode.DIGITAL, gender=Gender.MALE, code="RUH-D-M")
    paper = make_centre(mode=Mode.PAPER, gender=Gender.MALE, code="RUH-P-M")
    women_digital = make_centre(mode=Mode.DIGITAL, gender=Gender.FEMALE, code="RUH-D-F")
    women_paper = make_centre(mode=Mode.PAPER, gender=Gender.FEMALE, code="RUH-P-F")
    men_jeddah = make_centre(
        mode=Mode.DIGITAL, gender=Gender.MALE, code="JED-D-M", city_code="jeddah"
    )
    day = clock.today() + timedelta(days=10)
    later = day + timedelta(days=5)
    make_session(men_jeddah, period, day=day, start=time(9), capacity=10, specializations=[spec])
    make_session(women_paper, period, day=later, start=time(8), capacity=40, specializations=[spec])
    return Catalogue(
        period=period,
        spec=spec,
        digital=digital,
        paper=paper,
        women_digital=women_digital,
        women_paper=women_paper,
        men_jeddah=men_jeddah,
        slot=make_session(
            digital, period, day=day, start=time(8), capacity=10, specializations=[spec]
        ),
        full_slot=make_session(
            digital,
            period,
            day=day,
            start=time(14),
            capacity=1,
            seats_taken=1,
            specializations=[spec],
        ),
        sitting=make_session(
            paper, period, day=later, start=time(8), capacity=40, specializations=[spec]
        ),
        women_slot=make_session(
            women_digital, period, day=day, start=time(11), capacity=10, specializations=[spec]
        ),
    )


# --- Small steps a person takes ------------------------------------------------------------


def expect_path(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$"))


def submit(page: Page, form: str | Locator = MAIN_FORM) -> None:
    """Press the form's (first) submit button and wait for the answer page."""
    scope = page.locator(form).first if isinstance(form, str) else form
    with page.expect_navigation():
        scope.locator("button[type=submit]").first.click()


def log_in(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", user.identity_number)
    page.fill("#id_password", PASSWORD)
    submit(page)
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)


def start_registration(page: Page, period: Period) -> None:
    """Available tests → the period's notes → accept → the first choose step."""
    page.goto("/register/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator(f"a[href='/register/{period.code}/']").click()
    expect_path(page, f"/register/{period.code}/")
    assert_accessible(page)
    page.check("#id_accept")
    submit(page, "#main form[method=post]")
    expect_path(page, f"/register/{period.code}/choose/")


def choose(page: Page, name: str, value: str) -> None:
    """One choose step: the radio `name=value`, then the step's submit button."""
    assert_accessible(page)
    page.check(f"input[type=radio][name={name}][value='{value}']")
    submit(page, "#main form[method=get]")


def radio_values(page: Page, name: str) -> list[str]:
    return [r.get_attribute("value") or "" for r in page.locator(f"input[name={name}]").all()]


def confirm_hold(page: Page) -> str:
    """On the review page: confirm, land on the registration, return its reference."""
    expect(page).to_have_url(re.compile(r"/review/"))
    assert_accessible(page)
    submit(page, "#main form[method=post]")
    expect(page).to_have_url(REGISTRATION_PATH)
    match = REGISTRATION_PATH.match(page.url)
    assert match
    return match.group(1)


def expect_held_with_countdown(page: Page, *, ticking: bool = False) -> None:
    expect(page.locator(".badge.todo")).to_have_text(arabic("Seat held, awaiting payment"))
    remaining = page.locator(".countdown [data-remaining]")
    expect(remaining).to_have_text(re.compile(r"^\d{1,3}:\d{2}$"))
    if ticking:  # it counts down in the page (costs a second)
        expect(remaining).not_to_have_text(remaining.inner_text())
    expect(pay_button(page)).to_be_visible()


def pay_button(page: Page) -> Locator:
    return page.locator("form[action$='/pay/'] button[type=submit]")


def pay_by_card(page: Page, number: str, *, authenticate: bool = True) -> None:
    """From the registration page, through the sandbox card page and 3-D Secure, and back."""
    with page.expect_navigation():
        pay_button(page).click()
    expect(page).to_have_url(re.compile(r"/payments/sandbox-gateway/[0-9a-f-]+/$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page)
    page.fill("#id_name", "MOHAMMED ALQAHTANI")
    page.fill("#id_number", number)
    page.fill("#id_expiry", card_expiry())
    page.fill("#id_cvc", "123")
    submit(page, "#main form:has(#id_number)")
    expect(page).to_have_url(re.compile(r"/payments/sandbox-gateway/[0-9a-f-]+/3ds/$"))
    expect(page.locator(".ltr-value")).to_have_text(number[:6] + "******" + number[-4:])
    assert_accessible(page)
    result = "authenticate" if authenticate else "fail"
    with page.expect_navigation():
        page.click(f"button[name=result][value={result}]")
    expect(page).to_have_url(REGISTRATION_PATH)


def registration(reference: str) -> Registration:
    return Registration.objects.get(reference=reference)


# --- Journeys --------------------------------------------------------------------------------


def test_citizen_books_a_digital_slot_pays_with_mada_and_opens_the_invoice(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user()
    log_in(page, user)
    start_registration(page, cat.period)
    choose(page, "mode", Mode.DIGITAL)
    choose(page, "spec", cat.spec.code)
    choose(page, "city", "riyadh")
    assert radio_values(page, "centre") == [cat.digital.code]
    choose(page, "centre", cat.digital.code)
    choose(page, "date", cat.slot.date.isoformat())
    choose(page, "session", str(cat.slot.pk))
    review = page.locator("#main dl.data")
    expect(review).to_contain_text(cat.spec.name_ar)
    expect(review).to_contain_text(cat.digital.name_ar)
    expect(review).to_contain_text("115.00")
    reference = confirm_hold(page)
    expect(page.locator(".flash-success")).to_be_visible()
    expect_held_with_countdown(page, ticking=True)
    assert_accessible(page)
    assert registration(reference).status == Status.HELD

    pay_by_card(page, MADA_OK)
    assert_accessible(page)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge")).to_have_text(arabic("Confirmed"))
    expect(pay_button(page)).to_have_count(0)
    assert registration(reference).status == Status.CONFIRMED

    invoice_link = page.locator("a[href^='/payments/invoices/']")
    invoice_href = re.compile(r"^/payments/invoices/[0-9a-f-]{36}/$")
    expect(invoice_link).to_have_attribute("href", invoice_href)
    with page.expect_navigation():
        invoice_link.click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    doc = page.locator("article.tax-doc")
    expect(doc.locator("h1")).to_contain_text("فاتورة ضريبية مبسطة")
    expect(doc.locator(".doc-totals")).to_contain_text("115.00")
    assert ARABIC_LETTER.search(doc.locator(".doc-lines td").first.inner_text())
    # The invoice page's accessibility: test_the_invoice_page_passes_axe_at_phone_width.


def test_the_invoice_page_passes_axe_at_phone_width(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user()
    held = services.registration_hold(
        candidate=user, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    pay_without_browser(user, held.reference, MADA_OK)
    invoice = Invoice.objects.get(order=registration(held.reference).order)
    log_in(page, user)
    page.goto(f"/payments/invoices/{invoice.uuid}/")
    expect(page.locator("article.tax-doc")).to_be_visible()
    assert_accessible(page)


def pay_without_browser(user: User, reference: str, number: str) -> None:
    """The pay → card → 3-D Secure round trip through Django's test client (fast setup)."""
    client = Client()
    client.force_login(user)
    card = urlsplit(client.post(f"/registrations/{reference}/pay/")["Location"]).path
    three_ds = urlsplit(
        client.post(
            card,
            {
                "name": "A B",
                "number": number,
                "expiry": card_expiry(),
                "cvc": "123",
            },
        )["Location"]
    ).path
    back = client.post(three_ds + "submit/", {"result": "authenticate"})["Location"]
    client.get(back)
    assert registration(reference).status == Status.CONFIRMED


def test_resident_books_a_paper_sitting_declined_card_keeps_the_hold_then_visa_confirms(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user(identity_type="resident")
    assert user.identity_number.startswith("2")
    log_in(page, user)
    start_registration(page, cat.period)
    choose(page, "mode", Mode.PAPER)
    choose(page, "spec", cat.spec.code)
    choose(page, "city", "riyadh")
    assert radio_values(page, "centre") == [cat.paper.code]
    choose(page, "centre", cat.paper.code)
    # Paper: no date step; the sittings are listed with their dates.
    assert radio_values(page, "session") == [str(cat.sitting.pk)]
    assert page.locator("input[name=date]").count() == 0
    choose(page, "session", str(cat.sitting.pk))
    reference = confirm_hold(page)
    expect_held_with_countdown(page)

    pay_by_card(page, DECLINED)
    assert_accessible(page)
    with translation.override("ar"):
        refused = failure_sentence("declined")
    expect(page.locator(".flash-error")).to_have_text(refused)
    expect_held_with_countdown(page)  # the seat is still held and can be paid
    assert registration(reference).status == Status.HELD
    assert Session.objects.get(pk=cat.sitting.pk).seats_taken == 1

    pay_by_card(page, VISA_OK)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge")).to_have_text(arabic("Confirmed"))
    expect(page.locator("a[href^='/payments/invoices/']")).to_have_count(1)
    assert_accessible(page)
    assert registration(reference).status == Status.CONFIRMED
    assert Session.objects.get(pk=cat.sitting.pk).seats_taken == 1


def test_a_full_slot_is_shown_full_and_cannot_be_chosen(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    log_in(page, make_user())
    start_registration(page, cat.period)
    choose(page, "mode", Mode.DIGITAL)
    choose(page, "spec", cat.spec.code)
    choose(page, "city", "riyadh")
    choose(page, "centre", cat.digital.code)
    choose(page, "date", cat.slot.date.isoformat())
    assert_accessible(page)

    free = page.locator(f"input[name=session][value='{cat.slot.pk}']")
    full = page.locator(f"input[name=session][value='{cat.full_slot.pk}']")
    expect(free).to_be_enabled()
    expect(full).to_be_disabled()
    badge = page.locator(f".option-full:has(input[value='{cat.full_slot.pk}']) .badge.full")
    expect(badge).to_have_text(arabic("Full"))
    assert arabic("Full") == "مكتمل"
    # Clicking the full slot's label selects nothing.
    page.locator(f"label[for=s{cat.full_slot.pk}]").click(force=True)
    expect(full).not_to_be_checked()
    expect(page.locator("input[name=session]:checked")).to_have_count(0)

    # A hand-made review link to the full session cannot hold a seat either.
    page.goto(
        f"/register/{cat.period.code}/review/?session={cat.full_slot.pk}&spec={cat.spec.code}"
    )
    submit(page, "#main form[method=post]")
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/review/"))
    assert_accessible(page)
    assert not Registration.objects.exists()
    assert Session.objects.get(pk=cat.full_slot.pk).seats_taken == 1


def test_a_woman_sees_only_womens_centres(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    log_in(page, make_user(gender="female", name_en_first="Noura", name_ar_first="نورة"))
    start_registration(page, cat.period)
    choose(page, "mode", Mode.DIGITAL)
    choose(page, "spec", cat.spec.code)
    # Jeddah has only a men's centre: it is not offered to her.
    assert radio_values(page, "city") == ["riyadh"]
    choose(page, "city", "riyadh")
    assert_accessible(page)
    assert radio_values(page, "centre") == [cat.women_digital.code]
    expect(page.locator("#main form[method=get]")).not_to_contain_text(cat.digital.name_ar)

    # Paper too: only the women's paper centre.
    page.goto(f"/register/{cat.period.code}/choose/?mode=paper&spec={cat.spec.code}&city=riyadh")
    assert radio_values(page, "centre") == [cat.women_paper.code]
    # A hand-made link to a men's centre is refused with a sentence, never shown.
    page.goto(
        f"/register/{cat.period.code}/choose/?mode=digital&spec={cat.spec.code}"
        f"&city=riyadh&centre={cat.digital.code}"
    )
    expect(page.locator(".flash-warning")).to_have_text(
        arabic("This centre has no free seats now. Please choose again.")
    )
    assert radio_values(page, "centre") == [cat.women_digital.code]
    assert_accessible(page)
