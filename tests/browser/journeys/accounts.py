"""Account journeys: 1.1 create an account, 2.1 recover the password, 2.2 edit personal data."""

from dataclasses import dataclass, field

from django.utils import translation
from playwright.sync_api import Page, expect

from rukhsa.accounts.forms import ProfileForm, SignupForm
from tests.browser.journeys import Shot, World, demo, guide
from tests.browser.journeys.steps import (
    MAIN_FORM,
    enter_code,
    expect_language,
    expect_path,
    follow,
    logout_button,
    submit,
)
from tests.conftest import national_number

RECOVER = "/accounts/recover/"
PROFILE = "/accounts/profile/"
PROFILE_EDIT = "/accounts/profile/edit/"


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
    """Sign-up step 1. The nationality select is there for a passport only."""
    page.check(f"input[name=identity_type][value={person.identity_type}]")
    page.fill("#id_identity_number", person.identity_number)
    if person.identity_type == "visitor":
        page.select_option("#id_nationality", person.nationality)
    else:
        expect(page.locator("#id_nationality")).to_be_hidden()


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


SIGNUP_STEPS = ("/accounts/signup/", "/accounts/signup/names/", "/accounts/signup/contact/")


def expect_step(page: Page, number: int, language: str) -> None:
    """On sign-up step `number` of 3, its indicator marking it as the current step."""
    expect_path(page, SIGNUP_STEPS[number - 1])
    expect_language(page, language)
    current = page.locator("#main .step-list li[aria-current=step]")
    expect(current).to_have_count(1)
    expect(page.locator("#main .step-list li").nth(number - 1)).to_have_attribute(
        "aria-current", "step"
    )


def create_account(
    page: Page, shot: Shot, world: World, person: Person, *, language: str = "ar"
) -> None:
    """Home page → sign-up in three steps (identity → names and date of birth → contacts and
    password) → SMS code from the outbox → logged in on the account page."""
    page.goto("/")
    expect_language(page, language)
    shot(page, "home", focus="#main a[href='/accounts/signup/']")
    follow(page, "#main a[href='/accounts/signup/']")
    expect_step(page, 1, language)
    fill_identity(page, person)
    shot(page, "identity", focus=MAIN_FORM)
    submit(page)
    expect_step(page, 2, language)
    fill_birth_and_name(page, person)
    shot(page, "name", focus=MAIN_FORM)
    submit(page)
    expect_step(page, 3, language)
    fill_contact_and_consent(page, person)
    shot(page, "contact", focus=MAIN_FORM)
    submit(page)
    expect_path(page, "/accounts/verify/mobile/")
    expect_language(page, language)
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


# --- 2.1 Recover the password ------------------------------------------------------------------


def recover_password(
    page: Page,
    shot: Shot,
    world: World,
    *,
    identifier: str,
    recipient: str,
    new_password: str,
    language: str = "ar",
    nationality: str = "",
) -> None:
    """Log-in page → "Forgot your password?" → identity → code from the outbox (sent to
    `recipient`) → new password → logged in with it on the account page."""
    page.goto("/accounts/login/")
    expect_language(page, language)
    forgot = f"#main form a[href='{RECOVER}']"
    shot(page, "login", focus=forgot)
    follow(page, forgot)
    expect_path(page, RECOVER)
    expect_language(page, language)
    page.fill("#id_identifier", identifier)
    if nationality:
        page.check("#id_passport")
        page.select_option("#id_nationality", nationality)
    shot(page, "identify", focus=MAIN_FORM)
    submit(page)
    expect_path(page, "/accounts/recover/code/")
    expect_language(page, language)
    # The same words whether or not an account matches, so that nobody learns who has one.
    expect(page.locator("[role=status] .flash-info")).to_be_visible()
    page.fill("#id_code", world.code(recipient))
    shot(page, "code", focus="#id_code")
    submit(page)
    expect_path(page, "/accounts/recover/new-password/")
    expect_language(page, language)
    page.fill("#id_password", new_password)
    page.fill("#id_password_confirm", new_password)
    shot(page, "new-password", focus=MAIN_FORM)
    submit(page)
    expect_path(page, "/accounts/login/")
    expect_language(page, language)
    expect(page.locator("[role=status] .flash-success")).to_be_visible()
    expect(logout_button(page)).to_have_count(0)
    page.fill("#id_identifier", identifier)
    if nationality:
        page.check("#id_passport")
        page.select_option("#id_nationality", nationality)
    page.fill("#id_password", new_password)
    shot(page, "done", focus="#main [role=status]")
    submit(page)
    expect_path(page, "/dashboard/")
    expect_language(page, language)
    expect(logout_button(page)).to_be_visible()


