"""The fast path's redirect before admission (`rukhsa.admission.fastpath.redirect_to_room`): a
signed-in candidate without a pass asking for a journey page is sent to the waiting room before
the session middleware, the user and the rest of the stack, with the same Location and headers
as the gate; anything unsure goes down the whole stack, which answers as it always did."""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from rukhsa.accounts.middleware import CANDIDATE, LOGIN_AT, SEEN_AT
from rukhsa.accounts.models import User
from rukhsa.admission import fastpath, services
from rukhsa.admission.gate import FROM_URL
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import RedisStore
from rukhsa.booking import urls as booking_urls
from rukhsa.booking.models import Registration
from rukhsa.booking.services import registration_hold
from rukhsa.core import clock
from tests.admission.conftest import redis_store_or_skip
from tests.admission.test_admission_gate import booking_patterns, journey_urls
from tests.booking.booking_helpers import client_for
from tests.booking.conftest import Catalogue, cat  # noqa: F401 - the fixture

FAST_PATH = "rukhsa.admission.fastpath.WaitingRoomMiddleware"
WAITING_ROOM = "/waiting-room/"
CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(autouse=True)
def fresh_headers() -> Iterator[None]:
    """The fast path's per-process helpers (the session engine among them) are built anew."""
    fastpath._headers = None
    yield
    fastpath._headers = None


def queue_on(cat: Catalogue, *, paused: bool = True) -> None:  # noqa: F811
    QueueSettings.objects.create(period=cat.period)
    if paused:
        services.queue_control(period_id=cat.period.pk, action="pause")


def signed_in(user: User, *, seen_ago: float = 0.0, candidate: bool | None = True) -> Client:
    """A browser logged in as the login view leaves it (times, and the candidate mark)."""
    client = client_for(user)
    session = client.session
    now = clock.now().timestamp()
    session[LOGIN_AT] = now - seen_ago
    session[SEEN_AT] = now - seen_ago
    if candidate is not None:
        session[CANDIDATE] = candidate
    session.save()
    return client


def without_fast_path(client: Client) -> Client:
    """Another browser with the same cookies, served by the stack without the fast path."""
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != FAST_PATH]):
        slow = Client()
        slow.handler.load_middleware()
    slow.cookies = client.cookies
    return slow


def fast(response: HttpResponse) -> bool:
    """Answered by the fast path: the stack's AuthenticationMiddleware never ran."""
    return not hasattr(response.wsgi_request, "user")


def place(response: HttpResponse) -> services.Place:
    location = urlsplit(response["Location"])
    assert location.path == WAITING_ROOM
    found = services.place_from_token(parse_qs(location.query)["t"][0])
    assert found is not None
    return found


def nobody_in_line(cat: Catalogue) -> bool:  # noqa: F811
    store = services.store()
    return not store.join_log(cat.period.pk) and not store.prequeue(cat.period.pk)


def choose_url(cat: Catalogue) -> str:  # noqa: F811
    return reverse("booking:choose", args=[cat.period.code]) + f"?mode=digital&spec={cat.spec.code}"


