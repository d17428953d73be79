"""The nationality list: passport nationalities only, CLDR names, Arabic order; the field is
asked only of passport holders on log-in, recovery and sign-up."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.forms import LoginForm, RecoverForm, SignupForm
from rukhsa.core.countries import (
    DEPENDENT,
    UNINHABITED,
    arabic_sort_key,
    country_choices,
    country_name,
    is_country,
    passport_countries,
)
from tests.conftest import PASSWORD

TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
NOT_OFFERED = ("AQ", "BV", "HM", "GS", "TF", "UM", "IO", "GP", "PR", "GL", "AW", "JE", "SA")


def test_the_list_holds_passport_nationalities_only() -> None:
    codes = {code for code, _name in country_choices("ar", exclude=("SA",))}
    assert len(codes) == 198
    assert not codes & set(NOT_OFFERED)
    assert {"EG", "IN", "PK", "PS", "TW", "HK", "MO", "XK", "VA", "TR"} <= codes
    assert not passport_countries() & (set(UNINHABITED) | set(DEPENDENT))
    # CLDR's non-ISO regions never appear.
    assert not codes & {"AC", "CP", "DG", "EA", "IC", "TA", "EU", "UN", "QO", "ZZ", "001"}
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)


def test_arabic_names_are_arabic_without_stray_tashkeel() -> None:
    names = dict(country_choices("ar"))
    assert names["TR"] == "تركيا" and names["OM"] == "عمان" and names["PS"] == "فلسطين"
    assert names["SA"] == "المملكة العربية السعودية"
    assert not any(TASHKEEL.search(name) for name in names.values())
    assert not any(re.search(r"[A-Za-z]", name) for name in names.values())


def test_arabic_order_ignores_hamza_forms_and_tashkeel() -> None:
    names = [name for _code, name in country_choices("ar")]
    assert names == sorted(names, key=arabic_sort_key)
    # الإمارات sorts as الامارات: after الأردن, before البحرين.
    assert names.index("الأردن") < names.index("الإمارات العربية المتحدة") < names.index("البحرين")
    # ألمانيا (ا ل م ا) sorts after الكويت (ا ل ك) and before المغرب (ا ل م غ).
    assert names.index("الكويت") < names.index("ألمانيا") < names.index("المغرب")
    assert names[0].startswith(("إ", "أ", "ا", "آ"))
    assert names[-1][0] in "هوي"  # the last letters (اليمن is under ا, with its article)
    assert arabic_sort_key("عُمان")[0] == arabic_sort_key("عمان")[0]
    assert arabic_sort_key("ة")[0] == arabic_sort_key("ت")[0]


def test_english_order_ignores_case_and_accents() -> None:
    names = [name for _code, name in country_choices("en")]
    assert names[0] == "Afghanistan"
    assert names.index("Costa Rica") < names.index("Côte d’Ivoire") < names.index("Croatia")
    assert country_name("TR", "en") == "Türkiye"


def test_stored_codes_keep_their_names() -> None:
    # A code no longer offered still has a name (profiles, back office).
    assert country_name("GP", "ar") == "غوادلوب"
    assert country_name("AQ", "en") == "Antarctica"
    assert country_name("", "ar") == ""
    assert country_name("Q1", "en") == "Q1"
    assert not is_country("GP") and is_country("EG")


def test_every_form_offers_the_same_list() -> None:
    for form in (SignupForm(), LoginForm(), RecoverForm()):
        choices = [code for code, _ in form.fields["nationality"].choices]
        assert choices[0] == "" and "SA" not in choices and "AQ" not in choices
        assert len(choices) == 199


# --- Log-in and recovery -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("accounts:login"), reverse("accounts:recover")])
def test_the_nationality_is_in_a_passport_only_box(url: str) -> None:
    html = Client().get(url).content.decode()
    box = html.split('<fieldset class="passport-only">', 1)[1].split("</fieldset>", 1)[0]
    assert 'name="passport"' in box and 'name="nationality"' in box
    assert 'class="passport-nationality"' in box
    assert 'name="passport" id="id_passport" checked' not in box  # closed at first


@pytest.mark.django_db
def test_a_passport_number_without_nationality_asks_for_it(make_user) -> None:
    visitor = make_user(identity_type="visitor", identity_number="A7654321", nationality="EG")
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("accounts:login"), {"identifier": "A7654321", "password": PASSWORD}
    )
    form = response.context["form"]
    assert form.errors["nationality"] == ["Choose the nationality on your passport."]
    assert 'id="id_passport" checked' in response.content.decode()  # the box opens
    response = client.post(
        reverse("accounts:login"),
        {"identifier": "A7654321", "password": PASSWORD, "passport": "on", "nationality": "EG"},
    )
    assert response.status_code == 302
    assert visitor.is_active


@pytest.mark.django_db
def test_a_national_id_ignores_any_nationality(candidate) -> None:
    for nationality in ("EG", "AQ", "zz"):
        response = Client().post(
            reverse("accounts:login"),
            {
                "identifier": candidate.identity_number,
                "password": PASSWORD,
                "nationality": nationality,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
    response = Client().post(
        reverse("accounts:recover"), {"identifier": candidate.identity_number, "nationality": "AQ"}
    )
    assert response.status_code == 302
