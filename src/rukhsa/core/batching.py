"""Collect what a block produces and handle it once when the block ends.

Used for rows that are cheaper written together (the audit log's rows, `core.audit.audit_batch`)
and for messages queued together (`notifications.services.messages_batch`): inside the block,
`collect` adds to the open batch; when the block ends, `flush` gets everything at once. A block
that raises flushes nothing. A block opened inside another joins it (the outer one flushes).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def collecting(
    batch: ContextVar[list[T] | None], flush: Callable[[list[T]], object]
) -> Iterator[None]:
    if batch.get() is not None:
        yield
        return
    token = batch.set([])
    try:
        yield
        items = batch.get() or []
    finally:
        batch.reset(token)
    if items:
        flush(items)


def collect(batch: ContextVar[list[T] | None], items: Iterable[T]) -> bool:
    """Add to the open batch; False when no batch is open (the caller handles the items)."""
    pending = batch.get()
    if pending is None:
        return False
    pending.extend(items)
    return True
