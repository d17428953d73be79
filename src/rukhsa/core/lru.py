"""Entries kept in this process's memory with an expiry time, bounded by count."""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class ExpiringLRU:
    """key → (expiry time, value), the least recently used out first past `size`; thread-safe.
    The caller gives the time (each user keeps its own clock: the cached choices the wall
    clock their shared entries carry, the page frames the monotonic one)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, now: float) -> Any:
        """The value, or None when it is not kept or expired at `now`."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, expires_at: float, value: Any) -> None:
        with self._lock:
            self._entries[key] = (expires_at, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
