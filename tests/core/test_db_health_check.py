"""The per-request health check of a kept PostgreSQL connection (rukhsa.core.postgresql):
no SELECT 1 while the connection is idle and quiet, a dead one still replaced before use."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection, connections
from django.urls import reverse

from rukhsa.core.postgresql.base import quiet_and_idle

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept_connection(settings):
    """The default connection kept between requests with health checks, as in production."""
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    connection.close()
    connection.ensure_connection()
    yield connection
    connection.close()


@pytest.fixture
def selects_one(monkeypatch):
    """How many times Django's SELECT 1 check runs."""
    calls: list[bool] = []
    original = type(connections["default"]).is_usable

    def counted(self):
        usable = original(self)
        calls.append(usable)
        return usable

    monkeypatch.setattr(type(connections["default"]), "is_usable", counted)
    return calls


def _terminate(pid: int) -> None:
    """End the backend `pid` from another connection, as a restart of the server would."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(100):  # the farewell reaches the socket
        if not quiet_and_idle(connection.connection):
            return
        time.sleep(0.01)


def _next_request_query() -> int:
    """What a request does: Django's start-of-request hook, then a statement."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        return cursor.fetchone()[0]


def test_the_engine_is_ours_on_postgresql():
    assert connection.settings_dict["ENGINE"] == "rukhsa.core.postgresql"
    assert connection.vendor == "postgresql"


def test_a_quiet_idle_connection_is_used_without_select_1(kept_connection, selects_one):
    pid = kept_connection.connection.info.backend_pid
    for _ in range(3):
        assert _next_request_query() == 42
    assert selects_one == []
    assert kept_connection.connection.info.backend_pid == pid  # the same connection, kept


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(
    kept_connection, selects_one
):
    pid = kept_connection.connection.info.backend_pid
    _terminate(pid)
    assert _next_request_query() == 42  # no error reaches the request
    assert selects_one == [False]  # something waited on the socket: checked, found dead
    assert kept_connection.connection.info.backend_pid != pid


def test_a_connection_inside_a_transaction_is_checked_the_old_way(kept_connection):
    with kept_connection.cursor() as cursor:
        cursor.execute("BEGIN")
        assert not quiet_and_idle(kept_connection.connection)
        cursor.execute("ROLLBACK")
    assert quiet_and_idle(kept_connection.connection)


def test_a_page_after_the_server_ended_the_connection(client, kept_connection, selects_one):
    """A whole request through the middleware: a page that reads the database answers."""
    client.get(reverse("accounts:login"))
    _terminate(kept_connection.connection.info.backend_pid)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
