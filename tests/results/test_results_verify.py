"""The public verification page: masked data only, "not valid" for anything else, rate limit."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rukhsa.results.models import Result, new_verification_code
from rukhsa.results.services import results_publish
from tests.results.conftest import english, header, row, run_import


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(setup, register, make_user) -> Result:
    user = make_user(
        identity_number="1000000008", mobile="+966500000777", email="verify-me@example.com"
    )
    reg = register(user)
    run_import(setup, [header(setup), row(setup, reg.reference, total=77)], dry_run=False)
    results_publish(period=setup.cat.period)
    return Result.objects.get(registration=reg)


def test_the_qr_url_shows_only_masked_data(published) -> None:
    page = english().get(reverse("results:verify_code", args=[published.verification_code]))
    text = page.content.decode()
    assert page.status_code == 200 and "Valid result" in text
    assert "Mohammed A." in text and "77 out of 100" in text and "Passed" in text
    assert "Mathematics" in text and "Specialized Professional License Test" in text
    user = published.candidate
    for secret in (
        user.identity_number,
        "0008",
        user.name_en_father,
        user.name_en_family,
        user.mobile,
        user.email,
        published.registration.reference,
    ):
        assert secret not in text
    arabic = english().get(reverse("results:verify_code", args=[published.verification_code]))
    assert arabic.status_code == 200


def test_arabic_masked_name(published) -> None:
    from django.test import Client

    text = (
        Client()
        .get(reverse("results:verify_code", args=[published.verification_code]))
        .content.decode()
    )
    assert "محمد ق." in text and "القحطاني" not in text and 'dir="rtl"' in text


def test_typed_codes_are_forgiving(published) -> None:
    typed = published.code_display.lower().replace("-", " ")
    response = english().get(reverse("results:verify"), {"code": typed})
    assert response.status_code == 302
    assert "Valid result" in english().get(response["Location"]).content.decode()


def test_unpublished_result_is_not_valid(setup, register) -> None:
    reg = register()
    run_import(setup, [header(setup), row(setup, reg.reference)], dry_run=False)
    code = Result.objects.get().verification_code
    text = english().get(reverse("results:verify_code", args=[code])).content.decode()
    assert "Not valid" in text and "Valid result" not in text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_any_guessed_or_malformed_code_says_not_valid(published, code) -> None:
    cache.clear()
    response = english().get(reverse("results:verify"), {"code": code}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Valid result" not in text
    if code.strip():
        assert "Not valid" in text


def test_guessed_well_formed_code_has_the_same_shape_as_a_wrong_one(published) -> None:
    guess = english().get(reverse("results:verify_code", args=[new_verification_code()]))
    junk = english().get(reverse("results:verify_code", args=["<script>"]))
    assert guess.status_code == junk.status_code == 200
    assert "Not valid" in guess.content.decode() and "Not valid" in junk.content.decode()
    assert "<script>" not in junk.content.decode().split("<main", 1)[1].split("</main>")[0].replace(
        "&lt;script&gt;", ""
    )


def test_rate_limit_per_ip(published) -> None:
    client = english()
    url = reverse("results:verify_code", args=[published.verification_code])
    for _ in range(20):
        assert client.get(url).status_code == 200
    blocked = client.get(url)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "Too many lookups" in blocked.content.decode()
    from django.test import Client

    arabic = Client().get(url)  # same IP, the page's language
    assert arabic.status_code == 429 and 'lang="ar" dir="rtl"' in arabic.content.decode()
    other_ip = english().get(url, REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 200
    # the form itself (no code) is never limited
    assert client.get(reverse("results:verify")).status_code == 200
