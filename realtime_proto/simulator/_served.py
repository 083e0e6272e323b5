"""What a transport's loopback server serves: any SERVER-side session of the core (the
simulator, a replayed cassette), bytes and time in, bytes out."""

from __future__ import annotations

from typing import Protocol

__all__ = ["ServedSession"]


class ServedSession(Protocol):
    """A SERVER-side session of the core, bytes and time in, bytes out."""

    @property
    def finished(self) -> bool: ...

    def receive_data(self, data: bytes) -> None: ...

    def receive_eof(self) -> None: ...

    def data_to_send(self) -> bytes: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...
