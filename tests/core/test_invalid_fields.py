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
        {"type": "response.created", "response": {"id": "r", "output": {}}},
        {"type": "response.created", "response": {"id": "r", "status_details": "x"}},
        {"type": "response.created", "response": {"id": "r", "metadata": []}},
        {"type": "response.done", "response": {"id": "r", "usage": []}},
        {"type": "response.done", "response": {"id": "r", "usage": {"total_tokens": "9"}}},
        {"type": "conversation.item.added", "item": {"type": "message", "content": "hi"}},
        {"type": "conversation.item.added", "item": {"type": "message", "content": [5]}},
        {"type": "conversation.item.added", "item": {"type": 7}},
        {"type": "conversation.item.added", "item": {"type": "message", "id": 7}},
        {"type": "rate_limits.updated", "rate_limits": [{"name": "t", "limit": 1}]},
        {
            "type": "rate_limits.updated",
            "rate_limits": [{"name": "t", "limit": 1, "remaining": 1, "reset_seconds": "1"}],
        },
        {"type": "input_audio_buffer.speech_started", "item_id": "u"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": ["u"]},
    ],
    ids=lambda m: m["type"],
)
def test_wrong_typed_fields_become_invalid_messages(message: dict[str, Any]) -> None:
    [event] = receive(message)
    assert isinstance(event, rp.InvalidMessage), event
    assert event.kind is rp.MessageKind.INVALID
    assert event.event_type == message["type"]
    assert event.reason.startswith(message["type"])
    if "item_id" in message and isinstance(message["item_id"], str):
        assert event.item_id == message["item_id"]


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
