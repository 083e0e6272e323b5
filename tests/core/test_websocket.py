"""The WebSocket layer: handshake, framing and close, fed bytes, checked by the events out.

Frames are written by hand here, so that every malformed shape can be built.
"""

from __future__ import annotations

import struct

import pytest

import realtime_proto as rp
from realtime_proto._websocket import (
    WebSocketLayer,
    WsAccepted,
    WsBinary,
    WsClosed,
    WsEvent,
    WsPong,
    WsRejected,
    WsRequest,
    WsState,
    WsText,
)

LIMITS = rp.Limits()


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    announced: int | None = None,
) -> bytes:
    """One frame; ``announced`` overrides the length written in the header."""
    length = len(payload) if announced is None else announced
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask is not None else 0
    if length < 126:
        header = bytes([first, mask_bit | length])
    elif length < 1 << 16:
        header = bytes([first, mask_bit | 126]) + struct.pack("!H", length)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack("!Q", length)
    if mask is not None:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        header += mask
    return header + payload


def text(payload: str | bytes, **kwargs: object) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return frame(0x1, data, **kwargs)  # type: ignore[arg-type]


def close_frame(code: int | None = 1000, reason: bytes = b"") -> bytes:
    return frame(0x8, b"" if code is None else struct.pack("!H", code) + reason)


def events(layer: WebSocketLayer) -> list[WsEvent]:
    out = []
    while (event := layer.next_event()) is not None:
        out.append(event)
    return out


def open_client(limits: rp.Limits = LIMITS) -> tuple[WebSocketLayer, WebSocketLayer]:
    """A client layer past the handshake, and the server layer that accepted it."""
    client = WebSocketLayer(rp.Role.CLIENT, limits)
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    client.start_handshake(host="example.test", target="/v1/realtime?model=m")
    server.receive_data(client.data_to_send())
    assert isinstance(events(server)[0], WsRequest)
    server.accept()
    client.receive_data(server.data_to_send())
    assert isinstance(events(client)[0], WsAccepted)
    return client, server


def closed(layer: WebSocketLayer) -> WsClosed:
    got = events(layer)
    assert got, "no event"
    assert isinstance(got[-1], WsClosed), got
    assert layer.state is WsState.CLOSED
    return got[-1]


# -- handshake -------------------------------------------------------------------------------


def test_client_request_carries_target_host_and_headers() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(
        host="api.example.test",
        target="/v1/realtime?model=gpt-realtime",
        headers=[("Authorization", "Bearer k"), ("OpenAI-Beta", "realtime=v1")],
    )
    request = client.data_to_send()
    assert request.startswith(b"GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\n")
    assert b"host: api.example.test\r\n" in request.lower()
    assert b"Authorization: Bearer k\r\n" in request
    assert b"permessage-deflate" not in request.lower()
    assert client.state is WsState.CONNECTING


def test_frames_in_the_same_read_as_the_101_are_kept() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    client.start_handshake(host="h", target="/")
    server.receive_data(client.data_to_send())
    request = events(server)[0]
    assert isinstance(request, WsRequest)
    assert request.target == "/"
    server.accept(headers=[("x-request-id", "r1")])
    server.send_text("one")
    server.send_text("two")
    client.receive_data(server.data_to_send())
    got = events(client)
    assert isinstance(got[0], WsAccepted)
    assert ("x-request-id", "r1") in got[0].headers
    assert got[1:] == [WsText(text="one"), WsText(text="two")]


def test_server_keeps_frames_that_arrive_before_it_accepts() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    client.start_handshake(host="h", target="/")
    request = client.data_to_send()
    early = text("early", mask=b"abcd")
    server.receive_data(request + early)
    assert [type(e) for e in events(server)] == [WsRequest]
    server.accept()
    assert events(server) == [WsText(text="early")]


def rejection(status: int, body: bytes, *, length: bool = True) -> bytes:
    head = f"HTTP/1.1 {status} Nope\r\ncontent-type: application/json\r\n"
    if length:
        head += f"content-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def test_rejection_with_a_json_body() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    body = b'{"error":{"code":"invalid_api_key","message":"Incorrect API key"}}'
    data = rejection(401, body)
    client.receive_data(data[:40])
    assert events(client) == []
    client.receive_data(data[40:])
    got = events(client)
    assert len(got) == 1
    rejected = got[0]
    assert isinstance(rejected, WsRejected)
    assert (rejected.status, rejected.body, rejected.body_truncated) == (401, body, False)
    assert ("content-type", "application/json") in rejected.headers
    assert client.state is WsState.CLOSED


