"""Unknown and malformed server events of the ``type``-keyed dialect: an unknown type arrives
raw, an unusable descriptive field is reported on the event, a wrong field makes the event
invalid; the session goes on after each."""

from __future__ import annotations

from typing import Any

import pytest

import realtime_proto as rp
from tests.core.ga_rows import expected_payload, frame, payload_of, receive
from tests.core.wire_examples import ASSISTANT_ITEM, DELTA_KEYS, RESPONSE_ID, USER_ITEM

GOOD_FOLLOWER = frame({"type": "input_audio_buffer.cleared", "event_id": "event_next"})


def test_unknown_type_is_delivered_raw() -> None:
    message = {
        "type": "response.output_image.delta",
        "event_id": "event_X1",
        "response_id": RESPONSE_ID,
        "delta": "iVBORw0KGgo=",
    }
    text = frame(message)
    got = receive([text, GOOD_FOLLOWER])
    unknown = got[0]
    assert isinstance(unknown, rp.UnknownEvent)
    assert unknown.kind is rp.MessageKind.OTHER
    assert unknown.event_type == "response.output_image.delta"
    assert unknown.raw == text
    assert dict(unknown.payload) == message
    assert payload_of(unknown) == expected_payload()
    assert got[1] == rp.InputAudioCleared(event_id="event_next")


MALFORMED = {
    "delta-not-a-string": {
        "type": "response.output_text.delta",
        "event_id": "event_M1",
        **DELTA_KEYS,
        "delta": 123,
    },
    "item_id-missing": {"type": "conversation.item.deleted", "event_id": "event_M2"},
    "response-null": {"type": "response.created", "event_id": "event_M3", "response": None},
    "output_index-as-string": {
        "type": "response.output_audio.done",
        "event_id": "event_M4",
        **DELTA_KEYS,
        "output_index": "0",
    },
    "audio_start_ms-bool": {
        "type": "input_audio_buffer.speech_started",
        "event_id": "event_M5",
        "audio_start_ms": True,
        "item_id": USER_ITEM,
    },
}

# Descriptive fields in an unusable shape: the event still arrives, and says what was wrong.
DESCRIPTIVE_MALFORMED = {
    "item-content-not-a-list": (
        {
            "type": "conversation.item.added",
            "event_id": "event_M6",
            "item": {"id": USER_ITEM, "type": "message", "role": "user", "content": "hi"},
        },
        "item.content",
    ),
    "rate_limits-entry-without-limit": (
        {
            "type": "rate_limits.updated",
            "event_id": "event_M7",
            "rate_limits": [{"name": "tokens", "remaining": 1, "reset_seconds": 1.0}],
        },
        "rate_limits[0]",
    ),
}


@pytest.mark.parametrize(
    ("message", "field"), DESCRIPTIVE_MALFORMED.values(), ids=list(DESCRIPTIVE_MALFORMED)
)
def test_known_type_with_an_unusable_descriptive_field_arrives(
    message: dict[str, Any], field: str
) -> None:
    text = frame(message)
    got = receive([text, GOOD_FOLLOWER])
    assert len(got) == 2, got
    assert not isinstance(got[0], rp.InvalidMessage)
    assert got[0].raw == text
    assert [problem.field for problem in got[0].problems] == [field]
    assert got[1] == rp.InputAudioCleared(event_id="event_next")


@pytest.mark.parametrize("message", MALFORMED.values(), ids=list(MALFORMED))
def test_known_type_with_wrong_field_is_invalid_and_the_session_goes_on(
    message: dict[str, Any],
) -> None:
    text = frame(message)
    got = receive([text, GOOD_FOLLOWER])
    assert len(got) == 2, got
    invalid = got[0]
    assert isinstance(invalid, rp.InvalidMessage)
    assert invalid.kind is rp.MessageKind.INVALID
    assert invalid.event_type == message["type"]
    assert invalid.item_id == message.get("item_id")
    assert invalid.response_id == message.get("response_id")
    assert invalid.raw == text
    assert invalid.reason
    assert got[1] == rp.InputAudioCleared(event_id="event_next")


@pytest.mark.parametrize("audio_type", ["response.output_audio.delta", "response.audio.delta"])
def test_bad_base64_in_audio_delta_is_invalid(audio_type: str) -> None:
    text = frame({"type": audio_type, "event_id": "event_B1", **DELTA_KEYS, "delta": "AAE*Ag=="})
    got = receive([text, GOOD_FOLLOWER])
    invalid = got[0]
    assert isinstance(invalid, rp.InvalidMessage)
    assert invalid.event_type == audio_type
    assert invalid.item_id == ASSISTANT_ITEM
    assert invalid.response_id == RESPONSE_ID
    assert "base64" in invalid.reason
    assert got[1] == rp.InputAudioCleared(event_id="event_next")
