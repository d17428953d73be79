"""Account journeys in a real browser, in Arabic (the default), each page checked with axe-core.

Elements are found by form field name/id, never by visible text, so the tests hold while the
Arabic catalogue grows; visible text is compared only with what the catalogue itself gives.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.utils import translation
from playwright.sync_api import BrowserContext, Locator, Page, expect

from rukhsa.accounts.forms import SignupForm
from rukhsa.accounts.models import User
from tests.browser.support import DESKTOP, assert_accessible
from tests.conftest import PASSWORD, national_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
MAIN_FORM = "#main form[method=post]"


@dataclass
class Person:
    identity_type: str
    identity_number: str
    mobile: str
    email: str
    password: str = "Nakhla-Sahra-8841"
    nationality: str = ""
    calendar: str = "gregorian"
    birth: tuple[str, str, str] = ("17", "5", "1990")
    name_ar: tuple[str, ...] = ("محمد", "عبدالله", "سالم", "القحطاني")
    name_en: tuple[str, ...] = ("Mohammed", "Abdullah", "Salem", "Alqahtani")
    gender: str = "male"
    extra: dict[str, str] = field(default_factory=dict)


# --- Small steps a person takes ----------------------------------------------------------------


def assert_arabic_page(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")


def submit(page: Page, form: str = MAIN_FORM) -> None:
    """Press the main form's submit button and wait for the answer page."""
    button = page.locator(form).first.locator("button[type=submit]").first
    with page.expect_navigation():
        button.click()


def expect_path(page: Page, path: str) -> None:
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$"))


def fill_signup(page: Page, person: Person) -> None:
    page.check(f"input[name=identity_type][value={person.identity_type}]")
    page.fill("#id_identity_number", person.identity_number)
    if person.nationality:
        page.select_option("#id_nationality", person.nationality)
    if person.calendar != "gregorian":
        page.check(f"input[name=birth_calendar][value={person.calendar}]")
    for name, value in zip(("birth_day", "birth_month", "birth_year"), person.birth, strict=True):
        page.fill(f"#id_{name}", value)
    for name, value in zip(SignupForm.NAME_AR, person.name_ar, strict=False):
        page.fill(f"#id_{name}", value)
    for name, value in zip(SignupForm.NAME_EN, person.name_en, strict=True):
        page.fill(f"#id_{name}", value)
    page.check(f"input[name=gender][value={person.gender}]")
    page.fill("#id_mobile", person.mobile)
    page.fill("#id_email", person.email)
    page.fill("#id_password", person.password)
    page.fill("#id_password_confirm", person.extra.get("password_confirm", person.password))
    page.check("#id_accept_terms")
    page.check("#id_accept_privacy")


def enter_code(page: Page, code: str) -> None:
    page.fill("#id_code", code)
    submit(page)


def sign_up_and_verify(page: Page, outbox_code: Callable[[str], str], person: Person) -> None:
    """Sign-up form → SMS code from the outbox → logged in on the dashboard."""
    page.goto("/accounts/signup/")
    assert_arabic_page(page)
    assert_accessible(page)
    fill_signup(page, person)
    submit(page)
    expect_path(page, "/accounts/verify/mobile/")
    assert_arabic_page(page)
    expect(page.locator("[role=status]")).to_be_visible()
    assert_accessible(page)
    enter_code(page, outbox_code(person.mobile))
    expect_path(page, "/dashboard/")
    assert_arabic_page(page)
    expect(logout_button(page)).to_be_visible()
    assert_accessible(page)


def logout_button(page: Page) -> Locator:
    return page.locator("header form[action$='/accounts/logout/'] button[type=submit]")


def log_out(page: Page) -> None:
    with page.expect_navigation():
        logout_button(page).click()
    expect_path(page, "/")
    expect(logout_button(page)).to_have_count(0)


def log_in(page: Page, identifier: str, password: str, nationality: str = "") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", identifier)
    if nationality:
        page.select_option("#id_nationality", nationality)
    page.fill("#id_password", password)
    submit(page)


# --- Journeys ----------------------------------------------------------------------------------


