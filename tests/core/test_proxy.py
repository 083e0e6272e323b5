"""The recording proxy's relay, in memory: a client WebSocket, the relay, a server WebSocket;
the handshake waits for the service, messages pass verbatim both ways, closes are relayed both
ways, refusals are relayed, the client's credentials are dropped or forwarded, the output
waiting for one side bounds the reading of the other, and the service's side is recorded with
the credentials redacted."""

from __future__ import annotations

import io

import pytest

from realtime_proto import Endpoint, Limits
from realtime_proto._options import Role
from realtime_proto._websocket import (
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
from realtime_proto.cassette import (
    CassetteRecorder,
    CloseFrame,
    Direction,
    HandshakeRequest,
    HandshakeResponse,
    ProxyRelay,
    ProxySide,
    TextFrame,
    read_cassette,
)

DOWN, UP = ProxySide.DOWNSTREAM, ProxySide.UPSTREAM
KEY = "sk-service-key-0123456789"
CLIENT_KEY = "sk-client-key-9876543210"
SERVICE = "wss://api.openai.com/v1/realtime?model=gpt-realtime"


class Wire:
    """A client and a server WebSocket with a relay between them; :meth:`pump` moves bytes
    until nothing moves (unless a side is held)."""

    def __init__(
        self,
        *,
        forward: bool = False,
        max_buffered: int = 1 << 20,
        url: str = SERVICE,
        subprotocols: tuple[str, ...] = (),
    ) -> None:
        self.endpoint = Endpoint.from_url(url, api_key=KEY, subprotocols=subprotocols)
        self.recorder = CassetteRecorder.for_endpoint(
            self.endpoint, started=0.0, started_at="2025-06-01T12:00:00Z"
        )
        self.relay = ProxyRelay(
            self.endpoint,
            forward_credentials=forward,
            max_buffered=max_buffered,
            tap=self.recorder,
        )
        self.client = WebSocketLayer(Role.CLIENT, Limits())
        self.server = WebSocketLayer(Role.SERVER, Limits())
        self.held: set[ProxySide] = set()
        self.seen: dict[str, list[WsEvent]] = {"client": [], "server": []}

    def pump(self) -> None:
        moved = True
        while moved:
            moved = False
            for side, layer in ((DOWN, self.client), (UP, self.server)):
                sent = layer.data_to_send()
                if sent:
                    moved = True
                    self.relay.receive_data(side, sent)
                if side in self.held:
                    continue
                out = self.relay.data_to_send(side)
                if out:
                    moved = True
                    self.relay.data_sent(side, len(out))
                    layer.receive_data(out)
        for name, layer in (("client", self.client), ("server", self.server)):
            while (event := layer.next_event()) is not None:
                self.seen[name].append(event)

    def connect(
        self,
        target: str = "/v1/realtime?model=gpt-realtime",
        headers: tuple[tuple[str, str], ...] = (),
        subprotocols: tuple[str, ...] = (),
    ) -> WsRequest:
        self.client.start_handshake(
            host="127.0.0.1:8765", target=target, headers=headers, subprotocols=subprotocols
        )
        self.pump()
        (request,) = self.seen["server"]
        assert isinstance(request, WsRequest)
        assert not self.seen["client"]  # nothing until the service answers
        return request

    def open(self, **options: object) -> None:
        self.connect(**options)  # type: ignore[arg-type]
        self.server.accept()
        self.pump()
        assert isinstance(self.seen["client"][-1], WsAccepted)

    def cassette_text(self) -> str:
        return self.recorder.take(1.0).decode()


def header(request: WsRequest, name: str) -> list[str]:
    return [value for key, value in request.headers if key.lower() == name.lower()]


# -- the handshake and credentials ------------------------------------------------------------


def test_the_client_is_answered_only_after_the_service_and_its_credentials_are_dropped() -> None:
    wire = Wire()
    assert wire.relay.wants_data(DOWN)
    assert not wire.relay.upstream_wanted
    request = wire.connect(
        "/v1/realtime?model=mine&api-key=" + CLIENT_KEY + "&extra=1",
        headers=(("Authorization", f"Bearer {CLIENT_KEY}"), ("OpenAI-Beta", "realtime=v1")),
        subprotocols=("realtime", "openai-insecure-api-key." + CLIENT_KEY),
    )
    assert wire.relay.upstream_wanted is False  # its bytes were written
    assert not wire.relay.wants_data(DOWN)
    assert not wire.relay.answered
    assert request.target == "/v1/realtime?model=gpt-realtime&extra=1"
    assert header(request, "Authorization") == [f"Bearer {KEY}"]
    assert header(request, "OpenAI-Beta") == ["realtime=v1"]
    assert '["Host","api.openai.com"]' in wire.cassette_text()
    assert request.subprotocols == ("realtime",)
    wire.server.accept(subprotocol="realtime", headers=[("x-request-id", "req_1")])
    wire.pump()
    (accepted,) = wire.seen["client"]
    assert isinstance(accepted, WsAccepted)
    assert accepted.subprotocol == "realtime"
    assert ("x-request-id", "req_1") in accepted.headers
    assert wire.relay.answered
    assert wire.relay.wants_data(DOWN)
    assert wire.relay.wants_data(UP)


def test_forwarded_credentials_replace_the_services() -> None:
    wire = Wire(forward=True, url="wss://api.openai.com/v1/realtime", subprotocols=("own",))
    request = wire.connect(
        "/v1/realtime?api-key=" + CLIENT_KEY,
        headers=(("Authorization", f"Bearer {CLIENT_KEY}"),),
        subprotocols=("openai-insecure-api-key." + CLIENT_KEY,),
    )
    assert header(request, "Authorization") == [f"Bearer {CLIENT_KEY}"]
    assert request.target == "/v1/realtime?api-key=" + CLIENT_KEY
    assert request.subprotocols == ("openai-insecure-api-key." + CLIENT_KEY, "own")
    wire.server.accept(subprotocol="own")  # not one the client asked for
    wire.pump()
    assert wire.seen["client"][0].subprotocol is None
    lines = wire.cassette_text()
    assert CLIENT_KEY not in lines
    assert KEY not in lines


def test_a_target_without_a_query_stays_without_one() -> None:
    wire = Wire(url="wss://api.openai.com/v1/realtime")
    assert wire.connect("/v1/realtime").target == "/v1/realtime"


def test_a_refusal_is_relayed_with_its_status_and_body() -> None:
    wire = Wire()
    wire.connect()
    wire.server.reject(status=401, headers=[("x-error", "bad key")], body=b'{"error":"no"}')
    wire.pump()
    (rejected,) = wire.seen["client"]
    assert isinstance(rejected, WsRejected)
    assert (rejected.status, rejected.body) == (401, b'{"error":"no"}')
    assert ("x-error", "bad key") in rejected.headers
    assert wire.relay.finished


def test_a_status_that_is_no_refusal_becomes_a_502() -> None:
    wire = Wire()
    wire.connect()
    wire.relay.receive_data(UP, b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n")
    wire.pump()
    (rejected,) = wire.seen["client"]
    assert isinstance(rejected, WsRejected)
    assert rejected.status == 502


@pytest.mark.parametrize(
    ("fail", "status", "body"),
    [
        (lambda relay: relay.upstream_failed("cannot reach"), 502, b"cannot reach"),
        (lambda relay: relay.upstream_failed("late", status=504), 504, b"late"),
        (lambda relay: relay.receive_eof(UP), 502, b"the service closed: "),
        (lambda relay: relay.close(), 503, b"the proxy is shutting down"),
    ],
)
def test_a_service_that_fails_before_answering_refuses_the_client(
    fail: object, status: int, body: bytes
) -> None:
    wire = Wire()
    wire.connect()
    fail(wire.relay)  # type: ignore[operator]
    wire.pump()
    (rejected,) = wire.seen["client"]
    assert isinstance(rejected, WsRejected)
    assert rejected.status == status
    assert rejected.body.startswith(body)
    assert wire.relay.finished


def test_a_client_that_leaves_before_or_while_waiting_ends_both_sides() -> None:
    wire = Wire()
    wire.relay.receive_eof(DOWN)  # before any request
    assert wire.relay.finished
    assert not wire.relay.wants_data(DOWN)
    wire = Wire()
    wire.connect()
    wire.relay.receive_eof(DOWN)
    assert wire.relay.closed(UP)
    assert wire.relay.finished


def test_a_client_that_never_asks_is_hung_up_on() -> None:
    wire = Wire()
    wire.relay.upstream_failed("no request")
    assert wire.relay.finished
    wire = Wire()
    wire.relay.close()
    assert wire.relay.finished


def test_a_failure_after_the_answer_changes_nothing_for_the_client() -> None:
    wire = Wire()
    wire.open()
    wire.relay.upstream_failed("too late")
    wire.pump()
    assert wire.relay.closed(UP)
    assert not wire.relay.closed(DOWN)


def test_max_buffered_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_buffered"):
        ProxyRelay(Endpoint.from_url(SERVICE, api_key=KEY), max_buffered=0)


# -- messages ---------------------------------------------------------------------------------


def test_messages_pass_verbatim_both_ways() -> None:
    wire = Wire()
    wire.open()
    odd = '{ "type" :"session.update",  "session":{"x": 1.50, "é": "\\u00e9"} }'
    wire.client.send_text(odd)
    wire.client.send_binary(b"\x00\x01binary")
    wire.server.send_text('{"type":"session.created" }')
    wire.server.send_binary(b"\xff")
    wire.pump()
    server_got = wire.seen["server"][1:]
    assert [type(e) for e in server_got] == [WsText, WsBinary]
    assert server_got[0].text == odd
    assert server_got[1].data == b"\x00\x01binary"
    client_got = wire.seen["client"][1:]
    assert client_got[0].text == '{"type":"session.created" }'
    assert client_got[1].data == b"\xff"


def test_pongs_are_not_relayed() -> None:
    wire = Wire()
    wire.open()
    wire.relay.receive_data(DOWN, b"\x8a\x80\x00\x00\x00\x00")  # an unasked, masked pong
    wire.pump()
    assert len(wire.seen["server"]) == 1


# -- closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("closer", ["client", "server"])
def test_a_close_is_relayed_with_its_code_and_reason(closer: str) -> None:
    wire = Wire()
    wire.open()
    first, second = (wire.client, "server") if closer == "client" else (wire.server, "client")
    first.close(4000, "bye now")
    wire.pump()
    closed = wire.seen[second][-1]
    assert isinstance(closed, WsClosed)
    assert (closed.code, closed.reason) == (4000, "bye now")
    assert wire.client.state is WsState.CLOSED
    assert wire.server.state is WsState.CLOSED
    assert wire.relay.finished
    assert not wire.relay.wants_data(DOWN)


def test_a_client_that_vanishes_closes_the_service_with_going_away() -> None:
    wire = Wire()
    wire.open()
    wire.relay.receive_eof(DOWN)
    wire.pump()
    closed = wire.seen["server"][-1]
    assert isinstance(closed, WsClosed)
    assert closed.code == 1001


def test_messages_after_a_close_are_not_relayed() -> None:
    wire = Wire()
    wire.open()
    wire.held.add(UP)  # the service has not seen the close yet
    wire.client.close(1000, "")
    wire.pump()
    wire.server.send_text('{"type":"late"}')
    wire.server.send_binary(b"late")
    wire.held.clear()
    wire.pump()
    assert not [e for e in wire.seen["client"] if isinstance(e, (WsText, WsBinary))]
    assert wire.relay.finished


def test_closing_the_relay_closes_both_sides_and_abort_ends_it() -> None:
    wire = Wire()
    wire.open()
    wire.relay.close()
    wire.pump()
    assert wire.seen["client"][-1].code == 1001
    assert wire.seen["server"][-1].code == 1001
    wire = Wire()
    wire.open()
    wire.client.send_text("{}")
    wire.relay.receive_data(DOWN, wire.client.data_to_send())
    wire.relay.abort("timeout")
    assert wire.relay.finished
    assert not wire.relay.buffered(UP)


# -- backpressure -----------------------------------------------------------------------------


def test_a_side_is_not_read_while_the_other_sides_output_is_over_the_bound() -> None:
    wire = Wire(max_buffered=1000)
    wire.open()
    wire.held.add(UP)
    for _ in range(3):
        wire.client.send_text("x" * 400)
        wire.pump()
    assert wire.relay.buffered(UP) >= 1000
    assert not wire.relay.wants_data(DOWN)
    assert wire.relay.wants_data(UP)
    taken = wire.relay.data_to_send(UP)
    assert not wire.relay.wants_data(DOWN)  # taken, not written yet
    wire.relay.data_sent(UP, len(taken))
    assert wire.relay.wants_data(DOWN)
    assert wire.relay.buffered(UP) == 0
    wire.server.receive_data(taken)
    wire.held.clear()
    wire.pump()
    assert [len(e.text) for e in wire.seen["server"][1:]] == [400] * 3


# -- recording --------------------------------------------------------------------------------


def test_the_service_side_is_recorded_with_the_credentials_redacted() -> None:
    wire = Wire()
    wire.open(headers=(("Authorization", f"Bearer {CLIENT_KEY}"),))
    wire.client.send_text('{"type":"session.update"}')
    wire.server.send_text('{"type":"error","error":{"message":"bad key ' + KEY + '"}}')
    wire.pump()
    wire.client.close(1000, "done")
    wire.pump()
    text = wire.cassette_text()
    assert KEY not in text
    assert CLIENT_KEY not in text
    cassette = read_cassette(io.BytesIO(text.encode()))
    assert cassette.header.url == SERVICE
    kinds = [(type(e), e.direction) for e in cassette.entries]
    assert kinds == [
        (HandshakeRequest, Direction.CLIENT),
        (HandshakeResponse, Direction.SERVER),
        (TextFrame, Direction.CLIENT),
        (TextFrame, Direction.SERVER),
        (CloseFrame, Direction.CLIENT),
        (CloseFrame, Direction.SERVER),
    ]
    request = cassette.entries[0]
    assert isinstance(request, HandshakeRequest)
    assert ("Authorization", "<redacted>") in request.headers
    assert "<redacted>" in cassette.entries[3].text
