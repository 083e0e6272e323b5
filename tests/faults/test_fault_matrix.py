"""The fault matrix: one test per case, named after its id. Cases about bytes run against the
core in memory; cases about the network run over real sockets on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import logging
import struct
import threading
import time
from typing import Any

import pytest
import realtime_blocking

import realtime_proto as rp
from realtime_proto.client import ClientSettings, ServiceTarget
from tests.core.test_websocket import close_frame, frame, text
from tests.helpers import ConnectionPair, drain, messages, response_events, split_at, written
from tests.transports import scenarios
from tests.transports.server import Peer, TestServer

KEY = "sk-proj-FAULTMATRIXSECRET0123456789"
QUICK_CLOSE = rp.Timeouts(close_timeout=0.2)  # for servers that never answer the close


def client() -> ConnectionPair:
    return ConnectionPair()


def feed(pair: ConnectionPair, data: bytes) -> list[Any]:
    pair.client.receive_data(data)
    return drain(pair.client)


def wire(event: dict[str, Any]) -> bytes:
    return text(json.dumps(event))


def delta(text_piece: str, response_id: str = "resp_1", item_id: str = "item_a1") -> bytes:
    return wire(
        {
            "type": "response.output_text.delta",
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 0,
            "content_index": 0,
            "delta": text_piece,
        }
    )


def sent_close_code(pair: ConnectionPair) -> int | None:
    """The code of the close frame the client wrote (client frames are masked)."""
    data = pair.client.data_to_send()
    if len(data) < 2 or data[0] & 0x0F != 0x8:
        return None
    length = data[1] & 0x7F
    mask, payload = data[2:6], data[6 : 6 + length]
    unmasked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.unpack("!H", unmasked[:2])[0] if len(unmasked) >= 2 else 1005


def a_session() -> bytes:
    """The server bytes of a session: created, a response with text, audio and a tool call."""
    pair = client()
    pair.server.send(rp.SessionCreated(session=rp.Session(id="s", model="m")))
    for event in response_events(
        text_deltas=("Hel", "lo"),
        audio_deltas=(b"\x01\x02" * 50, b"\x03\x04" * 50),
        transcript_deltas=("Hel", "lo"),
        tool_calls=[("call_1", "f", ('{"a"', ":1}"))],
    ):
        pair.server.send(event)
    pair.server.send(rp.Close(code=1000))
    return pair.server.data_to_send()


# -- bytes ---------------------------------------------------------------------------------------


def test_fault_01_byte_at_a_time_equals_one_shot() -> None:
    data = a_session()
    whole = feed(client(), data)
    pair = client()
    one_by_one: list[Any] = []
    for index in range(len(data)):
        one_by_one += feed(pair, data[index : index + 1])
    assert one_by_one == whole
    assert [e.raw for e in one_by_one] == [e.raw for e in whole]
    for cuts in ([7], [100, 2000, 2001], list(range(0, len(data), 97))):
        pair = client()
        pieces = [e for piece in split_at(data, cuts) for e in feed(pair, piece)]
        assert pieces == whole
    assert isinstance(whole[-1], rp.ConnectionClosed)


def test_fault_02_fragmented_message_with_ping_and_split_code_point() -> None:
    pair = client()
    message = json.dumps({"type": "x.y", "note": "é€😀"}, ensure_ascii=False).encode()
    cut = message.index("€".encode()) + 1  # inside a code point
    got = feed(pair, text(message[:cut], fin=False))
    got += feed(pair, frame(0x0, b"", fin=False))  # an empty fragment
    got += feed(pair, frame(0x9, b"ping!"))  # a ping in between
    pong = pair.client.data_to_send()
    assert pong[0] == 0x8A  # answered at once, mid-message
    got += feed(pair, frame(0x0, message[cut:]))
    (event,) = got
    assert isinstance(event, rp.UnknownEvent)
    assert event.payload["note"] == "é€😀"


def test_fault_03_invalid_utf8_closes_1007_after_earlier_events() -> None:
    pair = client()
    got = feed(pair, delta("ok") + text(b'{"type":"x","a":"\xff"}'))
    assert isinstance(got[0], rp.TextDelta)
    assert got[-1].code == 1007
    assert sent_close_code(pair) == 1007
    pair = client()
    got = feed(pair, text(b'{"type":"x.y","a":"', fin=False) + frame(0x0, b'\xc3\x28"}'))
    assert got[-1].code == 1007  # invalid in a later fragment


@pytest.mark.parametrize(
    "bad",
    [
        frame(0x1, b"{}", rsv=4),
        frame(0x3),  # reserved opcode
        frame(0x1, b'{"type":"x"}', mask=b"abcd"),  # a masked server frame
        frame(0x9, b"p", fin=False),  # an unfinished control frame
        frame(0x9, b"x" * 126),  # oversize control frame
        frame(0x0, b"dangling"),  # a continuation with nothing to continue
    ],
    ids=["rsv", "opcode", "masked", "unfinished-control", "oversize-control", "continuation"],
)
def test_fault_04_framing_violations_close_1002(bad: bytes) -> None:
    pair = client()
    got = feed(pair, delta("kept") + bad)
    assert isinstance(got[0], rp.TextDelta)
    assert isinstance(got[-1], rp.ConnectionClosed)
    assert got[-1].code == 1002
    assert sent_close_code(pair) == 1002


def test_fault_05_oversize_messages_close_1009_without_allocating() -> None:
    limits = rp.Limits(max_message_size=1024)
    pair = ConnectionPair(limits=limits)
    # announced: 8 EiB; nothing of that size is allocated, and the limit cuts it at once
    got = feed(pair, frame(0x1, b"a" * 600, announced=2**63 - 1))
    got += feed(pair, b"a" * 600)
    assert got[-1].code == 1009
    pair = ConnectionPair(limits=limits)
    got = feed(pair, text(b"x" * 600, fin=False))
    got += feed(pair, frame(0x0, b"x" * 600, fin=False))  # running total past the limit
    assert got[-1].code == 1009


def test_fault_06_no_compression_is_offered() -> None:
    pair = ConnectionPair(open_now=False)
    request = pair.client.data_to_send().lower()
    assert b"sec-websocket-extensions" not in request


def test_fault_07_binary_frame_is_a_typed_event_and_the_session_goes_on() -> None:
    pair = client()
    got = feed(pair, frame(0x2, b"\x00" * 5000) + delta("after"))
    binary, after = got
    assert isinstance(binary, rp.UnexpectedBinaryMessage)
    assert binary.size == 5000
    assert "\\x00" not in repr(binary)
    assert isinstance(after, rp.TextDelta)


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 503, 301])
def test_fault_08_handshake_rejections_are_typed_without_the_key(status: int) -> None:
    target = ServiceTarget.url("ws://127.0.0.1:1/v1/realtime", api_key=KEY)
    client_side = ClientSettings(target=target).start(None)
    assert written(client_side).startswith(b"GET ")  # the upgrade request
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY[:8]}***"}})
    extra = "Location: wss://elsewhere.example/\r\n" if status == 301 else ""
    response = (
        f"HTTP/1.1 {status} Nope\r\nx-request-id: req_1\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    client_side.receive_data(response)
    (rejected,) = messages(client_side)
    assert isinstance(rejected, rp.HandshakeRejected)
    error = client_side.error
    assert isinstance(error, rp.HandshakeError)
    assert error.status_code == status
    assert ("x-request-id", "req_1") in [(k.lower(), v) for k, v in error.headers]
    assert KEY[:8] not in str(error)
    assert written(client_side) == b""  # a redirect is not followed


def test_fault_09_endless_handshake_headers_are_bounded() -> None:
    pair = ConnectionPair(open_now=False, limits=rp.Limits(max_handshake_size=16 * 1024))
    pair.client.data_to_send()
    head = b"HTTP/1.1 101 Switching Protocols\r\n" + b"X-Pad: " + b"a" * 20_000
    got = feed(pair, head)
    assert isinstance(got[-1], rp.ConnectionClosed)
    assert got[-1].code == 1002


def test_fault_10_error_then_close_in_the_same_read() -> None:
    pair = client()
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "code": "invalid_api_key", "message": "bad"},
    }
    got = feed(pair, wire(error) + close_frame(4000, b"auth"))
    server_error, closed = got
    assert isinstance(server_error, rp.ServerError)
    assert server_error.code == "invalid_api_key"
    assert isinstance(closed, rp.ConnectionClosed)
    assert (closed.code, closed.reason) == (4000, "auth")


@pytest.mark.parametrize("code", [1000, 1001])
def test_fault_11_close_while_streaming_keeps_the_partial_turn(code: int) -> None:
    pair = client()
    started = response_events(text_deltas=("par", "tial"))[:6]
    pair.serve(started)
    got = feed(pair, close_frame(code, b"session expired"))
    finished, closed = got
    assert isinstance(finished, rp.TurnFinished)
    assert (finished.turn.text, finished.finish_reason) == ("partial", "interrupted")
    assert (closed.code, closed.reason) == (code, "session expired")
    assert sent_close_code(pair) == code  # the client replied


def test_fault_12_eof_mid_message_is_1006_truncated() -> None:
    pair = client()
    got = feed(pair, delta("whole") + text(b'{"type":"x"}')[:5])
    pair.client.receive_eof()
    got += drain(pair.client)
    assert isinstance(got[0], rp.TextDelta)
    assert (got[-1].code, got[-1].truncated) == (1006, True)
    idle = client()
    idle.client.receive_eof()
    (closed,) = drain(idle.client)
    assert (closed.code, closed.truncated) == (1006, False)


def test_fault_13_unanswered_close_ends_at_the_close_timeout() -> None:
    pair = ConnectionPair(timeouts=rp.Timeouts(close_timeout=2.0, keepalive_interval=None))
    pair.client.send(rp.Close())
    pair.client.handle_timer(100.0)
    assert pair.client.next_deadline() == 102.0
    pair.client.handle_timer(101.9)
    assert drain(pair.client) == []
    pair.client.handle_timer(102.0)
    (closed,) = drain(pair.client)
    assert (closed.code, closed.initiator) == (1006, "error")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\x03", 1002),
        *[(struct.pack("!H", c), 1002) for c in (0, 999, 1004, 1005, 1006, 1015, 2999, 5000)],
        (struct.pack("!H", 65535), 1002),
        (struct.pack("!H", 1000) + b"r" * 124, 1002),  # a 126-byte control frame
        (struct.pack("!H", 1000) + b"\xff", 1007),
    ],
)
def test_fault_14_bad_close_payloads(payload: bytes, code: int) -> None:
    pair = client()
    got = feed(pair, frame(0x8, payload))
    assert got[-1].code == code


@pytest.mark.parametrize("code", [3000, 4000, 4999])
def test_fault_14_application_codes_are_verbatim(code: int) -> None:
    (closed,) = feed(client(), close_frame(code, b"app"))
    assert (closed.code, closed.reason) == (code, "app")


def test_fault_15_after_the_close_frames_are_ignored_and_sends_are_typed() -> None:
    pair = client()
    got = feed(pair, close_frame(1000) + delta("late") + close_frame(1000))
    assert [type(e) for e in got] == [rp.ConnectionClosed]
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.SendText(text="too late"))
    pair.client.receive_data(delta("later"))
    with pytest.raises(rp.LocalProtocolError):
        pair.client.next_event()  # the final event was delivered: nothing follows


@pytest.mark.parametrize(
    "bad",
    [
        '{"type": "x.y"',
        '{"type": "x.y"} trailing',
        '{"type": "x.y", "n": NaN}',
        '{"type": "x.y", "n": Infinity}',
        '\ufeff{"type": "x.y"}',
        '{"type": "x.y", "s": "\\ud800"}',
        "[" * 1000 + "]" * 1000,
    ],
    ids=["truncated", "trailing", "nan", "infinity", "bom", "lone-surrogate", "deep"],
)
def test_fault_16_malformed_json_is_an_event_and_the_session_goes_on(bad: str) -> None:
    got = feed(client(), text(bad) + delta("next"))
    invalid, following = got
    assert isinstance(invalid, rp.InvalidMessage)
    assert len(invalid.raw) <= 203
    assert isinstance(following, rp.TextDelta)


@pytest.mark.parametrize(
    "message", ["null", "[]", "42", '"x"', "{}", '{"type": 5}', '{"type": ""}']
)
def test_fault_17_not_an_object_or_no_discriminator(message: str) -> None:
    (invalid,) = feed(client(), text(message))
    assert isinstance(invalid, rp.InvalidMessage)


def test_fault_18_unknown_types_and_extra_fields() -> None:
    future = {"type": "output_audio_buffer.future_thing", "x": 1}
    extra = {
        "type": "response.output_text.delta",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "delta": "hi",
        "voice_live_extension": {"a": 1},
    }
    unknown, known = feed(client(), wire(future) + wire(extra))
    assert isinstance(unknown, rp.UnknownEvent)
    assert unknown.kind is rp.MessageKind.OTHER
    assert json.loads(unknown.raw) == future
    assert isinstance(known, rp.TextDelta)
    assert "voice_live_extension" in known.raw


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.done", "response": None},
        {"type": "response.output_text.delta", "response_id": "r", "item_id": "i",
         "output_index": 0, "content_index": 0, "delta": 123},
        {"type": "response.output_text.delta", "response_id": "r", "output_index": 0,
         "content_index": 0, "delta": "no item id"},
        {"type": "conversation.item.added", "item": "nope"},
    ],
)  # fmt: skip
def test_fault_19_wrong_typed_fields(event: dict[str, Any]) -> None:
    pair = client()
    got = feed(pair, wire(event) + delta("fine"))
    assert isinstance(got[0], rp.InvalidMessage)
    assert got[0].event_type == event["type"]
    assert isinstance(got[1], rp.TextDelta)


def test_fault_20_bad_base64_names_the_item_and_the_good_audio_stays() -> None:
    pair = client()
    events = response_events(audio_deltas=(b"\x01\x02",), transcript_deltas=("a", "b"))
    pair.serve(events[:5])  # started, item, part, first transcript, good audio
    bad = {
        "type": "response.output_audio.delta",
        "response_id": "resp_1",
        "item_id": "item_a1",
        "output_index": 0,
        "content_index": 0,
        "delta": "@@not base64@@",
    }
    (invalid,) = feed(pair, wire(bad))
    assert isinstance(invalid, rp.InvalidMessage)
    assert (invalid.item_id, invalid.response_id) == ("item_a1", "resp_1")
    done = pair.serve(events[5:])
    turn = done[-1].turn
    assert (turn.audio, turn.audio_transcript) == (b"\x01\x02", "ab")


def test_fault_21_orphan_and_late_deltas() -> None:
    pair = client()
    got = feed(pair, delta("before created", response_id="resp_9", item_id="item_9"))
    assert isinstance(got[0], rp.TextDelta)  # delivered, and accumulated under its own id
    pair.serve(response_events(text_deltas=("done",)))
    late = feed(pair, delta("after done"))
    assert isinstance(late[0], rp.TextDelta)
    assert pair.client.last_turn is not None
    assert pair.client.last_turn.text == "done"  # a late delta does not change a finished turn
    transcript = {
        "type": "conversation.item.input_audio_transcription.completed",
        "item_id": "item_u7",
        "content_index": 0,
        "transcript": "late words",
    }
    feed(pair, wire(transcript))
    assert pair.client.input_transcripts["item_u7"] == "late words"


def test_fault_22_error_with_odd_fields_is_correlated() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.DEFER)
    pair.client.send(rp.CreateResponse(event_id="mine"))
    pair.pump()
    error = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": {"nested": True}, "code": None,
                  "event_id": "mine"},
    }  # fmt: skip
    (server_error,) = feed(pair, wire(error))
    assert isinstance(server_error, rp.ServerError)
    assert server_error.error.event_id == "mine"
    assert isinstance(server_error.error.message, str)
    assert pair.client.response_state is rp.ResponseState.IDLE  # the request was refused
    assert pair.client.state is rp.ConnectionState.OPEN


@pytest.mark.parametrize("status", ["failed", "cancelled", "incomplete"])
@pytest.mark.parametrize("details", [True, False])
def test_fault_23_unsuccessful_responses_end_the_turn(status: str, details: bool) -> None:
    pair = client()
    events = response_events(
        text_deltas=("a",), status=status, reason="max_output_tokens" if details else None
    )
    finished = pair.serve(events)[-1]
    assert finished.turn.status == status
    assert finished.finish_reason == ("max_output_tokens" if details else status)
    assert pair.client.response_state is rp.ResponseState.IDLE


@pytest.mark.parametrize(
    "code",
    ["conversation_already_has_active_response", "response_cancel_not_active", "invalid_value"],
)
def test_fault_24_refusals_are_not_fatal(code: int) -> None:
    pair = client()
    error = {"type": "error", "error": {"type": "invalid_request_error", "code": code,
                                        "message": "no"}}  # fmt: skip
    got = feed(pair, wire(error) + delta("still here"))
    assert isinstance(got[0], rp.ServerError)
    assert isinstance(got[1], rp.TextDelta)
    assert pair.client.state is rp.ConnectionState.OPEN


def test_fault_25_replayed_done_events_are_idempotent() -> None:
    pair = client()
    events = response_events(text_deltas=("once",))
    first = pair.serve(events)
    again = pair.serve(events[-2:])  # output_item.done and response.done once more
    assert first[-1].turn.text == "once"
    assert again[-1].turn is None  # not finished twice
    assert pair.client.last_turn.text == "once"


def test_fault_26_many_tiny_deltas_take_linear_time() -> None:
    def run(count: int) -> float:
        pair = client()
        pair.serve(response_events(text_deltas=())[:1])
        data = b"".join(delta("x") for _ in range(count))
        started = time.perf_counter()
        feed(pair, data)
        pair.serve(response_events()[-1:])
        assert pair.client.last_turn.text == "x" * count
        return time.perf_counter() - started

    small, large = run(10_000), run(100_000)
    assert large < small * 25  # ten times the work: nowhere near a hundred times the time


def test_fault_27_pings_are_answered_while_the_application_reads_nothing() -> None:
    answered = threading.Event()

    def handler_with_pongs(peer: Peer) -> None:
        peer.accept()
        raw = peer.sock
        for n in range(5):
            raw.sendall(frame(0x9, f"ping{n}".encode()))
        raw.settimeout(5)
        seen = b""
        while seen.count(b"\x8a") < 5 and len(seen) < 4096:
            chunk = raw.recv(4096)
            if not chunk:
                return
            seen += chunk
        answered.set()
        scenarios.ignore_everything(peer)

    with TestServer(handler_with_pongs) as server:
        client_ = realtime_blocking.ConversationClient(server.url, timeouts=QUICK_CLOSE)
        with client_.start_conversation():
            assert answered.wait(5)  # the application never called receive


def test_fault_27_the_inbound_queue_is_bounded() -> None:
    burst = 20_000  # about 2.6 MB: far more than one read

    def handler(peer: Peer) -> None:
        peer.accept()
        for n in range(burst):
            peer.send(rp.TextDelta(response_id="r", item_id="i", output_index=0,
                                   content_index=0, text=f"{n} "))  # fmt: skip
        scenarios.ignore_everything(peer)

    with TestServer(handler) as server:
        client_ = realtime_blocking.ConversationClient(
            server.url, max_queued_messages=50, timeouts=QUICK_CLOSE
        )
        with client_.start_conversation() as conversation:
            time.sleep(0.3)
            assert conversation._pump is not None
            queued = conversation._pump.core.queued_messages
            assert queued < 4_000  # the bound plus at most one read's messages: reading stopped
            texts: list[str | None] = []
            while len(texts) < burst:
                message = conversation.receive(timeout=5)
                if isinstance(message, rp.TextDelta):
                    texts.append(message.text)
            assert texts == [f"{n} " for n in range(burst)]  # nothing lost


def _send_until_it_fails(conversation: realtime_blocking.Conversation) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        conversation.send_audio(b"\x00" * 1000)
        time.sleep(0.01)


def test_fault_28_a_failed_write_marks_the_connection_broken() -> None:
    with TestServer(scenarios.AudioSink()) as server:
        client_ = realtime_blocking.ConversationClient(server.url)
        with client_.start_conversation() as conversation:
            assert conversation._pump is not None
            conversation._pump.channel._sock.close()  # the socket dies under us
            with pytest.raises(rp.ConnectionClosedError):  # the writer's failure, at the latest
                _send_until_it_fails(conversation)  # on the next send after it
            with pytest.raises(rp.ConnectionClosedError):
                conversation.send_text("and again")


def test_fault_29_concurrent_senders_write_each_command_once_whole() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client_ = realtime_blocking.ConversationClient(server.url)
        with client_.start_conversation() as conversation:
            threads = [
                threading.Thread(target=conversation.send_audio, args=(bytes([n]) * 30_000,))
                for n in range(8)
            ] + [
                threading.Thread(target=conversation.send_tool_response, args=(f"c{n}", "{}"))
                for n in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
        assert sink.closed.wait(5)
    appends = sorted(c.audio for c in sink.commands if isinstance(c, rp.AppendAudio))
    assert appends == sorted(bytes([n]) * 30_000 for n in range(8))
    outputs = sorted(c.tool_call_id for c in sink.commands if isinstance(c, rp.SendToolResponse))
    assert outputs == [f"c{n}" for n in range(8)]


def test_fault_30_a_new_conversation_starts_clean() -> None:
    served = []

    def handler(peer: Peer) -> None:
        peer.accept()
        served.append(peer)
        if len(served) == 1:
            peer.send(*response_events(text_deltas=("first",))[:4])
            peer.drop()  # the first connection dies mid-response
        else:
            peer.finish()  # the second one stays quiet until the client closes

    with TestServer(handler) as server:
        client_ = realtime_blocking.ConversationClient(server.url)
        with client_.start_conversation() as first, pytest.raises(rp.ConnectionClosedError):
            list(first.receive_messages())
        assert first.last_turn is not None
        with client_.start_conversation() as second:
            assert second is not first
            assert second.last_turn is None  # nothing carried over from the first
            message = second.receive(timeout=5)
            assert isinstance(message, rp.Connected)  # its own queue, from its own start


def test_fault_31_secrets_never_leak(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    target = ServiceTarget.url("ws://127.0.0.1:1/v1/realtime", api_key=KEY)
    core = ClientSettings(target=target).start(None)
    echoed = f'{{"type": "x", "oops": "{KEY}"'  # malformed, quoting the key
    ephemeral = "ek_68af9b1c2d3e4f5a6b7c8d9e"
    core.connection.receive_data(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: x\r\n\r\n"
    )
    pair = ConnectionPair()
    pair.client._secrets = (KEY,)  # as a client built with this key would have
    invalid, error = feed(
        pair,
        text(echoed)
        + wire({"type": "error", "error": {"message": f"Incorrect API key provided: "
                                                      f"{KEY[:10]}****{KEY[-4:]} {ephemeral}"}}),
    )  # fmt: skip
    assert isinstance(invalid, rp.InvalidMessage)
    for shown in (invalid.raw, repr(invalid), repr(error), str(error.error), repr(core)):
        assert KEY not in shown
        assert KEY[:10] not in shown
        assert ephemeral not in shown
    assert KEY not in caplog.text
    with pytest.raises(rp.InsecureCredentialsError) as refused:
        ServiceTarget.url("ws://example.com/v1/realtime", api_key=KEY)
    assert KEY not in str(refused.value)
    assert base64.b64encode(KEY.encode()).decode() not in repr(target)


def test_fault_26_an_hour_of_20_ms_audio_deltas_in_linear_time_and_flat_memory() -> None:
    import tracemalloc

    def run(minutes: float, limits: rp.Limits, *, traced: bool = False) -> tuple[float, int, Any]:
        pair = ConnectionPair(limits=limits)
        pair.serve(response_events(audio_deltas=(b"",))[:3])
        one = rp.AudioDelta(response_id="resp_1", item_id="item_a1", output_index=0,
                            content_index=0, audio_bytes=b"\x01\x00" * 480)  # fmt: skip
        pair.server.send(one)
        batch = pair.server.data_to_send() * 500  # 10 s of 20 ms deltas, over and over
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        for _ in range(int(minutes * 60 * 50) // 500):
            feed(pair, batch)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        return elapsed, peak, pair.serve(response_events()[-1:])[-1].turn

    off = rp.Limits(accumulate_audio=False)
    short, _, _ = run(6, off)
    hour, _, turn = run(60, off)
    assert hour < short * 20  # ten times the audio: linear, with room for noise
    assert (turn.audio, turn.audio_truncated) == (b"", True)  # nothing kept, and it says so
    _, small_peak, _ = run(2, off, traced=True)
    _, large_peak, _ = run(10, off, traced=True)
    assert large_peak < small_peak + 2 * 1024 * 1024  # nothing retained: memory stays flat
    _, _, turn = run(6, rp.Limits())
    assert len(turn.audio) == 6 * 60 * 50 * 960  # with retention: exactly what was retained
