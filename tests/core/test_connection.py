"""Connection behaviour beyond the happy path: states, timers, rejections, fatal input."""

from __future__ import annotations

import json

import pytest

import realtime_proto as rp
from tests.helpers import LOCAL_URL, ConnectionPair, drain, response_events


def text_frame(text: str) -> bytes:
    """An unmasked server text frame (short payloads only)."""
    payload = text.encode()
    assert len(payload) < 126
    return bytes([0x81, len(payload)]) + payload


def test_commands_before_the_handshake_completes_are_refused() -> None:
    client = rp.Connection.client(rp.Endpoint.from_url(LOCAL_URL))
    assert client.state is rp.ConnectionState.CONNECTING
    with pytest.raises(rp.LocalProtocolError, match="connecting"):
        client.send(rp.SendText(text="hi"))
    assert b"GET /v1/realtime?model=test-model HTTP/1.1" in client.data_to_send()


def test_roles_are_enforced() -> None:
    pair = ConnectionPair()
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.InputAudioCleared())
    with pytest.raises(rp.LocalProtocolError):
        pair.server.send(rp.ClearAudio())
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.AcceptConnection())
    with pytest.raises(rp.LocalProtocolError):
        rp.Connection(rp.Role.CLIENT)
    with pytest.raises(rp.LocalProtocolError):
        pair.server.send(rp.UnknownEvent(event_type="x"))


def test_server_rejects_the_handshake_with_a_status_and_body() -> None:
    pair = ConnectionPair(open_now=False)
    pair.pump()
    assert isinstance(pair.server_events[-1], rp.ConnectionRequested)
    assert pair.server_events[-1].target == "/v1/realtime?model=test-model"
    body = json.dumps({"error": {"code": "invalid_api_key", "message": "bad key"}}).encode()
    pair.server.send(rp.RejectConnection(status_code=401, body=body))
    got, _ = pair.pump()
    assert len(got) == 1
    rejected = got[0]
    assert isinstance(rejected, rp.HandshakeRejected)
    assert rejected.kind is rp.MessageKind.CONNECTION_REJECTED
    assert (rejected.status_code, rejected.body) == (401, body)
    assert pair.client.state is rp.ConnectionState.CLOSED
    with pytest.raises(rp.LocalProtocolError):
        pair.client.next_event()


def test_close_is_idempotent_and_sends_after_it_are_refused() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.Close(code=1000, reason="bye"))
    pair.client.send(rp.Close())
    assert pair.client.state is rp.ConnectionState.CLOSING
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.ClearAudio())
    got, server_got = pair.pump()
    assert server_got[-1] == rp.ConnectionClosed(code=1000, reason="bye", initiator="remote")
    assert got[-1] == rp.ConnectionClosed(code=1000, reason="bye", initiator="local")


def test_eof_mid_response_finishes_the_open_turn_as_interrupted() -> None:
    pair = ConnectionPair()
    events = response_events(response_id="resp_1", text_deltas=["partial ", "answer"])
    got = pair.serve(events[:5])
    assert isinstance(got[-1], rp.TextDelta)
    pair.client.receive_eof()
    tail = drain(pair.client)
    assert [type(e) for e in tail] == [rp.TurnFinished, rp.ConnectionClosed]
    finished, closed = tail
    assert isinstance(finished, rp.TurnFinished)
    assert finished.turn is not None
    assert finished.turn.status == "interrupted"
    assert finished.turn.text == "partial answer"
    assert isinstance(closed, rp.ConnectionClosed)
    assert (closed.code, closed.initiator) == (1006, "error")
    assert pair.client.last_turn == finished.turn


def test_server_close_mid_response_delivers_everything_then_the_close() -> None:
    pair = ConnectionPair()
    events = response_events(response_id="resp_1", text_deltas=["a", "b", "c"])
    for event in events[:6]:
        pair.server.send(event)
    pair.server.send(rp.Close(code=1001, reason="session expired"))
    got, _ = pair.pump()
    assert [type(e) for e in got[:6]] == [type(e) for e in events[:6]]
    assert isinstance(got[-2], rp.TurnFinished)
    assert got[-1] == rp.ConnectionClosed(code=1001, reason="session expired", initiator="remote")


def test_bad_json_and_unknown_types_are_events_and_the_session_goes_on() -> None:
    pair = ConnectionPair()
    for raw in ("{oops", "[1,2]", '{"type": 7}', '{"type":"brand.new","a":1}', "NaN"):
        pair.server.send(rp.SendRaw(message=raw))
    pair.server.send(rp.InputAudioCleared())
    got, _ = pair.pump()
    assert [type(e) for e in got] == [
        rp.InvalidMessage,
        rp.InvalidMessage,
        rp.InvalidMessage,
        rp.UnknownEvent,
        rp.InvalidMessage,
        rp.InputAudioCleared,
    ]
    unknown = got[3]
    assert isinstance(unknown, rp.UnknownEvent)
    assert unknown.kind is rp.MessageKind.OTHER
    assert unknown.event_type == "brand.new"
    assert unknown.payload == {"type": "brand.new", "a": 1}
    assert unknown.raw == '{"type":"brand.new","a":1}'


def test_a_replayed_response_done_does_not_finish_the_turn_twice() -> None:
    pair = ConnectionPair()
    events = response_events(response_id="resp_1", text_deltas=["once"])
    pair.serve(events)
    first = pair.client.last_turn
    got = pair.serve([events[-1]])
    assert isinstance(got[0], rp.TurnFinished)
    assert got[0].turn is None
    assert pair.client.last_turn is first


