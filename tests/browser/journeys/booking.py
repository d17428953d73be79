"""Booking journeys: 3.1 register for a paper test, 3.2 register for a digital test, 3.3 pay the
fee, 3.4 see the confirmed test.

available tests → notes (accept, once per period) → choose (mode → specialization → city →
centre → a day on the month calendar → its time, or → sitting for paper; a step with one answer,
and the city of residence, are already chosen) → review → confirm (seat held) → sandbox card
page → 3-D Secure → back to the registration (confirmed, tax invoice) → test details and
admission ticket. With JavaScript the choose steps and the review are swapped into one page
(htmx); without it each is a page of its own. `count(page)` (journeys.steps) counts the screens
and actions a journey costs.

`register` and `pay` are made of smaller journeys (`start_registration`, `choose`,
`review_and_confirm`, `pay_by_card`) that tests stopping half-way call on their own.
"""

import re
from collections.abc import Callable, Iterable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from rukhsa.booking.models import Registration
from rukhsa.catalog.models import Mode
from tests.browser.journeys import Shot, World, demo, guide
from tests.browser.journeys.steps import (
    MAIN_FORM,
    acted,
    expect_language,
    expect_path,
    follow,
    submit,
)

REGISTRATION_PATH = re.compile(r"^https?://[^/]+/registrations/([A-Za-z0-9-]+)/$")
CARD_PATH = re.compile(r"/payments/sandbox-gateway/[0-9a-f-]+/$")
# Without JavaScript the card page keeps its spent one-time grant in the address bar (its script
# takes it out otherwise).
CARD_PATH_NO_SCRIPT = re.compile(r"/payments/sandbox-gateway/[0-9a-f-]+/(\?grant=[0-9a-f]+)?$")


THREE_DS_PATH = re.compile(r"/payments/sandbox-gateway/[0-9a-f-]+/3ds/$")
INVOICE_HREF = re.compile(r"^/payments/invoices/[0-9a-f-]{36}/$")
CHOOSE_FORM = "#main form[method=get]"
CARD_FORM = "#main form:has(#id_number)"

# Each choose step: the guide's key → the name of its radio buttons.
RADIO = {
    "mode": "mode",
    "specialization": "spec",
    "city": "city",
    "centre": "centre",
    "date": "date",
    "slot": "session",  # digital: a time on the chosen day
    "sitting": "session",  # paper: a fixed test date
}
# Every step `register` can take a picture of, in order; a service keeps the ones it shows.
REGISTER_STEPS = ("tests", "notes", *RADIO, "review")
PAPER_STEPS = ("tests", "notes", "mode", "specialization", "sitting", "review")
DIGITAL_STEPS = ("tests", "mode", "specialization", "date", "slot", "review")
PAYMENT_STEPS = ("held", "card", "secure", "confirmed", "invoice")


def only(shot: Shot, keys: Iterable[str]) -> Shot:
    """`shot`, for the steps in `keys` only (a service's guide shows some steps of a journey)."""
    wanted = set(keys)

    def selective(page: Page, key: str, *, focus: str | None = None) -> None:
        if key in wanted:
            shot(page, key, focus=focus)

    return selective


def pay_button(page: Page) -> Locator:
    return page.locator("#main form[action$='/pay/'] button[type=submit]")


def registration_reference(page: Page) -> str:
    expect(page).to_have_url(REGISTRATION_PATH)
    match = REGISTRATION_PATH.match(page.url)
    assert match, page.url
    return match.group(1)


def expect_held(page: Page, *, ticking: bool = False) -> None:
    """The registration page of a held seat: its badge, the time left, the pay button."""
    expect(page.locator("#main .badge.todo")).to_be_visible()
    remaining = page.locator("#main .countdown [data-remaining]")
    expect(remaining).to_have_text(re.compile(r"^\d{1,3}:\d{2}$"))
    if ticking:  # it counts down in the page (costs a second)
        expect(remaining).not_to_have_text(remaining.inner_text())
    expect(pay_button(page)).to_be_visible()


def expect_confirmed(page: Page) -> None:
    """The registration page of a confirmed (paid) test: nothing left to pay, its documents."""
    expect(page.locator("#main .badge").first).to_be_visible()
    expect(page.locator("#main .badge.todo")).to_have_count(0)
    expect(pay_button(page)).to_have_count(0)
    expect(page.locator("#main .countdown")).to_have_count(0)
    expect(page.locator("#main a[href$='/ticket/']")).to_be_visible()


# --- 3.1 and 3.2 Register for a test ------------------------------------------------------------


