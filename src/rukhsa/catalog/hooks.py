"""Events other apps may act on, without the catalogue knowing them.

"session_cancelled": handler(session=..., actor=..., reason=...) — called inside the
transaction that cancelled the session (handlers must not do network I/O; send messages after
commit). The booking app subscribes to tell and re-seat the session's candidates.
"""

from collections.abc import Callable
from typing import Any

Handler = Callable[..., None]
_subscribers: dict[str, list[Handler]] = {"session_cancelled": []}


def subscribe(event: str, handler: Handler) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def emit(event: str, **kwargs: Any) -> None:
    for handler in list(_subscribers[event]):
        handler(**kwargs)
