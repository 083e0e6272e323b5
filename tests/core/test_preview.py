"""The 2024 preview dialect: every message of the spec, both directions, every variant."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.audio import read_wav, to_session_format, wav_bytes
from realtime_proto.simulator import Simulator
from tests.helpers import ConnectionPair, drain, response_events, split_at

PREVIEW = rp.Dialect.PREVIEW
B64 = base64.b64encode(b"\x01\x02\x03\x04").decode()


def pair() -> ConnectionPair:
    return ConnectionPair(dialect=PREVIEW)


def client_sends(command: rp.Command) -> tuple[dict[str, Any], Any]:
    """The wire JSON of ``command`` and what a preview SERVER decodes from it."""
    link = pair()
    link.client.send(command)
    _, received = link.pump()
    (decoded,) = received
    return json.loads(decoded.raw), decoded


def client_receives(*messages: dict[str, Any], rate: int = 24_000) -> list[rp.Event]:
    """What a preview CLIENT makes of raw server messages."""
    link = pair()
    link.server.send(rp.SendRaw(message={"event": "start_session", "session_id": "s1"}))
    link.pump()
    if rate != 24_000:
        fmt = rp.AudioFormat.G711_ALAW
        link.client.send(rp.UpdateSession(options=rp.ConversationOptions(input_audio_format=fmt)))
        link.pump()
    for message in messages:
        link.server.send(rp.SendRaw(message=message))
    return link.pump()[0]


# -- client -> server ----------------------------------------------------------------------------


def test_set_inference_config_carries_every_option() -> None:
    options = rp.ConversationOptions(
        system_message="Be brief.",
        turn_detection=rp.NoTurnDetection(),
        voice="echo",
        input_audio_format=rp.AudioFormat.G711_ULAW,
        tools=(rp.ToolDefinition(name="get_weather", description="d", parameters={"a": 1}),),
        tool_choice="required",
        temperature=0.7,
        max_output_tokens=512,
        disable_audio=True,
        transcribe_input=rp.InputTranscription(),
    )
    wire, decoded = client_sends(rp.UpdateSession(options=options))
    assert wire == {
        "event": "set_inference_config",
        "system_message": "Be brief.",
        "turn_end_type": "client_decision",
        "voice": "echo",
        "audio_format": "g711-ulaw",
        "tools": [
            {
                "type": "function",
                "function": {"name": "get_weather", "description": "d", "parameters": {"a": 1}},
            }
        ],
        "tool_choice": "required",
        "temperature": 0.7,
        "max_tokens": 512,
        "disable_audio": True,
        "transcribe_input": True,
    }
    got = decoded.options
    assert got.turn_detection == rp.NoTurnDetection()
    assert got.input_audio_format is got.output_audio_format is rp.AudioFormat.G711_ULAW
    assert (got.voice, got.tool_choice, got.temperature, got.max_output_tokens) == (
        "echo",
        "required",
        0.7,
        512,
    )
    assert got.tools == options.tools
    assert got.transcribe_input == rp.InputTranscription()
    server = client_sends(
        rp.UpdateSession(options=rp.ConversationOptions(turn_detection=rp.ServerVad()))
    )
    assert server[0]["turn_end_type"] == "server_detection"
    assert server[1].options.turn_detection == rp.ServerVad()


@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (rp.AppendAudio(audio=b"\x01\x02\x03\x04"), {"event": "add_user_audio", "data": B64}),
        (rp.CommitAudio(), {"event": "commit_user_audio"}),
        (rp.FinishTurn(), {"event": "client_turn_finished"}),
        (rp.CreateResponse(), {"event": "generate"}),
        (
            rp.CreateResponse(conversation="side"),
            {"event": "generate", "conversation_label": "side"},
        ),
        (
            rp.SendText(text="hi"),
            {
                "event": "add_item",
                "type": "message",
                "role": "user",
                "content": [{"type": "text", "text": "hi"}],
            },
        ),
        (
            rp.SendToolResponse(tool_call_id="call_1", output='{"t": 1}'),
            {
                "event": "add_item",
                "type": "tool_response",
                "tool_call_id": "call_1",
                "content": '{"t": 1}',
            },
        ),
        (rp.DeleteItem(item_id="i1"), {"event": "delete_item", "id": "i1"}),
        (rp.CancelResponse(), {"event": "client_interrupted"}),
        (
            rp.TruncateItem(item_id="m1", audio_end_ms=1500),
            {
                "event": "truncate_content",
                "message_id": "m1",
                "index": 0,
                "text_chars": 0,
                "audio_samples": 36_000,
            },
        ),
        (rp.CreateConversation(label="side"), {"event": "create_conversation", "label": "side"}),
        (rp.DeleteConversation(label="side"), {"event": "delete_conversation", "label": "side"}),
        (
            rp.SubscribeToUserAudio(label="side"),
            {"event": "subscribe_to_user_audio", "label": "side"},
        ),
        (
            rp.SubscribeToUserAudio(label="side", subscribe=False),
            {"event": "unsubscribe_from_user_audio", "label": "side"},
        ),
    ],
)
def test_each_client_message(command: rp.Command, wire: dict[str, Any]) -> None:
    sent, decoded = client_sends(command)
    assert sent == wire
    assert decoded == command


def test_items_with_parts_and_tool_calls() -> None:
    item = rp.ConversationItem(
        type="message",
        id="u1",
        role="user",
        content=(
            rp.ContentPart(type="input_text", text="look:"),
            rp.ContentPart(type="input_audio", audio=b"\x01\x02\x03\x04"),
        ),
    )
    wire, decoded = client_sends(rp.CreateItem(item=item, previous_item_id="u0"))
    assert wire == {
        "event": "add_item",
        "type": "message",
        "role": "user",
        "content": [{"type": "text", "text": "look:"}, {"type": "audio", "audio": B64}],
        "id": "u1",
        "previous_id": "u0",
    }
    assert decoded.item == item
    assert decoded.previous_item_id == "u0"
    call = rp.ConversationItem(type="function_call", id="c1", call_id="call_1", name="f")
    wire, decoded = client_sends(rp.CreateItem(item=call))
    assert (wire["type"], wire["name"], wire["tool_call_id"]) == ("tool_call", "f", "call_1")
    assert (decoded.item.type, decoded.item.call_id) == ("function_call", "call_1")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"event": "commit_pending_audio"}, rp.CommitAudio()),
        (
            {"event": "add_item", "type": "message", "role": "user", "content": "plain"},
            rp.SendText(text="plain"),
        ),
        ({"event": "add_user_audio", "audio": B64}, rp.AppendAudio(audio=b"\x01\x02\x03\x04")),
        (
            {"event": "truncate_content", "item_id": "m1", "audio_samples": 2400},
            rp.TruncateItem(item_id="m1", audio_end_ms=100),
        ),
    ],
)
def test_client_message_variants_decode(message: dict[str, Any], expected: rp.Command) -> None:
    link = pair()
    link.client.send(rp.SendRaw(message=message))
    (decoded,) = link.pump()[1]
    assert decoded == expected


@pytest.mark.parametrize(
    "command", [rp.ClearAudio(), rp.RetrieveItem(item_id="x"), rp.ClearOutputAudio()]
)
def test_what_the_preview_dialect_cannot_say_is_refused(command: rp.Command) -> None:
    link = pair()
    with pytest.raises(rp.LocalProtocolError, match="preview dialect"):
        link.client.send(command)


def test_unknown_and_malformed_client_messages() -> None:
    link = pair()
    link.client.send(rp.SendRaw(message={"event": "set_conversation_color", "label": "x"}))
    link.client.send(rp.SendRaw(message={"event": "add_user_audio", "data": 5}))
    link.client.send(rp.SendRaw(message={"type": "session.update"}))
    unknown, invalid, keyless = link.pump()[1]
    assert isinstance(unknown, rp.UnknownEvent)
    assert unknown.event_type == "set_conversation_color"
    assert isinstance(invalid, rp.InvalidMessage)
    assert isinstance(keyless, rp.InvalidMessage)
    assert "'event'" in keyless.reason


# -- server -> client ----------------------------------------------------------------------------


def test_start_session_and_errors() -> None:
    link = pair()
    link.server.send(
        rp.SendRaw(
            message={
                "event": "start_session",
                "session_id": "s9",
                "model": "m",
                "system_fingerprint": "fp",
            }
        )
    )
    link.server.send(rp.SendRaw(message={"event": "error", "error": "bad thing"}))
    link.server.send(rp.SendRaw(message={"event": "error", "message": "other thing"}))
    created, first, second = link.pump()[0]
    assert isinstance(created, rp.SessionCreated)
    assert (created.session.id, created.session.model) == ("s9", "m")
    assert (first.error.message, second.error.message) == ("bad thing", "other thing")
    assert first.kind is rp.MessageKind.ERROR


def test_a_model_turn_with_text_audio_and_a_tool_call() -> None:
    events = client_receives(
        {"event": "add_item", "id": "m1", "type": "message", "role": "assistant"},
        {"event": "add_content", "item_id": "m1", "type": "text", "data": "Hello "},
        {"event": "add_content", "message_id": "m1", "type": "text", "data": "there"},
        {"event": "add_content", "item_id": "m1", "type": "audio", "data": B64},
        {"event": "item_added", "id": "m1", "type": "message"},
        {"event": "add_item", "id": "t1", "type": "tool_call", "name": "get_weather"},
        {"event": "add_content", "item_id": "t1", "type": "tool_call_arguments", "data": '{"c":'},
        {"event": "add_content", "item_id": "t1", "type": "tool_call_arguments", "data": "1}"},
        {
            "event": "item_added",
            "id": "t1",
            "type": "tool_call",
            "tool_call_id": "call_7",
            "name": "get_weather",
            "arguments": '{"c":1}',
        },
        {"event": "turn_finished", "reason": "stop", "item_ids": ["m1", "t1"]},
    )
    kinds = [type(e) for e in events]
    assert kinds[0] is rp.TurnStarted
    assert kinds.count(rp.TextDelta) == 2
    finished = events[-1]
    assert isinstance(finished, rp.TurnFinished)
    assert finished.finish_reason == "completed"
    turn = finished.turn
    assert (turn.text, turn.audio) == ("Hello there", b"\x01\x02\x03\x04")
    (call,) = turn.tool_calls
    assert (call.call_id, call.name, call.arguments) == ("call_7", "get_weather", '{"c":1}')
    (done,) = [e for e in events if isinstance(e, rp.ToolCallArgumentsDone)]
    assert (done.tool_call_id, done.tool_name, done.tool_arguments) == (
        "call_7",
        "get_weather",
        '{"c":1}',
    )
    assert [e.text for e in events if isinstance(e, rp.TextDelta)] == ["Hello ", "there"]


def test_tool_arguments_from_the_deltas_when_item_added_has_none() -> None:
    events = client_receives(
        {"event": "add_item", "id": "t1", "type": "tool_call", "name": "f"},
        {"event": "add_content", "item_id": "t1", "type": "tool_call_arguments", "data": "{}"},
        {"event": "item_added", "id": "t1", "type": "tool_call"},
        {"event": "turn_finished", "reason": "stop"},
    )
    (call,) = events[-1].turn.tool_calls
    assert (call.call_id, call.name, call.arguments) == ("t1", "f", "{}")


@pytest.mark.parametrize(
    ("reason", "status", "finish_reason"),
    [
        ("stop", "completed", "completed"),
        ("max_tokens", "incomplete", "max_output_tokens"),
        ("content_filter", "incomplete", "content_filter"),
        ("interrupt", "cancelled", "cancelled"),
    ],
)
def test_turn_finished_reasons_mean_what_they_mean_in_the_ga_dialect(
    reason: str, status: str, finish_reason: str
) -> None:
    """``finish_reason`` has one vocabulary in every dialect; ``raw`` keeps the dialect's word."""
    (started, finished) = client_receives({"event": "turn_finished", "reason": reason})
    assert isinstance(started, rp.TurnStarted)
    assert (finished.response.status, finished.finish_reason) == (status, finish_reason)
    assert json.loads(finished.raw)["reason"] == reason


