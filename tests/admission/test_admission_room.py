"""The waiting room page is cheap: with Redis, a poll is one Redis call and no database query
(no session, no user: the signed place token says who and where)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rukhsa.accounts.models import User
from rukhsa.admission import services
from rukhsa.admission.models import QueueSettings
from rukhsa.admission.store import RedisStore
from tests.admission.conftest import redis_store_or_skip
from tests.booking.booking_helpers import client_for
from tests.booking.conftest import Catalogue, cat  # noqa: F401 - the fixture


@pytest.mark.redis
def test_a_poll_is_one_redis_call_and_no_query(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = redis_store_or_skip()
    services.store_replace(store)
    try:
        QueueSettings.objects.create(period=cat.period)
        services.queue_control(period_id=cat.period.pk, action="pause")
        candidate = make_user()
        room = client_for(candidate).get(reverse("booking:notes", args=[cat.period.code]))
        url = room["Location"]
        calls: list[tuple[Any, ...]] = []
        original = store._redis.execute_command

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(store._redis, "execute_command", counted)
        anonymous = Client()  # a poll needs no session cookie at all
        services.configs()  # the per-process cache, as a running server has it
        with django_assert_num_queries(0):
            page = anonymous.get(url)
            json = anonymous.get(url, headers={"accept": "application/json"})
            fragment = anonymous.get(url, headers={"hx-request": "true"})
        assert page.status_code == json.status_code == fragment.status_code == 200
        assert len(calls) == 3  # one script call each
        assert "sessionid" not in page.cookies
        assert json.json()["place"] == 1
        assert json.json()["ahead"] == 0
        assert json.json()["state"] == "waiting"
        assert json.json()["refresh_seconds"] == 5
        assert 'hx-trigger="every 5s"' in fragment.content.decode()
        assert "<html" not in fragment.content.decode()
    finally:
        assert isinstance(store, RedisStore)
        store.flush_all()


def test_the_english_page_says_the_same(
    cat: Catalogue,  # noqa: F811
    make_user: Callable[..., User],
) -> None:
    QueueSettings.objects.create(period=cat.period, max_active=1)
    first, second = client_for(make_user()), client_for(make_user())
    url = reverse("booking:notes", args=[cat.period.code])
    assert first.get(url).status_code == 200
    room = second.get(url)["Location"]
    second.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = second.get(room).content.decode()
    assert "You are in the waiting room" in body
    assert "Your place in line: 1" in body
    assert "0 candidates ahead of you" in body
    assert "No need to refresh: this page updates itself." in body
    assert 'lang="en"' in body
