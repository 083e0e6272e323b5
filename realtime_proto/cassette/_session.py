"""A replay over the WebSocket framing: the bytes of one client's connection in and out, time
handed in. What a transport's replay server pumps, in the shape of the simulator."""

from __future__ import annotations

from collections import deque
from typing import Final

import attrs

from .._options import Limits, Role, Timeouts
from .._state import ConnectionState
from .._timers import Abort, Timers
from .._websocket import WebSocketLayer, WsBinary, WsClosed, WsEvent, WsRequest, WsState, WsText
from ._entries import BinaryFrame, Cassette, TextFrame
from ._replay import Divergence, Replay, ReplayStep

__all__ = ["DIVERGENCE_CLOSE_CODE", "ReplaySession"]

DIVERGENCE_CLOSE_CODE: Final = 1008  # policy violation: the client left the recording
_LOST: Final = 1006  # a recorded close with this code is a lost connection, never a frame
# What the WebSocket layer writes itself, or what no longer applies to a replayed answer.
_ACCEPT_OWN: Final = frozenset(
    {
        "connection",
        "content-length",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "transfer-encoding",
        "upgrade",
    }
)
_REJECT_OWN: Final = frozenset({"connection", "content-length", "transfer-encoding"})
_STATES: Final = {
    WsState.CONNECTING: ConnectionState.CONNECTING,
    WsState.OPEN: ConnectionState.OPEN,
    WsState.LOCAL_CLOSING: ConnectionState.CLOSING,
    WsState.CLOSED: ConnectionState.CLOSED,
}


class ReplaySession:
    """Serves ``cassette`` to one client over a SERVER WebSocket (see :class:`Replay` for the
    rule): ``receive_data`` / ``receive_eof`` with the client's bytes, ``data_to_send`` for the
    bytes to write, ``handle_timer(now)`` whenever ``next_deadline()`` has passed, until
    ``finished``; the connection is then over and the socket may be closed.

    The upgrade is answered with the recorded response: 101 with its headers (and its
    subprotocol if the client offered it), or the recorded HTTP error and body. The recorded
    server frames go out verbatim: texts, binaries, and closes with their code and reason (a
    close recorded with 1006, which no frame carries, drops the connection). On a divergence
    the connection is closed with :data:`DIVERGENCE_CLOSE_CODE` and a reason that names it;
    :attr:`divergence` holds it. ``timeouts`` bounds the handshake and the closing handshake;
    keepalive pings are left to the client.

    With pacing, the client's messages are matched when the time is handed in, so that what
    they release is timed from their arrival: :meth:`next_deadline` asks for it at once.
    """

    def __init__(
        self,
        cassette: Cassette,
        *,
        pace: bool = False,
        limits: Limits | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.replay = Replay(cassette, pace=pace)
        self._ws = WebSocketLayer(Role.SERVER, limits or Limits())
        self._timers = Timers(attrs.evolve(timeouts or Timeouts(), keepalive_interval=None))
        self._events: deque[WsEvent] = deque()
        self._now = 0.0  # the last time handed in

    def __repr__(self) -> str:
        return f"<ReplaySession {self._ws.state.value}: {self.replay!r}>"

    @property
    def divergence(self) -> Divergence | None:
        """Where the client left the recording, once it has."""
        return self.replay.divergence

    @property
    def finished(self) -> bool:
        """The connection is over: nothing more will be sent."""
        return self._ws.state is WsState.CLOSED

    # -- bytes and time -----------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._collect()

    def receive_eof(self) -> None:
        self._ws.receive_eof()
        self._collect()

    def data_to_send(self) -> bytes:
        return self._ws.data_to_send()

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must run next; ``-inf``: at once."""
        if self._events:
            return float("-inf")
        due = [self._timers.next_deadline(_STATES[self._ws.state]), self.replay.next_deadline()]
        return min((deadline for deadline in due if deadline is not None), default=None)

    def handle_timer(self, now: float) -> None:
        self._now = now
        self._handle_events(now)
        action = self._timers.due(now, _STATES[self._ws.state])
        if isinstance(action, Abort):
            self._ws.abort(action.code, action.reason)
        elif self.replay.started:
            self._send(self.replay.handle_timer(now))

    # -- plumbing -----------------------------------------------------------------------------

    def _collect(self) -> None:
        while (event := self._ws.next_event()) is not None:
            self._events.append(event)
        # Time matters to pacing only, and once the connection is closed nothing more is sent.
        if not self.replay.pace or self._ws.state is WsState.CLOSED:
            self._handle_events(self._now)

    def _handle_events(self, now: float) -> None:
        while self._events:
            event = self._events.popleft()
            if isinstance(event, WsRequest):
                self._answer(event, now)
            elif isinstance(event, WsText):
                self._send(self.replay.receive_text(event.text, now))
            elif isinstance(event, WsBinary):
                self._send(self.replay.receive_binary(now))
            elif isinstance(event, WsClosed) and self.replay.started:
                self._send(self.replay.receive_close(now))
            # pongs, and the end of a connection that never opened, change nothing

    def _answer(self, request: WsRequest, now: float) -> None:
        answer = self.replay.handshake
        if answer.status != 101:
            headers = [(n, v) for n, v in answer.headers if n.lower() not in _REJECT_OWN]
            self._ws.reject(status=answer.status, headers=headers, body=answer.body.encode())
            return
        protocol = next(
            (v for n, v in answer.headers if n.lower() == "sec-websocket-protocol"), None
        )
        self._ws.accept(
            subprotocol=protocol if protocol in request.subprotocols else None,
            headers=[(n, v) for n, v in answer.headers if n.lower() not in _ACCEPT_OWN],
        )
        self._send(self.replay.start(now))

    def _send(self, step: ReplayStep) -> None:
        for frame in step.frames:
            if self._ws.state is not WsState.OPEN:
                return  # closed: what the recording sent after the close is moot
            if isinstance(frame, TextFrame):
                self._ws.send_text(frame.text)
            elif isinstance(frame, BinaryFrame):
                self._ws.send_binary(frame.data)
            elif frame.code == _LOST:
                self._ws.abort(_LOST, "the recorded connection was lost here")
            else:
                self._ws.close(frame.code, frame.reason)
        if step.divergence is not None and self._ws.state is WsState.OPEN:
            self._ws.close(DIVERGENCE_CLOSE_CODE, f"replay diverged: {step.divergence}")
