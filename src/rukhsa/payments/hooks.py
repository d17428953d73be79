"""Announcements other apps subscribe to: "paid", "failed", "refunded".

    from rukhsa.payments import hooks
    hooks.subscribe("paid", registration_confirm_on_payment)

Handlers are called as ``handler(order=order, payment=payment)`` inside the database transaction
that moved the payment to that state, so whatever they write commits (or rolls back) together
with it. They must not do network I/O (send messages with ``transaction.on_commit``); an
exception raised by a handler rolls the whole move back. Subscriptions are made at start-up
(``AppConfig.ready()``), so every process holds the same list.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

EVENTS = ("paid", "failed", "refunded")

Handler = Callable[..., Any]
_handlers: dict[str, list[Handler]] = {event: [] for event in EVENTS}


def subscribe(event: str, handler: Handler) -> None:
    """Call `handler(order=..., payment=...)` whenever a payment moves to `event`. Idempotent."""
    if event not in _handlers:
        raise ValueError(f"Unknown payment event {event!r}; use one of {', '.join(EVENTS)}.")
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def unsubscribe(event: str, handler: Handler) -> None:
    if handler in _handlers.get(event, []):
        _handlers[event].remove(handler)


def emit(event: str, *, order: Any, payment: Any) -> None:
    for handler in list(_handlers[event]):
        handler(order=order, payment=payment)


def subscribers(event: str) -> list[Handler]:
    return list(_handlers[event])


# --- For tests only ---------------------------------------------------------------------------


def snapshot() -> dict[str, list[Handler]]:
    return {event: list(handlers) for event, handlers in _handlers.items()}


def restore(saved: dict[str, list[Handler]]) -> None:
    for event in EVENTS:
        _handlers[event][:] = saved.get(event, [])


@contextmanager
def isolated() -> Iterator[None]:
    """Run with no subscriptions (tests add their own), then put the real ones back."""
    saved = snapshot()
    restore({})
    try:
        yield
    finally:
        restore(saved)
