"""Account journeys in a real browser, in Arabic (the default), each page checked with axe-core.

Elements are found by form field name/id, never by visible text, so the tests hold while the
Arabic catalogue grows; visible text is compared only with what the catalogue itself gives.
Where a test walks a path the visual guide also shows (sign up and verify, recover the
password) it runs that journey from tests/browser/journeys/ with ``axe_shot``: every step's
page must pass axe-core.
"""

import re
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from rukhsa.accounts.forms import SignupForm
from rukhsa.accounts.models import User
from tests.browser.journeys import World, axe_shot
from tests.browser.journeys.accounts import (
    Person,
    create_account,
    expect_step,
    fill_birth_and_name,
    fill_contact_and_consent,
    fill_identity,
    recover_password,
)
from tests.browser.journeys.counting import Cost, cost, count_journeys
from tests.browser.journeys.steps import (
    enter_code,
    expect_language,
    expect_path,
    log_in_form,
    logout_button,
    submit,
)
from tests.browser.support import DESKTOP, PHONE, assert_accessible
from tests.conftest import PASSWORD, national_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")


@pytest.fixture
def world(context: BrowserContext, base_url: str) -> World:
    """The test's own browser context (the one `page` is in), for the journeys, in Arabic."""
    return World(context=context, base_url=base_url, language="ar")


def log_out(page: Page) -> None:
    with page.expect_navigation():
        logout_button(page).click()
    expect_path(page, "/")
    expect(logout_button(page)).to_have_count(0)


# --- Journeys ----------------------------------------------------------------------------------


def test_citizen_signs_up_verifies_logs_in_recovers_and_changes_mobile(
    page: Page, world: World
) -> None:
    person = Person(
        identity_type="citizen",
        identity_number=national_number("1", 4242),
        mobile="0551234567",
        email="Noura.Citizen@example.com",
        calendar="hijri",
        birth=("21", "10", "1410"),
    )
    create_account(page, axe_shot, world, person, language="ar")
    user = User.objects.get(identity_number=person.identity_number)
    assert user.birth_date.isoformat() == "1990-05-16"  # 21 Shawwal 1410 (Umm al-Qura)

    # Email: the code from the message in the outbox.
    page.goto("/accounts/verify/email/")
    expect_language(page, "ar")
    assert_accessible(page)
    enter_code(page, world.code(person.email))
    expect_path(page, "/dashboard/")
    expect(page.locator("a[href='/accounts/verify/email/']")).to_have_count(0)
    user.refresh_from_db()
    assert user.email_verified_at is not None

    log_out(page)
    log_in_form(page, person.identity_number, person.password)
    expect_path(page, "/dashboard/")
    log_out(page)

    # Password recovery by national ID, code from the SMS; it ends logged in with the new one.
    new_password = "Wadi-Hanifa-5190"
    recover_password(
        page,
        axe_shot,
        world,
        identifier=person.identity_number,
        recipient=person.mobile,
        new_password=new_password,
        language="ar",
    )
    log_out(page)

    # The old password no longer opens the account.
    log_in_form(page, person.identity_number, person.password)
    expect_path(page, "/accounts/login/")
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    expect(page.locator("#id_identifier")).to_have_value(person.identity_number)
    expect(page.locator("#id_password")).to_have_value("")
    assert_accessible(page)
    log_in_form(page, person.identity_number, new_password)
    expect_path(page, "/dashboard/")

    # Change the mobile: the code goes to the NEW number.
    page.goto("/accounts/profile/")
    assert_accessible(page)
    expect(page.locator("#main")).to_contain_text("+966551234567")
    page.goto("/accounts/profile/mobile/")
    expect_language(page, "ar")
    assert_accessible(page)
    page.fill("#id_new_value", "0559876543")
    page.fill("#id_password", new_password)
    submit(page)
    expect_path(page, "/accounts/profile/contact/confirm/mobile/")
    assert_accessible(page)
    enter_code(page, world.code("+966559876543"))
    expect_path(page, "/accounts/profile/")
    expect(page.locator("[role=status]")).to_be_visible()
    main = page.locator("#main")
    expect(main).to_contain_text("+966559876543")
    expect(main).not_to_contain_text("+966551234567")
    assert_accessible(page)