def test_a_rejection_split_at_any_byte_reads_the_same() -> None:
    """Head and body in separate reads (a proxy, TLS records): the same status and body,
    including the split right after the head, which once read as the end of the input."""
    body = b'{"error":{"code":"rate_limit_exceeded"}}'
    data = rejection(429, body)
    for split in range(1, len(data)):
        client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
        client.start_handshake(host="h", target="/")
        client.receive_data(data[:split])
        first = events(client)
        client.receive_data(data[split:])
        [rejected] = first + events(client)
        assert isinstance(rejected, WsRejected), (split, rejected)
        assert (rejected.status, rejected.body) == (429, body), split


def test_rejection_body_is_capped_and_may_run_until_eof() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits(max_rejection_body=10))
    client.start_handshake(host="h", target="/")
    client.receive_data(rejection(503, b"x" * 100, length=False))
    assert events(client) == []
    client.receive_eof()
    [rejected] = events(client)
    assert isinstance(rejected, WsRejected)
    assert (rejected.status, rejected.body, rejected.body_truncated) == (503, b"x" * 10, True)


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    ],
    ids=["bad-accept", "no-upgrade", "not-http"],
)
def test_bad_handshake_responses_end_with_1002(response: bytes) -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    client.receive_data(response)
    event = closed(client)
    assert (event.code, event.initiator) == (1002, "error")
    assert "handshake" in event.reason


def test_endless_response_headers_are_bounded() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits(max_handshake_size=1024))
    client.start_handshake(host="h", target="/")
    client.receive_data(b"HTTP/1.1 101 Switching Protocols\r\n")
    for _ in range(100):
        client.receive_data(b"x-filler: " + b"a" * 50 + b"\r\n")
    event = closed(client)
    assert event.code == 1002
    assert "exceeds 1024 bytes" in event.reason


def test_too_many_header_lines() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    client.receive_data(b"HTTP/1.1 101 OK\r\n" + b"a: b\r\n" * 200 + b"\r\n")
    assert "header lines" in closed(client).reason


def test_eof_during_the_handshake() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    client.receive_data(b"HTTP/1.1 101 Swi")
    client.receive_eof()
    event = closed(client)
    assert (event.code, event.initiator) == (1006, "error")