def test_keepalive_pings_and_pong_timeout_with_a_virtual_clock() -> None:
    timeouts = rp.Timeouts(keepalive_interval=10.0, keepalive_timeout=5.0)
    pair = ConnectionPair(timeouts=timeouts)
    client = pair.client
    assert client.next_deadline() == float("-inf")  # arm at once
    client.handle_timer(100.0)
    assert client.next_deadline() == 110.0
    client.handle_timer(110.0)
    ping = client.data_to_send()
    assert ping[0] == 0x89  # a PING frame went out
    assert client.next_deadline() == 115.0
    # the server answers: the pong deadline is lifted
    pair.server.receive_data(ping)
    assert drain(pair.server) == []
    client.receive_data(pair.server.data_to_send())
    assert drain(client) == []
    assert client.next_deadline() == 120.0
    # next ping goes unanswered: the connection ends with 1011
    client.handle_timer(120.0)
    client.data_to_send()
    client.handle_timer(125.0)
    closed = drain(client)
    assert closed == [
        rp.ConnectionClosed(code=1011, reason="keepalive ping timed out", initiator="error")
    ]
    assert client.next_deadline() is None


def test_close_timeout_ends_a_connection_whose_peer_never_answers() -> None:
    pair = ConnectionPair()
    client = pair.client
    client.handle_timer(0.0)
    client.send(rp.Close())
    assert client.next_deadline() == 0.0  # arm at once
    client.handle_timer(1.0)
    assert client.next_deadline() == 6.0
    client.handle_timer(6.0)
    [closed] = drain(client)
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.initiator == "error"
    assert client.state is rp.ConnectionState.CLOSED


def test_open_timeout() -> None:
    client = rp.Connection.client(
        rp.Endpoint.from_url(LOCAL_URL), timeouts=rp.Timeouts(open_timeout=3.0)
    )
    client.handle_timer(10.0)
    assert client.next_deadline() == 13.0
    client.handle_timer(13.5)
    [closed] = drain(client)
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.reason == "the opening handshake timed out"


def test_session_updates_set_the_rate_of_sample_indices() -> None:
    pair = ConnectionPair()
    options = rp.ConversationOptions(input_audio_format=rp.AudioFormat.G711_ALAW)
    pair.serve([rp.SessionUpdated(session=rp.Session(options=options))])
    got = pair.serve([rp.SpeechStarted(audio_start_ms=1500, item_id="u1")])
    assert got[0].audio_sample_index == 12_000
    pair.client.send(rp.UpdateSession(options=rp.ConversationOptions(
        input_audio_format=rp.AudioFormat.PCM16)))  # fmt: skip
    got = pair.serve([rp.SpeechStopped(audio_end_ms=1500, item_id="u1")])
    assert got[0].audio_sample_index == 36_000


def test_reprs_are_bounded() -> None:
    event = rp.AudioDelta(
        response_id="r", item_id="i", output_index=0, content_index=0, audio_bytes=b"\x01" * 10**6
    )
    assert len(repr(event)) < 300
    raw = rp.UnknownEvent(event_type="x", raw="y" * 10**6)
    assert len(repr(raw)) < 300


def test_need_data_and_binary_messages() -> None:
    pair = ConnectionPair()
    assert repr(pair.client.next_event()) == "NEED_DATA"
    pair.client.receive_data(b"\x82\x03abc")
    [event] = drain(pair.client)
    assert isinstance(event, rp.UnexpectedBinaryMessage)
    assert (event.size, event.kind) == (3, rp.MessageKind.INVALID)


def test_a_pong_that_answers_another_ping_does_not_lift_the_deadline() -> None:
    pair = ConnectionPair(timeouts=rp.Timeouts(keepalive_interval=1.0, keepalive_timeout=1.0))
    client = pair.client
    client.handle_timer(0.0)
    client.handle_timer(1.0)
    client.data_to_send()
    client.receive_data(b"\x8a\x05other")  # an unsolicited pong
    assert drain(client) == []
    assert client.next_deadline() == 2.0


def test_keepalive_off_runs_no_timer_while_open() -> None:
    pair = ConnectionPair(timeouts=rp.Timeouts(keepalive_interval=None))
    pair.client.handle_timer(5.0)
    assert pair.client.next_deadline() is None
    pair.client.handle_timer(500.0)
    assert pair.client.data_to_send() == b""


def test_deferred_request_is_dropped_when_the_connection_closes_first() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.client.send(rp.CreateResponse(instructions="later"))
    assert pair.client.deferred_response is not None
    pair.client.send(rp.Close())
    assert pair.client.deferred_response is None


def test_cancel_drops_a_deferred_request() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.client.send(rp.CreateResponse(instructions="later"))
    pair.client.send(rp.CancelResponse())
    assert pair.client.deferred_response is None


def test_raw_messages_in_every_form() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.SendRaw(message=b'{"type":"input_audio_buffer.clear"}'))
    pair.client.send(rp.SendRaw(message='{"type":"input_audio_buffer.commit"}'))
    pair.client.send(rp.SendRaw(message={"type": "response.cancel"}))
    with pytest.raises(rp.LocalProtocolError, match="UTF-8"):
        pair.client.send(rp.SendRaw(message=b"\xff"))
    _, got = pair.pump()
    assert [type(c) for c in got] == [rp.ClearAudio, rp.CommitAudio, rp.CancelResponse]


def test_server_sessions_are_remembered_and_events_without_a_wire_form_refused() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    session = rp.Session(id="s1")
    pair.server.send(rp.SessionCreated(session=session))
    assert pair.server.session == session
    with pytest.raises(rp.LocalProtocolError, match="beta"):
        pair.server.send(rp.DtmfReceived(key="1", received_at=0))
