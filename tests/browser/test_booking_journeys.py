"""Booking journeys in a real browser, in Arabic (the default), each page checked with axe-core.

available tests → notes (accept) → choose (mode → specialization → city → centre → date → slot,
or → sitting for paper) → review → confirm (seat held, countdown) → sandbox card page → 3-D
Secure → back to the registration (confirmed, tax invoice).

The steps are the journeys of tests/browser/journeys/booking.py (the visual guide takes its
pictures from the same ones), walked here with the test's catalogue and `axe_shot`; the checks
particular to a test run at the steps they concern (`axe_and`) or after the journey.

Elements are found by name, value and id, never by visible English text; visible Arabic text is
compared only with what the message catalogue itself gives (gettext under "ar").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from rukhsa.accounts.models import User
from rukhsa.booking import services
from rukhsa.booking.models import Registration, Status
from rukhsa.catalog.models import Centre, Gender, Mode, Period, Session, Specialization
from rukhsa.core import clock
from rukhsa.payments.models import Invoice
from rukhsa.payments.views import failure_sentence
from tests.browser.journeys import Shot, axe_shot, no_shot
from tests.browser.journeys.booking import (
    CARD_PATH,
    choose,
    expect_held,
    open_invoice,
    pay,
    pay_button,
    pay_by_card,
    register,
    start_registration,
)
from tests.browser.journeys.demo import MADA_OK, VISA_OK, pay_without_browser
from tests.browser.journeys.steps import count, log_in_form, logout_button, submit
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
DECLINED = "4201321234411220"


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


# --- What the tests check besides the journeys' own expectations -----------------------------


def log_in(page: Page, user: User) -> None:
    log_in_form(page, user.identity_number, PASSWORD)
    expect(logout_button(page)).to_be_visible()


def axe_and(**checks: Callable[[Page], None]) -> Shot:
    """`axe_shot` at every step of a journey, and at the steps named the test's own checks."""

    def shot(page: Page, key: str, *, focus: str | None = None) -> None:
        axe_shot(page, key, focus=focus)
        if key in checks:
            checks[key](page)

    return shot


def radio_values(page: Page, name: str) -> list[str]:
    return [r.get_attribute("value") or "" for r in page.locator(f"input[name={name}]").all()]


def expect_held_with_countdown(page: Page, *, ticking: bool = False) -> None:
    expect(page.locator(".badge.todo")).to_have_text(arabic("Seat held, awaiting payment"))
    expect_held(page, ticking=ticking)


def registration(reference: str) -> Registration:
    return Registration.objects.get(reference=reference)


# --- Journeys --------------------------------------------------------------------------------


def chosen(page: Page, name: str) -> list[str]:
    """The values shown as already chosen in the choices' summary for the step `name`."""
    return [
        li.get_attribute("data-value") or ""
        for li in page.locator(f"#main li[data-chosen={name}]").all()
    ]


