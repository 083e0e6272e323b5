"""WebSocket framing and the opening handshake, through wsproto. The only wsproto user.

Turns bytes into whole messages and back, for either role. Every wsproto and h11 failure becomes
a final :class:`WsClosed` (receive path) or a :class:`LocalProtocolError` (send path).
"""

from __future__ import annotations

import contextlib
import enum
from collections import deque
from collections.abc import Sequence
from typing import Literal

import attrs
from wsproto import ConnectionType, WSConnection
from wsproto import events as ws
from wsproto.connection import ConnectionState as WsprotoState
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError as WsprotoLocalError
from wsproto.utilities import RemoteProtocolError as WsprotoRemoteError

from ._errors import LimitExceeded, LocalProtocolError
from ._options import Limits, Role
from ._record import Record
from ._redact import bytes_summary, text_summary
from ._wire_tap import WireTap, close_frame_fields, http_head

__all__ = [
    "WebSocketLayer",
    "WsAccepted",
    "WsBinary",
    "WsClosed",
    "WsEvent",
    "WsPong",
    "WsRejected",
    "WsRequest",
    "WsState",
    "WsText",
]


class WsState(enum.Enum):
    CONNECTING = "connecting"
    OPEN = "open"
    LOCAL_CLOSING = "local_closing"
    CLOSED = "closed"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsRequest(Record):
    target: str
    headers: tuple[tuple[str, str], ...] = attrs.field(repr=False)
    subprotocols: tuple[str, ...]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsAccepted(Record):
    subprotocol: str | None
    headers: tuple[tuple[str, str], ...] = attrs.field(repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsRejected(Record):
    status: int
    headers: tuple[tuple[str, str], ...] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=bytes_summary)
    body_truncated: bool


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsText(Record):
    text: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsBinary(Record):
    size: int
    data: bytes = attrs.field(default=b"", repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsPong(Record):
    payload: bytes


@attrs.frozen(kw_only=True, repr=False, eq=False)
class WsClosed(Record):
    code: int
    reason: str
    initiator: Literal["local", "remote", "error"]
    truncated: bool = False


_MAX_HEADERS = 128

WsEvent = WsRequest | WsAccepted | WsRejected | WsText | WsBinary | WsPong | WsClosed


def _decode_headers(headers: Sequence[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _encode_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    try:
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    except UnicodeEncodeError:
        raise LocalProtocolError("header names and values must be latin-1 text") from None


class WebSocketLayer:
    """One WebSocket connection, sans-IO: ``receive_data`` / ``next_event``, ``send_*`` /
    ``data_to_send``. Pings are answered and the closing handshake is completed here."""

    def __init__(self, role: Role, limits: Limits, tap: WireTap | None = None) -> None:
        self._client = role is Role.CLIENT
        # A recorder told of every frame (None: no recording, and one test per frame).
        self._tap = tap
        self._us = role
        self._peer = Role.SERVER if self._client else Role.CLIENT
        self._head = b""  # the server's answer to our upgrade, kept for the tap
        self._binary_data = bytearray()  # a binary message being reassembled
        self._limits = limits
        self._ws = WSConnection(ConnectionType.CLIENT if self._client else ConnectionType.SERVER)
        self._state = WsState.CONNECTING
        self._events: deque[WsEvent] = deque()
        self._out = bytearray()
        self._buffer = bytearray()  # input not yet handed to wsproto or decoded
        self._head_read = False
        self._pass_through = 0  # bytes of the current frame still to hand to wsproto
        self._fragmented = False  # a fragmented message is under way
        self._final = False
        self._request_seen = False
        # a message being reassembled
        self._pieces: list[str] = []
        self._size = 0
        self._binary: int | None = None
        # a rejection being read
        self._rejection: tuple[int, tuple[tuple[str, str], ...]] | None = None
        self._rejection_body = bytearray()
        self._rejection_truncated = False

    @property
    def state(self) -> WsState:
        return self._state

    # -- sending ----------------------------------------------------------------------------

    def _emit(self, data: bytes) -> None:
        if len(self._out) + len(data) > self._limits.max_pending_output:
            raise LimitExceeded(
                f"pending output would exceed max_pending_output "
                f"({self._limits.max_pending_output} bytes): write data_to_send() first"
            )
        self._out += data

    def _wsproto_send(self, event: ws.Event) -> bytes:
        try:
            data = self._ws.send(event)
        except WsprotoLocalError as exc:
            raise LocalProtocolError(f"cannot send now: {exc}") from None
        self._emit(data)
        return data

    def start_handshake(
        self,
        *,
        host: str,
        target: str,
        headers: Sequence[tuple[str, str]] = (),
        subprotocols: Sequence[str] = (),
    ) -> None:
        """CLIENT: queue the HTTP/1.1 upgrade request (no extension is offered)."""
        if not self._client or self._state is not WsState.CONNECTING:
            raise LocalProtocolError("only a connecting client starts a handshake")
        sent = self._wsproto_send(
            ws.Request(
                host=host,
                target=target,
                extra_headers=_encode_headers(headers),
                subprotocols=list(subprotocols),
            )
        )
        if self._tap is not None:
            request_line, fields = http_head(sent)
            self._tap.request(request_line.split(" ")[1], fields)

    def accept(
        self, *, subprotocol: str | None = None, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        """SERVER: accept the upgrade request received as :class:`WsRequest`."""
        self._require_request()
        self._wsproto_send(
            ws.AcceptConnection(subprotocol=subprotocol, extra_headers=_encode_headers(headers))
        )
        self._state = WsState.OPEN
        self._read_frames()  # frames that came with the request

    def reject(
        self, *, status: int, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
    ) -> None:
        """SERVER: answer the upgrade request with an HTTP error; the connection is over."""
        self._require_request()
        if not 400 <= status <= 599:
            raise LocalProtocolError(f"a rejection needs a 4xx or 5xx status, not {status}")
        all_headers = [*headers, ("Content-Length", str(len(body)))]
        self._wsproto_send(
            ws.RejectConnection(
                status_code=status, headers=_encode_headers(all_headers), has_body=True
            )
        )
        self._wsproto_send(ws.RejectData(data=body, body_finished=True))
        self._state = WsState.CLOSED
        self._final = True

    def _require_request(self) -> None:
        if self._client or not self._request_seen or self._state is not WsState.CONNECTING:
            raise LocalProtocolError("only a server answers a received upgrade request, once")

    def send_text(self, text: str) -> None:
        if self._state is not WsState.OPEN:
            raise LocalProtocolError(f"cannot send a message while {self._state.value}")
        self._wsproto_send(ws.TextMessage(data=text))
        if self._tap is not None:
            self._tap.text(self._us, text)

    def send_binary(self, data: bytes) -> None:
        if self._state is not WsState.OPEN:
            raise LocalProtocolError(f"cannot send a message while {self._state.value}")
        self._wsproto_send(ws.BytesMessage(data=data))
        if self._tap is not None:
            self._tap.binary(self._us, bytes(data))

    def send_ping(self, payload: bytes = b"") -> None:
        if self._state is not WsState.OPEN:
            raise LocalProtocolError(f"cannot ping while {self._state.value}")
        self._wsproto_send(ws.Ping(payload=payload))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake; nothing happens if it is already under way or over.
        Code 1005 (no status) sends a close frame without a code (and without a reason)."""
        if self._state is not WsState.OPEN:
            return
        if code == CloseReason.NO_STATUS_RCVD:  # wsproto knows it only as its own member
            code, reason = CloseReason.NO_STATUS_RCVD, ""
        frame = self._wsproto_send(ws.CloseConnection(code=code, reason=reason))
        self._state = WsState.LOCAL_CLOSING
        if self._tap is not None:
            self._tap.close(self._us, *close_frame_fields(frame))

    def abort(self, code: int, reason: str) -> WsClosed:
        """Declare the connection dead (a timeout): no more events, nothing more to send."""
        closed = WsClosed(code=code, reason=reason, initiator="error")
        self._finish()
        return closed

    def data_to_send(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    # -- receiving --------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        if self._final or not data:
            return
        self._buffer += data
        if self._state is WsState.CONNECTING:
            self._read_handshake()
        if self._state in (WsState.OPEN, WsState.LOCAL_CLOSING) and not self._final:
            self._read_frames()

    def receive_eof(self) -> None:
        if self._final:
            return
        if self._state is WsState.CONNECTING:
            if self._head_read and self._client:
                self._feed_wsproto(None)  # a rejection body that runs until EOF ends here
            if self._final:
                return
            reason = "the connection closed during the opening handshake"
        else:
            reason = "the connection closed without a closing handshake"
        truncated = bool(self._buffer or self._pass_through or self._pieces)
        truncated = truncated or self._binary is not None
        self._fail(1006, reason, send_close=False, truncated=truncated)

    def _feed_wsproto(self, data: bytes | None) -> None:
        try:
            self._ws.receive_data(data)
        except WsprotoRemoteError as exc:
            self._handshake_failed(str(exc), exc.event_hint)
            return
        except WsprotoLocalError:
            return  # wsproto already considers the connection closed: nothing more to read
        self._drain_wsproto()

    def _read_handshake(self) -> None:
        """Hand wsproto the HTTP head only, so that the frames after it stay ours to parse."""
        if self._head_read:
            if self._client and self._buffer:  # the body of a rejection, as it arrives
                body, self._buffer = bytes(self._buffer), bytearray()
                self._feed_wsproto(body)  # never empty: to h11, b"" means end of input
            return  # a server keeps the frames that came early until it accepts
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > self._limits.max_handshake_size:
                self._handshake_failed(
                    f"the HTTP head exceeds {self._limits.max_handshake_size} bytes",
                    ws.RejectConnection(),
                )
            return
        head = bytes(self._buffer[: end + 4])
        del self._buffer[: end + 4]
        self._head_read = True
        if self._tap is not None and self._client:
            self._head = head
        if head.count(b"\r\n") > _MAX_HEADERS:
            self._handshake_failed(f"more than {_MAX_HEADERS} header lines", ws.RejectConnection())
            return
        self._feed_wsproto(head)
        if self._client and self._state is WsState.CONNECTING and not self._final:
            self._read_handshake()

    def _read_frames(self) -> None:
        """Split the input into frames. A whole unfragmented text frame from the server, the
        bulk of the traffic, is decoded here directly; every other frame is handed to wsproto,
        which validates it and tracks fragmentation, pings and the close handshake."""
        buffer = self._buffer
        size = len(buffer)
        pos = 0
        while not self._final:
            if self._pass_through:
                take = min(self._pass_through, size - pos)
                if not take:
                    break
                self._pass_through -= take
                pos += take
                self._feed_wsproto(bytes(buffer[pos - take : pos]))
                continue
            if size - pos < 2:
                break
            first, second = buffer[pos], buffer[pos + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                header = 4
                minimal = length > 125
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                header = 10
                minimal = length > 0xFFFF
            else:
                minimal = True
            if (
                first == 0x81  # FIN, no RSV bits, text
                and self._client
                and not second & 0x80  # RFC 6455 5.1: server frames are never masked
                and minimal
                and not self._fragmented
                and length <= self._limits.max_message_size
            ):
                end = pos + header + length
                if end > size:
                    break
                try:
                    text = buffer[pos + header : end].decode("utf-8")
                except UnicodeDecodeError:
                    pass  # wsproto reports it (close 1007)
                else:
                    self._events.append(WsText(text=text))
                    if self._tap is not None:
                        self._tap.text(self._peer, text)
                    pos = end
                    continue
            opcode = first & 0x0F
            if opcode in (0x1, 0x2) and not first & 0x80:
                self._fragmented = True
            elif opcode == 0x0 and first & 0x80:
                self._fragmented = False
            self._pass_through = header + (4 if second & 0x80 else 0) + length
        del buffer[:pos]

    def next_event(self) -> WsEvent | None:
        return self._events.popleft() if self._events else None

    def _drain_wsproto(self) -> None:
        try:
            for event in self._ws.events():
                # wsproto is fed one frame (or the HTTP head) at a time, so nothing follows a
                # final event in one batch; kept so that a wsproto that batches cannot break us
                if self._final:  # pragma: no cover
                    return
                self._on_wsproto_event(event)
        # wsproto 1.x raises handshake errors from receive_data (handled there); this keeps a
        # version that raises while iterating from leaking its exception
        except WsprotoRemoteError as exc:  # pragma: no cover
            self._handshake_failed(str(exc), exc.event_hint)

    def _on_wsproto_event(self, event: ws.Event) -> None:
        if isinstance(event, ws.TextMessage):
            self._on_text(event)
        elif isinstance(event, ws.BytesMessage):
            self._on_binary(event)
        elif isinstance(event, ws.Ping):
            # RFC 6455 5.5.2: answer with a Pong as soon as practical, even mid-message.
            self._emit(self._ws.send(event.response()))
        elif isinstance(event, ws.Pong):
            self._events.append(WsPong(payload=bytes(event.payload)))
        elif isinstance(event, ws.CloseConnection):
            self._on_close(event)
        elif isinstance(event, ws.AcceptConnection):
            self._state = WsState.OPEN
            if self._tap is not None:
                self._tap_response(b"")
            self._events.append(
                WsAccepted(
                    subprotocol=event.subprotocol, headers=_decode_headers(event.extra_headers)
                )
            )
        elif isinstance(event, ws.Request):
            self._request_seen = True
            self._events.append(
                WsRequest(
                    target=event.target,
                    headers=_decode_headers(event.extra_headers),
                    subprotocols=tuple(event.subprotocols),
                )
            )
        elif isinstance(event, ws.RejectConnection):
            self._rejection = (event.status_code, _decode_headers(event.headers))
            if not event.has_body:
                self._rejected()
        elif isinstance(event, ws.RejectData):  # pragma: no branch - wsproto has no other events
            room = self._limits.max_rejection_body - len(self._rejection_body)
            if len(event.data) > room:
                self._rejection_truncated = True
            self._rejection_body += event.data[: max(room, 0)]
            if event.body_finished:
                self._rejected()

    def _on_text(self, event: ws.TextMessage) -> None:
        if event.message_finished and not self._pieces:
            text = event.data  # the common case: a whole message in one piece, no copy
            if len(text) > self._limits.max_message_size:
                self._too_big(len(text))
                return
            self._events.append(WsText(text=text))
            if self._tap is not None:
                self._tap.text(self._peer, text)
            return
        self._size += len(event.data)
        if self._size > self._limits.max_message_size:
            self._too_big(self._size)
            return
        self._pieces.append(event.data)
        if event.message_finished:
            text = "".join(self._pieces)
            self._pieces, self._size = [], 0
            self._events.append(WsText(text=text))
            if self._tap is not None:
                self._tap.text(self._peer, text)

    def _on_binary(self, event: ws.BytesMessage) -> None:
        self._binary = (self._binary or 0) + len(event.data)
        if self._binary > self._limits.max_message_size:
            self._too_big(self._binary)
            return
        self._binary_data += event.data  # bounded by max_message_size, checked above
        if event.message_finished:
            data = bytes(self._binary_data)
            self._binary_data.clear()
            self._events.append(WsBinary(size=self._binary, data=data))
            self._binary = None
            if self._tap is not None:
                self._tap.binary(self._peer, data)

    def _too_big(self, size: int) -> None:
        limit = self._limits.max_message_size
        self._fail(1009, f"message of over {size} characters exceeds max_message_size {limit}")

    def _on_close(self, event: ws.CloseConnection) -> None:
        wsproto_state = self._ws.state
        if wsproto_state is WsprotoState.REMOTE_CLOSING:
            # RFC 6455 5.5.1: reply with a Close frame, echoing the status code.
            if self._tap is not None:
                self._tap.close(self._peer, int(event.code), event.reason or "")
            reply = self._ws.send(event.response())
            self._emit(reply)
            if self._tap is not None:
                self._tap.close(self._us, *close_frame_fields(reply))
            code = event.code
            self._events.append(WsClosed(code=code, reason=event.reason or "", initiator="remote"))
            self._finish()
        elif wsproto_state is WsprotoState.CLOSED and self._state is WsState.LOCAL_CLOSING:
            if self._tap is not None:
                self._tap.close(self._peer, int(event.code), event.reason or "")
            self._events.append(
                WsClosed(code=event.code, reason=event.reason or "", initiator="local")
            )
            self._finish()
        else:
            # wsproto reports a framing violation as a CloseConnection it did not receive.
            self._fail(event.code, event.reason or "protocol error")

    def _rejected(self) -> None:
        assert self._rejection is not None
        status, headers = self._rejection
        self._events.append(
            WsRejected(
                status=status,
                headers=headers,
                body=bytes(self._rejection_body),
                body_truncated=self._rejection_truncated,
            )
        )
        if self._tap is not None:
            self._tap_response(bytes(self._rejection_body))
        self._finish()

    def _tap_response(self, body: bytes) -> None:
        assert self._tap is not None
        status_line, fields = http_head(self._head)
        status = int(status_line.split(" ")[1])
        self._tap.response(status, fields, body.decode("utf-8", "replace"))

    def _handshake_failed(self, reason: str, hint: ws.Event | None) -> None:
        if not self._client and isinstance(hint, ws.RejectConnection):
            with contextlib.suppress(WsprotoLocalError, WsprotoRemoteError):
                self._out += self._ws.send(
                    ws.RejectConnection(status_code=400, headers=[(b"content-length", b"0")])
                )
        self._fail(1002, f"invalid opening handshake: {reason}", send_close=False)

    def _fail(
        self, code: int, reason: str, *, send_close: bool = True, truncated: bool = False
    ) -> None:
        # After our own close frame went out (LOCAL_CLOSING) no second one may follow.
        if send_close and self._ws.state in (WsprotoState.OPEN, WsprotoState.REMOTE_CLOSING):
            frame = self._ws.send(ws.CloseConnection(code=code, reason=reason[:100]))
            self._out += frame
            if self._tap is not None:
                self._tap.close(self._us, *close_frame_fields(frame))
        self._events.append(
            WsClosed(code=code, reason=reason, initiator="error", truncated=truncated)
        )
        self._finish()

    def _finish(self) -> None:
        self._state = WsState.CLOSED
        self._final = True
        self._pieces, self._size, self._binary = [], 0, None
        self._binary_data.clear()
        self._buffer.clear()