def test_citizen_signs_up_verifies_logs_in_recovers_and_changes_mobile(
    page: Page, outbox_code: Callable[[str], str]
) -> None:
    person = Person(
        identity_type="citizen",
        identity_number=national_number("1", 4242),
        mobile="0551234567",
        email="Noura.Citizen@example.com",
        calendar="hijri",
        birth=("21", "10", "1410"),
    )
    sign_up_and_verify(page, outbox_code, person)
    user = User.objects.get(identity_number=person.identity_number)
    assert user.birth_date.isoformat() == "1990-05-16"  # 21 Shawwal 1410 (Umm al-Qura)

    # Email: the code from the message in the outbox.
    page.goto("/accounts/verify/email/")
    assert_arabic_page(page)
    assert_accessible(page)
    enter_code(page, outbox_code(person.email))
    expect_path(page, "/dashboard/")
    expect(page.locator("a[href='/accounts/verify/email/']")).to_have_count(0)
    user.refresh_from_db()
    assert user.email_verified_at is not None

    log_out(page)
    log_in(page, person.identity_number, person.password)
    expect_path(page, "/dashboard/")
    log_out(page)

    # Password recovery by national ID, code from the SMS.
    page.goto("/accounts/recover/")
    assert_arabic_page(page)
    assert_accessible(page)
    page.fill("#id_identifier", person.identity_number)
    submit(page)
    expect_path(page, "/accounts/recover/code/")
    expect(page.locator("[role=status]")).to_be_visible()
    assert_accessible(page)
    enter_code(page, outbox_code(person.mobile))
    expect_path(page, "/accounts/recover/new-password/")
    assert_accessible(page)
    new_password = "Wadi-Hanifa-5190"
    page.fill("#id_password", new_password)
    page.fill("#id_password_confirm", new_password)
    submit(page)
    expect_path(page, "/accounts/login/")
    expect(page.locator("[role=status]")).to_be_visible()
    assert_accessible(page)

    log_in(page, person.identity_number, person.password)
    expect_path(page, "/accounts/login/")
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    expect(page.locator("#id_identifier")).to_have_value(person.identity_number)
    expect(page.locator("#id_password")).to_have_value("")
    assert_accessible(page)
    log_in(page, person.identity_number, new_password)
    expect_path(page, "/dashboard/")

    # Change the mobile: the code goes to the NEW number.
    page.goto("/accounts/profile/")
    assert_accessible(page)
    expect(page.locator("#main")).to_contain_text("+966551234567")
    page.goto("/accounts/profile/mobile/")
    assert_arabic_page(page)
    assert_accessible(page)
    page.fill("#id_new_value", "0559876543")
    page.fill("#id_password", new_password)
    submit(page)
    expect_path(page, "/accounts/profile/contact/confirm/mobile/")
    assert_accessible(page)
    enter_code(page, outbox_code("+966559876543"))
    expect_path(page, "/accounts/profile/")
    expect(page.locator("[role=status]")).to_be_visible()
    main = page.locator("#main")
    expect(main).to_contain_text("+966559876543")
    expect(main).not_to_contain_text("+966551234567")
    assert_accessible(page)


def test_resident_signs_up_with_iqama_and_logs_in(
    page: Page, outbox_code: Callable[[str], str]
) -> None:
    person = Person(
        identity_type="resident",
        identity_number=national_number("2", 7315),
        nationality="IN",
        mobile="0561112233",
        email="arjun.resident@example.com",
        name_ar=("أرجون", "راج", "كومار", "شارما"),
        name_en=("Arjun", "Raj", "Kumar", "Sharma"),
    )
    sign_up_and_verify(page, outbox_code, person)
    user = User.objects.get(identity_number=person.identity_number)
    assert (user.identity_type, user.nationality, user.mobile) == (
        "resident",
        "IN",
        "+966561112233",
    )
    log_out(page)
    log_in(page, person.identity_number, person.password)
    expect_path(page, "/dashboard/")