@pytest.mark.parametrize("key", ["sample_index", "audio_sample_index"])
def test_vad_events_and_their_sample_indices(key: str) -> None:
    started, stopped = client_receives(
        {"event": "vad_speech_started", key: 4_000, "item_id": "u1"},
        {"event": "vad_speech_stopped", key: 12_000, "item_id": "u1"},
        rate=8_000,
    )
    assert isinstance(started, rp.SpeechStarted)
    assert (started.audio_sample_index, started.audio_start_ms) == (4_000, 500)
    assert (stopped.audio_sample_index, stopped.audio_end_ms) == (12_000, 1_500)


def test_transcripts_listening_user_items_and_unknown_events() -> None:
    transcribed, listening, user, unknown = client_receives(
        {"event": "input_transcribed", "item_id": "u1", "transcript": "hello"},
        {"event": "model_listening"},
        {"event": "add_item", "id": "u2", "type": "message", "role": "user"},
        {"event": "something_new", "x": 1},
    )
    assert isinstance(transcribed, rp.InputTranscriptionCompleted)
    assert transcribed.audio_transcript == "hello"
    assert isinstance(listening, rp.ModelListening)
    assert isinstance(user, rp.ItemAdded)
    assert user.item.role == "user"
    assert isinstance(unknown, rp.UnknownEvent)
    assert unknown.kind is rp.MessageKind.OTHER