def start_registration(page: Page, shot: Shot, *, period_code: str, language: str) -> None:
    """Account page → available tests → the period's notes → accept → the first choose step.
    Once the period's terms are accepted, “Register” leads straight to the choices."""
    page.goto("/dashboard/")
    expect_language(page, language)
    follow(page, "#main a[href='/register/']")
    expect_path(page, "/register/")
    period_item = f"#main li:has(a[href^='/register/{period_code}/'])"
    register_link = page.locator(f"{period_item} a.button")
    expect(register_link).to_be_visible()
    shot(page, "tests", focus=period_item)
    accepted = register_link.get_attribute("href") == f"/register/{period_code}/choose/"
    follow(page, f"{period_item} a.button")
    if not accepted:
        expect_path(page, f"/register/{period_code}/")
        expect(page.locator("#main dl.data")).to_be_visible()  # fee, VAT, total, test days
        page.check("#id_accept")
        acted(page)
        shot(page, "notes", focus=MAIN_FORM)
        submit(page)
    expect_path(page, f"/register/{period_code}/choose/")
    expect_language(page, language)


# Pages of browser contexts made with JavaScript off (`without_javascript`): nothing can be
# evaluated in them.
_NO_SCRIPT: set[int] = set()


def without_javascript(page: Page) -> Page:
    """Mark `page` as one whose context has JavaScript off (java_script_enabled=False)."""
    _NO_SCRIPT.add(id(page))
    return page


def card_path(page: Page) -> re.Pattern[str]:
    """The card page's address as this page's browser shows it."""
    return CARD_PATH_NO_SCRIPT if id(page) in _NO_SCRIPT else CARD_PATH


def htmx_on(page: Page) -> bool:
    """Whether the page runs htmx (JavaScript on): the choose steps then swap in place."""
    if id(page) in _NO_SCRIPT:
        return False
    try:
        return bool(page.evaluate("typeof window.htmx === 'object'"))
    except PlaywrightError:
        return False


def advance(page: Page, action: Callable[[], None], url: re.Pattern[str]) -> None:
    """One move to the next choose step (or the review): with htmx, the step is swapped into
    the same page — no new screen; without JavaScript, a new page."""
    acted(page)
    if htmx_on(page):
        action()
        expect(page).to_have_url(url)
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    else:
        with page.expect_navigation():
            action()
        expect(page).to_have_url(url)


def choice_focus(page: Page, name: str) -> str:
    """What a choose step's picture outlines: the whole list when it fits on the screen with
    room to spare, else the option chosen (a long list of specializations or days)."""
    fieldset = f"{CHOOSE_FORM} fieldset"
    box = page.locator(fieldset).bounding_box()
    screen = page.viewport_size
    if box and screen and box["height"] <= 0.6 * screen["height"]:
        return fieldset
    return f"{CHOOSE_FORM} li:has(input[name={name}]:checked)"


def pick_day(page: Page, shot: Shot, value: str) -> None:
    """The month calendar: the day `value` (ISO), with its seats left in words; its times
    appear below."""
    calendar = page.locator("#main section.calendar")
    expect(calendar.locator("table.month caption")).to_be_visible()
    day = calendar.locator(f"td[data-date='{value}'] a")
    if not day.count():  # another month: follow the month links
        for _ in range(12):
            if day.count() or not calendar.locator("a[rel=next]").count():
                break
            advance(page, calendar.locator("a[rel=next]").click, re.compile(r"[?&]month="))
    expect(day).to_be_visible()
    # A full day is shown, but is not a link.
    expect(calendar.locator("td.seats-none a")).to_have_count(0)
    shot(page, "date", focus="#main section.calendar")
    advance(page, day.click, re.compile(rf"[?&]date={re.escape(value)}(&|$)"))
    expect(page.locator(f"{CHOOSE_FORM} input[name=session]").first).to_be_visible()


def choose(page: Page, shot: Shot, key: str, value: str) -> None:
    """One choose step (`key` in RADIO): its radio button `value`, then “Next”. A step already
    chosen for the candidate (its only answer, or the city of residence) is shown as chosen:
    nothing to do (its picture, if any, shows it chosen)."""
    name = RADIO[key]
    if key == "date":
        pick_day(page, shot, value)
        return
    chosen = page.locator(f"#main li[data-chosen={name}][data-value='{value}']")
    if key not in ("slot", "sitting") and chosen.count():
        expect(page.locator(f"{CHOOSE_FORM} input[type=radio][name={name}]")).to_have_count(0)
        shot(page, key, focus="#main nav.choices")
        return
    radio = page.locator(f"{CHOOSE_FORM} input[type=radio][name={name}][value='{value}']")
    expect(radio).to_be_enabled()
    # A full time is shown, but cannot be chosen.
    expect(page.locator(f"{CHOOSE_FORM} .option-full input[name={name}]:enabled")).to_have_count(0)
    radio.check()
    acted(page)
    shot(page, key, focus=choice_focus(page, name))
    advance(
        page,
        page.locator(CHOOSE_FORM).locator("button[type=submit]").first.click,
        re.compile(rf"[?&]{name}={re.escape(value)}(&|$)"),
    )


