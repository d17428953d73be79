"""Item 6: sign-up does not tell whether an email or a mobile already has an account."""

import re
import time
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import User
from rukhsa.core import clock
from rukhsa.notifications.models import Message
from tests.accounts.helpers import sign_up, signup_data
from tests.conftest import national_number

pytestmark = pytest.mark.django_db
SIGNUP = reverse("accounts:signup")
VERIFY = reverse("accounts:verify_mobile")


def en_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def main_text(response: Any) -> str:
    html = response.content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", main)


def journey(**overrides: str) -> tuple[Any, list[str]]:
    """Sign up, then answer the code step wrongly six times; what the person sees each time."""
    client = en_client()
    with time_machine.travel(clock.now(), tick=False):
        first = sign_up(client, signup_data(**overrides), follow=True)
        pages = [main_text(first)]
        for _ in range(6):
            pages.append(main_text(client.post(VERIFY, {"code": "000000"})))
        pages.append(main_text(client.post(VERIFY, {"resend": "1"}, follow=True)))
    return first, pages


@pytest.mark.parametrize("field", ["email", "mobile"])
def test_a_taken_contact_gets_the_same_pages_as_a_free_one(make_user: Any, field: str) -> None:
    owner = make_user(email="owner@example.com", mobile="+966551112233")
    taken_value = {"email": "owner@example.com", "mobile": "0551112233"}[field]
    free, free_pages = journey(
        identity_number=national_number("1", 111), email="a@example.com", mobile="0551230001"
    )
    taken, taken_pages = journey(
        identity_number=national_number("1", 222),
        **{"email": "b@example.com", "mobile": "0551230002", field: taken_value},
    )
    assert taken.status_code == free.status_code == 200
    assert taken.redirect_chain == free.redirect_chain == [(VERIFY, 302)]
    normalise = [
        (page.replace("0551230001", "X").replace("+966551230001", "X"), "a") for page in free_pages
    ]
    for (free_page, _), taken_page in zip(normalise, taken_pages, strict=True):
        taken_page = taken_page.replace("+966551230002", "X").replace("+966551112233", "X")
        assert taken_page == free_page
    # No second account; the owner of the contact is told.
    assert User.objects.filter(identity_number=national_number("1", 222)).count() == 0
    told = Message.objects.get(recipient=owner, kind="signup_contact_taken")
    assert told.to == (owner.email if field == "email" else owner.mobile)


def test_the_identity_number_may_still_say_it_has_an_account(make_user: Any) -> None:
    owner = make_user()
    response = sign_up(en_client(), signup_data(identity_number=owner.identity_number))
    assert response.status_code == 200
    assert "An account with this identity already exists" in main_text(response)


def test_taken_and_free_take_about_as_long(make_user: Any, settings: Any) -> None:
    settings.SIGNUP_MIN_RESPONSE_SECONDS = 0.3
    make_user(email="owner@example.com")

    def timed(n: int, email: str) -> float:
        data = signup_data(
            identity_number=national_number("1", 300 + n), email=email, mobile=f"05512300{n:02d}"
        )
        began = time.perf_counter()
        sign_up(en_client(), data)
        return time.perf_counter() - began

    free = sorted(timed(n, f"free{n}@example.com") for n in range(3))
    taken = sorted(timed(n + 10, "owner@example.com") for n in range(3))
    assert abs(free[1] - taken[1]) < 0.1
