"""Arbitrary bytes and arbitrary JSON never raise anything but the documented typed errors; nor
do the messages of the public strategies with fields damaged."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto._dialects.ga import CLIENT_TYPES, SERVER_TYPES
from realtime_proto.testing import EncodedCommand, EncodedEvent, client_messages, server_messages
from tests.helpers import ConnectionPair, drain

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "event_id", "response_id", "item_id", "output_index", "content_index", "delta", "text",
        "transcript", "audio", "session", "item", "response", "part", "error", "call_id", "name",
        "arguments", "audio_start_ms", "audio_end_ms", "rate_limits", "conversation", "usage",
        "previous_item_id", "value", "index", "content", "event",
    ]
)  # fmt: skip


# Every receive entry point is a fuzz target: at least 1,000 examples each, in CI too; the
# JSON decoders, which are slow per example, at least 400 (HYPOTHESIS_PROFILE=long: 10,000).
FUZZ = settings(max_examples=max(1_000, settings.default.max_examples), deadline=None)
FUZZ_JSON = settings(max_examples=max(400, settings.default.max_examples), deadline=None)


def known_shaped(types: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda kind, fields: {**fields, "type": kind},
        st.sampled_from(sorted(types)),
        st.dictionaries(field_names, json_values, max_size=8),
    )


def damaged(
    messages: st.SearchStrategy[EncodedEvent] | st.SearchStrategy[EncodedCommand],
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid messages of the public strategies with some fields replaced by any JSON value, or
    removed: the near misses that reach deepest into a decoder."""

    def damage(message: EncodedEvent | EncodedCommand, edits: list[tuple[int, bool, Any]]) -> Any:
        (wire,) = message.messages
        keys = sorted(key for key in wire if key not in ("type", "event"))
        for index, remove, value in edits if keys else ():
            key = keys[index % len(keys)]
            if remove:
                wire.pop(key, None)
            else:
                wire[key] = value
        return wire

    edits = st.lists(st.tuples(st.integers(0, 63), st.booleans(), json_values), max_size=3)
    return st.builds(damage, messages, edits)


def open_pair() -> ConnectionPair:
    return ConnectionPair()


def assert_only_typed(items: list[Any], classes: tuple[type, ...]) -> None:
    for item in items:
        assert isinstance(item, classes), item


@FUZZ
@given(st.binary(max_size=2048))
def test_client_survives_arbitrary_bytes(data: bytes) -> None:
    pair = open_pair()
    pair.client.receive_data(data)
    events = drain(pair.client)
    pair.client.receive_eof()
    events += drain(pair.client)
    assert_only_typed(events, (rp.Event,))
    assert isinstance(events[-1], rp.ConnectionClosed)


@FUZZ
@given(st.binary(max_size=2048))
def test_server_survives_arbitrary_bytes(data: bytes) -> None:
    server = rp.Connection.server()
    server.receive_data(data)
    items = drain(server)
    server.receive_eof()
    items += drain(server)
    assert_only_typed(items, (rp.Event, rp.Command))


@FUZZ_JSON
@given(json_values | known_shaped(SERVER_TYPES) | damaged(server_messages(rp.Dialect.GA)))
def test_client_decodes_any_json(value: Any) -> None:
    pair = open_pair()
    pair.server.send(rp.SendRaw(message=json.dumps(value)))
    pair.server.send(rp.SendRaw(message='{"type":"input_audio_buffer.cleared"}'))
    got, _ = pair.pump()
    assert_only_typed(got, (rp.Event,))
    assert isinstance(got[-1], rp.InputAudioCleared)  # the session goes on


@FUZZ_JSON
@given(json_values | known_shaped(CLIENT_TYPES) | damaged(client_messages(rp.Dialect.GA)))
def test_server_decodes_any_json(value: Any) -> None:
    pair = open_pair()
    pair.client.send(rp.SendRaw(message=json.dumps(value)))
    pair.client.send(rp.ClearAudio())
    _, got = pair.pump()
    assert_only_typed(got, (rp.Event, rp.Command))
    assert isinstance(got[-1], rp.ClearAudio)


PREVIEW_SERVER = frozenset(
    {"start_session", "error", "add_item", "add_content", "item_added", "turn_finished",
     "vad_speech_started", "vad_speech_stopped", "input_transcribed", "model_listening"}
)  # fmt: skip
PREVIEW_CLIENT = frozenset(
    {"set_inference_config", "add_item", "delete_item", "add_user_audio", "commit_user_audio",
     "commit_pending_audio", "client_turn_finished", "client_interrupted", "generate",
     "create_conversation", "delete_conversation", "subscribe_to_user_audio",
     "unsubscribe_from_user_audio", "truncate_content"}
)  # fmt: skip