def test_server_answers_a_non_websocket_request_with_400() -> None:
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    server.receive_data(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    event = closed(server)
    assert event.code == 1002
    assert server.data_to_send().startswith(b"HTTP/1.1 400 ")


def test_server_rejects_with_status_and_body() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    client.start_handshake(host="h", target="/")
    server.receive_data(client.data_to_send())
    events(server)
    with pytest.raises(rp.LocalProtocolError, match="4xx or 5xx"):
        server.reject(status=200)
    server.reject(status=403, body=b"forbidden")
    client.receive_data(server.data_to_send())
    [rejected] = events(client)
    assert isinstance(rejected, WsRejected)
    assert (rejected.status, rejected.body) == (403, b"forbidden")
    with pytest.raises(rp.LocalProtocolError):
        server.accept()


def test_misuse_raises_local_errors() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    with pytest.raises(rp.LocalProtocolError):
        client.send_text("too early")
    with pytest.raises(rp.LocalProtocolError):
        client.accept()
    with pytest.raises(rp.LocalProtocolError):
        client.send_ping()
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    with pytest.raises(rp.LocalProtocolError):
        server.start_handshake(host="h", target="/")
    with pytest.raises(rp.LocalProtocolError):
        server.accept()
    with pytest.raises(rp.LocalProtocolError, match="latin-1"):
        client.start_handshake(host="h", target="/", headers=[("x", "\u20ac")])


# -- messages --------------------------------------------------------------------------------


def test_fragmented_message_with_a_ping_between_and_a_split_code_point() -> None:
    client, _ = open_client()
    euro = "€".encode()  # three bytes, split across fragments
    data = (
        text(b"ab" + euro[:1], fin=False)
        + frame(0x0, b"", fin=False)
        + frame(0x9, b"hi")
        + frame(0x0, euro[1:] + b"cd", fin=True)
    )
    client.receive_data(data)
    assert events(client) == [WsText(text="ab€cd")]
    pong = client.data_to_send()
    assert pong[0] == 0x8A  # FIN + PONG, sent while the message was still incomplete


def test_ping_is_answered_at_once_even_mid_message() -> None:
    client, server = open_client()
    client.receive_data(text("part", fin=False) + frame(0x9, b"ping!"))
    assert events(client) == []
    pong = client.data_to_send()
    server.receive_data(pong)
    assert events(server) == [WsPong(payload=b"ping!")]


def test_binary_message_is_reported_whole() -> None:
    client, _ = open_client()
    client.receive_data(frame(0x2, b"\x00" * 300, fin=False) + frame(0x0, b"\x01" * 5))
    client.receive_data(text("after"))
    assert events(client) == [
        WsBinary(size=305, data=b"\x00" * 300 + b"\x01" * 5),
        WsText(text="after"),
    ]


def test_byte_at_a_time_equals_whole() -> None:
    data = (
        text("first")
        + text("x" * 70_000)
        + text(b"fr", fin=False)
        + frame(0x9, b"p")
        + frame(0x0, b"ag")
        + frame(0x2, b"bin")
        + close_frame(1001, b"bye")
    )
    whole, _ = open_client()
    whole.receive_data(data)
    expected = events(whole)
    single, _ = open_client()
    got: list[WsEvent] = []
    for index in range(len(data)):
        single.receive_data(data[index : index + 1])
        got += events(single)
    assert got == expected
    assert expected[-1] == WsClosed(code=1001, reason="bye", initiator="remote")


# -- fatal input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (text("x", rsv=1), 1002),
        (text("x", rsv=4), 1002),
        (frame(0x3, b"x"), 1002),
        (frame(0xB, b"x"), 1002),
        (text("masked", mask=b"\x01\x02\x03\x04"), 1002),
        (frame(0x9, b"x", fin=False), 1002),
        (frame(0x9, b"x" * 126), 1002),
        (frame(0x0, b"orphan"), 1002),
        (text(b"\xff\xfe"), 1007),
        (text(b"\xed\xa0\x80"), 1007),  # a UTF-16 surrogate encoded in UTF-8
        (text(b"ok", fin=False) + frame(0x0, b"\xc3\x28"), 1007),
        (text(b"ok", fin=False) + text(b"new"), 1002),
    ],
    ids=[
        "rsv1", "rsv3", "opcode-3", "opcode-b", "masked-server-frame", "fragmented-ping",
        "oversize-ping", "continuation-of-nothing", "invalid-utf8", "surrogate-utf8",
        "invalid-utf8-in-later-fragment", "new-message-inside-fragmented",
    ],
)  # fmt: skip
def test_framing_errors_close_with_the_right_code(bad: bytes, code: int) -> None:
    client, server = open_client()
    client.receive_data(text("before") + bad + text("after"))
    got = events(client)
    assert got[0] == WsText(text="before")
    assert isinstance(got[-1], WsClosed)
    assert (got[-1].code, got[-1].initiator) == (code, "error")
    assert len(got) == 2, "nothing after the fault is delivered"
    server.receive_data(client.data_to_send())
    [reply] = events(server)
    assert isinstance(reply, WsClosed)
    assert reply.code == code  # the close frame went out with that code


def test_oversize_single_frame_fails_before_it_arrives_whole() -> None:
    client, _ = open_client(rp.Limits(max_message_size=1000))
    client.receive_data(text("ok") + frame(0x1, b"a" * 600, announced=2**63 - 1))
    assert events(client)[0] == WsText(text="ok")
    client.receive_data(b"a" * 600)
    event = closed(client)
    assert (event.code, event.initiator) == (1009, "error")


def test_endless_continuation_stream_is_cut_at_the_limit() -> None:
    client, _ = open_client(rp.Limits(max_message_size=1000))
    client.receive_data(text("a" * 100, fin=False))
    for _ in range(9):
        client.receive_data(frame(0x0, b"a" * 100, fin=False))
        assert events(client) == []
    client.receive_data(frame(0x0, b"a" * 100, fin=False))
    assert closed(client).code == 1009


def test_oversize_whole_frame_and_binary() -> None:
    client, _ = open_client(rp.Limits(max_message_size=10))
    client.receive_data(text("x" * 11))
    assert closed(client).code == 1009
    other, _ = open_client(rp.Limits(max_message_size=10))
    other.receive_data(frame(0x2, b"x" * 11))
    assert closed(other).code == 1009


# -- closing ---------------------------------------------------------------------------------


def test_peer_close_is_answered_and_echoes_the_code() -> None:
    client, server = open_client()
    client.receive_data(close_frame(4000, b"custom"))
    assert closed(client) == WsClosed(code=4000, reason="custom", initiator="remote")
    server.receive_data(client.data_to_send())
    # RFC 6455 5.5.1: the reply echoes the status code
    assert events(server) == [WsClosed(code=4000, reason="custom", initiator="remote")]


def test_our_close_and_the_peer_reply() -> None:
    client, server = open_client()
    client.close(1000, "done")
    client.close()  # no-op
    assert client.state is WsState.LOCAL_CLOSING
    server.receive_data(client.data_to_send())
    assert events(server) == [WsClosed(code=1000, reason="done", initiator="remote")]
    client.receive_data(server.data_to_send())
    assert events(client) == [WsClosed(code=1000, reason="done", initiator="local")]


