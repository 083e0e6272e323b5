"""The recording proxy's relay: a SERVER-role WebSocket for the client that connected to the
proxy (downstream) and a CLIENT-role one for the service it connects to (upstream), with whole
messages relayed verbatim between them. Pure: bytes and end-of-stream in, per side; bytes out,
per side; the transport is told when to read, connect and hang up.

The rules:

- The opening handshake: the downstream request is answered only once the upstream answered
  it. An upstream acceptance accepts downstream (with the subprotocol upstream chose); an
  upstream refusal is relayed with its status, headers and body; an upstream that cannot be
  reached is a 502 (a 504 when it does not answer in time: :meth:`ProxyRelay.upstream_failed`).
- Credentials: the upstream request carries the upstream endpoint's own credentials (from the
  proxy's configuration, never from the client). The client's credential-named headers, query
  parameters and ``openai-insecure-api-key.`` subprotocols are dropped, unless
  ``forward_credentials`` is set: then they go upstream, in place of the endpoint's headers of
  the same names. The query parameters of the client's request that the upstream target lacks
  (``model=``, ...) are added to it.
- Messages: each whole text or binary message of one side is sent to the other as it came
  (the same text, not decoded and encoded again); pings are answered by each side's own
  WebSocket and not relayed.
- Closing: a close frame from one side closes the other with the same code and reason; a side
  that ends without one (or on a protocol error) closes the other with code 1001 ("going
  away") or the error's code. Each side completes its own closing handshake.
- Backpressure: :meth:`ProxyRelay.wants_data` is false for a side while the bytes waiting to
  be written to the other side (queued here, or taken by the transport and not yet reported
  written with :meth:`ProxyRelay.data_sent`) reach ``max_buffered``: what one side sends is
  read only as fast as the other takes it. One read of ``n`` bytes adds at most about ``n``
  bytes to the other side, so memory stays under ``max_buffered`` plus one read per side.

Recording: give the relay a wire tap (a :class:`CassetteRecorder` made with the upstream
endpoint's credentials as secrets): it is the upstream WebSocket's, so the cassette holds
everything on the upstream side, as the service saw it.
"""

from __future__ import annotations

import enum
from typing import Final
from urllib.parse import parse_qsl, quote, urlencode

from .._endpoint import Endpoint
from .._options import Limits, Role
from .._redact import INSECURE_SUBPROTOCOL, is_credential_name
from .._websocket import (
    WebSocketLayer,
    WsAccepted,
    WsBinary,
    WsClosed,
    WsEvent,
    WsRejected,
    WsRequest,
    WsState,
    WsText,
)
from .._wire_tap import WireTap

__all__ = ["ProxyRelay", "ProxySide"]


class ProxySide(enum.Enum):
    """The two ends of a proxied connection."""

    DOWNSTREAM = "downstream"  # the client that connected to the proxy
    UPSTREAM = "upstream"  # the service the proxy connects to for it


_OTHER: Final = {ProxySide.DOWNSTREAM: ProxySide.UPSTREAM, ProxySide.UPSTREAM: ProxySide.DOWNSTREAM}
# Headers each WebSocket writes itself, never copied from one handshake to the other.
_OWN_HEADERS: Final = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "content-length",
        "transfer-encoding",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)
# RFC 6455 7.4.1: 1006 is never sent in a close frame; an end without a close frame is told to
# the other side as "going away" (1005, no code, the WebSocket layer sends as a bare frame).
_LOST: Final = 1006
_GOING_AWAY: Final = 1001
_MAX_REASON: Final = 123  # bytes: a control frame's payload is at most 125, with the code
DEFAULT_MAX_BUFFERED: Final = 1024 * 1024


def _sendable(code: int) -> int:
    return _GOING_AWAY if code == _LOST else code


def _short(reason: str) -> str:
    return reason.encode("utf-8")[:_MAX_REASON].decode("utf-8", "ignore")


def _copied(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() not in _OWN_HEADERS]