def preview_shaped(names: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda name, fields: {**fields, "event": name},
        st.sampled_from(sorted(names)),
        st.dictionaries(
            field_names | st.sampled_from(["id", "data", "type", "reason", "sample_index"]),
            json_values,
            max_size=8,
        ),
    )


@FUZZ_JSON
@given(json_values | preview_shaped(PREVIEW_SERVER) | damaged(server_messages(rp.Dialect.PREVIEW)))
def test_preview_client_decodes_any_json(value: Any) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    pair.server.send(rp.SendRaw(message=json.dumps(value)))
    pair.server.send(rp.SendRaw(message='{"event":"model_listening"}'))
    got, _ = pair.pump()
    assert_only_typed(got, (rp.Event,))
    assert isinstance(got[-1], rp.ModelListening)  # the session goes on


@FUZZ_JSON
@given(json_values | preview_shaped(PREVIEW_CLIENT) | damaged(client_messages(rp.Dialect.PREVIEW)))
def test_preview_server_decodes_any_json(value: Any) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    pair.client.send(rp.SendRaw(message=json.dumps(value)))
    pair.client.send(rp.CommitAudio())
    _, got = pair.pump()
    assert_only_typed(got, (rp.Event, rp.Command))
    assert isinstance(got[-1], rp.CommitAudio)


@FUZZ
@given(st.binary(max_size=600))
def test_the_handshake_parser_survives_arbitrary_responses(data: bytes) -> None:
    pair = ConnectionPair(open_now=False)
    pair.client.data_to_send()
    pair.client.receive_data(b"HTTP/1.1 " + data)
    events = drain(pair.client)
    pair.client.receive_eof()
    events += drain(pair.client)
    assert_only_typed(events, (rp.Event,))
    assert isinstance(events[-1], (rp.ConnectionClosed, rp.HandshakeRejected))


def seed_corpus() -> list[bytes]:
    """At least 200 inputs: every message of the recorded GA and preview sessions as its own
    frame, Autobahn-shaped frames, and mutations of each (cut, a flipped byte, doubled)."""
    from tests.core.test_websocket import close_frame, frame
    from tests.properties.test_split_equivalence import recorded_session

    seeds: list[bytes] = []
    for dialect in (rp.Dialect.GA, rp.Dialect.PREVIEW):
        data = recorded_session(dialect)
        offset = 0
        while offset + 2 <= len(data):
            length, header = data[offset + 1] & 0x7F, 2
            if length == 126:
                length, header = int.from_bytes(data[offset + 2 : offset + 4], "big"), 4
            elif length == 127:
                length, header = int.from_bytes(data[offset + 2 : offset + 10], "big"), 10
            seeds.append(data[offset : offset + header + length])
            offset += header + length
    seeds += [frame(opcode, b"x" * size, fin=fin, rsv=rsv)
              for opcode in (0x0, 0x1, 0x2, 0x3, 0x9, 0xA, 0xB)
              for size in (0, 125, 126)
              for fin in (True, False)
              for rsv in (0, 4)]  # fmt: skip
    seeds += [close_frame(code) for code in (None, 1000, 1005, 3000, 5000)]
    mutated = []
    for seed in seeds:
        mutated.append(seed[: len(seed) // 2])
        flipped = bytearray(seed)
        flipped[len(seed) // 3] ^= 0x5A
        mutated.append(bytes(flipped))
        mutated.append(seed + seed)
    return seeds + mutated


def test_the_seed_corpus_passes_every_receive_entry_point() -> None:
    corpus = seed_corpus()
    assert len(corpus) >= 200
    for seed in corpus:
        for dialect in (rp.Dialect.GA, rp.Dialect.PREVIEW):
            pair = ConnectionPair(dialect=dialect)
            pair.client.receive_data(seed)
            events = drain(pair.client)
            pair.client.receive_eof()
            events += drain(pair.client)
            assert_only_typed(events, (rp.Event,))
        server = rp.Connection.server()
        server.receive_data(b"GET / HTTP/1.1\r\n" + seed)
        assert_only_typed(drain(server), (rp.Event, rp.Command))
