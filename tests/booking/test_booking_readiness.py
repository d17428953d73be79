"""Readiness before the first step: a candidate who cannot book yet is told on the available
tests and the notes (before any choice), with a link straight to what is missing, and comes
back to the same booking step with every choice kept. The hold still refuses (last defence)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from rukhsa.accounts import services as account_services
from rukhsa.booking.models import Registration
from rukhsa.core import clock
from tests.accounts.helpers import latest_code
from tests.accounts.test_profile import profile_data
from tests.catalog.factories import make_window

EDIT = reverse("accounts:profile_edit")
VERIFY_EMAIL = reverse("accounts:verify_email")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _gap_links(html: str, base: str) -> list[str]:
    """The hrefs of the readiness notice that point to `base`."""
    import re

    notice = html.split('id="readiness"', 1)[1].split("</div>", 1)[0]
    return [
        href.replace("&amp;", "&")
        for href in re.findall(r'href="([^"]+)"', notice)
        if href.startswith(base)
    ]


def _next_of(href: str) -> str:
    return parse_qs(urlsplit(href).query)["next"][0]


@pytest.fixture
def incomplete(make_user):
    return make_user(qualification="", major="")


def test_available_tests_say_what_is_missing_with_a_way_back(cat, incomplete):
    html = _client(incomplete).get(reverse("booking:start")).content.decode()
    [link] = _gap_links(html, EDIT)
    assert _next_of(link) == reverse("booking:start")


def test_notes_page_says_it_before_any_choice(cat, incomplete):
    html = _client(incomplete).get(reverse("booking:notes", args=[cat.period.code])).content
    [link] = _gap_links(html.decode(), EDIT)
    assert _next_of(link) == reverse("booking:notes", args=[cat.period.code])


def test_a_ready_candidate_sees_no_notice(cat, candidate_client):
    html = candidate_client.get(reverse("booking:start")).content.decode()
    assert 'id="readiness"' not in html


def test_fixing_the_profile_returns_to_the_same_step_with_every_choice(cat, incomplete):
    client = _client(incomplete)
    client.post(reverse("booking:notes", args=[cat.period.code]), {"accept": "yes"})
    step = reverse("booking:choose", args=[cat.period.code])
    # (Riyadh has one men's centre: "pick" asks for the step all the same.)
    response = client.get(
        step, {"mode": "digital", "spec": "math", "city": "riyadh", "pick": "centre"}
    )
    assert response.context["step"] == "centre"
    [link] = _gap_links(response.content.decode(), EDIT)
    back = _next_of(link)
    assert back.startswith(step) and "spec=math" in back and "city=riyadh" in back
    # The edit page keeps the way back, and saving lands there.
    edit = client.get(link).content.decode()
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in edit
    response = client.post(EDIT, profile_data(next=back))
    assert response.status_code == 302 and response["Location"] == back
    landed = client.get(back)
    assert landed.context["step"] == "centre"
    assert landed.context["choice"].city.code == "riyadh"
    assert 'id="readiness"' not in landed.content.decode()


def test_verifying_the_email_returns_to_the_booking_step(cat, make_user):
    user = make_user(email_verified_at=None)
    client = _client(user)
    notes = reverse("booking:notes", args=[cat.period.code])
    [link] = _gap_links(client.get(notes).content.decode(), VERIFY_EMAIL)
    account_services.email_code_send(user=user, ip="127.0.0.1")
    response = client.post(link, {"code": latest_code(user.email)})
    assert response.status_code == 302 and response["Location"] == notes


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_never_leaves_the_site(cat, incomplete, target):
    response = _client(incomplete).post(EDIT, profile_data(next=target))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")


def test_the_hold_still_refuses_an_unready_candidate(cat, incomplete):
    client = _client(incomplete)
    client.post(reverse("booking:notes", args=[cat.period.code]), {"accept": "yes"})
    review = reverse("booking:review", args=[cat.period.code])
    response = client.post(review, {"session": cat.slot.pk, "spec": "math"})
    assert response.status_code == 409
    assert not Registration.objects.filter(candidate=incomplete).exists()
    html = response.content.decode()
    [link] = _gap_links(html, EDIT)
    assert _next_of(link) == f"{review}?session={cat.slot.pk}&spec=math"
    # The refusal does not send them to "choose another session": the session was fine.
    refusal = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "href" not in refusal


def test_a_priority_window_not_yet_open_is_said_with_its_date(cat, candidate_client):
    opens = clock.now() + timedelta(days=2)
    make_window(cat.period, gender="male", in_service_only=False, opens_at=opens)
    with translation.override("en"):
        when = date_format(timezone.localtime(opens), "DATETIME_FORMAT")
    for url in (reverse("booking:start"), reverse("booking:notes", args=[cat.period.code])):
        candidate_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = candidate_client.get(url).content.decode()
        assert f"Your registration opens on {when}" in html, url
    start = candidate_client.get(reverse("booking:start")).content.decode()
    assert reverse("booking:notes", args=[cat.period.code]) not in start