class ProxyRelay:
    """One proxied connection: the client's (downstream) and the service's (upstream)
    WebSockets, and what passes between them. See the module for the rules.

    ``upstream``: where to connect and with which credentials (its headers, target query and
    subprotocols). ``forward_credentials``: send the client's credentials upstream too.
    ``max_buffered``: the bound of the bytes waiting for one side, over which the other side is
    not read. ``tap``: told of everything on the upstream side (a recorder). Raises
    ``ValueError`` for a ``max_buffered`` under 1.
    """

    def __init__(
        self,
        upstream: Endpoint,
        *,
        forward_credentials: bool = False,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        limits: Limits | None = None,
        tap: WireTap | None = None,
    ) -> None:
        if max_buffered < 1:
            raise ValueError("max_buffered must be at least 1")
        self.upstream: Final = upstream
        self.forward_credentials: Final = forward_credentials
        self.max_buffered: Final = max_buffered
        limits = limits or Limits()
        self._layers: Final = {
            ProxySide.DOWNSTREAM: WebSocketLayer(Role.SERVER, limits),
            ProxySide.UPSTREAM: WebSocketLayer(Role.CLIENT, limits, tap),
        }
        self._out = {side: bytearray() for side in ProxySide}
        self._in_flight = dict.fromkeys(ProxySide, 0)
        self._request: WsRequest | None = None  # the client's, until it is answered

    # -- what the transport asks --------------------------------------------------------------

    def wants_data(self, side: ProxySide) -> bool:
        """Read ``side`` now: it is not closed, the client is not waiting for the upstream's
        answer, and the other side's output is under the bound."""
        if self.closed(side) or (side is ProxySide.DOWNSTREAM and self._request is not None):
            return False
        return self.buffered(_OTHER[side]) < self.max_buffered

    @property
    def upstream_wanted(self) -> bool:
        """The client's request arrived: connect upstream (and write its handshake)."""
        return self._layers[ProxySide.UPSTREAM].state is WsState.CONNECTING and bool(
            self._out[ProxySide.UPSTREAM]
        )

    @property
    def answered(self) -> bool:
        """The client's request was answered (or the client is gone)."""
        return self._layers[ProxySide.DOWNSTREAM].state is not WsState.CONNECTING

    def closed(self, side: ProxySide) -> bool:
        """``side``'s WebSocket is over: once its output is written, hang up on it."""
        return self._layers[side].state is WsState.CLOSED

    def buffered(self, side: ProxySide) -> int:
        """Bytes for ``side`` not yet reported written."""
        return len(self._out[side]) + self._in_flight[side]

    @property
    def finished(self) -> bool:
        """Both sides are over and everything for them was written."""
        return all(self.closed(side) and not self.buffered(side) for side in ProxySide)

    # -- bytes in and out ---------------------------------------------------------------------

    def receive_data(self, side: ProxySide, data: bytes) -> None:
        """Bytes read from ``side``."""
        self._layers[side].receive_data(data)
        self._relay()

    def receive_eof(self, side: ProxySide) -> None:
        """``side`` ended its stream."""
        self._layers[side].receive_eof()
        self._relay()

    def data_to_send(self, side: ProxySide) -> bytes:
        """The bytes to write to ``side``; they count against the bound until reported with
        :meth:`data_sent`."""
        data = bytes(self._out[side])
        self._out[side].clear()
        self._in_flight[side] += len(data)
        return data

    def data_sent(self, side: ProxySide, size: int) -> None:
        """``size`` bytes taken with :meth:`data_to_send` were written to ``side``."""
        self._in_flight[side] = max(0, self._in_flight[side] - size)

    def upstream_failed(self, reason: str, *, status: int = 502) -> None:
        """The upstream could not be reached, or did not answer in time (``status`` 504): the
        client is refused with ``status`` and ``reason`` as the body, if it still waits."""
        self._abort(ProxySide.UPSTREAM, reason)
        self._refuse(status, [("Content-Type", "text/plain; charset=utf-8")], reason.encode())
        self._collect()

    def close(self, code: int = _GOING_AWAY, reason: str = "the proxy is shutting down") -> None:
        """Close both sides (a client still waiting for its answer is refused with 503)."""
        self._refuse(503, [], reason.encode())
        for side in ProxySide:
            layer = self._layers[side]
            if layer.state is WsState.CONNECTING:
                self._abort(side, reason)
            layer.close(code, _short(reason))
        self._collect()

    def abort(self, reason: str) -> None:
        """Give up on both sides at once (a timeout): nothing more is read or written."""
        for side in ProxySide:
            self._abort(side, reason)

    # -- relaying -----------------------------------------------------------------------------

    def _relay(self) -> None:
        # Both sides: accepting the client hands over the frames that came with its request.
        relayed = True
        while relayed:
            relayed = False
            for side, layer in self._layers.items():
                while (event := layer.next_event()) is not None:
                    relayed = True
                    self._on_event(side, event)
                    self._collect()
        self._collect()

    def _on_event(self, side: ProxySide, event: WsEvent) -> None:
        other = self._layers[_OTHER[side]]
        if isinstance(event, WsText):
            if other.state is WsState.OPEN:
                other.send_text(event.text)
        elif isinstance(event, WsBinary):
            if other.state is WsState.OPEN:
                other.send_binary(event.data)
        elif isinstance(event, WsClosed):
            self._on_closed(side, event)
        elif isinstance(event, WsRequest):
            self._on_request(event)
        elif isinstance(event, WsAccepted):
            self._on_accepted(event)
        elif isinstance(event, WsRejected):
            self._refuse(event.status, _copied(event.headers), event.body)
        # pongs: each side's own keepalive business, nothing to relay

    def _on_request(self, request: WsRequest) -> None:
        self._request = request
        upstream = self.upstream
        forwarded = [
            (name, value)
            for name, value in _copied(request.headers)
            if self.forward_credentials or not is_credential_name(name)
        ]
        names = {name.lower() for name, _ in forwarded}
        headers = [pair for pair in upstream.headers if pair[0].lower() not in names]
        protocols = [
            protocol
            for protocol in request.subprotocols
            if self.forward_credentials or not protocol.startswith(INSECURE_SUBPROTOCOL)
        ]
        protocols += [p for p in upstream.subprotocols if p not in protocols]
        self._layers[ProxySide.UPSTREAM].start_handshake(
            host=upstream.host_header,
            target=self._target(request.target),
            headers=[*headers, *forwarded],
            subprotocols=protocols,
        )

    def _target(self, asked: str) -> str:
        path, _, query = self.upstream.target.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        present = {key for key, _ in pairs}
        for key, value in parse_qsl(asked.partition("?")[2], keep_blank_values=True):
            if key not in present and (self.forward_credentials or not is_credential_name(key)):
                pairs.append((key, value))
                present.add(key)
        return f"{path}?{urlencode(pairs, quote_via=quote)}" if pairs else path

    def _on_accepted(self, accepted: WsAccepted) -> None:
        # A client that left, or a refusal, aborted the upstream: it accepts nothing after.
        request, self._request = self._request, None
        assert request is not None
        downstream = self._layers[ProxySide.DOWNSTREAM]
        protocol = accepted.subprotocol
        downstream.accept(
            subprotocol=protocol if protocol in request.subprotocols else None,
            headers=_copied(accepted.headers),
        )

    def _on_closed(self, side: ProxySide, closed: WsClosed) -> None:
        other_side = _OTHER[side]
        other = self._layers[other_side]
        if other.state is WsState.CONNECTING:
            if other_side is ProxySide.DOWNSTREAM:
                self._refuse(502, [], f"the service closed: {closed.reason}".encode())
            else:
                self._abort(other_side, closed.reason)
        else:
            other.close(_sendable(closed.code), _short(closed.reason))

    def _refuse(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Answer the waiting client with an HTTP error, if it waits; a client that went no
        further than connecting is hung up on."""
        downstream = self._layers[ProxySide.DOWNSTREAM]
        request, self._request = self._request, None
        if downstream.state is not WsState.CONNECTING:
            return
        if request is None:
            self._abort(ProxySide.DOWNSTREAM, "no request to answer")
            return
        downstream.reject(
            status=status if 400 <= status <= 599 else 502, headers=headers, body=body
        )

    def _abort(self, side: ProxySide, reason: str) -> None:
        self._layers[side].abort(_LOST, reason)
        self._out[side].clear()
        self._in_flight[side] = 0

    def _collect(self) -> None:
        for side in ProxySide:
            self._out[side] += self._layers[side].data_to_send()
