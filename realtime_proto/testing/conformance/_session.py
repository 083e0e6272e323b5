"""The battery's server side of one connection: the case its URL names, played over a SERVER
WebSocket, and a record of what the client did. Bytes and time in, bytes out."""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from ..._codec import encode_object, excerpt
from ..._options import Limits, Role
from ..._websocket import (
    WebSocketLayer,
    WsBinary,
    WsClosed,
    WsPong,
    WsRequest,
    WsState,
    WsText,
)
from .._wire import ping_frame
from ._case import Action, AwaitPong, Case, Close, Expect, Pings, Send
from ._observation import ClientRecord

__all__ = ["CaseSession", "case_path"]

_KEPT: Final = 1000  # client messages and pongs kept in a record, at most
_ENDS: Final = {"local": "answered", "remote": "initiated", "error": "dropped"}
_TEXT: Final = 0x1
_CONTINUATION: Final = 0x0


def case_path(target: str) -> tuple[str | None, str | None]:
    """The case id and the run named by a request target: ``/case/<id>`` anywhere in the
    path (``/v1/case/1.1/realtime`` too), ``run=`` in the query."""
    parts = urlsplit(target)
    segments = parts.path.split("/")
    case_id = None
    if "case" in segments[:-1]:
        case_id = segments[segments.index("case") + 1] or None
    run = parse_qs(parts.query).get("run", [None])[0]
    return case_id, run


