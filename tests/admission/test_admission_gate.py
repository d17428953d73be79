"""The gate: no registration URL without a pass while a period's waiting room is on, reading
pages never queued, nothing changes when the waiting room is off, Redis down fails closed."""

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import RedisStore
from rukhsa.booking import tasks, waitlist
from rukhsa.booking import urls as booking_urls
from rukhsa.booking.models import Registration, WaitlistOffer
from rukhsa.booking.services import registration_hold
from rukhsa.booking.terms import terms_accept
from rukhsa.core import clock
from tests.booking.booking_helpers import client_for
from tests.booking.conftest import Catalogue, cat  # noqa: F401 - the fixture
from tests.catalog.factories import make_session

WAITING_ROOM = "/waiting-room/"


def booking_patterns() -> dict[str, URLPattern]:
    """Every URL of the booking namespace, as the site's URLconf has it."""
    found: dict[str, URLPattern] = {}

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif namespace == "booking" and entry.name:
                found[entry.name] = entry

    walk(get_resolver().url_patterns, None)
    return found


def test_every_booking_url_is_either_gated_or_a_declared_reading_page() -> None:
    patterns = booking_patterns()
    journey, reading = set(booking_urls.JOURNEY), booking_urls.READING
    assert not journey & reading
    assert set(patterns) == journey | reading, "a new booking URL must be listed in one of them"
    for name, pattern in patterns.items():
        assert getattr(pattern.callback, "admission_gated", False) == (name in journey), name


@pytest.fixture
def candidate(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def held(cat: Catalogue, candidate: User) -> Registration:  # noqa: F811
    return registration_hold(
        candidate=candidate, session_id=cat.slot.pk, specialization_id=cat.spec.pk
    )


def journey_urls(cat: Catalogue, held: Registration) -> dict[str, str]:  # noqa: F811
    kwargs = {"period_code": cat.period.code, "reference": held.reference}
    out = {}
    for name, pattern in booking_patterns().items():
        if name in booking_urls.JOURNEY:
            wanted = {k: v for k, v in kwargs.items() if k in pattern.pattern.converters}
            out[name] = reverse(f"booking:{name}", kwargs=wanted)
    return out


def queue_on(cat: Catalogue, *, paused: bool) -> None:  # noqa: F811
    QueueSettings.objects.create(period=cat.period)
    if paused:
        services.queue_control(period_id=cat.period.pk, action="pause")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_candidate_without_a_pass_reaches_no_journey_url(
    cat: Catalogue,  # noqa: F811
    held: Registration,
    candidate: User,
    method: str,
) -> None:
    queue_on(cat, paused=True)
    client = client_for(candidate)
    urls = journey_urls(cat, held)
    assert set(urls) == set(booking_urls.JOURNEY)
    for name, url in urls.items():
        data = {"session": cat.slot.pk, "spec": cat.spec.code, "accept": "yes"}
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(WAITING_ROOM), name
    # nothing happened behind the gate: no second hold, no payment started
    assert Registration.objects.filter(candidate=candidate).count() == 1
    held.refresh_from_db()
    assert held.order.payments.count() == 0


def test_reading_pages_are_never_queued(
    cat: Catalogue,  # noqa: F811
    held: Registration,
    candidate: User,
) -> None:
    queue_on(cat, paused=True)
    client = client_for(candidate)
    assert client.get(reverse("booking:registrations")).status_code == 200
    assert client.get(reverse("booking:registration", args=[held.reference])).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_with_the_waiting_room_off_nothing_changes(
    cat: Catalogue,  # noqa: F811
    candidate: User,
) -> None:
    client = client_for(candidate)
    url = reverse("booking:notes", args=[cat.period.code])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "admission_" in q["sql"]]