# -- the server role speaks it -------------------------------------------------------------------


def test_a_served_response_reaches_a_preview_client_whole() -> None:
    link = pair()
    link.server.send(rp.SessionCreated(session=rp.Session(id="s", model="m")))
    events = link.serve(
        response_events(
            text_deltas=("Hi ", "you"),
            tool_calls=[("call_1", "lookup", ('{"q"', ":1}"))],
        )
    )
    finished = events[-1]
    assert isinstance(finished, rp.TurnFinished)
    assert finished.turn.text == "Hi you"
    assert [(c.call_id, c.arguments) for c in finished.turn.tool_calls] == [("call_1", '{"q":1}')]
    assert finished.finish_reason == "completed"


def test_events_the_preview_dialect_cannot_say() -> None:
    link = pair()
    with pytest.raises(rp.LocalProtocolError, match="preview dialect"):
        link.server.send(rp.DtmfReceived(key="1", received_at=1))
    link.server.send(rp.SessionUpdated(session=rp.Session(id="s")))  # implied: nothing sent
    assert link.server.data_to_send() == b""


# -- properties ----------------------------------------------------------------------------------

EVENT_NAMES = st.sampled_from(
    [
        "start_session",
        "error",
        "add_item",
        "add_content",
        "item_added",
        "turn_finished",
        "vad_speech_started",
        "vad_speech_stopped",
        "input_transcribed",
        "model_listening",
        "other",
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "id",
        "item_id",
        "message_id",
        "type",
        "data",
        "reason",
        "sample_index",
        "name",
        "role",
        "arguments",
        "error",
    ]
)