def test_citizen_books_a_digital_slot_pays_with_mada_and_opens_the_invoice(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user(city="riyadh")  # a complete profile, city of residence included
    log_in(page, user)

    def only_the_mens_digital_centre(page: Page) -> None:
        # Riyadh (his city) has one men's computer-based centre: already chosen, no list.
        assert chosen(page, "city") == ["riyadh"]
        assert chosen(page, "centre") == [cat.digital.code]
        assert radio_values(page, "centre") == []

    def the_choices_and_the_amount(page: Page) -> None:
        review = page.locator("#main dl.data")
        expect(review).to_contain_text(cat.spec.name_ar)
        expect(review).to_contain_text(cat.digital.name_ar)
        expect(review).to_contain_text("115.00")

    tally = count(page)
    reference = register(
        page,
        axe_and(centre=only_the_mens_digital_centre, review=the_choices_and_the_amount),
        period_code=cat.period.code,
        mode=Mode.DIGITAL,
        spec=cat.spec.code,
        city="riyadh",
        centre=cat.digital.code,
        date=cat.slot.date.isoformat(),
        session=str(cat.slot.pk),
        language="ar",
    )
    # Dashboard → card page: dashboard, available tests, notes, one choose page (the steps,
    # the calendar and the review swapped in by htmx), card page.
    expect(page).to_have_url(CARD_PATH)
    assert (tally.screens, tally.actions) == (5, 10), tally
    assert_accessible(page)
    assert registration(reference).status == Status.HELD

    # Coming back later, the registration page shows the held seat and “Pay now”.
    page.goto(f"/registrations/{reference}/")
    expect_held_with_countdown(page, ticking=True)
    pay(page, axe_shot, number=MADA_OK, language="ar")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge")).to_have_text(arabic("Confirmed"))
    expect(pay_button(page)).to_have_count(0)
    assert registration(reference).status == Status.CONFIRMED

    # The invoice page's accessibility: test_the_invoice_page_passes_axe_at_phone_width.
    open_invoice(page, no_shot, language="ar")
    doc = page.locator("article.tax-doc")
    expect(doc.locator("h1")).to_contain_text("فاتورة ضريبية مبسطة")
    expect(doc.locator(".doc-totals")).to_contain_text("115.00")
    assert ARABIC_LETTER.search(doc.locator(".doc-lines td").first.inner_text())


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


def test_resident_books_a_paper_sitting_declined_card_keeps_the_hold_then_visa_confirms(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    user = make_user(identity_type="resident")
    assert user.identity_number.startswith("2")
    log_in(page, user)

    def only_the_mens_paper_centre(page: Page) -> None:
        # One city and one men's paper centre: both already chosen.
        assert chosen(page, "city") == ["riyadh"]
        assert chosen(page, "centre") == [cat.paper.code]

    def the_sittings_with_their_dates(page: Page) -> None:
        # Paper: no date step; the sittings are listed with their dates.
        assert radio_values(page, "session") == [str(cat.sitting.pk)]
        assert page.locator("input[name=date]").count() == 0

    tally = count(page)
    reference = register(
        page,
        axe_and(centre=only_the_mens_paper_centre, sitting=the_sittings_with_their_dates),
        period_code=cat.period.code,
        mode=Mode.PAPER,
        spec=cat.spec.code,
        city="riyadh",
        centre=cat.paper.code,
        session=str(cat.sitting.pk),
        language="ar",
    )
    expect(page).to_have_url(CARD_PATH)
    assert (tally.screens, tally.actions) == (5, 9), tally

    pay_by_card(page, axe_shot, number=DECLINED, language="ar")
    assert_accessible(page)
    with translation.override("ar"):
        refused = failure_sentence("declined")
    expect(page.locator(".flash-error")).to_have_text(refused)
    expect_held_with_countdown(page)  # the seat is still held and can be paid
    assert registration(reference).status == Status.HELD
    assert Session.objects.get(pk=cat.sitting.pk).seats_taken == 1

    pay(page, axe_shot, number=VISA_OK, language="ar")  # axe on the confirmed page too
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge")).to_have_text(arabic("Confirmed"))
    expect(page.locator("a[href^='/payments/invoices/']")).to_have_count(1)
    assert registration(reference).status == Status.CONFIRMED
    assert Session.objects.get(pk=cat.sitting.pk).seats_taken == 1


def test_a_full_slot_is_shown_full_and_cannot_be_chosen(
    page: Page, cat: Catalogue, make_user: Callable[..., User]
) -> None:
    log_in(page, make_user())
    start_registration(page, axe_shot, period_code=cat.period.code, language="ar")
    choose(page, axe_shot, "mode", Mode.DIGITAL)
    choose(page, axe_shot, "specialization", cat.spec.code)
    choose(page, axe_shot, "city", "riyadh")
    choose(page, axe_shot, "centre", cat.digital.code)
    choose(page, axe_shot, "date", cat.slot.date.isoformat())
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
    start_registration(page, axe_shot, period_code=cat.period.code, language="ar")
    choose(page, axe_shot, "mode", Mode.DIGITAL)
    choose(page, axe_shot, "specialization", cat.spec.code)
    # Jeddah has only a men's centre: it is not offered to her; Riyadh, the only city left,
    # and its one women's centre are chosen for her.
    assert chosen(page, "city") == ["riyadh"]
    assert chosen(page, "centre") == [cat.women_digital.code]
    assert_accessible(page)
    expect(page.locator("#main")).not_to_contain_text(cat.digital.name_ar)

    # Paper too: only the women's paper centre.
    page.goto(f"/register/{cat.period.code}/choose/?mode=paper&spec={cat.spec.code}&city=riyadh")
    assert chosen(page, "centre") == [cat.women_paper.code]
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
