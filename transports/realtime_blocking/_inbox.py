"""A bounded, thread-safe queue of received messages."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["Inbox", "InboxClosed"]

T = TypeVar("T")


class InboxClosed(Exception):
    """The queue is empty and no more items will come."""


class Inbox(Generic[T]):
    """The reader thread puts, consumer threads get."""

    def __init__(self, limit: int) -> None:
        self._items: deque[T] = deque()
        self._limit: float = limit
        self._closed = False
        self._changed = threading.Condition()

    def put_all(self, items: Iterable[T]) -> None:
        """Append ``items``, then wait while the queue is over its limit (backpressure)."""
        with self._changed:
            self._items.extend(items)
            self._changed.notify_all()
            while len(self._items) > self._limit and not self._closed:
                self._changed.wait()

    def unbound(self) -> None:
        """Stop applying backpressure (the consumer is going away)."""
        with self._changed:
            self._limit = float("inf")
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def get(self, timeout: float | None = None) -> T:
        """The next item; raises ``TimeoutError`` after ``timeout`` seconds, ``InboxClosed``
        at the end."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._items or self._closed, timeout):
                raise TimeoutError("no message within the timeout")
            if not self._items:
                raise InboxClosed
            item = self._items.popleft()
            if len(self._items) == self._limit:
                self._changed.notify_all()
            return item