def latest_reference() -> str:
    """The reference of the newest registration (the one the journey just held)."""
    reference = Registration.objects.order_by("-pk").values_list("reference", flat=True).first()
    assert reference, "no registration was held"
    return reference


def review_and_confirm(page: Page, shot: Shot, *, period_code: str, session: str) -> str:
    """The review page: confirm; the seat is held and the card page opens; returns the
    registration's reference."""
    expect_path(page, f"/register/{period_code}/review/")
    form = page.locator(MAIN_FORM)
    expect(form.locator("input[name=session]")).to_have_value(session)
    expect(page.locator("#main dl.data")).to_be_visible()
    shot(page, "review", focus=MAIN_FORM)  # the amounts above, the confirm button
    submit(page, form)
    expect(page).to_have_url(card_path(page))
    return latest_reference()


def register(
    page: Page,
    shot: Shot,
    *,
    period_code: str,
    mode: str,
    spec: str,
    city: str,
    centre: str,
    session: str,
    date: str = "",
    language: str = "ar",
    keys: Iterable[str] = REGISTER_STEPS,
) -> str:
    """From the account page to a held seat in `session` (a digital test also chooses its
    `date` first) and the card page; returns the registration's reference. `keys`: the steps
    to picture."""
    shot = only(shot, keys)
    start_registration(page, shot, period_code=period_code, language=language)
    choose(page, shot, "mode", mode)
    choose(page, shot, "specialization", spec)
    choose(page, shot, "city", city)
    choose(page, shot, "centre", centre)
    if mode == Mode.DIGITAL:
        choose(page, shot, "date", date)
        choose(page, shot, "slot", session)
    else:
        expect(page.locator("#main table.month")).to_have_count(0)
        choose(page, shot, "sitting", session)
    reference = review_and_confirm(page, shot, period_code=period_code, session=session)
    expect_language(page, language)
    return reference


# --- 3.3 Pay the test fee ------------------------------------------------------------------------


def pay_by_card(
    page: Page, shot: Shot, *, number: str, language: str = "ar", authenticate: bool = True
) -> None:
    """From the held registration (or the card page, where confirming a hold leads), through
    the sandbox card page and 3-D Secure, and back (to the registration, paid or not: that is
    the caller's to check)."""
    if not card_path(page).search(page.url):
        expect_held(page)
        shot(page, "held", focus="#main .pay-now")
        with page.expect_navigation():
            pay_button(page).click()
    expect(page).to_have_url(card_path(page))
    expect_language(page, language)
    page.fill("#id_name", "MOHAMMED ALQAHTANI")
    page.fill("#id_number", number)
    page.fill("#id_expiry", demo.card_expiry())
    page.fill("#id_cvc", "123")
    shot(page, "card", focus=CARD_FORM)
    submit(page, CARD_FORM)
    expect(page).to_have_url(THREE_DS_PATH)
    expect(page.locator("#main .ltr-value")).to_have_text(number[:6] + "******" + number[-4:])
    expect_language(page, language)
    shot(page, "secure", focus="#main .card")
    result = "authenticate" if authenticate else "fail"
    with page.expect_navigation():
        page.click(f"#main button[name=result][value={result}]")
    registration_reference(page)


def open_invoice(page: Page, shot: Shot, *, language: str = "ar") -> None:
    """From the confirmed registration to its simplified tax invoice."""
    invoice_link = page.locator("#main a[href^='/payments/invoices/']")
    expect(invoice_link).to_have_attribute("href", INVOICE_HREF)
    with page.expect_navigation():
        invoice_link.click()
    expect_language(page, language)
    doc = page.locator("#main article.tax-doc")
    expect(doc.locator("h1")).to_be_visible()
    expect(doc.locator(".doc-totals")).to_be_visible()
    download = "#main a[href^='/payments/invoices/'][href$='.pdf']"
    expect(page.locator(download)).to_be_visible()
    shot(page, "invoice", focus=download)  # the totals above the download button


