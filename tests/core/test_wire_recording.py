"""Recording in the core: the WebSocket layer tells a wire tap of every frame in wire order
(the handshake as sent and read, messages and close frames both ways), the cassette recorder
turns what it is told into cassette lines stamped with the time it is handed, and a client
conversation records when its settings say so."""

from __future__ import annotations

import base64
import io
import json
import pathlib
import struct
from datetime import datetime, timezone
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto._websocket import WebSocketLayer, WsRejected
from realtime_proto._wire_tap import Headers, close_frame_fields, http_head
from realtime_proto.cassette import (
    CassetteHeader,
    CassetteRecorder,
    CloseFrame,
    Direction,
    HandshakeRequest,
    HandshakeResponse,
    TextFrame,
    read_cassette,
)
from realtime_proto.client import ClientSettings, ConversationClientBase, ServiceTarget
from tests.core.test_websocket import close_frame, events, frame, open_client, rejection, text
from tests.helpers import LOCAL_URL, drain, written

KEY = "sk-proj-RecordedKey0123456789"
STARTED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
MASK = b"\x01\x02\x03\x04"


class Tape:
    """A wire tap that keeps what it is told, as tuples."""

    def __init__(self) -> None:
        self.told: list[tuple[Any, ...]] = []

    def request(self, target: str, headers: Headers) -> None:
        self.told.append(("request", target, headers))

    def response(self, status: int, headers: Headers, body: str) -> None:
        self.told.append(("response", status, headers, body))

    def text(self, sender: rp.Role, text: str) -> None:
        self.told.append(("text", sender.value, text))

    def binary(self, sender: rp.Role, data: bytes) -> None:
        self.told.append(("binary", sender.value, data))

    def close(self, sender: rp.Role, code: int, reason: str) -> None:
        self.told.append(("close", sender.value, code, reason))


def tapped_client(tape: Tape) -> WebSocketLayer:
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits(), tape)
    client.start_handshake(host="h", target="/")
    client.data_to_send()
    return client


def opened(tape: Tape, server_tape: Tape | None = None) -> tuple[WebSocketLayer, WebSocketLayer]:
    """A tapped client layer past the handshake, and its server."""
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits(), tape)
    server = WebSocketLayer(rp.Role.SERVER, rp.Limits(), server_tape)
    client.start_handshake(host="example.test", target="/v1/realtime?model=m")
    server.receive_data(client.data_to_send())
    events(server)
    server.accept()
    client.receive_data(server.data_to_send())
    events(client)
    del tape.told[:2]  # the handshake: see its own test
    return client, server


# -- the readings of what is sent --------------------------------------------------------------


def test_an_http_head_is_read_with_the_names_as_written() -> None:
    head = b"GET /x?y=1 HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Spaced: \t a b \r\n\r\n"
    assert http_head(head) == (
        "GET /x?y=1 HTTP/1.1",
        (("Host", "h"), ("X-Empty", ""), ("X-Spaced", "a b")),
    )


@pytest.mark.parametrize("mask", [None, MASK])
def test_a_close_frame_is_read_masked_or_not(mask: bytes | None) -> None:
    payload = struct.pack("!H", 4001) + "bye ✓".encode()
    assert close_frame_fields(frame(0x8, payload, mask=mask)) == (4001, "bye ✓")
    assert close_frame_fields(frame(0x8, b"", mask=mask)) == (1005, "")


# -- the WebSocket layer tells the tap ----------------------------------------------------------


def test_the_handshake_is_told_as_sent_and_as_read() -> None:
    tape = Tape()
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits(), tape)
    server = WebSocketLayer(rp.Role.SERVER, rp.Limits())
    client.start_handshake(
        host="example.test",
        target="/v1/realtime?model=m",
        headers=[("Authorization", f"Bearer {KEY}")],
        subprotocols=["realtime"],
    )
    sent = client.data_to_send()
    ((kind, target, headers),) = tape.told
    assert (kind, target) == ("request", "/v1/realtime?model=m")
    assert [name for name, _ in headers] == [
        "Host",
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol",
        "Authorization",
    ]
    assert all(f"{name}: {value}".encode() in sent for name, value in headers)
    server.receive_data(sent)
    events(server)
    server.accept(subprotocol="realtime", headers=[("X-Request-Id", "req_1")])
    answer = server.data_to_send()
    client.receive_data(answer + text("hello"))
    kind, status, headers, body = tape.told[1]
    assert (kind, status, body) == ("response", 101, "")
    assert ("X-Request-Id", "req_1") in headers
    assert all(f"{name}: {value}".encode() in answer for name, value in headers)
    assert tape.told[2:] == [("text", "server", "hello")]


def test_a_rejection_is_told_with_its_body_read_in_pieces() -> None:
    tape = Tape()
    client = tapped_client(tape)
    data = rejection(401, f'{{"error": "bad key {KEY}", "note": "café"}}'.encode())
    head_end = data.index(b"\r\n\r\n") + 4
    for piece in (data[:10], data[10 : head_end + 3], data[head_end + 3 :]):
        client.receive_data(piece)
    assert isinstance(events(client)[0], WsRejected)
    assert tape.told[1] == (
        "response",
        401,
        (("content-type", "application/json"), ("content-length", str(len(data) - head_end))),
        f'{{"error": "bad key {KEY}", "note": "café"}}',
    )