def test_messages_received_while_closing_are_still_delivered() -> None:
    client, _ = open_client()
    client.close()
    client.receive_data(text("late") + close_frame(1000))
    assert events(client) == [
        WsText(text="late"),
        WsClosed(code=1000, reason="", initiator="local"),
    ]


def test_close_without_a_code_is_1005() -> None:
    client, _ = open_client()
    client.receive_data(close_frame(None))
    assert closed(client).code == 1005


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\x03", 1002),
        *[(struct.pack("!H", c), 1002) for c in (0, 999, 1004, 1005, 1006, 1015, 2999, 5000)],
        (struct.pack("!H", 65535), 1002),
        (struct.pack("!H", 1000) + b"\xff", 1007),
    ],
)
def test_invalid_close_payloads(payload: bytes, code: int) -> None:
    client, _ = open_client()
    client.receive_data(frame(0x8, payload))
    event = closed(client)
    assert (event.code, event.initiator) == (code, "error")


@pytest.mark.parametrize("code", [3000, 4999])
def test_application_close_codes_are_surfaced_verbatim(code: int) -> None:
    client, _ = open_client()
    client.receive_data(close_frame(code, b"r" * 120))
    assert closed(client) == WsClosed(code=code, reason="r" * 120, initiator="remote")


def test_eof_mid_frame_is_truncated_and_idle_eof_is_not() -> None:
    client, _ = open_client()
    client.receive_data(text("whole") + text("cut short")[:5])
    client.receive_eof()
    got = events(client)
    assert got == [
        WsText(text="whole"),
        WsClosed(
            code=1006,
            reason="the connection closed without a closing handshake",
            initiator="error",
            truncated=True,
        ),
    ]
    idle, _ = open_client()
    idle.receive_eof()
    event = closed(idle)
    assert (event.code, event.truncated) == (1006, False)


def test_after_the_end_nothing_more_happens() -> None:
    client, _ = open_client()
    client.receive_data(close_frame(1000))
    closed(client)
    client.receive_data(text("ignored") + close_frame(1000))
    client.receive_eof()
    assert events(client) == []
    with pytest.raises(rp.LocalProtocolError):
        client.send_text("no")
    with pytest.raises(rp.LocalProtocolError):
        client.send_ping()
    client.close()  # no-op


def test_abort_ends_the_connection() -> None:
    client, _ = open_client()
    event = client.abort(1011, "keepalive ping timed out")
    assert event == WsClosed(code=1011, reason="keepalive ping timed out", initiator="error")
    assert client.state is WsState.CLOSED
    assert events(client) == []


def test_pending_output_is_bounded() -> None:
    limited, _ = open_client(rp.Limits(max_pending_output=1000))
    limited.send_text("x" * 500)
    with pytest.raises(rp.LimitExceeded):
        limited.send_text("x" * 600)
    assert len(limited.data_to_send()) < 1000
    limited.send_text("x" * 600)  # fits again once written


# -- guards: no wsproto exception ever escapes ---------------------------------------------------


def test_a_send_wsproto_refuses_is_a_local_protocol_error() -> None:
    from wsproto import events as wsevents

    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    with pytest.raises(rp.LocalProtocolError, match="cannot send now"):
        client._wsproto_send(wsevents.TextMessage(data="too early"))


def test_bytes_after_wsproto_closed_are_ignored() -> None:
    client, _server = open_client()
    client.receive_data(close_frame(1000))
    events(client)
    client._feed_wsproto(b"\x81\x00")  # wsproto is closed: nothing more to read
    assert events(client) == []


def test_a_server_gets_early_frames_in_a_later_read() -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    server = WebSocketLayer(rp.Role.SERVER, LIMITS)
    client.start_handshake(host="h", target="/")
    server.receive_data(client.data_to_send())
    assert isinstance(events(server)[0], WsRequest)
    server.receive_data(text("early", mask=b"abcd"))  # before the accept: kept for later
    server.accept()
    assert [e.text for e in events(server) if isinstance(e, WsText)] == ["early"]


@pytest.mark.parametrize(("head", "status"), [(b"103 Early Hints", 103), (b"204 No Content", 204)])
def test_rejections_without_a_body(head: bytes, status: int) -> None:
    client = WebSocketLayer(rp.Role.CLIENT, LIMITS)
    client.start_handshake(host="h", target="/")
    client.data_to_send()
    client.receive_data(b"HTTP/1.1 " + head + b"\r\n\r\n")  # an informational answer: no body
    (rejected,) = events(client)
    assert isinstance(rejected, WsRejected)
    assert (rejected.status, rejected.body) == (status, b"")
