"""Values a process keeps between requests under the key of the records they were made from.

The key is read from the database at every request (a statement of aggregates that changes
whenever the records the value is made from change), so a process, or a node, never serves a
value older than the records: a new key makes the value again. Each process keeps its own few
(several databases may be served by one process: tests); the values are immutable or treated
as such, so the requests of a process share them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class KeptByKey(Generic[T]):
    """The values last made by this process, at most `size`, the least recently used dropped
    first."""

    def __init__(self, size: int) -> None:
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under `key`, else `make()`, kept under it."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
                return found
        made = make()  # outside the lock: two requests may make it at once, both the same
        with self._lock:
            self._values[key] = made
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