@given(st.lists(st.tuples(EVENT_NAMES, st.dictionaries(KEYS, JSON, max_size=5)), max_size=8))
def test_the_decoder_never_raises(messages: list[tuple[str, dict[str, Any]]]) -> None:
    link = pair()
    for name, fields in messages:
        link.server.send(rp.SendRaw(message={**fields, "event": name}))
    events = link.pump()[0]
    assert all(isinstance(e, rp.Event) for e in events)


@given(
    st.text(min_size=1, max_size=60),
    st.binary(max_size=300),
    st.lists(st.integers(0, 400), max_size=6),
)
def test_accumulation_holds_for_any_split(text: str, audio: bytes, cuts: list[int]) -> None:
    messages: list[dict[str, Any]] = [{"event": "add_item", "id": "m1", "type": "message"}]
    for words in split_at(text, cuts):
        messages.append({"event": "add_content", "item_id": "m1", "type": "text", "data": words})
    for sound in split_at(audio, cuts):
        data = base64.b64encode(sound).decode()
        messages.append({"event": "add_content", "item_id": "m1", "type": "audio", "data": data})
    messages.append({"event": "turn_finished", "reason": "stop"})
    finished = client_receives(*messages)[-1]
    assert (finished.turn.text, finished.turn.audio) == (text, audio)


@pytest.mark.parametrize("turn_end", ["client_decision", "server_detection"])
def test_both_turn_end_types_with_the_simulator(turn_end: str) -> None:
    endpoint = rp.Endpoint.from_url(
        "ws://127.0.0.1/v1/realtime?model=m&dialect=preview", dialect=PREVIEW
    )
    client = rp.Connection.client(endpoint)
    simulator = Simulator()
    detection = rp.NoTurnDetection() if turn_end == "client_decision" else rp.ServerVad()
    options = rp.ConversationOptions(
        turn_detection=detection, transcribe_input=rp.InputTranscription()
    )
    speech = to_session_format(read_wav(wav_bytes(bytes(range(256)) * 200, rp.AudioFormat.PCM16)))

    def exchange(*commands: rp.Command) -> list[rp.Event]:
        for command in commands:
            client.send(command)
        got: list[rp.Event] = []
        for _ in range(4):
            simulator.receive_data(client.data_to_send())
            client.receive_data(simulator.data_to_send())
            got += drain(client)
        return got

    exchange()
    sent = exchange(
        rp.UpdateSession(options=options), rp.AppendAudio(audio=speech), rp.FinishTurn()
    )
    assert json.loads((client.last_turn is not None and "{}") or "{}") == {}
    kinds = [type(e) for e in sent]
    assert rp.InputTranscriptionCompleted in kinds
    assert kinds[-1] is rp.TurnFinished
    assert client.last_turn is not None
    assert client.last_turn.text.startswith("I heard ")
    assert (rp.SpeechStarted in kinds) == (turn_end == "server_detection")