def _frame(opcode: int, payload: bytes, *, fin: bool) -> bytes:
    """An unmasked frame as a server writes it (RFC 6455 5.2)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        return bytes([first, size]) + payload
    if size < 65536:
        return bytes([first, 126]) + size.to_bytes(2, "big") + payload
    return bytes([first, 127]) + size.to_bytes(8, "big") + payload


def fragmented(text: str, size: int) -> bytes:
    """``text`` as a text message in fragments of ``size`` bytes, with an empty continuation
    and a ping after the first fragment (RFC 6455 5.4: control frames may come between)."""
    data = text.encode()
    pieces = [data[start : start + size] for start in range(0, len(data), size)]
    if len(pieces) < 2:
        return _frame(_TEXT, data, fin=True)
    out = _frame(_TEXT, pieces[0], fin=False)
    out += _frame(_CONTINUATION, b"", fin=False) + ping_frame(b"between fragments")
    for piece in pieces[1:-1]:
        out += _frame(_CONTINUATION, piece, fin=False)
    return out + _frame(_CONTINUATION, pieces[-1], fin=True)


def _waiting_for(action: Action | None) -> str:
    """What the server waits for at ``action`` (``None``: the end of the actions)."""
    if isinstance(action, Expect):
        return f"waiting for {action.message_type}"
    if isinstance(action, AwaitPong):
        return f"waiting for a pong to {action.payload.decode()!r}"
    return "waiting after its last step"


def _summary(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """A client message as recorded (an append's audio as its size), or why it is not one."""
    try:
        message = json.loads(text)
    except ValueError:
        return None, excerpt(text)
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return None, excerpt(text)
    audio = message.pop("audio", None)
    if isinstance(audio, str):
        try:
            message["audio_bytes"] = len(base64.b64decode(audio, validate=True))
        except binascii.Error:
            message["audio_bytes"] = -1
    return message, None


class CaseSession:
    """Serves the case of ``cases`` that the request's URL names (``/case/<id>``; an unknown
    one is refused with HTTP 404) to one client: ``receive_data`` / ``receive_eof`` with its
    bytes, ``data_to_send`` for the bytes to write, ``handle_timer(now)`` whenever
    ``next_deadline()`` has passed, until ``finished``. :meth:`record` is what the client did.

    A case that has not ended ``time_limit`` seconds after the upgrade is closed with 1011
    (the record says what the server waited for); a close the client does not answer within
    ``close_timeout`` ends the connection.
    """

    def __init__(
        self,
        cases: Mapping[str, Case],
        *,
        time_limit: float = 10.0,
        close_timeout: float = 2.0,
    ) -> None:
        self._cases = cases
        self._time_limit = time_limit
        self._close_timeout = close_timeout
        self._ws = WebSocketLayer(Role.SERVER, Limits())
        self._out = bytearray()
        self.case: Case | None = None
        self.run: str | None = None
        self.answered = False  # the upgrade was answered
        self._step = 0
        self._matched = 0  # client messages before this one are matched by an Expect
        self._numbered = 0
        self._now: float | None = None
        self._give_up_at: float | None = None
        self._abort_at: float | None = None
        self._messages: list[dict[str, Any]] = []
        self._undecodable: deque[str] = deque(maxlen=_KEPT)
        self._binary = 0
        self._pongs: deque[bytes] = deque(maxlen=_KEPT)
        self._end = "dropped"
        self._timed_out: str | None = None

    def __repr__(self) -> str:
        case = self.case.id if self.case is not None else "?"
        return f"<CaseSession {case} {self._ws.state.value}: step {self._step}>"

    @property
    def finished(self) -> bool:
        return self._ws.state is WsState.CLOSED

    def record(self) -> ClientRecord | None:
        """What the client did so far (``None`` before a case was named)."""
        if self.case is None:
            return None
        return ClientRecord(
            case_id=self.case.id,
            run=self.run,
            messages=tuple(self._messages),
            undecodable=tuple(self._undecodable),
            binary=self._binary,
            pongs=tuple(self._pongs),
            close=self._end,
            timed_out=self._timed_out,
        )

    # -- bytes and time -----------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self._ws.receive_data(data)
        self._handle_events()

    def receive_eof(self) -> None:
        self._ws.receive_eof()
        self._handle_events()

    def data_to_send(self) -> bytes:
        self._flush()
        out = bytes(self._out)
        self._out.clear()
        return out

    def next_deadline(self) -> float | None:
        if self.finished:
            return None
        if self._now is None or self._needs_arming():
            return float("-inf")  # the time is needed at once
        due = [t for t in (self._give_up_at, self._abort_at) if t is not None]
        return min(due, default=None)

    def _needs_arming(self) -> bool:
        closing = self._ws.state is WsState.LOCAL_CLOSING and self._abort_at is None
        return closing or (self.answered and self._give_up_at is None)

    def handle_timer(self, now: float) -> None:
        self._now = now
        if self._give_up_at is None and self.answered:
            self._give_up_at = now + self._time_limit
        if self._abort_at is None and self._ws.state is WsState.LOCAL_CLOSING:
            self._abort_at = now + self._close_timeout
        if self._abort_at is not None and now >= self._abort_at:
            self._ws.abort(1006, "the client did not answer the close")
            return
        if self._give_up_at is not None and now >= self._give_up_at and self._is_open():
            assert self.case is not None
            actions = self.case.actions
            self._timed_out = _waiting_for(
                actions[self._step] if self._step < len(actions) else None
            )
            self._ws.close(1011, f"conformance case timed out {self._timed_out}")

    # -- plumbing -----------------------------------------------------------------------------

    def _is_open(self) -> bool:
        return self._ws.state is WsState.OPEN

    def _flush(self) -> None:
        self._out += self._ws.data_to_send()

    def _handle_events(self) -> None:
        while (event := self._ws.next_event()) is not None:
            if isinstance(event, WsRequest):
                self._answer(event)
            elif isinstance(event, WsText):
                message, bad = _summary(event.text)
                if message is not None and len(self._messages) < _KEPT:
                    self._messages.append(message)
                elif bad is not None:
                    self._undecodable.append(bad)
            elif isinstance(event, WsBinary):
                self._binary += 1
            elif isinstance(event, WsPong):
                self._pongs.append(event.payload)
            elif isinstance(event, WsClosed):  # pragma: no branch - a server gets no other
                self._end = _ENDS[event.initiator]
        self._advance()

    def _answer(self, request: WsRequest) -> None:
        case_id, self.run = case_path(request.target)
        self.case = self._cases.get(case_id or "")
        if self.case is None:
            known = ", ".join(self._cases)
            body = {"error": {"message": f"no case {case_id!r}: try /case/<id>, id one of {known}"}}
            self._reject(404, encode_object(body))
        elif self.case.reject is not None:
            self._reject(*self.case.reject)
            self._end = "rejected"
        else:
            self._ws.accept()
        self.answered = True

    def _reject(self, status: int, body: str) -> None:
        headers = [("Content-Type", "application/json")]
        self._ws.reject(status=status, headers=headers, body=body.encode())

    def _advance(self) -> None:
        actions = self.case.actions if self.case is not None else ()
        while self._is_open() and self._step < len(actions):
            action = actions[self._step]
            if isinstance(action, Expect):
                types = [message["type"] for message in self._messages[self._matched :]]
                if action.message_type not in types:
                    return
                self._matched += types.index(action.message_type) + 1
            elif isinstance(action, AwaitPong):
                if action.payload not in self._pongs:
                    return
            elif isinstance(action, Send):
                self._send(action)
            elif isinstance(action, Pings):
                self._flush()
                for payload in action.payloads:
                    self._out += ping_frame(payload)
            elif isinstance(action, Close):  # pragma: no branch - the actions are these
                self._ws.close(action.code, action.reason)
            self._step += 1

    def _send(self, action: Send) -> None:
        for message in action.messages:
            self._numbered += 1
            wire = dict(message)
            wire.setdefault("event_id", f"event_{self._numbered}")
            text = encode_object(wire)
            if action.fragment is None:
                self._ws.send_text(text)
            else:
                self._flush()
                self._out += fragmented(text, action.fragment)