def pay(
    page: Page,
    shot: Shot,
    *,
    number: str,
    language: str = "ar",
    keys: Iterable[str] = ("held", "card", "secure", "confirmed"),
) -> None:
    """Pay a held seat by card (`number`, a sandbox card that pays): the test is confirmed.
    With "invoice" in `keys`, go on to the tax invoice."""
    keys = tuple(keys)
    shot = only(shot, keys)
    pay_by_card(page, shot, number=number, language=language)
    expect_confirmed(page)
    expect(page.locator("#main a[href^='/payments/invoices/']")).to_have_attribute(
        "href", INVOICE_HREF
    )
    shot(page, "confirmed", focus="#main a[href^='/payments/invoices/']")
    if "invoice" in keys:
        open_invoice(page, shot, language=language)


# --- 3.4 See the confirmed test -----------------------------------------------------------------


def see_confirmed_test(page: Page, shot: Shot, *, reference: str, language: str = "ar") -> None:
    """Account page → my registrations → the confirmed test → its details and admission
    ticket."""
    page.goto("/dashboard/")
    expect_language(page, language)
    follow(page, "#main a[href='/registrations/']")
    expect_path(page, "/registrations/")
    detail = f"a[href='/registrations/{reference}/']"
    item = f"#main li:has({detail})"
    expect(page.locator(f"{item} .badge:not(.todo)")).to_be_visible()
    shot(page, "list", focus=item)
    follow(page, f"{item} {detail}")
    expect_path(page, f"/registrations/{reference}/")
    expect_confirmed(page)
    shot(page, "details", focus="#main dl.data")
    follow(page, f"#main a[href='/registrations/{reference}/ticket/']")
    expect_path(page, f"/registrations/{reference}/ticket/")
    expect_language(page, language)
    ticket = page.locator("#main .ticket")
    expect(ticket.locator(".ticket-ref")).to_contain_text(reference)
    expect(ticket.locator(".ticket-qr svg")).to_be_visible()
    shot(page, "ticket", focus="#main .ticket-head")
    place = "#main section[aria-labelledby=ticket-place]"
    expect(page.locator(f"{place} a[href^='http']")).to_be_visible()  # the map
    shot(page, "place", focus=place)
    expect(ticket.locator("a[href$='/ticket.pdf']")).to_be_visible()
    expect(ticket.locator("a[href$='/ticket.ics']")).to_be_visible()
    shot(page, "download", focus="#main .ticket > p.actions")


# --- The guide's journeys on the demo database -------------------------------------------------


@guide("register-paper")
def guide_register_paper(page: Page, shot: Shot, world: World) -> None:
    world.log_in(demo.candidate(world.language))
    sitting = demo.first_free_session(demo.PAPER_CENTRE)
    register(
        page,
        shot,
        period_code=demo.OPEN_PERIOD,
        mode=Mode.PAPER,
        spec=demo.SPECIALIZATION,
        city=demo.CITY,
        centre=demo.PAPER_CENTRE,
        session=str(sitting.pk),
        language=world.language,
        keys=PAPER_STEPS,
    )


@guide("register-digital")
def guide_register_digital(page: Page, shot: Shot, world: World) -> None:
    world.log_in(demo.candidate(world.language))
    slot = demo.first_free_session(demo.DIGITAL_CENTRE)
    register(
        page,
        shot,
        period_code=demo.OPEN_PERIOD,
        mode=Mode.DIGITAL,
        spec=demo.SPECIALIZATION,
        city=demo.CITY,
        centre=demo.DIGITAL_CENTRE,
        date=slot.date.isoformat(),
        session=str(slot.pk),
        language=world.language,
        keys=DIGITAL_STEPS,
    )


@guide("payment")
def guide_payment(page: Page, shot: Shot, world: World) -> None:
    user = demo.candidate(world.language)
    held = demo.hold(user)
    world.log_in(user)
    page.goto("/dashboard/")
    follow(page, f"#main a[href='/registrations/{held.reference}/']")  # “Pay now”
    pay(page, shot, number=demo.MADA_OK, language=world.language, keys=PAYMENT_STEPS)


@guide("confirmed-test")
def guide_confirmed_test(page: Page, shot: Shot, world: World) -> None:
    user = demo.candidate(world.language)
    registration = demo.confirmed(user)
    world.log_in(user)
    see_confirmed_test(page, shot, reference=registration.reference, language=world.language)


__all__ = [
    "advance",
    "choose",
    "expect_confirmed",
    "expect_held",
    "only",
    "open_invoice",
    "pay",
    "pay_button",
    "pay_by_card",
    "pick_day",
    "register",
    "review_and_confirm",
    "see_confirmed_test",
    "start_registration",
    "without_javascript",
]