def test_with_an_empty_waiting_room_the_candidate_goes_straight_on(
    cat: Catalogue,  # noqa: F811
    candidate: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(candidate)
    url = reverse("booking:notes", args=[cat.period.code])
    client.get(url)  # warm: session, language
    with CaptureQueriesContext(connection) as off:
        assert client.get(url).status_code == 200
    without = [q["sql"] for q in off.captured_queries if "SAVEPOINT" not in q["sql"]]
    queue_on(cat, paused=False)
    services.configs()  # the per-process cache, as a running server has it
    response = client.get(url)
    assert response.status_code == 200  # no waiting room page: the line is empty
    with CaptureQueriesContext(connection) as on:
        assert client.get(url).status_code == 200
    # the database store costs its own queries; with Redis the gate adds none (one Redis call)
    rest = [
        q["sql"]
        for q in on.captured_queries
        if "admission_" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert len(rest) == len(without)


def test_redis_down_fails_closed_with_a_clear_page(
    cat: Catalogue,  # noqa: F811
    candidate: User,
) -> None:
    queue_on(cat, paused=False)
    services.store_replace(RedisStore("redis://127.0.0.1:1/0"))  # nothing listens there
    client = client_for(candidate)
    response = client.get(reverse("booking:notes", args=[cat.period.code]))
    assert response.status_code == 503
    assert "غرفة الانتظار غير متاحة" in response.content.decode()
    json = client.get(
        reverse("booking:notes", args=[cat.period.code]), headers={"accept": "application/json"}
    )
    assert json.status_code == 503
    assert json.json() == {"state": "unavailable"}


def test_after_waiting_the_candidate_continues_where_they_were_going(
    cat: Catalogue,  # noqa: F811
    candidate: User,
) -> None:
    queue_on(cat, paused=True)
    client = client_for(candidate)
    target = reverse("booking:choose", args=[cat.period.code]) + "?mode=digital&spec=math"
    room = client.get(target)["Location"]
    assert urlsplit(room).path == WAITING_ROOM
    page = client.get(room)
    body = page.content.decode()
    assert page.status_code == 200
    assert "أنت في غرفة الانتظار" in body
    assert "مكانك في الدور: 1" in body
    assert "لا حاجة إلى تحديث الصفحة؛ فهي تتحدّث تلقائيًا" in body
    assert '<meta http-equiv="refresh" content="5">' in body
    services.queue_control(period_id=cat.period.pk, action="resume")
    admitted = client.get(room)
    assert admitted.status_code == 302
    assert admitted["Location"] == target
    assert client.get(target).status_code in (200, 302)  # the journey's own rules from here


def test_a_blocked_post_returns_to_the_page_it_came_from(
    cat: Catalogue,  # noqa: F811
    candidate: User,
) -> None:
    queue_on(cat, paused=True)
    client = client_for(candidate)
    review = reverse("booking:review", args=[cat.period.code]) + f"?session={cat.slot.pk}&spec=math"
    response = client.post(
        reverse("booking:review", args=[cat.period.code]),
        {"session": cat.slot.pk, "spec": "math"},
        headers={"referer": f"http://testserver{review}"},
    )
    token = parse_qs(urlsplit(response["Location"]).query)["t"][0]
    place = services.place_from_token(token)
    assert place is not None and place.next_url == review


def test_logging_out_ends_the_pass(
    cat: Catalogue,  # noqa: F811
    candidate: User,
    make_user: Callable[..., User],
) -> None:
    QueueSettings.objects.create(period=cat.period, max_active=1)
    client = client_for(candidate)
    url = reverse("booking:notes", args=[cat.period.code])
    assert client.get(url).status_code == 200  # admitted: the only active candidate
    other = client_for(make_user())
    assert other.get(url)["Location"].startswith(WAITING_ROOM)
    client.post(reverse("accounts:logout"))
    assert other.get(url).status_code == 200


@pytest.mark.parametrize("token", ["", "x", "a" * 500, "eyJ.bad:sig", "%00"])
def test_a_bad_waiting_room_link_gets_a_page_not_an_error(token: str, db: None) -> None:
    response = Client().get(WAITING_ROOM, {"t": token})
    assert response.status_code == 400
    assert "رابط غرفة الانتظار هذا غير صالح" in response.content.decode()


def test_paying_for_a_seat_offered_from_the_waiting_list_is_never_queued(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    """The offered seat is already the candidate's (its offer has its own countdown): the pay
    button goes to the gateway even while the period's waiting room holds everyone else."""
    session = make_session(
        cat.digital, cat.period, day=cat.slot.date, start=time(16), capacity=1,
        specializations=[cat.spec],
    )  # fmt: skip
    registration_hold(candidate=make_user(), session_id=session.pk, specialization_id=cat.spec.pk)
    waiting = make_user()
    waitlist.waitlist_join(
        candidate=waiting, period=cat.period, specialization_id=cat.spec.pk, session_id=session.pk
    )
    with time_machine.travel(clock.now() + timedelta(minutes=16), tick=False):
        tasks.holds_expire_due.call()
        offer = WaitlistOffer.objects.get(entry__candidate=waiting, state="out")
        queue_on(cat, paused=True)
        client = client_for(waiting)
        response = client.post(reverse("booking:pay", args=[offer.registration.reference]))
        assert response.status_code == 302
        assert not response["Location"].startswith(WAITING_ROOM)
        # an ordinary hold of the same period still waits its turn
        other = make_user()
        held = registration_hold(
            candidate=other, session_id=cat.slot.pk, specialization_id=cat.spec.pk
        )
        response = client_for(other).post(reverse("booking:pay", args=[held.reference]))
        assert response["Location"].startswith(WAITING_ROOM)


def test_a_long_wait_in_the_room_does_not_end_the_session(
    cat: Catalogue,  # noqa: F811
    candidate: User,
) -> None:
    """Waiting is activity: a candidate who stood in line longer than the idle timeout, the room
    updating itself all along, continues signed in when admitted (not "log in again")."""
    queue_on(cat, paused=True)
    terms_accept(candidate=candidate, period=cat.period)
    client = client_for(candidate)
    target = reverse("booking:choose", args=[cat.period.code]) + "?mode=digital&spec=math"
    assert client.get(reverse("dashboard")).status_code == 200  # a page: the session is seen now
    room = client.get(target)["Location"]
    start = clock.now()
    for minutes in range(0, 46, 5):  # the page polls; 45 minutes in line
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(room).status_code == 200
    with time_machine.travel(start + timedelta(minutes=45, seconds=30), tick=False):
        services.queue_control(period_id=cat.period.pk, action="resume")
        admitted = client.get(room)
        assert admitted.status_code == 302
        assert admitted["Location"] == target
        page = client.get(target)
        assert page.status_code == 200, page.get("Location")
        assert page.wsgi_request.user == candidate
    # Without the room, the idle timeout still ends a session as before.
    with time_machine.travel(start + timedelta(minutes=80), tick=False):
        assert client.get(reverse("dashboard")).status_code == 302


def test_another_candidates_place_keeps_no_session_alive(
    cat: Catalogue,  # noqa: F811
    candidate: User,
    make_user: Callable[..., User],
) -> None:
    """The room marks as seen only the session of the candidate its signed token names."""
    queue_on(cat, paused=True)
    other = client_for(make_user())
    room = other.get(reverse("booking:choose", args=[cat.period.code]))["Location"]
    client = client_for(candidate)
    assert client.get(reverse("dashboard")).status_code == 200
    start = clock.now()
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        services.queue_control(period_id=cat.period.pk, action="resume")
        assert client.get(room).status_code == 302  # the other's place, in this browser
        assert client.get(reverse("dashboard")).status_code == 302  # idle: log in again
