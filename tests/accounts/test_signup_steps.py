"""Sign-up in three steps: identity → names and birth date → contacts and password."""

import importlib
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rukhsa.accounts.forms import SignupForm
from rukhsa.accounts.models import User
from tests.accounts.helpers import latest_code, sign_up, signup_data
from tests.conftest import national_number

STEP1, STEP2, STEP3 = (
    reverse("accounts:signup"),
    reverse("accounts:signup_names"),
    reverse("accounts:signup_contact"),
)
pytestmark = pytest.mark.django_db


def part(step: int, **overrides: str) -> dict[str, str]:
    data = signup_data(**overrides)
    return {name: data[name] for name in SignupForm.STEPS[step - 1] if name in data}


def en_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def test_three_steps_lead_to_the_code_step() -> None:
    client = en_client()
    first = client.get(STEP1)
    html = first.content.decode()
    assert "Step 1 of 3" in html and 'aria-current="step"' in html
    assert client.post(STEP1, part(1))["Location"] == STEP2
    second = client.get(STEP2)
    assert "Step 2 of 3" in second.content.decode()
    assert client.post(STEP2, part(2))["Location"] == STEP3
    assert client.post(STEP3, part(3))["Location"] == reverse("accounts:verify_mobile")
    user = User.objects.get()
    assert (user.identity_type, user.nationality, user.name_en_first) == (
        "citizen",
        "SA",
        "Mohammed",
    )
    assert "rukhsa_signup" not in client.session


