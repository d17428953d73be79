"""Account journeys: 1.1 create an account, 2.1 recover the password, 2.2 edit personal data."""

from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

from rukhsa.accounts.forms import SignupForm
from tests.browser.journeys import Shot, World, guide
from tests.browser.journeys.steps import (
    enter_code,
    expect_language,
    expect_path,
    follow,
    logout_button,
    submit,
)
from tests.conftest import national_number


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


# --- 1.1 Create an account ---------------------------------------------------------------------


def fill_identity(page: Page, person: Person) -> None:
    page.check(f"input[name=identity_type][value={person.identity_type}]")
    page.fill("#id_identity_number", person.identity_number)
    if person.nationality:
        page.select_option("#id_nationality", person.nationality)


def fill_birth_and_name(page: Page, person: Person) -> None:
    if person.calendar != "gregorian":
        page.check(f"input[name=birth_calendar][value={person.calendar}]")
    for name, value in zip(("birth_day", "birth_month", "birth_year"), person.birth, strict=True):
        page.fill(f"#id_{name}", value)
    for name, value in zip(SignupForm.NAME_AR, person.name_ar, strict=False):
        page.fill(f"#id_{name}", value)
    for name, value in zip(SignupForm.NAME_EN, person.name_en, strict=True):
        page.fill(f"#id_{name}", value)
    page.check(f"input[name=gender][value={person.gender}]")


def fill_contact_and_consent(page: Page, person: Person) -> None:
    page.fill("#id_mobile", person.mobile)
    page.fill("#id_email", person.email)
    page.fill("#id_password", person.password)
    page.fill("#id_password_confirm", person.extra.get("password_confirm", person.password))
    page.check("#id_accept_terms")
    page.check("#id_accept_privacy")


def fill_signup(page: Page, person: Person) -> None:
    fill_identity(page, person)
    fill_birth_and_name(page, person)
    fill_contact_and_consent(page, person)


def create_account(
    page: Page, shot: Shot, world: World, person: Person, *, language: str = "ar"
) -> None:
    """Home page → sign-up form → SMS code from the outbox → logged in on the account page."""
    page.goto("/")
    expect_language(page, language)
    shot(page, "home", focus="#main a[href='/accounts/signup/']")
    follow(page, "#main a[href='/accounts/signup/']")
    expect_path(page, "/accounts/signup/")
    fill_identity(page, person)
    shot(page, "identity", focus="#main form fieldset:nth-of-type(1)")
    fill_birth_and_name(page, person)
    shot(page, "name", focus="#main form fieldset:nth-of-type(3)")
    fill_contact_and_consent(page, person)
    shot(page, "contact", focus="#main form fieldset:nth-of-type(4)")
    submit(page)
    expect_path(page, "/accounts/verify/mobile/")
    expect(page.locator("[role=status]")).to_be_visible()
    page.fill("#id_code", world.code(person.mobile))
    shot(page, "verify", focus="#id_code")
    submit(page)
    expect_path(page, "/dashboard/")
    expect_language(page, language)
    expect(logout_button(page)).to_be_visible()
    shot(page, "done", focus="#main h1")


@guide("create-account")
def guide_create_account(page: Page, shot: Shot, world: World) -> None:
    person = Person(
        identity_type="citizen",
        identity_number=national_number("1", 7001),
        mobile="0551237001",
        email="noura.teacher@example.com",
        name_ar=("نورة", "عبدالرحمن", "صالح", "الدوسري"),
        name_en=("Noura", "Abdulrahman", "Saleh", "Aldosari"),
        gender="female",
        birth=("3", "9", "1992"),
    )
    create_account(page, shot, world, person, language=world.language)


__all__ = ["Person", "create_account", "enter_code", "fill_signup"]