def test_a_rejection_without_a_body() -> None:
    tape = Tape()
    client = tapped_client(tape)
    client.receive_data(b"HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n")
    assert tape.told[1] == ("response", 204, (("X-A", "b"),), "")


def test_messages_are_told_both_ways_in_wire_order() -> None:
    tape, server_tape = Tape(), Tape()
    client, server = opened(tape, server_tape)
    client.send_text("first")
    client.receive_data(text("fast"))  # a whole frame: the layer's own path
    client.receive_data(text("frag", fin=False) + frame(0x0, "ments ✓".encode()))  # wsproto's
    client.receive_data(frame(0x2, b"\x00\x01", fin=False) + frame(0x0, b"\x02"))
    client.receive_data(frame(0x9, b"ping") + frame(0xA, b"pong"))  # not told
    assert tape.told == [
        ("text", "client", "first"),
        ("text", "server", "fast"),
        ("text", "server", "fragments ✓"),
        ("binary", "server", b"\x00\x01\x02"),
    ]
    server.receive_data(client.data_to_send())  # masked frames: wsproto's path on a server
    server.send_binary(b"\xff")
    assert server_tape.told == [("text", "client", "first"), ("binary", "server", b"\xff")]


def test_our_close_and_the_reply_are_told() -> None:
    tape, server_tape = Tape(), Tape()
    client, server = opened(tape, server_tape)
    client.close(4000, "done")
    server.receive_data(client.data_to_send())
    client.receive_data(server.data_to_send())
    both = [("close", "client", 4000, "done"), ("close", "server", 4000, "done")]
    assert tape.told == both
    assert server_tape.told == both  # the server heard it, and replied (an unmasked frame)


@pytest.mark.parametrize(
    ("received", "code", "reason"),
    [(close_frame(4001, b"bye"), 4001, "bye"), (close_frame(None), 1005, "")],
    ids=["with-a-code", "without-a-code"],
)
def test_the_peer_close_and_our_reply_are_told(received: bytes, code: int, reason: str) -> None:
    tape = Tape()
    client, _ = opened(tape)
    client.receive_data(received)
    assert tape.told == [("close", "server", code, reason), ("close", "client", code, reason)]


@pytest.mark.parametrize(
    ("bad", "code"),
    [(text(b"\xff\xfe"), 1007), (frame(0x8, struct.pack("!H", 999)), 1002)],
    ids=["invalid-utf8", "invalid-close-code"],
)
def test_a_protocol_failure_tells_only_the_close_it_sends(bad: bytes, code: int) -> None:
    tape = Tape()
    client, _ = opened(tape)
    client.receive_data(bad)
    ((kind, sender, told_code, reason),) = tape.told
    assert (kind, sender, told_code) == ("close", "client", code)
    assert reason


def test_without_a_tap_nothing_is_told_and_nothing_changes() -> None:
    client, server = open_client()
    client.send_text("a")
    server.receive_data(client.data_to_send())
    client.receive_data(text("b") + close_frame(1000))
    assert [type(e).__name__ for e in events(client)] == ["WsText", "WsClosed"]


# -- the recorder -------------------------------------------------------------------------------


def recorder(**options: Any) -> CassetteRecorder:
    header = CassetteHeader(dialect=rp.Dialect.GA, url=LOCAL_URL, started_at=STARTED_AT)
    return CassetteRecorder(header, started=100.0, **options)


def test_the_recorder_hands_out_the_header_once_then_stamped_entries() -> None:
    rec = recorder()
    assert rec.header.started_at == "2025-06-01T12:00:00Z"
    assert rec.has_pending  # the header
    rec.request("/v1/realtime", (("Host", "h"),))
    first = rec.take(100.25)
    assert not rec.has_pending
    assert rec.take(101.0) == b""
    rec.text(rp.Role.SERVER, '{"type":"x"}')
    rec.binary(rp.Role.CLIENT, b"\x00")
    second = rec.take(100.1234567)  # earlier than the last take: never goes back
    rec.response(101, (), "")
    rec.close(rp.Role.CLIENT, 1000, "")
    third = rec.take(102.0000004)
    cassette = read_cassette(first + second + third)
    assert cassette.header == rec.header
    assert [(e.kind, e.at) for e in cassette.entries] == [
        ("request", 0.25),
        ("text", 1.0),
        ("binary", 1.0),
        ("response", 2.0),
        ("close", 2.0),
    ]
    assert first.count(b"\n") == 2


