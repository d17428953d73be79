"""Django's PostgreSQL backend, its per-request health check without a round trip.

With ``CONN_HEALTH_CHECKS`` (settings: on), Django checks a kept connection before the first
statement of each request (and of each task the worker claims) by sending ``SELECT 1``: a round
trip through PgBouncer to PostgreSQL, ~0.15 ms of the app's CPU and ~0.13 ms of the backend's
on every request that touches the database, a dozen times in a booking journey.

A connection the server or the pooler has closed, or is closing, has something waiting on its
socket: the server's farewell message, or the end of the stream. An idle connection with
nothing waiting is as usable as ``SELECT 1`` would have found it a microsecond earlier (which
is all that check ever knew either). So the socket is polled, without waiting; only when
something is there, or the connection is not idle and open, is ``SELECT 1`` sent (Django's
``is_usable``), and a connection that fails it is closed and opened again as before.
"""

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


def quiet_and_idle(connection: Any) -> bool:
    """True when the psycopg `connection` is open, idle outside a transaction, and nothing
    (a message, the end of the stream) is waiting to be read on its socket."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()  # not select.select: no limit on the descriptor's number
        poller.register(pgconn.socket, select.POLLIN)
        waiting = poller.poll(0)
    except (OSError, ValueError, psycopg.Error):  # no socket to poll: SELECT 1 decides
        return False
    return not waiting


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's own attributes (set in BaseDatabaseWrapper.__init__), unknown to its stubs.
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            not self.pool
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and quiet_and_idle(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
