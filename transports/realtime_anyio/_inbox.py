"""A bounded queue of received messages whose ``get`` can be cancelled without losing one."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

import anyio

__all__ = ["Inbox"]

T = TypeVar("T")


class Inbox(Generic[T]):
    """The reader puts, the consumer gets. An item leaves the queue only in the synchronous
    step after a wait, so a cancelled ``get`` leaves every item where it was."""

    def __init__(self, limit: int) -> None:
        self._items: deque[T] = deque()
        self._limit: float = limit
        self._closed = False
        self._changed = anyio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def put_all(self, items: Iterable[T]) -> None:
        """Append ``items``, then wait while the queue is over its limit (backpressure)."""
        self._items.extend(items)
        self._notify()
        while len(self._items) > self._limit and not self._closed:
            await self._changed.wait()

    def unbound(self) -> None:
        """Stop applying backpressure (the consumer is going away)."""
        self._limit = float("inf")
        self._notify()

    def close(self) -> None:
        """No more items will come; ``get`` raises ``EndOfStream`` once the queue is empty."""
        self._closed = True
        self._notify()

    async def get(self) -> T:
        while not self._items:
            if self._closed:
                raise anyio.EndOfStream
            await self._changed.wait()
        item = self._items.popleft()
        if len(self._items) == self._limit:
            self._notify()
        return item
