"""The waiting room's fast path (`rukhsa.admission.fastpath`): a poll is answered before the
session, the user and the rest of the middleware, with the same answers, language and headers."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import RedisStore
from rukhsa.core import clock
from tests.admission.conftest import redis_store_or_skip
from tests.booking.booking_helpers import client_for
from tests.booking.conftest import Catalogue, cat  # noqa: F401 - the fixture

NEXT = "/register/p/choose/?mode=digital&spec=math"
FRAGMENT = {"hx-request": "true"}
JSON = {"accept": "application/json"}


def waiting(cat: Catalogue, candidate: User, *, paused: bool = True) -> str:  # noqa: F811
    """The candidate stands first in the period's line; the URL of their waiting room."""
    QueueSettings.objects.create(period=cat.period)
    if paused:
        services.queue_control(period_id=cat.period.pk, action="pause")
    config = services.config_for(period_id=cat.period.pk)
    assert config is not None
    services.admission_enter(config=config, user_id=candidate.pk, now=clock.now())
    token = services.place_token(period_id=cat.period.pk, user_id=candidate.pk, next_url=NEXT)
    return "/waiting-room/?" + urlencode({"t": token})


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_poll_never_loads_the_session_or_the_user(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    candidate = make_user()
    url = waiting(cat, candidate)
    client = client_for(candidate)  # a logged-in browser sends its session cookie
    for headers in (FRAGMENT, {}, JSON):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        request = response.wsgi_request
        assert not hasattr(request, "session")  # SessionMiddleware never ran
        assert not hasattr(request, "user")  # nor AuthenticationMiddleware, OTP, axes
        assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.redis
def test_a_logged_in_poll_makes_no_database_query(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
    django_assert_num_queries: Any,
) -> None:
    store = redis_store_or_skip()
    services.store_replace(store)
    try:
        candidate = make_user()
        url = waiting(cat, candidate)
        client = client_for(candidate)
        services.configs()  # the per-process cache, as a running server has it
        with django_assert_num_queries(0):
            fragment = client.get(url, headers=FRAGMENT)
            page = client.get(url)
            json = client.get(url, headers=JSON)
        assert fragment.status_code == page.status_code == json.status_code == 200
        assert json.json()["place"] == 1
        services.queue_control(period_id=cat.period.pk, action="resume")
        # The answer that lets the candidate go on marks their session as seen (time in the
        # line is activity): the session store only, once per admission, never the queue's.
        with CaptureQueriesContext(connection) as admission:
            admitted = client.get(url)
        assert admitted.status_code == 302
        assert all(
            "django_session" in q["sql"] or q["sql"].startswith(("SAVEPOINT", "RELEASE"))
            for q in admission.captured_queries
        ), admission.captured_queries
    finally:
        assert isinstance(store, RedisStore)
        store.flush_all()


def test_every_answer_has_the_security_headers(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    client = Client()
    answers = {
        "fragment": client.get(url, headers=FRAGMENT),
        "page": client.get(url),
        "json": client.get(url, headers=JSON),
        "lost": client.get("/waiting-room/?t=nonsense"),
        "lost json": client.get("/waiting-room/", headers=JSON),
    }
    services.queue_control(period_id=cat.period.pk, action="resume")
    answers["admitted"] = client.get(url)
    for name, response in answers.items():
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "no-store" in response["Cache-Control"], name
        assert response["Content-Language"] == "ar", name
        assert "Cookie" in response["Vary"], name
        assert response["X-Request-ID"], name
    assert answers["admitted"].status_code == 302


def test_a_request_id_from_the_proxy_is_kept(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    response = Client().get(url, headers={**FRAGMENT, "x-request-id": "abcdef0123456789"})
    assert response["X-Request-ID"] == "abcdef0123456789"


def test_the_language_is_the_chosen_one_else_arabic(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    arabic = Client().get(url, headers={"accept-language": "en"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic  # Arabic first, whatever the browser says
    assert "أنت في غرفة الانتظار" in arabic
    assert "مكانك في الدور: 1" in arabic
    page = english().get(url)
    body = page.content.decode()
    assert page["Content-Language"] == "en"
    assert '<html lang="en" dir="ltr">' in body
    assert "You are in the waiting room" in body
    assert '<meta http-equiv="refresh" content="5">' in body
    fragment = english().get(url, headers=FRAGMENT).content.decode()
    assert "Your place in line: 1" in fragment
    assert "Admission is paused for a moment. Your place is kept." in fragment
    assert 'hx-trigger="every 5s"' in fragment
    assert "<html" not in fragment


def test_the_full_page_has_its_language_switch_and_nothing_else_sets_a_cookie(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    page = Client().get(url)
    body = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="language" value="en"' in body
    assert settings.CSRF_COOKIE_NAME in page.cookies
    for headers in (FRAGMENT, JSON):
        assert not Client().get(url, headers=headers).cookies


@pytest.mark.parametrize("token", ["", "x", "eyJ.bad:sig", "%00"])
def test_a_bad_token_gets_a_clear_page_in_the_page_language(token: str, db: None) -> None:
    page = english().get("/waiting-room/", {"t": token})
    assert page.status_code == 400
    assert "This waiting room link is not valid" in page.content.decode()
    json = english().get("/waiting-room/", {"t": token}, headers=JSON)
    assert json.status_code == 400
    assert json.json() == {"state": "unknown"}


def test_once_admitted_the_candidate_goes_on_where_they_were_going(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    services.queue_control(period_id=cat.period.pk, action="resume")
    client = Client()
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"] == NEXT
    fragment = client.get(url, headers=FRAGMENT)
    assert fragment.status_code == 204
    assert fragment["HX-Redirect"] == NEXT
    json = client.get(url, headers=JSON)
    assert json.json() == {"state": "admitted", "next": NEXT}


def test_a_head_request_is_answered_too(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    response = Client().head(url, headers=FRAGMENT)
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")


def test_other_methods_and_urls_go_down_the_whole_stack(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    post = client.post("/waiting-room/", {"t": "x"})
    assert post.status_code == 403  # CSRF: the stack ran
    assert hasattr(post.wsgi_request, "session")
    other = Client().get("/waiting-room/extra/")
    assert other.status_code == 404
    assert hasattr(other.wsgi_request, "session")


def test_a_host_not_allowed_is_refused_as_on_any_other_page(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    url = waiting(cat, make_user())
    response = Client(HTTP_HOST="evil.example").get(url, headers=FRAGMENT)
    assert response.status_code == 400
    assert "queue-status" not in response.content.decode()