SAME_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "Content-Language",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def test_the_fast_redirect_answers_as_the_gate_does(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    queue_on(cat)
    candidate = make_user()
    client = signed_in(candidate)
    url = choose_url(cat)
    quick = client.get(url)
    slow = without_fast_path(client).get(url)
    assert fast(quick) and not fast(slow)
    assert quick.status_code == slow.status_code == 302
    assert place(quick) == place(slow) == services.Place(cat.period.pk, candidate.pk, url)
    for name in SAME_HEADERS:
        assert quick.get(name) == slow.get(name), name
    assert set(quick["Vary"].split(", ")) == set(slow["Vary"].split(", "))
    assert quick["X-Request-ID"]
    assert settings.SESSION_COOKIE_NAME not in quick.cookies  # nothing to write: seen just now
    # the place is the one the gate gives: the candidate waits at the same place either way
    config = services.config_for(period_id=cat.period.pk)
    assert config is not None
    status = services.admission_enter(config=config, user_id=candidate.pk, now=clock.now())
    assert status.place == 1


def test_the_english_page_is_asked_for_in_english(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    queue_on(cat)
    client = signed_in(make_user())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = choose_url(cat)
    quick = client.get(url)
    slow = without_fast_path(client).get(url)
    assert fast(quick)
    assert quick["Content-Language"] == slow["Content-Language"] == "en"


@pytest.mark.redis
@override_settings(SESSION_ENGINE=CACHED_DB)
def test_the_fast_redirect_makes_no_database_query(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
    django_assert_num_queries: Any,
) -> None:
    store = redis_store_or_skip()
    services.store_replace(store)
    try:
        queue_on(cat)
        client = signed_in(make_user())
        services.configs()  # the per-process cache, as a running server has it
        url = choose_url(cat)
        client.get(url)  # the first request of the process resolves the URLconf
        with django_assert_num_queries(0):
            response = client.get(url)
            start = client.get(reverse("booking:start"))
        assert fast(response) and fast(start)
        assert response.status_code == start.status_code == 302
    finally:
        assert isinstance(store, RedisStore)
        store.flush_all()
        services.store_replace(None)


def test_an_admitted_candidate_goes_down_the_whole_stack(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    queue_on(cat, paused=False)  # an empty line: the candidate is admitted at once
    client = signed_in(make_user())
    response = client.get(reverse("booking:notes", args=[cat.period.code]))
    assert not fast(response)
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "cookie", ["", "0123456789abcdef0123456789abcdef", "x" * 300, "../../etc", "\u00e9" * 8]
)
def test_an_unknown_or_forged_session_goes_down_the_whole_stack(
    cat: Catalogue,  # noqa: F811
    cookie: str,
) -> None:
    queue_on(cat)
    client = Client()
    if cookie:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    url = choose_url(cat)
    response = client.get(url)
    slow = without_fast_path(client).get(url)
    assert not fast(response)
    assert response.status_code == slow.status_code
    assert response.get("Location") == slow.get("Location")
    assert not response.get("Location", "").startswith(WAITING_ROOM)  # the login page
    assert nobody_in_line(cat)


def test_a_forged_session_value_never_takes_someone_elses_place(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    """The session data are signed by the store's encoder: a session row whose data were
    written by anyone without the secret key decodes to nothing."""
    from django.contrib.sessions.models import Session as DjangoSession

    queue_on(cat)
    victim = make_user()
    client = signed_in(make_user())
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    forged = (
        '{"_auth_user_id":"%d","rukhsa_candidate":true}' % victim.pk  # noqa: UP031
    ).encode()
    import base64

    DjangoSession.objects.filter(session_key=key).update(
        session_data=base64.b64encode(forged).decode() + ":nosignature"
    )
    response = client.get(choose_url(cat))
    assert not fast(response)
    assert not response["Location"].startswith(WAITING_ROOM)
    assert nobody_in_line(cat)


@pytest.mark.parametrize(
    "session", ["staff", "no mark (an older session)", "idle", "past the absolute limit"]
)
def test_an_unsure_session_goes_down_the_whole_stack(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
    session: str,
) -> None:
    queue_on(cat)
    if session == "staff":
        client = signed_in(make_user(is_staff=True), candidate=False)
    elif session == "no mark (an older session)":
        client = signed_in(make_user(), candidate=None)
    elif session == "idle":
        client = signed_in(make_user(), seen_ago=settings.SESSION_IDLE_TIMEOUT.total_seconds() + 5)
    else:
        client = signed_in(make_user(), seen_ago=settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds())
    url = choose_url(cat)
    response = client.get(url)
    assert not fast(response)
    if session in ("idle", "past the absolute limit"):
        assert not response["Location"].startswith(WAITING_ROOM)  # logged out, to the login
    else:
        assert response["Location"].startswith(WAITING_ROOM)  # the gate, as ever


def test_a_session_seen_recently_is_not_written_on_the_way_to_the_room(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    """Most arrivals were on a page in the last quarter hour: their redirect writes nothing (the
    admission marks the session seen when the wait ends)."""
    queue_on(cat)
    client = signed_in(make_user(), seen_ago=120)
    before = client.session[SEEN_AT]
    response = client.get(choose_url(cat))
    assert fast(response)
    assert client.session[SEEN_AT] == before
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_session_half_way_to_idle_is_written_as_the_stack_writes_it(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    queue_on(cat)
    half = settings.SESSION_IDLE_TIMEOUT.total_seconds() / 2 + 5
    client = signed_in(make_user(), seen_ago=half)
    before = client.session[SEEN_AT]
    response = client.get(choose_url(cat))
    assert fast(response)
    assert response["Location"].startswith(WAITING_ROOM)
    assert client.session[SEEN_AT] > before + half - 10  # saved, as SessionTimeoutMiddleware would
    assert settings.SESSION_COOKIE_NAME in response.cookies  # and its cookie sent again
    slow_client = signed_in(make_user(), seen_ago=half)
    slow = without_fast_path(slow_client).get(choose_url(cat))
    cookie, slow_cookie = (
        response.cookies[settings.SESSION_COOKIE_NAME],
        slow.cookies[settings.SESSION_COOKIE_NAME],
    )
    for attribute in ("max-age", "path", "httponly", "samesite", "secure", "domain"):
        assert cookie[attribute] == slow_cookie[attribute], attribute


def test_a_post_goes_through_csrf_and_the_stack(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    queue_on(cat)
    client = signed_in(make_user())
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("booking:review", args=[cat.period.code]), {})
    assert not fast(response)
    assert response.status_code == 403  # no CSRF token: refused before the gate, as ever


def test_with_no_waiting_room_on_the_fast_path_does_nothing(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    client = signed_in(make_user())
    response = client.get(reverse("booking:notes", args=[cat.period.code]))
    assert not fast(response)
    assert response.status_code == 200


def test_every_journey_url_is_gated_on_either_path(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    """Each journey URL sends a candidate without a pass to the waiting room: at the fast path
    when its period is read from the URL, else at the gate (its period needs the database)."""
    candidate = make_user()
    held: Registration = registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )
    queue_on(cat)
    client = signed_in(candidate)
    urls = journey_urls(cat, held)
    patterns = booking_patterns()
    assert set(urls) == set(booking_urls.JOURNEY)
    answered_fast = set()
    for name, url in urls.items():
        callback = patterns[name].callback
        assert callback.admission_gated, name  # type: ignore[attr-defined]
        period_of = callback.admission_period_of  # type: ignore[attr-defined]
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(WAITING_ROOM), name
        assert place(response).user_id == candidate.pk, name
        assert fast(response) == getattr(period_of, FROM_URL, False), name
        if fast(response):
            answered_fast.add(name)
    assert {"start", "notes", "choose", "review", "waitlist_join"} <= answered_fast
    assert Registration.objects.filter(candidate=candidate).count() == 1


def test_the_login_marks_a_candidates_session_and_not_a_staff_members(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    from tests.accounts.test_login import login

    candidate, staff = make_user(), make_user(is_staff=True)
    queue_on(cat)
    client = Client()
    assert login(client, candidate.identity_number).status_code == 302
    assert client.session[CANDIDATE] is True
    response = client.get(choose_url(cat))
    assert fast(response) and place(response).user_id == candidate.pk
    other = Client()
    assert login(other, staff.identity_number).status_code == 302
    assert other.session[CANDIDATE] is False
    assert not fast(other.get(choose_url(cat)))


def test_an_account_switched_off_keeps_no_place(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Switching an account off ends its sessions: its cookie finds nothing in the store, so
    the fast path cannot put it in line (the stack sends it to the login page)."""
    from rukhsa.accounts.services import session_register

    queue_on(cat)
    candidate = make_user()
    client = signed_in(candidate)
    session_register(
        user=candidate, session_key=client.session.session_key, ip=None, user_agent="test"
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate.is_active = False
        candidate.save()
    response = client.get(choose_url(cat))
    assert not fast(response)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert nobody_in_line(cat)