def test_each_step_checks_only_its_own_fields() -> None:
    client = en_client()
    response = client.post(STEP1, part(1, identity_number="1000000009"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"identity_number"}
    client.post(STEP1, part(1))
    response = client.post(STEP2, part(2, name_en_family="", birth_day="31", birth_month="2"))
    assert set(response.context["form"].errors) == {"birth_day", "name_en_family"}
    client.post(STEP2, part(2))
    response = client.post(STEP3, part(3, password_confirm="Other-Falcon-2931"))
    assert set(response.context["form"].errors) == {"password_confirm"}
    assert not User.objects.exists()


def test_the_number_label_follows_the_identity_type() -> None:
    client = en_client()
    for kind, label in (
        ("citizen", "National ID number"),
        ("resident", "Iqama number"),
        ("visitor", "Passport number"),
    ):
        response = client.post(STEP1, {"identity_type": kind, "identity_number": ""})
        assert response.context["form"]["identity_number"].label == label
    # Without a chosen type, the label names all three (and the script changes it live).
    html = client.get(STEP1).content.decode()
    assert "National ID / iqama / passport number" in html
    assert 'data-label-resident="Iqama number"' in html


def test_nationality_is_required_only_for_a_passport() -> None:
    client = en_client()
    response = client.post(
        STEP1, {"identity_type": "visitor", "identity_number": "X1234567", "nationality": ""}
    )
    assert response.context["form"].errors["nationality"] == [
        "Choose the nationality on your passport."
    ]
    response = client.post(
        STEP1, {"identity_type": "visitor", "identity_number": "X1234567", "nationality": "SA"}
    )
    assert "nationality" in response.context["form"].errors
    # Other types: a nationality sent anyway is ignored.
    iqama = national_number("2", 31)
    data = signup_data(identity_type="resident", identity_number=iqama, nationality="AQ")
    assert sign_up(Client(), data).status_code == 302
    assert User.objects.get(identity_number=iqama).nationality == ""
    data = signup_data(
        nationality="EG",
        email="c@example.com",
        mobile="0551230099",
        identity_number=national_number("1", 32),
    )
    assert sign_up(Client(), data).status_code == 302
    assert User.objects.get(email="c@example.com").nationality == "SA"


def test_a_passport_holder_signs_up_in_three_steps() -> None:
    data = signup_data(
        identity_type="visitor",
        identity_number="x12 3456",
        nationality="EG",
        mobile="+20 100 123 4567",
        name_ar_first="",
        name_ar_father="",
        name_ar_grandfather="",
        name_ar_family="",
    )
    client = en_client()
    client.post(STEP1, part(1, **data))
    step2 = client.get(STEP2)
    form = step2.context["form"]
    assert "birth_calendar" not in form.fields  # Hijri is for citizens
    assert not form.fields["name_ar_first"].required
    # As a browser sends it: no calendar choice on a visitor's step 2.
    step2_data = {k: data[k] for k in SignupForm.STEPS[1] if k in data and k != "birth_calendar"}
    assert client.post(STEP2, step2_data)["Location"] == STEP3
    step3 = client.get(STEP3)
    assert '<bdi dir="ltr">+20 100 123 4567</bdi>' in step3.content.decode()
    response = client.post(STEP3, {k: data[k] for k in SignupForm.STEPS[2]})
    assert response.status_code == 302
    assert User.objects.get().identity_key == "P:EG:X123456"


def test_values_are_kept_across_steps_and_back_without_the_password() -> None:
    client = en_client()
    client.post(STEP1, part(1))
    # "Back" from step 2 keeps what was typed there, even unfinished.
    back = client.post(STEP2, {"name_en_first": "Mohammed", "birth_day": "17", "back": "1"})
    assert back["Location"] == STEP1
    step1 = client.get(STEP1).content.decode()
    assert 'value="1000000008"' in step1
    assert 'value="citizen" required id="id_identity_type_0" checked' in step1 or (
        'value="citizen"' in step1 and "checked" in step1
    )
    client.post(STEP1, part(1))
    step2 = client.get(STEP2).content.decode()
    assert 'value="Mohammed"' in step2 and 'value="17"' in step2
    client.post(STEP2, part(2))
    # Step 3 sent with an error, then "Back": the email is kept, the password never is.
    client.post(STEP3, part(3, password_confirm="nope"))
    client.post(STEP3, {**part(3), "back": "1"})
    stored = client.session["rukhsa_signup"]
    assert stored["3"]["email"] == "teacher@example.com"
    assert "password" not in str(stored) and "Desert-Falcon-2931" not in str(stored)
    step3 = client.get(STEP3).content.decode()
    assert 'value="teacher@example.com"' in step3
    assert "Desert-Falcon-2931" not in step3


def test_a_forged_last_step_goes_back_to_step_one_with_a_sentence() -> None:
    client = en_client()
    response = client.post(STEP3, signup_data())
    assert response.status_code == 302 and response["Location"] == STEP1
    sentences = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("continues from this step" in s for s in sentences)
    assert not User.objects.exists()
    # A later step opened directly goes to the first one still to fill.
    assert client.get(STEP2)["Location"] == STEP1
    client.post(STEP1, part(1))
    assert client.get(STEP3)["Location"] == STEP2
    # Session values tampered with: checked again, never a 500.
    session = client.session
    session["rukhsa_signup"] = {"1": {"identity_type": ["x"]}, "2": "junk"}
    session.save()
    assert client.post(STEP3, part(3))["Location"] == STEP1
    session = client.session
    session["rukhsa_signup"] = "junk"
    session.save()
    assert client.get(STEP2)["Location"] == STEP1


def test_a_taken_identity_found_at_the_end_reopens_step_one(make_user: Any) -> None:
    owner = make_user()
    client = en_client()
    response = sign_up(client, signup_data(identity_number=owner.identity_number))
    assert response.status_code == 200
    assert response.context["step"] == 1
    assert "An account with this identity already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_an_earlier_step_that_no_longer_passes_is_shown_again() -> None:
    client = en_client()
    client.post(STEP1, part(1))
    client.post(STEP2, part(2))
    session = client.session
    session["rukhsa_signup"]["2"]["birth_year"] = "2020"  # too young, as if the rules changed
    session.save()
    response = client.post(STEP3, part(3))
    assert response.status_code == 302 and response["Location"] == STEP2


def test_date_errors_sit_below_the_three_boxes() -> None:
    client = en_client()
    client.post(STEP1, part(1))
    html = client.post(STEP2, part(2, birth_day="31", birth_month="2")).content.decode()
    after_grid = html.split('<div class="date-grid date-grid-error">', 1)[1]
    grid, below = after_grid.split('<div class="errors date-errors">', 1)
    assert "This date does not exist" not in grid and grid.count("<input") == 3
    assert below.lstrip().startswith('<div id="id_birth_day_error">')
    assert 'aria-describedby="id_birth_day_error"' in html


def test_steps_are_arabic_by_default() -> None:
    client = Client()
    html = client.get(STEP1).content.decode()
    with translation.override("ar"):
        assert "الخطوة 1 من 3" in html
    assert 'lang="ar"' in html and 'dir="rtl"' in html


# --- verify_mobile and `next` -----------------------------------------------------------------


def test_verify_mobile_returns_to_a_local_next_page() -> None:
    client = en_client()
    sign_up(client, signup_data())
    after = "/register/P-2026/choose/?city=riyadh"
    page = client.get(reverse("accounts:verify_mobile"), {"next": after})
    assert f'name="next" value="{after}"'.replace("&", "&amp;") in page.content.decode()
    response = client.post(
        reverse("accounts:verify_mobile"),
        {"code": latest_code("+966551234567"), "next": after},
    )
    assert response.status_code == 302 and response["Location"] == after


@pytest.mark.parametrize("after", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_verify_mobile_ignores_a_next_elsewhere(after: str) -> None:
    client = en_client()
    sign_up(client, signup_data())
    response = client.post(
        reverse("accounts:verify_mobile"),
        {"code": latest_code("+966551234567"), "next": after},
    )
    assert response["Location"] == reverse("dashboard")


def test_a_signed_in_candidate_verifies_the_mobile_and_comes_back(make_user: Any) -> None:
    user = make_user(mobile_verified_at=None)
    client = en_client()
    client.force_login(user)
    after = "/register/"
    client.post(reverse("accounts:verify_mobile"), {"resend": "1", "next": after})
    code = latest_code(user.mobile)
    response = client.post(reverse("accounts:verify_mobile"), {"code": code, "next": after})
    assert response["Location"] == after
    user.refresh_from_db()
    assert user.mobile_verified_at is not None


def test_an_unverified_login_keeps_next_on_its_way_to_the_code(make_user: Any) -> None:
    from tests.conftest import PASSWORD

    user = make_user(mobile_verified_at=None, is_active=False)
    response = en_client().post(
        reverse("accounts:login") + "?next=/register/",
        {"identifier": user.identity_number, "password": PASSWORD, "next": "/register/"},
    )
    assert response["Location"] == reverse("accounts:verify_mobile") + "?next=%2Fregister%2F"


# --- Dependent territories move to their sovereign ---------------------------------------------


def test_migration_moves_dependent_territory_passports_to_the_sovereign(make_user: Any) -> None:
    from django.apps import apps

    moved = make_user(identity_type="visitor", identity_number="GP1234567", nationality="GP")
    taken_twin = make_user(identity_type="visitor", identity_number="PR7654321", nationality="PR")
    make_user(identity_type="visitor", identity_number="PR7654321", nationality="US")
    kept = make_user(identity_type="visitor", identity_number="EG1234567", nationality="EG")
    migration = importlib.import_module(
        "rukhsa.accounts.migrations.0003_passport_nationality_of_dependent_territories"
    )
    migration.forwards(apps, None)
    for user in (moved, taken_twin, kept):
        user.refresh_from_db()
    assert (moved.nationality, moved.identity_key) == ("FR", "P:FR:GP1234567")
    assert (taken_twin.nationality, taken_twin.identity_key) == ("PR", "P:PR:PR7654321")
    assert kept.identity_key == "P:EG:EG1234567"
