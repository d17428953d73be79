"""Sign-up for the three identity types, duplicates, errors, and mobile/email verification."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from rukhsa.accounts.forms import SignupForm
from rukhsa.accounts.models import User
from rukhsa.core.models import AuditLog
from rukhsa.notifications.models import Message
from tests.accounts.helpers import latest_code, latest_link, sign_up, signup_data
from tests.conftest import national_number

SIGNUP = reverse("accounts:signup")


def post_signup(client, **overrides):
    return sign_up(client, signup_data(**overrides))


def test_citizen_signup_creates_inactive_account_and_sends_codes(client, db):
    response = post_signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify_mobile")
    user = User.objects.get()
    assert (user.identity_type, user.identity_number, user.nationality) == (
        "citizen",
        "1000000008",
        "SA",
    )
    assert user.mobile == "+966551234567"
    assert not user.is_active and user.mobile_verified_at is None
    assert user.password.startswith("argon2")
    assert user.terms_accepted_at and user.privacy_accepted_at
    kinds = set(Message.objects.values_list("kind", "channel"))
    assert kinds == {("mobile_code", "sms"), ("email_code", "email")}
    assert AuditLog.objects.filter(action="account.created", subject=user).exists()


def test_mobile_code_activates_and_logs_in(client, db):
    post_signup(client)
    code = latest_code("+966551234567")
    response = client.post(reverse("accounts:verify_mobile"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    user = User.objects.get()
    assert user.is_active and user.mobile_verified_at
    assert client.get(reverse("dashboard")).status_code == 200


def test_email_verified_by_link_and_by_code(client, db):
    post_signup(client)
    client.post(reverse("accounts:verify_mobile"), {"code": latest_code("+966551234567")})
    client.get(latest_link("teacher@example.com"))
    assert User.objects.get().email_verified_at is not None


def test_email_verified_by_code(client, db):
    post_signup(client)
    client.post(reverse("accounts:verify_mobile"), {"code": latest_code("+966551234567")})
    response = client.post(
        reverse("accounts:verify_email"), {"code": latest_code("teacher@example.com")}
    )
    assert response.status_code == 302
    assert User.objects.get().email_verified_at is not None


def test_hijri_birth_date_for_citizen(client, db):
    post_signup(client, birth_calendar="hijri", birth_day="٢١", birth_month="10", birth_year="1410")
    assert str(User.objects.get().birth_date) == "1990-05-16"


def test_hijri_birth_date_is_offered_to_citizens_only(client, db):
    # A resident's step 2 has no calendar choice: a forged "hijri" is read as Gregorian.
    response = post_signup(
        client,
        identity_type="resident",
        identity_number=national_number("2", 77),
        birth_calendar="hijri",
        birth_day="21",
        birth_month="10",
        birth_year="1410",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "birth_calendar" not in form.fields
    assert "birth_year" in form.errors  # 1410 in Gregorian: too old
    # The whole form (the last step's check) still refuses a Hijri date for a resident.
    whole = SignupForm(
        signup_data(
            identity_type="resident",
            identity_number=national_number("2", 77),
            birth_calendar="hijri",
            birth_year="1410",
        )
    )
    assert not whole.is_valid() and "birth_calendar" in whole.errors


def test_resident_signup_needs_no_nationality(client, db):
    iqama = national_number("2", 77)
    response = post_signup(
        client, identity_type="resident", identity_number=iqama, nationality="IN"
    )
    assert response.status_code == 302
    user = User.objects.get()
    # The iqama is the identity on its own: a nationality sent with it is not kept.
    assert (user.identity_type, user.identity_key, user.nationality) == ("resident", iqama, "")


def test_visitor_signup_with_passport(client, db):
    response = post_signup(
        client,
        identity_type="visitor",
        identity_number="a12 34567",
        nationality="EG",
        mobile="+20 100 123 4567",
        name_ar_first="",
        name_ar_father="",
        name_ar_grandfather="",
        name_ar_family="",
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.identity_key == "P:EG:A1234567"
    assert user.mobile == "+201001234567"
    assert user.name_ar == ""


def test_arabic_names_required_for_citizens(client, db):
    response = post_signup(client, name_ar_family="")
    assert response.status_code == 200
    assert "name_ar_family" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identity_number", "1000000009"),
        ("identity_number", "2000000008"),
        ("mobile", "0112345678"),
        ("email", "not-an-email"),
        ("name_en_first", "محمد"),
        ("name_ar_first", "Mohammed"),
        ("birth_year", "2015"),
        ("birth_day", "31"),
        ("gender", "other"),
        ("accept_privacy", ""),
    ],
)
def test_bad_input_is_reported_next_to_the_field_and_kept(client, db, field, value):
    overrides = {field: value}
    if field == "birth_day":
        overrides["birth_month"] = "2"
    response = post_signup(client, **overrides)
    assert response.status_code == 200
    form = response.context["form"]
    error_fields = set(form.errors)
    assert error_fields & {field, "birth_day", "birth_year"}
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert not value or field == "gender" or f'value="{value}"' in html  # typed value kept
    assert "Desert-Falcon-2931" not in html  # passwords are not echoed back
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("password1234", "password_too_common"),
        ("x1000000008y", "password_contains_identity"),
        ("8000000001-abc", "password_contains_identity"),
        ("mohammed-alqahtani", "password_contains_name"),
        ("القحطاني2026!", "password_contains_name"),
        ("teacher@example.com", "password_too_similar"),
    ],
)
def test_password_rules(client, db, password, code):
    response = post_signup(client, password=password, password_confirm=password)
    assert response.status_code == 200
    codes = {error.code for error in response.context["form"].errors.as_data()["password"]}
    assert code in codes


def test_password_confirmation_must_match(client, db):
    response = post_signup(client, password_confirm="Desert-Falcon-2932")
    assert "password_confirm" in response.context["form"].errors


def test_duplicate_identity_gets_a_clear_message(client, db, make_user):
    make_user(identity_number="1000000008")
    response = post_signup(client)
    assert response.status_code == 200
    with translation.override("ar"):
        expected = gettext(
            "An account with this identity already exists. Log in, or recover your password."
        )
    assert response.context["form"].errors["identity_number"] == [expected]
    assert expected in response.content.decode()


def test_duplicate_email_is_case_insensitive(client, db, make_user):
    owner = make_user(email="Teacher@Example.com")
    response = post_signup(client, email="teacher@EXAMPLE.com")
    # The same continuation as a new account (see tests/security/test_signup_enumeration.py).
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert Message.objects.filter(recipient=owner, kind="signup_contact_taken").exists()


def test_verified_mobile_must_be_unique(client, db, make_user):
    owner = make_user(mobile="+966551234567")
    response = post_signup(client, mobile="0551234567")
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert Message.objects.filter(recipient=owner, kind="signup_contact_taken").exists()


def test_unverified_mobile_may_be_reused(client, db, make_user):
    make_user(mobile="+966551234567", mobile_verified_at=None)
    assert post_signup(client).status_code == 302


def test_same_passport_number_other_nationality_is_another_person(client, db, make_user):
    make_user(identity_type="visitor", identity_number="A1234567", nationality="EG")
    response = post_signup(
        client,
        identity_type="visitor",
        identity_number="A1234567",
        nationality="JO",
        mobile="+962791234567",
        email="j@example.com",
    )
    assert response.status_code == 302


def test_unverified_signup_frees_identity_after_an_hour(client, db):
    import time_machine

    with time_machine.travel("2026-11-25 10:00 +0300", tick=False):
        post_signup(client)
    with time_machine.travel("2026-11-25 11:01 +0300", tick=False):
        response = post_signup(client.__class__(), email="other@example.com")
    assert response.status_code == 302
    assert User.objects.get().email == "other@example.com"


def test_signup_page_is_arabic_with_labels(client, db):
    html = client.get(SIGNUP).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'for="id_identity_number"' in html