def test_resident_signs_up_with_iqama_and_logs_in(page: Page, world: World) -> None:
    person = Person(
        identity_type="resident",
        identity_number=national_number("2", 7315),
        mobile="0561112233",
        email="arjun.resident@example.com",
        name_ar=("أرجون", "راج", "كومار", "شارما"),
        name_en=("Arjun", "Raj", "Kumar", "Sharma"),
    )
    create_account(page, axe_shot, world, person, language="ar")
    user = User.objects.get(identity_number=person.identity_number)
    assert (user.identity_type, user.nationality, user.mobile) == (
        "resident",
        "",  # an iqama needs no nationality
        "+966561112233",
    )
    log_out(page)
    log_in_form(page, person.identity_number, person.password)
    expect_path(page, "/dashboard/")


@pytest.mark.parametrize("viewport", [DESKTOP])
def test_visitor_signs_up_with_passport_and_logs_in_with_nationality(
    page: Page, world: World
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
    create_account(page, axe_shot, world, person, language="ar")
    user = User.objects.get(email="ahmed.visitor@example.com")
    assert (user.identity_number, user.nationality, user.mobile) == (
        "A1234567",
        "EG",
        "+201001234567",
    )
    assert user.name_ar == ""
    log_out(page)

    # Without the nationality a passport number is not enough: the box opens on its error.
    log_in_form(page, "A1234567", person.password)
    expect_path(page, "/accounts/login/")
    expect(page.locator("#id_nationality")).to_be_visible()
    expect(page.locator("#id_nationality")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    log_in_form(page, "a12 34567", person.password, nationality="EG")
    expect_path(page, "/dashboard/")
    # The dashboard greets a visitor with no Arabic name by the English one.
    expect(page.locator("h1")).to_contain_text("Ahmed")


def expect_errors_by_fields(page: Page, form: SignupForm, bad: tuple[str, ...]) -> None:
    """Each error sits next to its field, tied to it, in the page's language: the very words
    the Arabic catalogue gives (Django's own messages are always translated)."""
    with translation.override("ar"):
        form.is_valid()
        expected = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    assert set(bad) <= set(expected), expected
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # announced to screen readers
    for name in bad:
        field_input = page.locator(f"#id_{name}")
        expect(field_input).to_have_attribute("aria-invalid", "true")
        described = (field_input.get_attribute("aria-describedby") or "").split()
        assert f"id_{name}_error" in described, (name, described)
        error = page.locator(f"#id_{name}_error")
        expect(error).to_be_visible()
        expect(error).to_have_text(expected[name])
    assert_accessible(page)


def test_failed_signup_keeps_input_and_shows_arabic_errors_by_the_fields(page: Page) -> None:
    person = Person(
        identity_type="citizen",
        identity_number="1234567890",  # fails the Luhn check
        mobile="0551234567",
        email="not-an-email",
        name_ar=("Mohammed", "عبدالله", "سالم", "القحطاني"),  # Latin letters in an Arabic field
        extra={"password_confirm": "Something-Else-7731"},
    )
    # Step 1: the identity number is refused; what was typed stays.
    page.goto("/accounts/signup/")
    fill_identity(page, person)
    submit(page)
    expect_step(page, 1, "ar")
    expect(page.locator("input[name=identity_type][value=citizen]")).to_be_checked()
    expect(page.locator("#id_identity_number")).to_have_value(person.identity_number)
    step1 = SignupForm(
        {"identity_type": "citizen", "identity_number": person.identity_number}, step=1
    )
    expect_errors_by_fields(page, step1, ("identity_number",))
    page.fill("#id_identity_number", national_number("1", 9191))
    submit(page)

    # Step 2: a Latin name in an Arabic field, and a date that does not exist; the three date
    # boxes stay on one line with the error below them.
    expect_step(page, 2, "ar")
    fill_birth_and_name(page, person)
    page.fill("#id_birth_day", "31")
    page.fill("#id_birth_month", "2")
    submit(page)
    expect_step(page, 2, "ar")
    expect(page.locator("#id_name_ar_first")).to_have_value("Mohammed")
    expect(page.locator("#id_name_ar_family")).to_have_value("القحطاني")
    expect(page.locator("input[name=gender][value=male]")).to_be_checked()
    tops = [page.locator(f"#id_birth_{part}").bounding_box() for part in ("day", "month", "year")]
    assert len({round(box["y"]) for box in tops if box}) == 1, tops
    error_box = page.locator("#id_birth_day_error").bounding_box()
    assert error_box and tops[0] and error_box["y"] >= tops[0]["y"] + tops[0]["height"]
    data2 = {
        "birth_calendar": "gregorian",
        "birth_day": "31",
        "birth_month": "2",
        "birth_year": "1990",
        "gender": "male",
        **dict(zip(SignupForm.NAME_AR, person.name_ar, strict=True)),
        **dict(zip(SignupForm.NAME_EN, person.name_en, strict=True)),
    }
    step2 = SignupForm(data2, step=2, earlier={"identity_type": "citizen"})
    expect_errors_by_fields(page, step2, ("name_ar_first", "birth_day"))
    for name in ("name_ar_family", "name_en_first", "birth_month"):
        expect(page.locator(f"#id_{name}")).not_to_have_attribute("aria-invalid", "true")
    page.fill("#id_name_ar_first", "محمد")
    page.fill("#id_birth_day", "17")
    submit(page)

    # Step 3: email, passwords and consent; all but the passwords kept.
    expect_step(page, 3, "ar")
    fill_contact_and_consent(page, person)
    page.uncheck("#id_accept_terms")
    submit(page)
    expect_step(page, 3, "ar")
    expect(page.locator("#id_mobile")).to_have_value(person.mobile)
    expect(page.locator("#id_email")).to_have_value(person.email)
    expect(page.locator("#id_accept_privacy")).to_be_checked()
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_password_confirm")).to_have_value("")
    data3 = {
        "mobile": person.mobile,
        "email": person.email,
        "password": person.password,
        "password_confirm": "Something-Else-7731",
        "accept_privacy": "on",
    }
    step3 = SignupForm(data3, step=3, earlier={"identity_type": "citizen"})
    expect_errors_by_fields(page, step3, ("email", "password_confirm", "accept_terms"))
    for name in ("email", "accept_terms"):  # messages from Django's Arabic catalogue
        assert ARABIC_LETTER.search(page.locator(f"#id_{name}_error").inner_text()), name

    # "Back" keeps what was typed on step 3 and shows step 2 as it was left.
    with page.expect_navigation():
        page.locator("#main form button[name=back]").click()
    expect_step(page, 2, "ar")
    expect(page.locator("#id_name_ar_first")).to_have_value("محمد")
    submit(page)
    expect_step(page, 3, "ar")
    expect(page.locator("#id_email")).to_have_value(person.email)
    assert not User.objects.exists()


# --- Nationality only for passports, sign-up in three steps: cost and accessibility -----------


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/recover/"])
def test_log_in_and_recovery_show_the_nationality_to_passport_holders_only(
    page: Page, url: str
) -> None:
    page.goto(url)
    expect_language(page, "ar")
    nationality = page.locator("#id_nationality")
    # A citizen types the national ID: no country list.
    page.fill("#id_identifier", national_number("1", 4343))
    expect(nationality).to_be_hidden()
    assert_accessible(page)
    # A passport holder: a Latin letter ticks "passport", and the list opens, in Arabic order.
    page.fill("#id_identifier", "A1234567")
    expect(page.locator("#id_passport")).to_be_checked()
    expect(nationality).to_be_visible()
    names = nationality.locator("option").all_inner_texts()[1:]
    assert names[0][0] in "أإا" and ARABIC_LETTER.search(names[0]), names[:3]
    assert "Türkiye" not in names and "تركيا" in names
    assert_accessible(page)
    # Unticked, the list hides again; an all-digit passport ticks it by hand.
    page.uncheck("#id_passport")
    expect(nationality).to_be_hidden()
    page.fill("#id_identifier", "123456789")
    page.check("#id_passport")
    expect(nationality).to_be_visible()


def test_passport_holder_recovers_with_the_nationality(page: Page, world: World, make_user) -> None:
    user = make_user(identity_type="visitor", identity_number="B7654321", nationality="EG")
    recover_password(
        page,
        axe_shot,
        world,
        identifier="B7654321",
        recipient=user.mobile,
        new_password="Nile-Delta-4417",
        language="ar",
        nationality="EG",
    )


def strict_shot(page: Page, key: str, *, focus: str | None = None) -> None:
    assert_accessible(page)


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_every_sign_up_step_passes_axe_in_both_languages(
    page: Page, context: BrowserContext, base_url: str, language: str, viewport: object
) -> None:
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    world = World(context=context, base_url=base_url, language=language)
    person = Person(
        identity_type="visitor",
        identity_number="C1234567",
        nationality="JO",
        mobile="+962791234567",
        email=f"visitor.{language}@example.com",
        name_ar=(),
        name_en=("Omar", "Khaled", "Yousef", "Haddad"),
    )
    create_account(page, strict_shot, world, person, language=language)
    # The errors of each step pass too, and log-in and recovery with the passport box open.
    log_out(page)
    page.goto("/accounts/signup/")
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    for url in ("/accounts/login/", "/accounts/recover/"):
        page.goto(url)
        page.check("#id_passport")
        assert_accessible(page)
        submit(page)
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)


SIGNUP_COST_BEFORE = {"citizen": Cost(screens=4, interactions=25), "visitor": Cost(4, 22)}
SIGNUP_COST_AFTER = {"citizen": Cost(screens=6, interactions=27), "visitor": Cost(6, 24)}


@pytest.mark.parametrize("kind", ["citizen", "visitor"])
def test_sign_up_in_three_steps_counts_its_screens_and_interactions(
    page: Page, context: BrowserContext, world: World, kind: str
) -> None:
    """Home → three short steps → code → account page, in Arabic. The counts go in the
    before/after table of docs/guide.md (before: one long page)."""
    count_journeys(context)
    if kind == "citizen":
        person = Person(
            identity_type="citizen",
            identity_number=national_number("1", 6161),
            mobile="0551236161",
            email="count.citizen@example.com",
        )
    else:
        person = Person(
            identity_type="visitor",
            identity_number="D1234567",
            nationality="EG",
            mobile="+201001236161",
            email="count.visitor@example.com",
            name_ar=(),
        )
    create_account(page, axe_shot, world, person, language="ar")
    assert cost(page) == SIGNUP_COST_AFTER[kind], cost(page)


def switch_language(page: Page, to: str) -> None:
    switch = page.locator("header form.lang-switch button[name=language]")
    expect(switch).to_have_attribute("value", to)
    with page.expect_navigation():
        switch.click()


def test_language_switch_gives_english_and_persists_on_the_next_page(page: Page) -> None:
    page.goto("/accounts/login/")
    expect_language(page, "ar")
    switch_language(page, "en")
    expect_path(page, "/accounts/login/")
    expect_language(page, "en")
    assert_accessible(page)
    page.goto("/accounts/signup/")
    expect_language(page, "en")
    assert_accessible(page)
    switch_language(page, "ar")
    expect_path(page, "/accounts/signup/")
    expect_language(page, "ar")


def test_logged_in_language_choice_is_saved_and_restored_at_next_login(
    page: Page, new_context: Callable[..., BrowserContext], make_user: Callable[..., User]
) -> None:
    user = make_user(preferred_language="ar")
    log_in_form(page, user.identity_number, PASSWORD)
    expect_path(page, "/dashboard/")
    expect_language(page, "ar")
    switch_language(page, "en")
    expect_path(page, "/dashboard/")
    expect_language(page, "en")
    assert_accessible(page)
    page.goto("/accounts/profile/")
    expect_language(page, "en")
    assert_accessible(page)
    user.refresh_from_db()
    assert user.preferred_language == "en"
    log_out(page)

    # A fresh browser (no language cookie): Arabic until login, then the saved English.
    fresh = new_context().new_page()
    fresh.goto("/accounts/login/")
    expect_language(fresh, "ar")
    log_in_form(fresh, user.identity_number, PASSWORD)
    expect_path(fresh, "/dashboard/")
    expect_language(fresh, "en")
    fresh.goto("/accounts/profile/")
    expect_language(fresh, "en")
