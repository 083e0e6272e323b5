"""The deadlines of one connection: the opening handshake, keepalive pings and their pongs, the
closing handshake. They decide what is due; the connection acts on it. Time is handed in."""

from __future__ import annotations

import itertools

import attrs

from ._options import Timeouts
from ._record import Record
from ._state import ConnectionState

__all__ = ["Abort", "Ping", "Timers"]


@attrs.frozen(repr=False, eq=False)
class Ping(Record):
    """Send a keepalive ping with this payload."""

    payload: bytes


@attrs.frozen(repr=False, eq=False)
class Abort(Record):
    """End the connection: a timeout passed."""

    code: int
    reason: str


@attrs.define(repr=False, eq=False)
class Timers:
    timeouts: Timeouts
    now: float | None = None
    open_deadline: float | None = None
    next_ping: float | None = None
    pong_deadline: float | None = None
    close_deadline: float | None = None
    ping_payload: bytes = b""
    _pings: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def next_deadline(self, state: ConnectionState) -> float | None:
        """When the timers must next run (``None``: no timer runs). A deadline may be in the
        past: a timer that needs arming."""
        if state is ConnectionState.CLOSED:
            return None
        due = [
            deadline
            for deadline in (
                self.open_deadline,
                self.next_ping,
                self.pong_deadline,
                self.close_deadline,
            )
            if deadline is not None
        ]
        if self._needs_arming(state):
            due.append(self.now if self.now is not None else float("-inf"))
        return min(due) if due else None

    def _needs_arming(self, state: ConnectionState) -> bool:
        if state is ConnectionState.CONNECTING:
            return self.open_deadline is None
        if state is ConnectionState.OPEN:
            return self.next_ping is None and self.timeouts.keepalive_interval is not None
        return state is ConnectionState.CLOSING and self.close_deadline is None

    def due(self, now: float, state: ConnectionState) -> Ping | Abort | None:
        """Arm the timers of ``state`` and say what is due at ``now``."""
        self.now = now
        timeouts = self.timeouts
        if state is ConnectionState.CONNECTING:
            if self.open_deadline is None:
                self.open_deadline = now + timeouts.open_timeout
            elif now >= self.open_deadline:
                return Abort(1006, "the opening handshake timed out")
        elif state is ConnectionState.OPEN:
            self.open_deadline = None
            if self.pong_deadline is not None and now >= self.pong_deadline:
                return Abort(1011, "keepalive ping timed out")
            interval = timeouts.keepalive_interval
            if interval is None:
                return None
            if self.next_ping is None:
                self.next_ping = now + interval
            elif now >= self.next_ping:
                self.ping_payload = str(next(self._pings)).encode()
                self.next_ping = now + interval
                if timeouts.keepalive_timeout is not None and self.pong_deadline is None:
                    self.pong_deadline = now + timeouts.keepalive_timeout
                return Ping(self.ping_payload)
        elif state is ConnectionState.CLOSING:
            self.next_ping = self.pong_deadline = None
            if self.close_deadline is None:
                self.close_deadline = now + timeouts.close_timeout
            elif now >= self.close_deadline:
                return Abort(1006, "the peer did not answer the close within the close timeout")
        return None

    def pong(self, payload: bytes) -> None:
        """A pong arrived: the one for our last ping ends its wait."""
        if payload == self.ping_payload:
            self.pong_deadline = None

    def stop(self) -> None:
        self.open_deadline = self.next_ping = self.pong_deadline = self.close_deadline = None