def test_a_recorder_for_an_endpoint_redacts_its_credentials_and_cuts_audio() -> None:
    endpoint = rp.Endpoint.openai(api_key=KEY, model="gpt-realtime")
    rec = CassetteRecorder.for_endpoint(
        endpoint, started=0.0, started_at="2025-06-01T12:00:00Z", max_audio_bytes=2
    )
    connection = rp.Connection.client(endpoint, wire_tap=rec)
    connection.data_to_send()
    rec.text(rp.Role.SERVER, json.dumps({"type": "error", "error": {"message": f"bad {KEY}"}}))
    rec.text(rp.Role.CLIENT, json.dumps({"type": "input_audio_buffer.append", "audio": "AAECAw=="}))
    data = rec.take(1.0)
    assert KEY.encode() not in data
    cassette = read_cassette(data)
    assert cassette.header.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    request, error, append = cassette.entries
    assert isinstance(request, HandshakeRequest)
    assert dict(request.headers)["Authorization"] == "<redacted>"
    assert "<redacted>" in error.text
    assert isinstance(append, TextFrame)
    assert append.truncated_from == 4


def test_a_recorded_connection_pair_gives_back_every_frame() -> None:
    endpoint = rp.Endpoint.from_url(LOCAL_URL, api_key=KEY)
    rec = CassetteRecorder.for_endpoint(endpoint, started=0.0, started_at=STARTED_AT)
    client = rp.Connection.client(endpoint, wire_tap=rec)
    server = rp.Connection.server()
    server.receive_data(client.data_to_send())
    drain(server)
    server.send(rp.AcceptConnection())
    server.send(rp.SessionCreated(session=rp.Session(id="s", model="m")))
    client.receive_data(server.data_to_send())
    received = drain(client)
    client.send(rp.SendText(text="hi"))
    server.receive_data(client.data_to_send())
    drain(server)
    server.send(rp.Close(code=1000))
    client.receive_data(server.data_to_send())
    received += drain(client)
    lines = rec.take(0.5)
    entries = read_cassette(lines).entries
    assert [type(e) for e in entries] == [
        HandshakeRequest,
        HandshakeResponse,
        TextFrame,
        TextFrame,
        CloseFrame,
        CloseFrame,
    ]
    assert entries[2].text == received[1].raw  # session.created, as the client got it
    assert entries[3].direction is Direction.CLIENT
    assert json.loads(entries[3].text)["type"] == "conversation.item.create"
    assert [(e.direction, e.code) for e in entries[4:]] == [
        (Direction.SERVER, 1000),
        (Direction.CLIENT, 1000),
    ]
    assert KEY.encode() not in lines


# -- a client conversation records when its settings say so ---------------------------------


def test_a_client_conversation_records_what_it_sends_and_receives() -> None:
    target = ServiceTarget.url(LOCAL_URL, api_key=KEY)
    settings = ClientSettings(target=target, record_to=io.BytesIO(), record_audio_bytes=0)
    conversation = settings.start(None, record_since=(50.0, STARTED_AT))
    assert conversation.recording
    assert conversation.has_recorded
    server = rp.Connection.server()
    server.receive_data(written(conversation))
    drain(server)
    server.send(rp.AcceptConnection())
    conversation.receive_data(server.data_to_send())
    conversation.send(rp.AppendAudio(audio=b"\x01\x00" * 8))
    data = conversation.take_recorded(50.5)
    assert not conversation.has_recorded
    assert conversation.take_recorded(51.0) == b""
    entries = read_cassette(data).entries
    assert [e.kind for e in entries] == ["request", "response", "text"]
    append = json.loads(entries[2].text)
    assert (append["audio"], entries[2].truncated_from) == ("", 16)
    assert base64.b64decode(append["audio"]) == b""


def test_a_conversation_not_recorded_hands_out_nothing() -> None:
    conversation = ClientSettings(target=ServiceTarget.url(LOCAL_URL)).start(None)
    assert not conversation.recording
    assert not conversation.has_recorded
    assert conversation.take_recorded(1.0) == b""


def test_a_recorded_conversation_needs_the_time_it_starts() -> None:
    settings = ClientSettings(target=ServiceTarget.url(LOCAL_URL), record_to="out.jsonl")
    with pytest.raises(rp.LocalProtocolError, match="record_since"):
        settings.start(None)


@pytest.mark.parametrize("record_to", ["x.jsonl", pathlib.Path("x.jsonl"), io.BytesIO()])
def test_where_to_record_is_a_path_or_a_binary_file(record_to: Any) -> None:
    client = ConversationClientBase(LOCAL_URL, record_to=record_to, record_audio_bytes=4800)
    assert client.settings.record_to is record_to
    assert client.settings.record_audio_bytes == 4800


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"record_to": ""}, ValueError, "empty path"),
        ({"record_to": io.StringIO()}, TypeError, "binary mode"),
        ({"record_to": 42}, TypeError, "not int"),
        ({"record_to": "x", "record_audio_bytes": -1}, ValueError, "non-negative"),
        ({"record_to": "x", "record_audio_bytes": True}, ValueError, "non-negative"),
        ({"record_to": "x", "record_audio_bytes": 1.5}, ValueError, "non-negative"),
        ({"record_audio_bytes": 10}, ValueError, "give record_to"),
    ],
)
def test_recording_options_are_checked_at_the_door(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        ConversationClientBase(LOCAL_URL, **options)
