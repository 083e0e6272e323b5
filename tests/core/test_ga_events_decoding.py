"""Server events in the GA names of the ``type``-keyed dialect, decoded by a CLIENT connection.

Every wire example (``tests/core/ga_rows.py`` and the second shapes below) is written by hand
after the wire spec (``realtime-ga-protocol.md``, sections 4.1-4.10) and sent as compact JSON
text, the way the service sends it, by the SERVER side of a :class:`ConnectionPair`
(``SendRaw``); the CLIENT side decodes it from real WebSocket bytes.
"""

from __future__ import annotations

import pytest

import realtime_proto as rp
from tests.core.ga_rows import GA_ROWS, Row, assert_decoded, receive, receive_one, row, row_params
from tests.core.sdk_models import validate_server_event
from tests.core.wire_examples import (
    CANCELLED_DETAILS,
    CANCELLED_RESPONSE,
    CONVERSATION_ID,
    DELTA_KEYS,
    INPUT_DETAILS,
    MCP_ITEM,
    MCP_LIST_TOOLS_WIRE,
    RESPONSE_AUDIO_CONFIG,
    RESPONSE_ID,
    USER_ITEM,
)

# Second shapes of some GA types: each row id is "<wire type>[<variant>]".
GA_VARIANT_ROWS: dict[str, Row] = {
    "conversation.item.done[mcp_list_tools]": row(
        {
            "type": "conversation.item.done",
            "event_id": "event_CFR1Q6BtUWn7G3XWfYc2y",
            "previous_item_id": None,
            "item": MCP_LIST_TOOLS_WIRE,
        },
        rp.ItemDone(
            item=rp.ConversationItem(
                type="mcp_list_tools",
                id=MCP_ITEM,
                extra={k: MCP_LIST_TOOLS_WIRE[k] for k in ("server_label", "tools")},
            ),
            event_id="event_CFR1Q6BtUWn7G3XWfYc2y",
        ),
    ),
    "conversation.item.input_audio_transcription.delta[nulls]": row(
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "event_id": "event_6601",
            "item_id": USER_ITEM,
            "content_index": None,
            "delta": None,
        },
        rp.InputTranscriptionDelta(item_id=USER_ITEM, content_index=None, event_id="event_6601"),
        audio_transcript="",
    ),
    "conversation.item.input_audio_transcription.completed[duration]": row(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "event_6602",
            "item_id": USER_ITEM,
            "content_index": 0,
            "transcript": "Bonjour.",
            "usage": {"type": "duration", "seconds": 1.4},
        },
        rp.InputTranscriptionCompleted(
            item_id=USER_ITEM,
            audio_transcript="Bonjour.",
            usage={"type": "duration", "seconds": 1.4},
            event_id="event_6602",
        ),
        audio_transcript="Bonjour.",
    ),
    "response.done[cancelled]": row(
        {
            "type": "response.done",
            "event_id": "event_6603",
            "response": {
                "object": "realtime.response",
                "id": RESPONSE_ID,
                "status": "cancelled",
                "status_details": CANCELLED_DETAILS,
                "output": [],
                "conversation_id": CONVERSATION_ID,
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": RESPONSE_AUDIO_CONFIG,
                "usage": {
                    "total_tokens": 140,
                    "input_tokens": 132,
                    "output_tokens": 8,
                    "input_token_details": INPUT_DETAILS,
                    "output_token_details": {"text_tokens": 2, "audio_tokens": 6},
                },
                "metadata": None,
            },
        },
        rp.TurnFinished(
            response=CANCELLED_RESPONSE,
            turn=rp.Turn(
                response_id=RESPONSE_ID,
                status="cancelled",
                status_details=CANCELLED_DETAILS,
                finish_reason="turn_detected",
                usage=CANCELLED_RESPONSE.usage,
            ),
            event_id="event_6603",
        ),
        finish_reason="turn_detected",
    ),
    "response.content_part.added[output_text]": row(
        # GA item content names in a part (the spec says: accept all four)
        {
            "type": "response.content_part.added",
            "event_id": "event_6604",
            **DELTA_KEYS,
            "part": {"type": "output_text", "text": ""},
        },
        rp.ContentPartAdded(
            **DELTA_KEYS, part=rp.ContentPart(type="output_text", text=""), event_id="event_6604"
        ),
    ),
}


# The GA server event types of sections 4.1-4.10, as the spec lists them.
SPEC_GA_TYPES = frozenset(
    {
        "session.created",
        "session.updated",
        "conversation.created",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.retrieved",
        "conversation.item.truncated",
        "conversation.item.deleted",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.segment",
        "conversation.item.input_audio_transcription.failed",
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "mcp_list_tools.in_progress",
        "mcp_list_tools.completed",
        "mcp_list_tools.failed",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
        "output_audio_buffer.started",
        "output_audio_buffer.stopped",
        "output_audio_buffer.cleared",
        "rate_limits.updated",
        "error",
    }
)


def test_the_table_covers_every_ga_server_event_type_once() -> None:
    types = [r.message["type"] for r in GA_ROWS]
    assert len(types) == len(set(types))
    assert set(types) == SPEC_GA_TYPES


@pytest.mark.parametrize("r", [*row_params(GA_ROWS), *row_params(GA_VARIANT_ROWS)])
def test_ga_server_event_decodes(r: Row) -> None:
    text = r.text
    assert_decoded(receive_one(text), r, text)


def test_events_arrive_in_order_on_one_connection() -> None:
    """All the GA examples through one connection, in table order: nothing lost or reordered.

    ``session.updated`` switches the input to G.711 (8 kHz), so the VAD sample indexes after it
    are counted at 8000 samples per second.
    """
    got = receive([r.text for r in GA_ROWS])
    assert [type(e) for e in got] == [type(r.expected) for r in GA_ROWS]
    started = next(e for e in got if isinstance(e, rp.SpeechStarted))
    stopped = next(e for e in got if isinstance(e, rp.SpeechStopped))
    assert started.audio_sample_index == 8_000  # 1000 ms at 8 kHz
    assert stopped.audio_sample_index == 18_000  # 2250 ms at 8 kHz


@pytest.mark.parametrize("r", row_params(GA_ROWS))
def test_hand_written_ga_examples_are_valid_sdk_events(r: Row) -> None:
    """The GA examples are what the SDK itself accepts (a check of the test data)."""
    validate_server_event(r.text, rp.Dialect.GA)
