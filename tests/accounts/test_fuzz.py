"""Arbitrary text in every sign-up and profile field never produces a server error."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rukhsa.accounts.forms import ProfileForm, SignupForm
from tests.accounts.helpers import sign_up, signup_data
from tests.accounts.test_profile import profile_data

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=60,
)
nasty = st.one_of(
    text,
    st.sampled_from(
        [
            "",
            " ",
            "٠٥٥١٢٣٤٥٦٧٨",
            "+",
            "@",
            "'; DROP TABLE users;--",
            "<script>",
            "9" * 500,
            "１２３",
            "\u200f",
            "0",
            "-1",
            "1e9",
            "٢٩",
            "02/30",
        ]
    ),
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@HYPOTHESIS
@given(field=st.sampled_from(sorted(SignupForm.base_fields)), value=nasty)
def test_signup_never_500(field, value):
    response = sign_up(Client(), signup_data(**{field: value}))
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@HYPOTHESIS
@given(
    values=st.fixed_dictionaries(
        {
            name: nasty
            for name in (
                "identity_number",
                "mobile",
                "birth_day",
                "birth_month",
                "birth_year",
                "email",
            )
        }
    )
)
def test_signup_many_fields_never_500(values):
    response = sign_up(Client(), signup_data(**values))
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@HYPOTHESIS
@given(field=st.sampled_from(sorted(ProfileForm.base_fields)), value=nasty)
def test_profile_never_500(field, value, make_user):
    user = make_user()
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/profile/edit/", profile_data(**{field: value}))
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@HYPOTHESIS
@given(
    path=st.sampled_from(["/accounts/login/", "/accounts/recover/", "/accounts/recover/code/"]),
    identifier=nasty,
    nationality=nasty,
    code=nasty,
)
def test_login_and_recovery_never_500(path, identifier, nationality, code):
    client = Client()
    client.post("/accounts/recover/", {"identifier": "1000000008"})
    response = client.post(
        path,
        {
            "identifier": identifier,
            "nationality": nationality,
            "password": identifier,
            "code": code,
        },
    )
    assert response.status_code in (200, 302, 429)