@guide("password-recovery")
def guide_password_recovery(page: Page, shot: Shot, world: World) -> None:
    user = demo.candidate(world.language)
    recover_password(
        page,
        shot,
        world,
        identifier=user.identity_number,
        recipient=user.mobile,
        new_password="Bahr-Alarab-6630",
        language=world.language,
    )


# --- 2.2 Edit personal data --------------------------------------------------------------------


def profile_shows(field: str, value: str, language: str) -> str:
    """How the personal data page shows `value` of the profile form's `field`: a choice by its
    label in `language`, anything else as typed."""
    with translation.override(language):
        choices = getattr(ProfileForm().fields[field], "choices", None)
        labels = {str(key): str(label) for key, label in choices or ()}
    return labels.get(value, value)


def shown_at(field: str) -> str:
    """Where the personal data page shows the profile form's `field` (the four parts of the
    English name together)."""
    return "#profile-name_en" if field.startswith("name_en_") else f"#profile-{field}"


def edit_personal_data(
    page: Page, shot: Shot, world: World, *, changes: dict[str, str], language: str = "ar"
) -> None:
    """Logged in: account page → "Personal data" → "Edit personal data" → the form with
    `changes` (field name → value; a choice by its value) → saved: the page shows them."""
    page.goto("/dashboard/")
    expect_language(page, language)
    open_profile = f"#main .steps li:has(a[href='{PROFILE}'])"
    shot(page, "account", focus=open_profile)
    follow(page, f"{open_profile} a[href='{PROFILE}']")
    expect_path(page, PROFILE)
    expect_language(page, language)
    before = {name: page.locator(shown_at(name)).inner_text() for name in changes}
    edit = f"#main a[href='{PROFILE_EDIT}']"
    shot(page, "profile", focus=edit)
    follow(page, edit)
    expect_path(page, PROFILE_EDIT)
    expect_language(page, language)
    for name, value in changes.items():
        if page.locator(f"select#id_{name}").count():
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    shot(page, "edit", focus=f"#main form fieldset:has(#id_{next(iter(changes))})")
    submit(page)
    expect_path(page, PROFILE)
    expect_language(page, language)
    expect(page.locator("[role=status] .flash-success")).to_be_visible()
    for name, value in changes.items():
        shown = page.locator(shown_at(name))
        expected = profile_shows(name, value, language)
        if name.startswith("name_en_"):
            expect(shown).to_contain_text(expected)
        else:
            expect(shown).to_have_text(expected)
        expect(shown).not_to_have_text(before[name])
    shot(page, "saved", focus=f"#main dl.data:has({shown_at(next(iter(changes)))})")


@guide("edit-personal-data")
def guide_edit_personal_data(page: Page, shot: Shot, world: World) -> None:
    """The demo teacher has earned a master's degree and taught two more years."""
    world.log_in(demo.candidate(world.language))
    university = "جامعة أم القرى" if world.language == "ar" else "Umm Al-Qura University"
    edit_personal_data(
        page,
        shot,
        world,
        changes={
            "qualification": "master",
            "university": university,
            "graduation_year": "2023",
            "experience_years": "9",
        },
        language=world.language,
    )


__all__ = [
    "Person",
    "create_account",
    "edit_personal_data",
    "enter_code",
    "recover_password",
]
