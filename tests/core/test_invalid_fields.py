"""Known event types with fields of the wrong type or shape: typed events, never exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest

import realtime_proto as rp
from tests.helpers import ConnectionPair

KEYS = {"response_id": "r", "item_id": "i", "output_index": 0, "content_index": 0}


def receive(message: dict[str, Any]) -> list[rp.Event]:
    pair = ConnectionPair()
    pair.server.send(rp.SendRaw(message=json.dumps(message)))
    pair.server.send(rp.InputAudioCleared())
    got, _ = pair.pump()
    assert isinstance(got[-1], rp.InputAudioCleared), "the session goes on"
    return got[:-1]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "response.output_text.delta", **KEYS, "delta": 123},
        {"type": "response.output_text.delta", **KEYS, "delta": "x", "output_index": True},
        {"type": "response.output_audio.delta", **KEYS, "delta": 5},
        {"type": "response.output_audio.delta", **KEYS, "delta": "@@@@"},
        {"type": "response.created", "response": None},
        {"type": "response.created", "response": {"id": 5}},
        {"type": "conversation.item.added", "item": {"type": 7}},
        {"type": "conversation.item.added", "item": {"type": "message", "id": 7}},
        {"type": "input_audio_buffer.speech_started", "item_id": "u"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": ["u"]},
        {"type": "response.function_call_arguments.done", **KEYS, "call_id": "c", "name": "f"},
    ],
    ids=lambda m: m["type"],
)
def test_a_wrong_id_index_or_payload_makes_an_invalid_message(message: dict[str, Any]) -> None:
    [event] = [e for e in receive(message) if not isinstance(e, rp.TurnStarted)]
    assert isinstance(event, rp.InvalidMessage), event
    assert event.kind is rp.MessageKind.INVALID
    assert event.event_type == message["type"]
    assert event.reason.startswith(message["type"])
    if "item_id" in message and isinstance(message["item_id"], str):
        assert event.item_id == message["item_id"]


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "response.created", "response": {"id": "r", "output": {}}}, "response.output"),
        (
            {"type": "response.created", "response": {"id": "r", "status_details": "x"}},
            "response.status_details",
        ),
        (
            {"type": "response.created", "response": {"id": "r", "metadata": []}},
            "response.metadata",
        ),
        ({"type": "response.done", "response": {"id": "r", "usage": []}}, "response.usage"),
        (
            {"type": "response.done", "response": {"id": "r", "usage": {"total_tokens": "9"}}},
            "usage.total_tokens",
        ),
        ({"type": "response.done", "response": {"id": "r", "status": 3}}, "response.status"),
        (
            {"type": "response.done", "response": {"id": "r", "output": [{"type": 1}]}},
            "response.output[0]",
        ),
        (
            {"type": "conversation.item.added", "item": {"type": "message", "content": "hi"}},
            "item.content",
        ),
        (
            {"type": "conversation.item.added", "item": {"type": "message", "content": [5]}},
            "item.content[0]",
        ),
        (
            {"type": "conversation.item.added", "item": {"type": "message", "role": 1}},
            "item.role",
        ),
        (
            {"type": "conversation.item.added", "item": {"type": "message"}, "previous_item_id": 4},
            "previous_item_id",
        ),
        (
            {"type": "rate_limits.updated", "rate_limits": [{"name": "t", "limit": 1}]},
            "rate_limits[0]",
        ),
        (
            {
                "type": "rate_limits.updated",
                "rate_limits": [{"name": "t", "limit": 1, "remaining": 1, "reset_seconds": "1"}],
            },
            "rate_limits[0]",
        ),
        ({"type": "rate_limits.updated", "rate_limits": "none"}, "rate_limits"),
        ({"type": "response.content_part.done", **KEYS, "part": "text"}, "part"),
        (
            {"type": "response.content_part.done", **KEYS, "part": {"type": "text", "text": 5}},
            "part.text",
        ),
        (
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": "u",
                "transcript": "hi",
                "usage": 12,
            },
            "usage",
        ),
        (
            {"type": "input_audio_buffer.dtmf_event_received", "event": "1", "received_at": "now"},
            "received_at",
        ),
        (
            {"type": "session.created", "session": {"id": "s", "temperature": 2.5}},
            "session.temperature",
        ),
        (
            {
                "type": "session.updated",
                "session": {"turn_detection": {"type": "server_vad", "threshold": 3}},
            },
            "session.turn_detection.threshold",
        ),
    ],
    ids=lambda m: m if isinstance(m, str) else m["type"],
)
def test_an_unusable_descriptive_field_is_reported_and_the_event_arrives(
    message: dict[str, Any], field: str
) -> None:
    [event] = receive(message)
    assert not isinstance(event, rp.InvalidMessage), event
    assert event.raw == json.dumps(message)
    assert [problem.field for problem in event.problems] == [field]
    assert event.problems[0].problem


def test_a_content_part_done_without_its_part_arrives() -> None:
    [event] = receive({"type": "response.content_part.done", **KEYS})
    assert isinstance(event, rp.ContentPartDone)
    assert event.part is None
    assert event.problems == ()


def test_a_missing_payload_names_the_field() -> None:
    [event] = receive({"type": "response.output_text.delta", **KEYS})
    assert isinstance(event, rp.InvalidMessage)
    assert event.reason == "response.output_text.delta: required field 'delta' is missing"
    [event] = receive({"type": "response.output_text.delta", **KEYS, "content_index": "0"})
    assert isinstance(event, rp.InvalidMessage)
    assert "'content_index'" in event.reason
    assert "integer" in event.reason


def test_bad_base64_names_the_item_and_response() -> None:
    [event] = receive({"type": "response.output_audio.delta", **KEYS, "delta": "AA=A"})
    assert isinstance(event, rp.InvalidMessage)
    assert (event.item_id, event.response_id) == ("i", "r")
    assert "base64" in event.reason


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("just a message", rp.ErrorDetail(message="just a message")),
        (
            {"type": "invalid_request_error", "code": None, "message": {"detail": "x"}},
            rp.ErrorDetail(type="invalid_request_error", message='{"detail":"x"}'),
        ),
        (
            {"type": 5, "code": 401, "message": "m", "param": None, "event_id": "e1"},
            rp.ErrorDetail(type="5", code="401", message="m", event_id="e1"),
        ),
    ],
)
def test_error_events_are_read_with_best_effort_strings(error: Any, expected: Any) -> None:
    [event] = receive({"type": "error", "error": error})
    assert isinstance(event, rp.ServerError)
    assert event.error == expected
    assert event.message == expected.message
    assert event.code == expected.code


def test_an_error_that_is_not_an_object_or_string_is_invalid() -> None:
    [event] = receive({"type": "error", "error": 42})
    assert isinstance(event, rp.InvalidMessage)


def test_content_parts_keep_unknown_keys_and_audio() -> None:
    part = {"type": "input_audio", "audio": "AAEC", "transcript": None, "format": "pcm16"}
    [event] = receive(
        {"type": "conversation.item.added", "item": {"type": "message", "content": [part]}}
    )
    assert isinstance(event, rp.ItemAdded)
    [decoded] = event.item.content
    assert decoded.audio == b"\x00\x01\x02"
    assert decoded.extra == {"format": "pcm16"}


def test_server_decodes_client_commands_with_wrong_fields_as_invalid() -> None:
    pair = ConnectionPair()
    for message in (
        {"type": "input_audio_buffer.append", "audio": 5},
        {"type": "conversation.item.truncate", "item_id": "i", "content_index": "0"},
        {"type": "conversation.item.retrieve"},
        {"type": "conversation.item.create", "item": "x"},
        {"type": "response.create", "response": []},
        {"type": "response.create", "response": {"modalities": "text"}},
        {"type": "response.create", "response": {"input": {}}},
        {"type": "response.create", "response": {"metadata": 1}},
        {"type": "response.cancel", "response_id": 9},
        {"type": "session.update", "session": None},
    ):
        pair.client.send(rp.SendRaw(message=message))
    pair.client.send(rp.ClearAudio())
    _, got = pair.pump()
    assert [type(c) for c in got] == [rp.InvalidMessage] * 10 + [rp.ClearAudio]


def test_server_decodes_a_rich_response_create() -> None:
    pair = ConnectionPair()
    pair.client.send(
        rp.SendRaw(
            message={
                "type": "response.create",
                "event_id": "e",
                "response": {
                    "modalities": ["text"],
                    "voice": "echo",
                    "input": [{"type": "item_reference", "id": "x"}],
                    "metadata": {"k": "v"},
                    "future": 1,
                },
            }
        )
    )
    _, [command] = pair.pump()
    assert isinstance(command, rp.CreateResponse)
    assert command.output_modalities == ("text",)
    assert command.voice == "echo"
    assert command.input == (rp.ConversationItem(type="item_reference", id="x"),)
    assert command.metadata == {"k": "v"}
    assert command.extra == {"future": 1}
    assert command.event_id == "e"
