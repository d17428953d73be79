"""Announcements other apps subscribe to: "paid", "failed", "refunded".

    from rukhsa.payments import hooks
    hooks.subscribe("paid", registration_confirm_on_payment)

Handlers are called as ``handler(order=order, payment=payment)`` inside the database transaction
that moved the payment to that state, so whatever they write commits (or rolls back) together
with it. They must not do network I/O (send messages with ``transaction.on_commit``); an
exception raised by a handler rolls the whole move back. Subscriptions are made at start-up
(``AppConfig.ready()``), so every process holds the same list.
"""

from rukhsa.core.hooks import Hooks

EVENTS = ("paid", "failed", "refunded")

board = Hooks("payment", EVENTS)
subscribe = board.subscribe
unsubscribe = board.unsubscribe
emit = board.emit
subscribers = board.subscribers
isolated = board.isolated  # for tests
