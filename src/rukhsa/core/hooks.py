"""A small announcement board: an app names its events, other apps subscribe handlers to them.

    board = Hooks("payment", ("paid", "failed", "refunded"))
    board.subscribe("paid", handler)
    board.emit("paid", order=order, payment=payment)  # handler(order=..., payment=...)

Handlers run in the emitter's thread and transaction, in subscription order; an exception in a
handler reaches the emitter. Subscriptions are made at start-up (``AppConfig.ready()``), so every
process holds the same list. Used by ``payments.hooks`` and ``catalog.hooks``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Handler = Callable[..., Any]


class Hooks:
    def __init__(self, name: str, events: tuple[str, ...]) -> None:
        self.name = name
        self.events = events
        self._handlers: dict[str, list[Handler]] = {event: [] for event in events}

    def _list(self, event: str) -> list[Handler]:
        if event not in self._handlers:
            known = ", ".join(self.events)
            raise ValueError(f"Unknown {self.name} event {event!r}; use one of {known}.")
        return self._handlers[event]

    def subscribe(self, event: str, handler: Handler) -> None:
        """Call `handler(**arguments)` whenever `event` is emitted. Idempotent."""
        handlers = self._list(event)
        if handler not in handlers:
            handlers.append(handler)

    def unsubscribe(self, event: str, handler: Handler) -> None:
        handlers = self._list(event)
        if handler in handlers:
            handlers.remove(handler)

    def emit(self, event: str, **arguments: Any) -> None:
        for handler in list(self._list(event)):
            handler(**arguments)

    def subscribers(self, event: str) -> list[Handler]:
        return list(self._list(event))

    # --- For tests -------------------------------------------------------------------------

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """Run with no subscriptions (tests add their own), then put the real ones back."""
        saved = {event: list(handlers) for event, handlers in self._handlers.items()}
        for handlers in self._handlers.values():
            handlers.clear()
        try:
            yield
        finally:
            for event, handlers in saved.items():
                self._handlers[event][:] = handlers