@pytest.mark.parametrize("viewport", [DESKTOP])
def test_visitor_signs_up_with_passport_and_logs_in_with_nationality(
    page: Page, outbox_code: Callable[[str], str]
) -> None:
    person = Person(
        identity_type="visitor",
        identity_number="a12 34567",
        nationality="EG",
        mobile="+201001234567",
        email="ahmed.visitor@example.com",
        name_ar=(),
        name_en=("Ahmed", "Hassan", "Mahmoud", "Farouk"),
        gender="male",
    )
    sign_up_and_verify(page, outbox_code, person)
    user = User.objects.get(email="ahmed.visitor@example.com")
    assert (user.identity_number, user.nationality, user.mobile) == (
        "A1234567",
        "EG",
        "+201001234567",
    )
    assert user.name_ar == ""
    log_out(page)

    # Without the nationality a passport number is not enough.
    log_in(page, "A1234567", person.password)
    expect_path(page, "/accounts/login/")
    expect(page.locator("#id_identifier")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    log_in(page, "a12 34567", person.password, nationality="EG")
    expect_path(page, "/dashboard/")
    # The dashboard greets a visitor with no Arabic name by the English one.
    expect(page.locator("h1")).to_contain_text("Ahmed")


def test_failed_signup_keeps_input_and_shows_arabic_errors_by_the_fields(page: Page) -> None:
    person = Person(
        identity_type="citizen",
        identity_number="1234567890",  # fails the Luhn check
        mobile="0551234567",
        email="not-an-email",
        name_ar=("Mohammed", "عبدالله", "سالم", "القحطاني"),  # Latin letters in an Arabic field
        extra={"password_confirm": "Something-Else-7731"},
    )
    page.goto("/accounts/signup/")
    fill_signup(page, person)
    page.uncheck("#id_accept_terms")
    submit(page)

    expect_path(page, "/accounts/signup/")
    assert_arabic_page(page)
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # announced to screen readers

    # Everything typed is still there, except the passwords.
    expect(page.locator("input[name=identity_type][value=citizen]")).to_be_checked()
    expect(page.locator("input[name=gender][value=male]")).to_be_checked()
    expect(page.locator("#id_identity_number")).to_have_value(person.identity_number)
    expect(page.locator("#id_birth_year")).to_have_value(person.birth[2])
    expect(page.locator("#id_name_ar_first")).to_have_value("Mohammed")
    expect(page.locator("#id_name_ar_family")).to_have_value("القحطاني")
    expect(page.locator("#id_name_en_family")).to_have_value("Alqahtani")
    expect(page.locator("#id_mobile")).to_have_value(person.mobile)
    expect(page.locator("#id_email")).to_have_value(person.email)
    expect(page.locator("#id_accept_privacy")).to_be_checked()
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_password_confirm")).to_have_value("")

    # Each error sits next to its field, tied to it, in the page's language: the very words the
    # Arabic catalogue gives (Django's own messages are always translated).
    data = {
        "identity_type": "citizen",
        "identity_number": person.identity_number,
        "birth_calendar": "gregorian",
        "birth_day": "17",
        "birth_month": "5",
        "birth_year": "1990",
        "gender": "male",
        "mobile": person.mobile,
        "email": person.email,
        "password": person.password,
        "password_confirm": "Something-Else-7731",
        "accept_privacy": "on",
        **dict(zip(SignupForm.NAME_AR, person.name_ar, strict=True)),
        **dict(zip(SignupForm.NAME_EN, person.name_en, strict=True)),
    }
    with translation.override("ar"):
        form = SignupForm(data)
        form.is_valid()
        expected = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    bad = ("identity_number", "email", "name_ar_first", "password_confirm", "accept_terms")
    assert set(bad) <= set(expected), expected
    for name in bad:
        field_input = page.locator(f"#id_{name}")
        expect(field_input).to_have_attribute("aria-invalid", "true")
        described = (field_input.get_attribute("aria-describedby") or "").split()
        assert f"id_{name}_error" in described, (name, described)
        error = page.locator(f".field:has(#id_{name}) > #id_{name}_error")
        expect(error).to_be_visible()
        expect(error).to_have_text(expected[name])
    for name in ("email", "accept_terms"):  # messages from Django's Arabic catalogue
        assert ARABIC_LETTER.search(page.locator(f"#id_{name}_error").inner_text()), name
    for name in ("mobile", "name_ar_family", "name_en_first", "birth_day"):
        expect(page.locator(f"#id_{name}")).not_to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def switch_language(page: Page, to: str) -> None:
    switch = page.locator("header form.lang-switch button[name=language]")
    expect(switch).to_have_attribute("value", to)
    with page.expect_navigation():
        switch.click()


def assert_english_page(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")


def test_language_switch_gives_english_and_persists_on_the_next_page(page: Page) -> None:
    page.goto("/accounts/login/")
    assert_arabic_page(page)
    switch_language(page, "en")
    expect_path(page, "/accounts/login/")
    assert_english_page(page)
    assert_accessible(page)
    page.goto("/accounts/signup/")
    assert_english_page(page)
    assert_accessible(page)
    switch_language(page, "ar")
    expect_path(page, "/accounts/signup/")
    assert_arabic_page(page)


def test_logged_in_language_choice_is_saved_and_restored_at_next_login(
    page: Page, new_context: Callable[..., BrowserContext], make_user: Callable[..., User]
) -> None:
    user = make_user(preferred_language="ar")
    log_in(page, user.identity_number, PASSWORD)
    expect_path(page, "/dashboard/")
    assert_arabic_page(page)
    switch_language(page, "en")
    expect_path(page, "/dashboard/")
    assert_english_page(page)
    assert_accessible(page)
    page.goto("/accounts/profile/")
    assert_english_page(page)
    assert_accessible(page)
    user.refresh_from_db()
    assert user.preferred_language == "en"
    log_out(page)

    # A fresh browser (no language cookie): Arabic until login, then the saved English.
    fresh = new_context().new_page()
    fresh.goto("/accounts/login/")
    assert_arabic_page(fresh)
    log_in(fresh, user.identity_number, PASSWORD)
    expect_path(fresh, "/dashboard/")
    assert_english_page(fresh)
    fresh.goto("/accounts/profile/")
    assert_english_page(fresh)
