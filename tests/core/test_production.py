"""Running behind nginx with Redis, PgBouncer and workers: Redis outages are cache misses, the
readiness check, the metrics endpoint, request ids from nginx to the task and the one client IP
on every log line."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django_tasks import task

from rukhsa.accounts.models import User
from rukhsa.core import views as core_views
from rukhsa.core.observability import JsonFormatter, request_id_var

# Nothing listens here (a port of this deployment's own range kept free): Redis "down".
DEAD_REDIS = "redis://127.0.0.1:6469/0"
DEAD_CACHE = {
    "default": {
        "BACKEND": "rukhsa.core.cache.ResilientRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def redis_down() -> Iterator[None]:
    # Django resets its cache handlers when CACHES changes (django.test.signals).
    with override_settings(
        CACHES=DEAD_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        yield


# --- Redis down: misses, never errors ---------------------------------------------------------


def test_cache_keeps_one_redis_client_per_pool(redis_down: None) -> None:
    """Building a redis.Redis costs as much CPU as a round trip: one is kept per pool."""
    client = caches["default"]._cache  # type: ignore[attr-defined]
    assert client.get_client("a") is client.get_client("b")
    assert client.get_client("a", write=True) is client.get_client(write=True)


def test_cache_with_redis_down_answers_misses(redis_down: None) -> None:
    cache = caches["default"]
    assert cache.get("anything", "fallback") == "fallback"
    cache.set("k", 1)  # dropped, no error
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    cache.delete("k")
    with pytest.raises(ValueError):  # Django's "not there", which callers already handle
        cache.incr("k")
    assert cache.ping() is False  # type: ignore[attr-defined]


def test_a_version_number_bumped_with_redis_down_is_no_error(redis_down: None) -> None:
    assert caches["default"].incr_or_set("version", 1000) is None  # type: ignore[attr-defined]


@pytest.fixture
def live_cache() -> Iterator[Any]:
    """The cache on the machine's Redis (CI) or RUKHSA_TEST_REDIS_URL, under a key prefix of
    its own."""
    import uuid

    from tests.conftest import live_redis_url

    live = {
        "default": {
            "BACKEND": "rukhsa.core.cache.ResilientRedisCache",
            "LOCATION": live_redis_url(),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=live):
        cache = caches["default"]
        yield cache
        cache.delete_many(["version", "other"])


@pytest.mark.redis
def test_a_version_number_is_started_then_bumped_in_one_round_trip(
    live_cache: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = live_cache._cache.get_client(write=True)
    sent: list[int] = []
    real = type(client).pipeline

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(client), "pipeline", counting)
    monkeypatch.setattr(type(client), "execute_command", None)  # no command outside the pipeline
    assert live_cache.incr_or_set("version", 1000) == 1001  # none yet: started
    assert live_cache.incr_or_set("version", 5000) == 1002  # there: bumped
    monkeypatch.undo()
    assert sent == [1, 1]
    assert live_cache.get("version") == 1002  # read back as Django's cache reads a number
    key = live_cache.make_and_validate_key("version")
    assert client.ttl(key) == -1  # kept without expiry, as the version numbers must be
    live_cache.set("other", 7, timeout=None)
    assert live_cache.incr_or_set("other", 1) == 8


@pytest.mark.redis
def test_the_choices_version_moves_on_each_seat_change(live_cache: Any, db: Any) -> None:
    from rukhsa.catalog import choices

    before = choices.version()
    choices.seats_freed()  # bumped now and after the commit (none here: at once)
    assert choices.version() > before
    live_cache.delete(choices.VERSION_KEY)
    choices.seats_freed()  # gone (Redis restarted): a fresh number, never an old one
    assert choices.version() > before


def test_logged_in_candidate_keeps_their_session_while_redis_is_down(
    redis_down: None, candidate: User
) -> None:
    client = Client()
    client.force_login(candidate)  # written to the database (and, if it could, to Redis)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == candidate


def test_rate_limited_page_works_while_redis_is_down(redis_down: None, db: Any) -> None:
    response = Client().post(reverse("results:verify"), {"code": "NOPE-NOPE"})
    assert response.status_code in (200, 302)


# --- /readyz ----------------------------------------------------------------------------------


def test_readyz_ready_when_database_and_migrations_are(db: Any) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "applied",
        "redis": "ok",
    }


def test_readyz_reports_redis_down_but_stays_in_the_pool(redis_down: None, db: Any) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"] == "down"


def test_readyz_unavailable_while_migrations_are_pending(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(core_views, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_readyz_unavailable_without_the_database(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(core_views, "_database_ok", lambda: False)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


# --- /metrics ---------------------------------------------------------------------------------


def test_metrics_do_not_exist_without_a_configured_token(db: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(db: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="scrape-secret-0123456789").status_code == (
        404
    )


def test_metrics_show_latency_by_view_and_business_figures(db: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    client = Client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert response.status_code == 200
    text = response.content.decode()
    assert any(
        line.startswith("rukhsa_http_request_duration_seconds_count")
        and 'view="healthz"' in line
        and 'status="2xx"' in line
        for line in text.splitlines()
    )
    assert 'rukhsa_payments{status="paid"} 0.0' in text
    assert "rukhsa_holds_last_minute 0.0" in text
    assert "rukhsa_confirmations_last_minute 0.0" in text
    assert "rukhsa_task_queue_length" in text
    assert "rukhsa_task_queue_oldest_age_seconds" in text
    # The waiting room's own length (no waiting room is on here).
    assert "rukhsa_waiting_room_length 0.0" in text


def test_metrics_include_the_waiting_room_when_it_provides_its_length(
    db: Any, settings: Any
) -> None:
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    settings.METRICS_WAITING_ROOM_LENGTH = "tests.core.test_production.seven_waiting"
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert "rukhsa_waiting_room_length 7.0" in response.content.decode()


def seven_waiting() -> int:
    return 7


# --- Request ids and logs ---------------------------------------------------------------------


def test_request_id_from_nginx_is_kept_and_returned(db: Any) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="4f1c2a9e0b7d4c33a1e2f3a4b5c6d7e8")
    assert response["X-Request-ID"] == "4f1c2a9e0b7d4c33a1e2f3a4b5c6d7e8"


def test_a_malformed_request_id_is_replaced(db: Any) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert response["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response["X-Request-ID"]) == 32


def test_access_log_line_carries_the_request_id_and_the_client_ip(
    db: Any, settings: Any, caplog: Any
) -> None:
    settings.PROXY_COUNT = 1
    logging.getLogger("rukhsa.access").setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.INFO, logger="rukhsa.access"):
            Client().get(
                "/healthz",
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7",
                HTTP_X_REQUEST_ID="req-000000000001",
            )
    finally:
        logging.getLogger("rukhsa.access").setLevel(logging.WARNING)
    record = next(r for r in caplog.records if r.name == "rukhsa.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["client_ip"] == "203.0.113.7"  # not nginx's 127.0.0.1, not the forged 1.1.1.1
    assert line["request_id"] == "req-000000000001"
    assert line["view"] == "healthz"
    assert line["status"] == 200


@task()
def noop_task() -> str:
    logging.getLogger("rukhsa.tests").warning("working")
    return "done"


@pytest.mark.django_db(transaction=True)
def test_request_id_travels_to_the_task_the_request_enqueued(caplog: Any) -> None:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    queue = {"default": {"BACKEND": "rukhsa.core.taskbackend.DatabaseBackend"}}
    with override_settings(TASKS=queue):
        token = request_id_var.set("req-enqueuer-0001")
        try:
            result = noop_task.enqueue()
        finally:
            request_id_var.reset(token)
        # The id rides in the task's own row, beside its arguments, which stay the caller's.
        row = DBTaskResult.objects.get(id=result.id)
        assert row.args_kwargs == {"args": [], "kwargs": {}, "request_id": "req-enqueuer-0001"}
        assert (result.args, result.kwargs) == ([], {})
        unrequested = noop_task.enqueue()  # no request: nothing to carry
        assert DBTaskResult.objects.get(id=unrequested.id).args_kwargs == {"args": [], "kwargs": {}}

        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=2,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        with caplog.at_level(logging.WARNING, logger="rukhsa.tests"):
            worker.run()
    working = [r for r in caplog.records if r.getMessage() == "working"]
    lines = [json.loads(JsonFormatter().format(r)) for r in working]
    assert sorted(line.get("request_id", "") for line in lines) == ["", "req-enqueuer-0001"]
    assert request_id_var.get() == ""


# --- Database unreachable: a 503 page in the person's language --------------------------------


def _raise(error: Exception) -> Any:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise error

    return broken


def test_database_unreachable_is_a_503_page_in_arabic(
    db: Any, monkeypatch: Any, settings: Any
) -> None:
    from django.db import OperationalError

    from rukhsa.core import views

    monkeypatch.setattr(views, "render", _raise(OperationalError("port 6460 failed")))
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = response.content.decode()
    assert 'lang="ar"' in text
    assert "يرجى المحاولة مرة أخرى بعد ثوانٍ" in text
    assert settings.SUPPORT_EMAIL in text  # the footer still says how to reach support


def test_database_unreachable_page_in_english(db: Any, monkeypatch: Any) -> None:
    from django.db import InterfaceError

    from rukhsa.core import views

    monkeypatch.setattr(views, "render", _raise(InterfaceError("connection already closed")))
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert response.status_code == 503
    assert "Please try again in a few seconds" in response.content.decode()


def test_database_unreachable_inside_a_middleware_is_the_same_page(
    db: Any, monkeypatch: Any
) -> None:
    from django.db import OperationalError

    from rukhsa.core import middleware

    monkeypatch.setattr(middleware, "chosen_language", _raise(OperationalError("closed")))
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503


def test_other_errors_stay_a_500(db: Any, monkeypatch: Any) -> None:
    from rukhsa.core import views

    monkeypatch.setattr(views, "render", _raise(RuntimeError("a bug")))
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
