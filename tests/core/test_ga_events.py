"""Server events of the ``type``-keyed dialect (GA names, beta aliases, Azure preview variants).

Every wire example below is written by hand after the wire spec
(``realtime-ga-protocol.md``, sections 4.1-4.12) and sent as compact JSON text, the way the
service sends it, by the SERVER side of a :class:`ConnectionPair` (``SendRaw``); the CLIENT side
decodes it from real WebSocket bytes. The SERVER role is then checked the other way round: every
event class it ``send``s is decoded back into an equal event, and the JSON it writes validates
against the ``openai`` package's pydantic models of the same generation.
"""

from __future__ import annotations

import base64
import functools
import json
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import attrs
import pytest
from pydantic import BaseModel, TypeAdapter

import realtime_proto as rp
from tests.helpers import PAYLOAD_FIELDS, ConnectionPair


@functools.cache
def adapter(schema: Any) -> TypeAdapter[Any]:
    """pydantic builds a validator per schema once: the SDK unions are slow to build."""
    return TypeAdapter(schema)


# -- helpers --------------------------------------------------------------------------------


def frame(message: Mapping[str, Any]) -> str:
    """A server frame's text: compact JSON, as the service writes it."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def receive(texts: Sequence[str], *, dialect: rp.Dialect = rp.Dialect.GA) -> list[rp.Event]:
    """What a fresh CLIENT connection delivers for these frames, sent as is by its server."""
    pair = ConnectionPair(dialect=dialect)
    for text in texts:
        pair.server.send(rp.SendRaw(message=text))
    got, _ = pair.pump()
    return got


def receive_one(text: str, *, dialect: rp.Dialect = rp.Dialect.GA) -> rp.Event:
    got = receive([text], dialect=dialect)
    assert len(got) == 1, got
    return got[0]


def payload_of(event: rp.Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in PAYLOAD_FIELDS}


def expected_payload(**fields: Any) -> dict[str, Any]:
    unknown = set(fields) - set(PAYLOAD_FIELDS)
    assert not unknown, unknown
    return {name: fields.get(name) for name in PAYLOAD_FIELDS}


def retyped(message: Mapping[str, Any], event_type: str) -> dict[str, Any]:
    return {**message, "type": event_type}


# -- hand-written wire examples (GA names) --------------------------------------------------

SESSION_ID = "sess_C9G5QPteg4UIbotdKLoYQ"
CONVERSATION_ID = "conv_C9G5RJeJ2gF77mV7f2B1k"
RESPONSE_ID = "resp_CCXHw7gJoZ1hQYsvKMMzp"
USER_ITEM = "item_CCXHtWzsoX1ifLjxQHdwT"
ASSISTANT_ITEM = "item_CCXHwGjjDUfOXbiySlK7i"
CALL_ITEM = "item_CCXHxmNmZtYUh4EQc9xyS"
CALL_ID = "call_oKqzYfWZVGkD2Ytz"
MCP_ITEM = "mcp_68ae2d0b6c1c8191b4b1d7a2bd0f6cd40b3a2b5c"
AUDIO = bytes(range(256)) * 3  # 768 bytes = 16 ms of PCM16 at 24 kHz
DELTA_KEYS: dict[str, Any] = {
    "response_id": RESPONSE_ID,
    "item_id": ASSISTANT_ITEM,
    "output_index": 0,
    "content_index": 0,
}
WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
INSTRUCTIONS = "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI."

GA_SESSION_CREATED = {
    "type": "session.created",
    "event_id": "event_C9G5RJeJ2gF77mV7f2B1j",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": SESSION_ID,
        "model": "gpt-realtime-2025-08-28",
        "output_modalities": ["audio"],
        "instructions": INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": 1756324625,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 200,
                    "idle_timeout_ms": None,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "voice": "marin",
                "speed": 1.0,
            },
        },
        "include": None,
    },
}
GA_SESSION_CREATED_OPTIONS = rp.ConversationOptions(
    system_message=INSTRUCTIONS,
    voice="marin",
    input_audio_format=rp.AudioFormat.PCM16,
    output_audio_format=rp.AudioFormat.PCM16,
    turn_detection=rp.ServerVad(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200),
    tools=(),
    tool_choice="auto",
    max_output_tokens="inf",
    transcribe_input=None,
    disable_audio=False,
)

GA_SESSION_UPDATED = {
    "type": "session.updated",
    "event_id": "event_C9G8mqI3IucaojlVKE8Cs",
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": SESSION_ID,
        "model": "gpt-realtime-2025-08-28",
        "output_modalities": ["text"],
        "instructions": "Answer in one sentence.",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Current weather for a city",
                "parameters": WEATHER_PARAMETERS,
            }
        ],
        "tool_choice": "required",
        "max_output_tokens": 1024,
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": 1756324625,
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "transcription": {"model": "gpt-4o-transcribe", "language": "en", "prompt": ""},
                "noise_reduction": {"type": "near_field"},
                "turn_detection": {
                    "type": "semantic_vad",
                    "eagerness": "low",
                    "create_response": False,
                    "interrupt_response": True,
                },
            },
            "output": {"format": {"type": "audio/pcma"}, "voice": "cedar", "speed": 1.1},
        },
        "include": ["item.input_audio_transcription.logprobs"],
    },
}
GA_SESSION_UPDATED_OPTIONS = rp.ConversationOptions(
    system_message="Answer in one sentence.",
    voice="cedar",
    input_audio_format=rp.AudioFormat.G711_ULAW,
    output_audio_format=rp.AudioFormat.G711_ALAW,
    turn_detection=rp.SemanticVad(eagerness="low", create_response=False, interrupt_response=True),
    tools=(
        rp.ToolDefinition(
            name="get_weather",
            description="Current weather for a city",
            parameters=WEATHER_PARAMETERS,
        ),
    ),
    tool_choice="required",
    max_output_tokens=1024,
    transcribe_input=rp.InputTranscription(model="gpt-4o-transcribe", language="en", prompt=""),
    disable_audio=True,
)

USER_AUDIO_ITEM_WIRE = {
    "id": USER_ITEM,
    "type": "message",
    "object": "realtime.item",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_audio", "transcript": None}],
}
USER_AUDIO_ITEM = rp.ConversationItem(
    type="message",
    id=USER_ITEM,
    role="user",
    status="completed",
    content=(rp.ContentPart(type="input_audio"),),
)
ASSISTANT_ITEM_WIRE = {
    "id": ASSISTANT_ITEM,
    "type": "message",
    "object": "realtime.item",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_audio", "transcript": "It is sunny in Paris."}],
}
ASSISTANT_ITEM_VALUE = rp.ConversationItem(
    type="message",
    id=ASSISTANT_ITEM,
    role="assistant",
    status="completed",
    content=(rp.ContentPart(type="output_audio", transcript="It is sunny in Paris."),),
)
CALL_ITEM_WIRE = {
    "id": CALL_ITEM,
    "type": "function_call",
    "object": "realtime.item",
    "status": "completed",
    "name": "get_weather",
    "call_id": CALL_ID,
    "arguments": '{"city":"Paris"}',
}
CALL_ITEM_VALUE = rp.ConversationItem(
    type="function_call",
    id=CALL_ITEM,
    status="completed",
    name="get_weather",
    call_id=CALL_ID,
    arguments='{"city":"Paris"}',
)
MCP_LIST_TOOLS_WIRE = {
    "id": MCP_ITEM,
    "type": "mcp_list_tools",
    "server_label": "deepwiki",
    "tools": [
        {
            "name": "read_wiki_structure",
            "input_schema": {"type": "object", "properties": {"repoName": {"type": "string"}}},
            "description": "Get a list of documentation topics",
        }
    ],
}
RESPONSE_AUDIO_CONFIG = {
    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}
}
# "object" is a constant type tag: decoding drops it rather than keep it as an extra key
RESPONSE_EXTRA = {
    "output_modalities": ["audio"],
    "max_output_tokens": "inf",
    "audio": RESPONSE_AUDIO_CONFIG,
}
INPUT_DETAILS = {
    "text_tokens": 119,
    "audio_tokens": 13,
    "image_tokens": 0,
    "cached_tokens": 64,
    "cached_tokens_details": {"text_tokens": 64, "audio_tokens": 0, "image_tokens": 0},
}
OUTPUT_DETAILS = {"text_tokens": 30, "audio_tokens": 91}
RESPONSE_USAGE_WIRE = {
    "total_tokens": 253,
    "input_tokens": 132,
    "output_tokens": 121,
    "input_token_details": INPUT_DETAILS,
    "output_token_details": OUTPUT_DETAILS,
}
RESPONSE_USAGE = rp.Usage(
    total_tokens=253,
    input_tokens=132,
    output_tokens=121,
    input_token_details=INPUT_DETAILS,
    output_token_details=OUTPUT_DETAILS,
)
DONE_RESPONSE = rp.ResponseInfo(
    id=RESPONSE_ID,
    status="completed",
    status_details=None,
    output=(ASSISTANT_ITEM_VALUE, CALL_ITEM_VALUE),
    conversation_id=CONVERSATION_ID,
    metadata={"topic": "weather"},
    usage=RESPONSE_USAGE,
    extra=RESPONSE_EXTRA,
)
CANCELLED_DETAILS = {"type": "cancelled", "reason": "turn_detected"}
CANCELLED_RESPONSE = rp.ResponseInfo(
    id=RESPONSE_ID,
    status="cancelled",
    status_details=CANCELLED_DETAILS,
    output=(),
    conversation_id=CONVERSATION_ID,
    usage=rp.Usage(
        total_tokens=140,
        input_tokens=132,
        output_tokens=8,
        input_token_details=INPUT_DETAILS,
        output_token_details={"text_tokens": 2, "audio_tokens": 6},
    ),
    extra=RESPONSE_EXTRA,
)
TRANSCRIPTION_USAGE = {
    "type": "tokens",
    "total_tokens": 22,
    "input_tokens": 13,
    "input_token_details": {"text_tokens": 0, "audio_tokens": 13},
    "output_tokens": 9,
}
SERVER_ERROR_WIRE = {
    "type": "invalid_request_error",
    "code": "invalid_value",
    "message": "Invalid value: 'robot'. Supported values are: 'alloy', 'ash', 'marin'.",
    "param": "session.audio.output.voice",
    "event_id": "client_evt_42",
}


MCP_STATUSES: tuple[Literal["in_progress", "completed", "failed"], ...] = (
    "in_progress",
    "completed",
    "failed",
)
BUFFER_STATUSES: tuple[Literal["started", "stopped", "cleared"], ...] = (
    "started",
    "stopped",
    "cleared",
)


class Row(NamedTuple):
    """One server event: its wire form, the event it must decode to, and the mission payload."""

    message: dict[str, Any]
    expected: rp.Event
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        return frame(self.message)


def row(message: dict[str, Any], expected: rp.Event, **payload: Any) -> Row:
    return Row(message, expected, expected_payload(**payload))


GA_ROWS: list[Row] = [
    # 4.1 session
    row(
        GA_SESSION_CREATED,
        rp.SessionCreated(
            session=rp.Session(
                id=SESSION_ID,
                model="gpt-realtime-2025-08-28",
                expires_at=1756324625,
                options=GA_SESSION_CREATED_OPTIONS,
            ),
            event_id="event_C9G5RJeJ2gF77mV7f2B1j",
        ),
    ),
    row(
        GA_SESSION_UPDATED,
        rp.SessionUpdated(
            session=rp.Session(
                id=SESSION_ID,
                model="gpt-realtime-2025-08-28",
                expires_at=1756324625,
                options=GA_SESSION_UPDATED_OPTIONS,
            ),
            event_id="event_C9G8mqI3IucaojlVKE8Cs",
        ),
    ),
    row(
        {
            "type": "conversation.created",
            "event_id": "event_9101",
            "conversation": {"id": CONVERSATION_ID, "object": "realtime.conversation"},
        },
        rp.ConversationCreated(conversation_id=CONVERSATION_ID, event_id="event_9101"),
    ),
    # 4.2 conversation items
    row(
        {
            "type": "conversation.item.added",
            "event_id": "event_C9G8pjSJCfRNEhMEnYAVy",
            "previous_item_id": None,
            "item": USER_AUDIO_ITEM_WIRE,
        },
        rp.ItemAdded(
            item=USER_AUDIO_ITEM, previous_item_id=None, event_id="event_C9G8pjSJCfRNEhMEnYAVy"
        ),
    ),
    row(
        {
            "type": "conversation.item.done",
            "event_id": "event_CCXLgMZPo3qioWCeQa4WH",
            "previous_item_id": USER_ITEM,
            "item": ASSISTANT_ITEM_WIRE,
        },
        rp.ItemDone(
            item=ASSISTANT_ITEM_VALUE,
            previous_item_id=USER_ITEM,
            event_id="event_CCXLgMZPo3qioWCeQa4WH",
        ),
    ),
    row(
        {
            "type": "conversation.item.retrieved",
            "event_id": "event_CCXGSizgEppa2d4XbKA7K",
            "item": {
                "id": USER_ITEM,
                "type": "message",
                "object": "realtime.item",
                "status": "completed",
                "role": "user",
                "content": [
                    {
                        "type": "input_audio",
                        "audio": base64.b64encode(AUDIO).decode(),
                        "transcript": "What's the weather in Paris?",
                    }
                ],
            },
        },
        rp.ItemRetrieved(
            item=rp.ConversationItem(
                type="message",
                id=USER_ITEM,
                role="user",
                status="completed",
                content=(
                    rp.ContentPart(
                        type="input_audio",
                        audio=AUDIO,
                        transcript="What's the weather in Paris?",
                    ),
                ),
            ),
            event_id="event_CCXGSizgEppa2d4XbKA7K",
        ),
    ),
    row(
        {
            "type": "conversation.item.truncated",
            "event_id": "event_2526",
            "item_id": ASSISTANT_ITEM,
            "content_index": 0,
            "audio_end_ms": 1500,
        },
        rp.ItemTruncated(
            item_id=ASSISTANT_ITEM, content_index=0, audio_end_ms=1500, event_id="event_2526"
        ),
    ),
    row(
        {"type": "conversation.item.deleted", "event_id": "event_2728", "item_id": USER_ITEM},
        rp.ItemDeleted(item_id=USER_ITEM, event_id="event_2728"),
    ),
    # 4.3 input audio buffer
    row(
        {
            "type": "input_audio_buffer.committed",
            "event_id": "event_1121",
            "previous_item_id": "item_001",
            "item_id": USER_ITEM,
        },
        rp.InputAudioCommitted(
            item_id=USER_ITEM, previous_item_id="item_001", event_id="event_1121"
        ),
    ),
    row(
        {"type": "input_audio_buffer.cleared", "event_id": "event_1314"},
        rp.InputAudioCleared(event_id="event_1314"),
    ),
    row(
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "event_1516",
            "audio_start_ms": 1000,
            "item_id": USER_ITEM,
        },
        rp.SpeechStarted(
            audio_start_ms=1000,
            item_id=USER_ITEM,
            audio_sample_index=24_000,
            event_id="event_1516",
        ),
        audio_sample_index=24_000,
    ),
    row(
        {
            "type": "input_audio_buffer.speech_stopped",
            "event_id": "event_1718",
            "audio_end_ms": 2_250,
            "item_id": USER_ITEM,
        },
        rp.SpeechStopped(
            audio_end_ms=2_250, item_id=USER_ITEM, audio_sample_index=54_000, event_id="event_1718"
        ),
        audio_sample_index=54_000,
    ),
    row(
        {
            "type": "input_audio_buffer.timeout_triggered",
            "event_id": "event_CEKKrf1KTGvemCPyiJTJ2",
            "audio_start_ms": 13216,
            "audio_end_ms": 19232,
            "item_id": USER_ITEM,
        },
        rp.InputTimeoutTriggered(
            audio_start_ms=13216,
            audio_end_ms=19232,
            item_id=USER_ITEM,
            event_id="event_CEKKrf1KTGvemCPyiJTJ2",
        ),
    ),
    row(
        # the one server event without an event_id in the SDK types
        {"type": "input_audio_buffer.dtmf_event_received", "event": "9", "received_at": 1759438080},
        rp.DtmfReceived(key="9", received_at=1759438080, event_id=None),
    ),
    # 4.4 input audio transcription
    row(
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "event_id": "event_CCXGRxsAimPAs8kS2Wc7Z",
            "item_id": USER_ITEM,
            "content_index": 0,
            "delta": "What's",
            "obfuscation": "aLxx0jTEciOGe",
            "logprobs": [{"token": "What", "bytes": [87, 104, 97, 116], "logprob": -0.0012}],
        },
        rp.InputTranscriptionDelta(
            item_id=USER_ITEM,
            content_index=0,
            delta="What's",
            event_id="event_CCXGRxsAimPAs8kS2Wc7Z",
        ),
        audio_transcript="What's",
    ),
    row(
        {
            "type": "conversation.item.input_audio_transcription.segment",
            "event_id": "event_6501",
            "item_id": USER_ITEM,
            "content_index": 0,
            "id": "seg_0001",
            "text": "What's the weather",
            "speaker": "A",
            "start": 0.0,
            "end": 1.25,
        },
        rp.InputTranscriptionSegment(
            item_id=USER_ITEM,
            content_index=0,
            segment_id="seg_0001",
            segment_text="What's the weather",
            speaker="A",
            start=0.0,
            end=1.25,
            event_id="event_6501",
        ),
    ),
    row(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "event_CCXGRvtUVrax5SJAnNOWZ",
            "item_id": USER_ITEM,
            "content_index": 0,
            "transcript": "What's the weather in Paris?",
            "usage": TRANSCRIPTION_USAGE,
        },
        rp.InputTranscriptionCompleted(
            item_id=USER_ITEM,
            content_index=0,
            audio_transcript="What's the weather in Paris?",
            usage=TRANSCRIPTION_USAGE,
            event_id="event_CCXGRvtUVrax5SJAnNOWZ",
        ),
        audio_transcript="What's the weather in Paris?",
    ),
    row(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "event_id": "event_2324",
            "item_id": USER_ITEM,
            "content_index": 0,
            "error": {
                "type": "transcription_error",
                "code": "audio_unintelligible",
                "message": "The audio could not be transcribed.",
                "param": None,
            },
        },
        rp.InputTranscriptionFailed(
            item_id=USER_ITEM,
            content_index=0,
            error=rp.ErrorDetail(
                type="transcription_error",
                code="audio_unintelligible",
                message="The audio could not be transcribed.",
            ),
            event_id="event_2324",
        ),
    ),
    # 4.5 response lifecycle
    row(
        {
            "type": "response.created",
            "event_id": "event_C9G8pqbTEddBSIxbBN6Os",
            "response": {
                "object": "realtime.response",
                "id": RESPONSE_ID,
                "status": "in_progress",
                "status_details": None,
                "output": [],
                "conversation_id": CONVERSATION_ID,
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": RESPONSE_AUDIO_CONFIG,
                "usage": None,
                "metadata": None,
            },
        },
        rp.TurnStarted(
            response=rp.ResponseInfo(
                id=RESPONSE_ID,
                status="in_progress",
                conversation_id=CONVERSATION_ID,
                extra=RESPONSE_EXTRA,
            ),
            event_id="event_C9G8pqbTEddBSIxbBN6Os",
        ),
    ),
    row(
        {
            "type": "response.output_item.added",
            "event_id": "event_3334",
            "response_id": RESPONSE_ID,
            "output_index": 0,
            "item": {
                "id": ASSISTANT_ITEM,
                "type": "message",
                "object": "realtime.item",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            },
        },
        rp.OutputItemAdded(
            response_id=RESPONSE_ID,
            output_index=0,
            item=rp.ConversationItem(
                type="message",
                id=ASSISTANT_ITEM,
                role="assistant",
                status="in_progress",
            ),
            event_id="event_3334",
        ),
    ),
    row(
        {
            "type": "response.output_item.done",
            "event_id": "event_CCXHxcMy86rrKhBLDdqCh",
            "response_id": RESPONSE_ID,
            "output_index": 1,
            "item": CALL_ITEM_WIRE,
        },
        rp.OutputItemDone(
            response_id=RESPONSE_ID,
            output_index=1,
            item=CALL_ITEM_VALUE,
            event_id="event_CCXHxcMy86rrKhBLDdqCh",
        ),
        # mission-api.md: ToolCallId / ToolName / ToolArguments come from the function_call
        # item done event (and from the arguments done event)
        tool_call_id=CALL_ID,
        tool_name="get_weather",
        tool_arguments='{"city":"Paris"}',
    ),
    row(
        {
            "type": "response.content_part.added",
            "event_id": "event_3738",
            **DELTA_KEYS,
            "part": {"type": "audio", "transcript": ""},
        },
        rp.ContentPartAdded(
            **DELTA_KEYS, part=rp.ContentPart(type="audio", transcript=""), event_id="event_3738"
        ),
    ),
    row(
        {
            "type": "response.content_part.done",
            "event_id": "event_CCXHxRQJ7Y5TdfvRkCkpS",
            **DELTA_KEYS,
            "part": {"type": "audio", "transcript": "It is sunny in Paris."},
        },
        rp.ContentPartDone(
            **DELTA_KEYS,
            part=rp.ContentPart(type="audio", transcript="It is sunny in Paris."),
            event_id="event_CCXHxRQJ7Y5TdfvRkCkpS",
        ),
    ),
    row(
        {
            "type": "response.done",
            "event_id": "event_CCXHxcMy86rrKhBLDdqCi",
            "response": {
                "object": "realtime.response",
                "id": RESPONSE_ID,
                "status": "completed",
                "status_details": None,
                "output": [
                    ASSISTANT_ITEM_WIRE,
                    CALL_ITEM_WIRE,
                ],
                "conversation_id": CONVERSATION_ID,
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": RESPONSE_AUDIO_CONFIG,
                "usage": RESPONSE_USAGE_WIRE,
                "metadata": {"topic": "weather"},
            },
        },
        rp.TurnFinished(
            response=DONE_RESPONSE,
            # response.done alone (no deltas) still gives the final output (spec 7, rule 7)
            turn=rp.Turn(
                response_id=RESPONSE_ID,
                status="completed",
                status_details=None,
                finish_reason="completed",
                text="",
                audio=b"",
                audio_transcript="It is sunny in Paris.",
                tool_calls=(
                    rp.ToolCall(
                        call_id=CALL_ID,
                        name="get_weather",
                        arguments='{"city":"Paris"}',
                        item_id=CALL_ITEM,
                        output_index=1,
                    ),
                ),
                usage=RESPONSE_USAGE,
                item_ids=(ASSISTANT_ITEM, CALL_ITEM),
                input_item_id=None,
            ),
            event_id="event_CCXHxcMy86rrKhBLDdqCi",
        ),
        finish_reason="completed",
    ),
    # 4.6 output deltas
    row(
        {
            "type": "response.output_text.delta",
            "event_id": "event_4142",
            **DELTA_KEYS,
            "delta": "Sun",
        },
        rp.TextDelta(**DELTA_KEYS, text="Sun", event_id="event_4142"),
        text="Sun",
    ),
    row(
        {
            "type": "response.output_text.done",
            "event_id": "event_4344",
            **DELTA_KEYS,
            "text": "Sunny, 24 °C.",
        },
        rp.TextDone(**DELTA_KEYS, text="Sunny, 24 °C.", event_id="event_4344"),
        text="Sunny, 24 °C.",
    ),
    row(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_4546",
            **DELTA_KEYS,
            "delta": base64.b64encode(AUDIO).decode(),
        },
        rp.AudioDelta(**DELTA_KEYS, audio_bytes=AUDIO, event_id="event_4546"),
        audio_bytes=AUDIO,
    ),
    row(
        {"type": "response.output_audio.done", "event_id": "event_4748", **DELTA_KEYS},
        rp.AudioDone(**DELTA_KEYS, event_id="event_4748"),
    ),
    row(
        {
            "type": "response.output_audio_transcript.delta",
            "event_id": "event_CCXHwM4oXK1N5ftoXYHZs",
            **DELTA_KEYS,
            "delta": "It is",
            "obfuscation": "b4Dg9ZCkpW3Rd",
        },
        rp.OutputTranscriptDelta(
            **DELTA_KEYS, delta="It is", event_id="event_CCXHwM4oXK1N5ftoXYHZs"
        ),
        audio_transcript="It is",
    ),
    row(
        {
            "type": "response.output_audio_transcript.done",
            "event_id": "event_5152",
            **DELTA_KEYS,
            "transcript": "It is sunny in Paris.",
        },
        rp.OutputTranscriptDone(
            **DELTA_KEYS, transcript="It is sunny in Paris.", event_id="event_5152"
        ),
        audio_transcript="It is sunny in Paris.",
    ),
    # 4.7 function-call arguments
    row(
        {
            "type": "response.function_call_arguments.delta",
            "event_id": "event_5354",
            "response_id": RESPONSE_ID,
            "item_id": CALL_ITEM,
            "output_index": 1,
            "call_id": CALL_ID,
            "delta": '{"ci',
            "obfuscation": "q1w2e3r4t5y6",
        },
        rp.ToolCallArgumentsDelta(
            response_id=RESPONSE_ID,
            item_id=CALL_ITEM,
            output_index=1,
            tool_call_id=CALL_ID,
            delta='{"ci',
            event_id="event_5354",
        ),
        tool_call_id=CALL_ID,
    ),
    row(
        {
            "type": "response.function_call_arguments.done",
            "event_id": "event_5556",
            "response_id": RESPONSE_ID,
            "item_id": CALL_ITEM,
            "output_index": 1,
            "call_id": CALL_ID,
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        rp.ToolCallArgumentsDone(
            response_id=RESPONSE_ID,
            item_id=CALL_ITEM,
            output_index=1,
            tool_call_id=CALL_ID,
            tool_name="get_weather",
            tool_arguments='{"city":"Paris"}',
            event_id="event_5556",
        ),
        tool_call_id=CALL_ID,
        tool_name="get_weather",
        tool_arguments='{"city":"Paris"}',
    ),
    # 4.8 MCP
    *(
        row(
            {
                "type": f"mcp_list_tools.{status}",
                "event_id": f"event_mcpl_{n}",
                "item_id": MCP_ITEM,
            },
            rp.McpListToolsStatus(item_id=MCP_ITEM, status=status, event_id=f"event_mcpl_{n}"),
        )
        for n, status in enumerate(MCP_STATUSES)
    ),
    row(
        {
            "type": "response.mcp_call_arguments.delta",
            "event_id": "event_6001",
            "response_id": RESPONSE_ID,
            "item_id": "mcp_call_7f1",
            "output_index": 0,
            "delta": '{"repoName":',
            "obfuscation": "Zx81",
        },
        rp.McpCallArgumentsDelta(
            response_id=RESPONSE_ID,
            item_id="mcp_call_7f1",
            output_index=0,
            delta='{"repoName":',
            event_id="event_6001",
        ),
    ),
    row(
        {
            "type": "response.mcp_call_arguments.done",
            "event_id": "event_6002",
            "response_id": RESPONSE_ID,
            "item_id": "mcp_call_7f1",
            "output_index": 0,
            "arguments": '{"repoName":"openai/openai-python"}',
        },
        rp.McpCallArgumentsDone(
            response_id=RESPONSE_ID,
            item_id="mcp_call_7f1",
            output_index=0,
            arguments='{"repoName":"openai/openai-python"}',
            event_id="event_6002",
        ),
    ),
    *(
        row(
            {
                "type": f"response.mcp_call.{status}",
                "event_id": f"event_mcpc_{n}",
                "item_id": "mcp_call_7f1",
                "output_index": 0,
            },
            rp.McpCallStatus(
                item_id="mcp_call_7f1", output_index=0, status=status, event_id=f"event_mcpc_{n}"
            ),
        )
        for n, status in enumerate(MCP_STATUSES)
    ),
    # 4.9 output audio buffer
    *(
        row(
            {
                "type": f"output_audio_buffer.{status}",
                "event_id": f"event_oab_{n}",
                "response_id": RESPONSE_ID,
            },
            rp.OutputAudioBufferStatus(
                response_id=RESPONSE_ID, status=status, event_id=f"event_oab_{n}"
            ),
        )
        for n, status in enumerate(BUFFER_STATUSES)
    ),
    # 4.10 rate limits and errors
    row(
        {
            "type": "rate_limits.updated",
            "event_id": "event_5758",
            "rate_limits": [
                {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 60},
                {"name": "tokens", "limit": 50000, "remaining": 49847, "reset_seconds": 0.184},
            ],
        },
        rp.RateLimitsUpdated(
            rate_limits=(
                rp.RateLimit(name="requests", limit=1000, remaining=999, reset_seconds=60.0),
                rp.RateLimit(name="tokens", limit=50000, remaining=49847, reset_seconds=0.184),
            ),
            event_id="event_5758",
        ),
    ),
    row(
        {"type": "error", "event_id": "event_890", "error": SERVER_ERROR_WIRE},
        rp.ServerError(
            error=rp.ErrorDetail(
                type="invalid_request_error",
                code="invalid_value",
                message="Invalid value: 'robot'. Supported values are: 'alloy', 'ash', 'marin'.",
                param="session.audio.output.voice",
                event_id="client_evt_42",
            ),
            event_id="event_890",
        ),
    ),
]

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


def row_params(rows: Sequence[Row] | Mapping[str, Row]) -> list[Any]:
    if isinstance(rows, Mapping):
        return [pytest.param(r, id=name) for name, r in rows.items()]
    return [pytest.param(r, id=r.message["type"]) for r in rows]


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


def fields_of(value: Any) -> dict[str, Any]:
    """Every field (the ``repr=False`` ones too, for readable diffs) except ``raw``."""
    return attrs.asdict(value, filter=lambda a, _: a.name != "raw")


def _assert_decoded(got: rp.Event, r: Row, text: str) -> None:
    assert type(got) is type(r.expected)
    assert fields_of(got) == fields_of(r.expected)
    assert got == r.expected
    assert got.kind is EXPECTED_KINDS[type(got)]
    assert got.raw == text
    assert payload_of(got) == r.payload


@pytest.mark.parametrize("r", [*row_params(GA_ROWS), *row_params(GA_VARIANT_ROWS)])
def test_ga_server_event_decodes(r: Row) -> None:
    text = r.text
    _assert_decoded(receive_one(text), r, text)


EXPECTED_KINDS = {
    rp.SessionCreated: rp.MessageKind.SESSION_STARTED,
    rp.SessionUpdated: rp.MessageKind.SESSION_UPDATED,
    rp.ConversationCreated: rp.MessageKind.CONVERSATION_CREATED,
    rp.ItemAdded: rp.MessageKind.ITEM_STARTED,
    rp.ItemDone: rp.MessageKind.ITEM_FINISHED,
    rp.ItemRetrieved: rp.MessageKind.ITEM_RETRIEVED,
    rp.ItemTruncated: rp.MessageKind.ITEM_TRUNCATED,
    rp.ItemDeleted: rp.MessageKind.ITEM_DELETED,
    rp.InputAudioCommitted: rp.MessageKind.INPUT_AUDIO_COMMITTED,
    rp.InputAudioCleared: rp.MessageKind.INPUT_AUDIO_CLEARED,
    rp.SpeechStarted: rp.MessageKind.INPUT_SPEECH_STARTED,
    rp.SpeechStopped: rp.MessageKind.INPUT_SPEECH_STOPPED,
    rp.InputTimeoutTriggered: rp.MessageKind.INPUT_TIMEOUT_TRIGGERED,
    rp.DtmfReceived: rp.MessageKind.DTMF_RECEIVED,
    rp.InputTranscriptionDelta: rp.MessageKind.INPUT_TRANSCRIPTION_DELTA,
    rp.InputTranscriptionSegment: rp.MessageKind.INPUT_TRANSCRIPTION_SEGMENT,
    rp.InputTranscriptionCompleted: rp.MessageKind.INPUT_TRANSCRIPTION_FINISHED,
    rp.InputTranscriptionFailed: rp.MessageKind.INPUT_TRANSCRIPTION_FAILED,
    rp.TurnStarted: rp.MessageKind.TURN_STARTED,
    rp.TurnFinished: rp.MessageKind.TURN_FINISHED,
    rp.OutputItemAdded: rp.MessageKind.OUTPUT_ITEM_STARTED,
    rp.OutputItemDone: rp.MessageKind.OUTPUT_ITEM_FINISHED,
    rp.ContentPartAdded: rp.MessageKind.CONTENT_PART_STARTED,
    rp.ContentPartDone: rp.MessageKind.CONTENT_PART_FINISHED,
    rp.TextDelta: rp.MessageKind.TEXT_DELTA,
    rp.TextDone: rp.MessageKind.TEXT_FINISHED,
    rp.AudioDelta: rp.MessageKind.AUDIO_DELTA,
    rp.AudioDone: rp.MessageKind.AUDIO_FINISHED,
    rp.OutputTranscriptDelta: rp.MessageKind.OUTPUT_TRANSCRIPT_DELTA,
    rp.OutputTranscriptDone: rp.MessageKind.OUTPUT_TRANSCRIPT_FINISHED,
    rp.ToolCallArgumentsDelta: rp.MessageKind.TOOL_CALL_ARGUMENTS_DELTA,
    rp.ToolCallArgumentsDone: rp.MessageKind.TOOL_CALL,
    rp.McpListToolsStatus: rp.MessageKind.MCP,
    rp.McpCallArgumentsDelta: rp.MessageKind.MCP,
    rp.McpCallArgumentsDone: rp.MessageKind.MCP,
    rp.McpCallStatus: rp.MessageKind.MCP,
    rp.OutputAudioBufferStatus: rp.MessageKind.OUTPUT_AUDIO_BUFFER,
    rp.RateLimitsUpdated: rp.MessageKind.RATE_LIMITS_UPDATED,
    rp.ServerError: rp.MessageKind.ERROR,
}


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


# -- beta names (4.11) ----------------------------------------------------------------------

BETA_ALIASES = {
    "response.text.delta": "response.output_text.delta",
    "response.text.done": "response.output_text.done",
    "response.audio.delta": "response.output_audio.delta",
    "response.audio.done": "response.output_audio.done",
    "response.audio_transcript.delta": "response.output_audio_transcript.delta",
    "response.audio_transcript.done": "response.output_audio_transcript.done",
    "conversation.item.created": "conversation.item.added",
}
GA_BY_TYPE = {r.message["type"]: r for r in GA_ROWS}


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA], ids=lambda d: d.value)
@pytest.mark.parametrize(("beta_type", "ga_type"), BETA_ALIASES.items(), ids=list(BETA_ALIASES))
def test_beta_name_decodes_to_the_ga_class(
    beta_type: str, ga_type: str, dialect: rp.Dialect
) -> None:
    ga_row = GA_BY_TYPE[ga_type]
    text = frame(retyped(ga_row.message, beta_type))
    got = receive_one(text, dialect=dialect)
    _assert_decoded(got, ga_row, text)


BETA_SESSION = {
    "id": SESSION_ID,
    "object": "realtime.session",
    "model": "gpt-4o-realtime-preview-2025-06-03",
    "expires_at": 1756324625,
    "modalities": ["text", "audio"],
    "instructions": INSTRUCTIONS,
    "voice": "marin",
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "input_audio_transcription": None,
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 200,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    },
    "input_audio_noise_reduction": None,
    "speed": 1.0,
    "tracing": None,
    "tools": [],
    "tool_choice": "auto",
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
    "client_secret": None,
}
TRANSCRIPTION_SESSION = {
    "id": "sess_BBwZc7cFV3XizEyKGDCGL",
    "object": "realtime.transcription_session",
    "expires_at": 1742188264,
    "modalities": ["text"],
    "input_audio_format": "pcm16",
    "input_audio_transcription": {"model": "gpt-4o-transcribe", "language": "en", "prompt": ""},
    "turn_detection": {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
    },
    "input_audio_noise_reduction": {"type": "near_field"},
    "include": None,
}
TRANSCRIPTION_OPTIONS = rp.ConversationOptions(
    input_audio_format=rp.AudioFormat.PCM16,
    turn_detection=rp.ServerVad(),
    transcribe_input=rp.InputTranscription(model="gpt-4o-transcribe", language="en", prompt=""),
    disable_audio=True,
)

BETA_ROWS: dict[str, Row] = {
    "conversation.item.created": row(
        {
            "type": "conversation.item.created",
            "event_id": "event_1920",
            "previous_item_id": USER_ITEM,
            "item": {  # beta items may lack "object" (4.11)
                "id": ASSISTANT_ITEM,
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [{"type": "text", "text": "Sunny."}],
            },
        },
        rp.ItemAdded(
            item=rp.ConversationItem(
                type="message",
                id=ASSISTANT_ITEM,
                role="assistant",
                status="in_progress",
                content=(rp.ContentPart(type="text", text="Sunny."),),
            ),
            previous_item_id=USER_ITEM,
            event_id="event_1920",
        ),
    ),
    "session.created[beta]": row(
        {"type": "session.created", "event_id": "event_1234", "session": BETA_SESSION},
        rp.SessionCreated(
            session=rp.Session(
                id=SESSION_ID,
                model="gpt-4o-realtime-preview-2025-06-03",
                expires_at=1756324625,
                options=attrs.evolve(GA_SESSION_CREATED_OPTIONS, temperature=0.8),
            ),
            event_id="event_1234",
        ),
    ),
    # 4.1: beta transcription sessions; 4.11 maps them onto session.created / session.updated
    "transcription_session.created": row(
        {
            "type": "transcription_session.created",
            "event_id": "event_5566",
            "session": TRANSCRIPTION_SESSION,
        },
        rp.SessionCreated(
            session=rp.Session(
                id="sess_BBwZc7cFV3XizEyKGDCGL",
                expires_at=1742188264,
                options=TRANSCRIPTION_OPTIONS,
            ),
            event_id="event_5566",
        ),
    ),
    "transcription_session.updated": row(
        {
            "type": "transcription_session.updated",
            "event_id": "event_5567",
            "session": TRANSCRIPTION_SESSION,
        },
        rp.SessionUpdated(
            session=rp.Session(
                id="sess_BBwZc7cFV3XizEyKGDCGL",
                expires_at=1742188264,
                options=TRANSCRIPTION_OPTIONS,
            ),
            event_id="event_5567",
        ),
    ),
}


@pytest.mark.parametrize("r", row_params(BETA_ROWS))
def test_beta_server_event_decodes(r: Row) -> None:
    text = r.text
    _assert_decoded(receive_one(text, dialect=rp.Dialect.BETA), r, text)


def test_both_session_shapes_decode_to_the_same_options() -> None:
    """GA nests formats, voice and turn detection under ``audio``; beta keeps them flat."""
    ga, beta = receive(
        [
            frame(GA_SESSION_CREATED),
            frame({"type": "session.created", "event_id": "event_2", "session": BETA_SESSION}),
        ]
    )
    assert isinstance(ga, rp.SessionCreated)
    assert isinstance(beta, rp.SessionCreated)
    assert ga.session.options == GA_SESSION_CREATED_OPTIONS
    # beta still reports a temperature, which GA removed: the only difference
    assert beta.session.options.temperature == 0.8
    assert attrs.evolve(beta.session.options, temperature=None) == ga.session.options
    assert (beta.session.id, beta.session.expires_at) == (ga.session.id, ga.session.expires_at)


# -- Azure 2024-10-01-preview variants (4.12) -----------------------------------------------

AZURE_SESSION = {
    "id": "sess_AHm9bkCwXqW8Pv2Qx1yZ3",
    "object": "realtime.session",
    "model": "gpt-4o-realtime-preview-2024-10-01",
    "expires_at": 1729795200,
    "modalities": ["text", "audio"],
    "instructions": "",
    "voice": "shimmer",
    "input_audio_format": "g711-ulaw",
    "output_audio_format": "g711-alaw",
    "input_audio_transcription": {"model": "whisper-1"},
    "turn_detection": {"type": "none"},
    "tools": [],
    "tool_choice": "auto",
    "temperature": 0.8,
    "max_response_output_tokens": "inf",
}
AZURE_OPTIONS = rp.ConversationOptions(
    system_message="",
    voice="shimmer",
    input_audio_format=rp.AudioFormat.G711_ULAW,
    output_audio_format=rp.AudioFormat.G711_ALAW,
    turn_detection=rp.NoTurnDetection(),
    tools=(),
    tool_choice="auto",
    temperature=0.8,
    max_output_tokens="inf",
    transcribe_input=rp.InputTranscription(model="whisper-1"),
    disable_audio=False,
)

AZURE_ROWS: dict[str, Row] = {
    "session.created[azure-2024-10-01]": row(
        {"type": "session.created", "event_id": "event_AZ01", "session": AZURE_SESSION},
        rp.SessionCreated(
            session=rp.Session(
                id="sess_AHm9bkCwXqW8Pv2Qx1yZ3",
                model="gpt-4o-realtime-preview-2024-10-01",
                expires_at=1729795200,
                options=AZURE_OPTIONS,
            ),
            event_id="event_AZ01",
        ),
    ),
    "response.text.done[value]": row(
        {"type": "response.text.done", "event_id": "event_AZ02", **DELTA_KEYS, "value": "Sunny."},
        rp.TextDone(**DELTA_KEYS, text="Sunny.", event_id="event_AZ02"),
        text="Sunny.",
    ),
    "conversation.item.truncated[index]": row(
        {
            "type": "conversation.item.truncated",
            "event_id": "event_AZ03",
            "item_id": ASSISTANT_ITEM,
            "index": 0,
            "audio_end_ms": 640,
        },
        rp.ItemTruncated(
            item_id=ASSISTANT_ITEM, content_index=0, audio_end_ms=640, event_id="event_AZ03"
        ),
    ),
    "response.content_part.added[content]": row(
        {
            "type": "response.content_part.added",
            "event_id": "event_AZ04",
            **DELTA_KEYS,
            "content": {"type": "audio", "transcript": ""},
        },
        rp.ContentPartAdded(
            **DELTA_KEYS, part=rp.ContentPart(type="audio", transcript=""), event_id="event_AZ04"
        ),
    ),
    "response.content_part.done[content]": row(
        {
            "type": "response.content_part.done",
            "event_id": "event_AZ05",
            **DELTA_KEYS,
            "content": {"type": "audio", "transcript": "Sunny."},
        },
        rp.ContentPartDone(
            **DELTA_KEYS,
            part=rp.ContentPart(type="audio", transcript="Sunny."),
            event_id="event_AZ05",
        ),
    ),
    "response.audio_transcript.done[no-transcript]": row(
        {"type": "response.audio_transcript.done", "event_id": "event_AZ06", **DELTA_KEYS},
        rp.OutputTranscriptDone(**DELTA_KEYS, transcript=None, event_id="event_AZ06"),
    ),
}


@pytest.mark.parametrize("r", row_params(AZURE_ROWS))
def test_azure_preview_variant_decodes(r: Row) -> None:
    text = r.text
    _assert_decoded(receive_one(text, dialect=rp.Dialect.BETA), r, text)


def test_azure_g711_session_sets_the_vad_sample_rate() -> None:
    """After a session with ``g711-ulaw`` input, VAD offsets count 8000 samples per second."""
    got = receive(
        [
            frame({"type": "session.created", "event_id": "event_1", "session": AZURE_SESSION}),
            frame(
                {
                    "type": "input_audio_buffer.speech_started",
                    "event_id": "event_2",
                    "audio_start_ms": 1500,
                    "item_id": USER_ITEM,
                }
            ),
        ],
        dialect=rp.Dialect.BETA,
    )
    assert isinstance(got[1], rp.SpeechStarted)
    assert got[1].audio_sample_index == 12_000


def test_turn_detection_null_and_none_both_mean_client_turns() -> None:
    null_session = {**AZURE_SESSION, "turn_detection": None}
    got = receive(
        [
            frame({"type": "session.updated", "event_id": "event_1", "session": AZURE_SESSION}),
            frame({"type": "session.updated", "event_id": "event_2", "session": null_session}),
        ]
    )
    sessions = [e.session for e in got if isinstance(e, rp.SessionUpdated)]
    assert [s.options.turn_detection for s in sessions] == [rp.NoTurnDetection()] * 2


# -- unknown and malformed events -----------------------------------------------------------

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


# -- the SERVER role: encode, decode back, validate against the openai models ---------------


def _members_by_type(union: Any) -> dict[str, type[BaseModel]]:
    """The pydantic models of a ``type``-discriminated union, by their ``type`` literal."""
    members = typing.get_args(union)[0]  # Annotated[Union[...], PropertyInfo(discriminator)]
    out: dict[str, type[BaseModel]] = {}
    for model in typing.get_args(members):
        for literal in typing.get_args(model.model_fields["type"].annotation):
            out[literal] = model
    return out


def _ga_server_models() -> tuple[Any, dict[str, type[BaseModel]]]:
    from openai.types.realtime import RealtimeServerEvent

    return RealtimeServerEvent, _members_by_type(RealtimeServerEvent)


def _beta_server_models() -> tuple[Any, dict[str, type[BaseModel]]] | None:
    try:
        from openai.types.beta.realtime import RealtimeServerEvent
    except ImportError:  # pragma: no cover - depends on the installed openai
        return None
    return RealtimeServerEvent, _members_by_type(RealtimeServerEvent)


def validate_server_event(text: str, dialect: rp.Dialect) -> None:
    """Strict pydantic validation of one server frame against the SDK model of its type."""
    models = _ga_server_models() if dialect is rp.Dialect.GA else _beta_server_models()
    if models is None:  # pragma: no cover - depends on the installed openai
        pytest.skip("this openai version has no openai.types.beta.realtime server event union")
    union, by_type = models
    data = json.loads(text)
    model = by_type.get(data["type"])
    assert model is not None, f"{data['type']} is not a {dialect.value} server event in the SDK"
    adapter(model).validate_python(data, strict=True)
    assert type(adapter(union).validate_python(data, strict=True)) is model


def _strip_turn(event: rp.Event) -> rp.Event:
    return attrs.evolve(event, turn=None) if isinstance(event, rp.TurnFinished) else event


def sample_events(*, beta: bool) -> list[rp.Event]:
    """One event per class (per wire type for the status classes), with every field set.

    Assistant content parts use the names of the dialect (``output_text`` / ``output_audio`` in
    GA items, ``text`` / ``audio`` in beta items and in content-part events).
    """
    out_text, out_audio = ("text", "audio") if beta else ("output_text", "output_audio")
    assistant = rp.ConversationItem(
        type="message",
        id=ASSISTANT_ITEM,
        role="assistant",
        status="completed",
        content=(
            rp.ContentPart(type=out_text, text="Sunny."),
            rp.ContentPart(type=out_audio, transcript="It is sunny."),
        ),
    )
    user = rp.ConversationItem(
        type="message",
        id=USER_ITEM,
        role="user",
        status="completed",
        content=(rp.ContentPart(type="input_audio", audio=AUDIO, transcript="Weather?"),),
    )
    call = rp.ConversationItem(
        type="function_call",
        id=CALL_ITEM,
        status="completed",
        call_id=CALL_ID,
        name="get_weather",
        arguments='{"city":"Paris"}',
    )
    options = (
        GA_SESSION_UPDATED_OPTIONS
        if not beta
        else attrs.evolve(GA_SESSION_UPDATED_OPTIONS, temperature=0.7, disable_audio=False)
    )
    session = rp.Session(
        id=SESSION_ID, model="gpt-realtime", expires_at=1756324625, options=options
    )
    response = rp.ResponseInfo(
        id=RESPONSE_ID,
        status="incomplete",
        status_details={"type": "incomplete", "reason": "max_output_tokens"},
        output=(assistant, call),
        conversation_id=CONVERSATION_ID,
        metadata={"topic": "weather"},
        usage=RESPONSE_USAGE,
    )
    ids: dict[str, Any] = {"event_id": "event_rt"}
    keys: dict[str, Any] = dict(DELTA_KEYS)
    call_keys: dict[str, Any] = {
        "response_id": RESPONSE_ID,
        "item_id": CALL_ITEM,
        "output_index": 1,
    }
    events: list[rp.Event] = [
        rp.SessionCreated(session=session, **ids),
        rp.SessionUpdated(session=session, **ids),
        rp.ConversationCreated(conversation_id=CONVERSATION_ID, **ids),
        rp.ItemAdded(item=user, previous_item_id="item_000", **ids),
        rp.ItemDone(item=assistant, previous_item_id=USER_ITEM, **ids),
        rp.ItemRetrieved(item=user, **ids),
        rp.ItemTruncated(item_id=ASSISTANT_ITEM, content_index=0, audio_end_ms=1500, **ids),
        rp.ItemDeleted(item_id=USER_ITEM, **ids),
        rp.InputAudioCommitted(item_id=USER_ITEM, previous_item_id="item_000", **ids),
        rp.InputAudioCleared(**ids),
        rp.SpeechStarted(audio_start_ms=1000, item_id=USER_ITEM, audio_sample_index=24000, **ids),
        rp.SpeechStopped(audio_end_ms=2000, item_id=USER_ITEM, audio_sample_index=48000, **ids),
        rp.InputTimeoutTriggered(audio_start_ms=1, audio_end_ms=6001, item_id=USER_ITEM, **ids),
        rp.DtmfReceived(key="#", received_at=1759438080, **ids),
        rp.InputTranscriptionDelta(item_id=USER_ITEM, content_index=0, delta="Wea", **ids),
        rp.InputTranscriptionSegment(
            item_id=USER_ITEM,
            content_index=0,
            segment_id="seg_1",
            segment_text="Weather?",
            speaker="A",
            start=0.5,
            end=1.25,
            **ids,
        ),
        rp.InputTranscriptionCompleted(
            item_id=USER_ITEM,
            content_index=0,
            audio_transcript="Weather?",
            usage=TRANSCRIPTION_USAGE,
            **ids,
        ),
        rp.InputTranscriptionFailed(
            item_id=USER_ITEM,
            content_index=0,
            error=rp.ErrorDetail(
                type="transcription_error", code="audio_unintelligible", message="No speech."
            ),
            **ids,
        ),
        rp.TurnStarted(
            response=rp.ResponseInfo(id=RESPONSE_ID, conversation_id=CONVERSATION_ID), **ids
        ),
        rp.OutputItemAdded(
            response_id=RESPONSE_ID,
            output_index=0,
            item=attrs.evolve(assistant, status="in_progress", content=()),
            **ids,
        ),
        rp.ContentPartAdded(**keys, part=rp.ContentPart(type="audio", transcript=""), **ids),
        rp.TextDelta(**keys, text="Sun", **ids),
        rp.TextDone(**keys, text="Sunny.", **ids),
        rp.AudioDelta(**keys, audio_bytes=AUDIO, **ids),
        rp.AudioDone(**keys, **ids),
        rp.OutputTranscriptDelta(**keys, delta="It is", **ids),
        rp.OutputTranscriptDone(**keys, transcript="It is sunny.", **ids),
        rp.ContentPartDone(**keys, part=rp.ContentPart(type="audio", transcript="It is"), **ids),
        rp.ToolCallArgumentsDelta(**call_keys, tool_call_id=CALL_ID, delta='{"city"', **ids),
        rp.ToolCallArgumentsDone(
            **call_keys,
            tool_call_id=CALL_ID,
            tool_name="get_weather",
            tool_arguments='{"city":"Paris"}',
            **ids,
        ),
        rp.OutputItemDone(response_id=RESPONSE_ID, output_index=1, item=call, **ids),
        rp.McpCallArgumentsDelta(
            response_id=RESPONSE_ID, item_id="mcp_1", output_index=2, delta="{", **ids
        ),
        rp.McpCallArgumentsDone(
            response_id=RESPONSE_ID, item_id="mcp_1", output_index=2, arguments="{}", **ids
        ),
        *(rp.McpListToolsStatus(item_id=MCP_ITEM, status=s, **ids) for s in MCP_STATUSES),
        *(rp.McpCallStatus(item_id="mcp_1", output_index=2, status=s, **ids) for s in MCP_STATUSES),
        *(
            rp.OutputAudioBufferStatus(response_id=RESPONSE_ID, status=s, **ids)
            for s in BUFFER_STATUSES
        ),
        rp.TurnFinished(response=response, **ids),
        rp.RateLimitsUpdated(
            rate_limits=(rp.RateLimit(name="tokens", limit=5, remaining=4, reset_seconds=1.5),),
            **ids,
        ),
        rp.ServerError(
            error=rp.ErrorDetail(
                type="invalid_request_error",
                code="response_cancel_not_active",
                message="Cancellation failed: no active response found",
                event_id="client_3",
            ),
            **ids,
        ),
    ]
    return events


def _event_id(event: rp.Event) -> str:
    status = getattr(event, "status", None)
    return type(event).__name__ + (f"[{status}]" if status else "")


# Server events the beta generation does not have (4.11 "new" row): a BETA server refuses them.
# GA-only events whose news beta carries elsewhere or not at all: sent as nothing in beta
IMPLIED_IN_BETA = frozenset({rp.ItemDone, rp.InputTimeoutTriggered, rp.InputTranscriptionSegment})
# GA-only events that beta has no way to say: refused in beta
REFUSED_IN_BETA = frozenset(
    {
        rp.DtmfReceived,
        rp.McpListToolsStatus,
        rp.McpCallArgumentsDelta,
        rp.McpCallArgumentsDone,
        rp.McpCallStatus,
    }
)
NOT_IN_BETA = IMPLIED_IN_BETA | REFUSED_IN_BETA


def test_sample_events_cover_every_event_class_with_a_wire_form() -> None:
    classes = {type(e) for e in sample_events(beta=False)}
    assert classes == set(EXPECTED_KINDS)
    assert {type(r.expected) for r in GA_ROWS} == classes


_ROUND_TRIPS: dict[tuple[rp.Dialect, str], rp.Event] = {}


def _round_trip(event: rp.Event, dialect: rp.Dialect) -> rp.Event:
    """What a CLIENT decodes when its SERVER sends ``event`` (one exchange per event and
    dialect, shared by the equality and the validation tests)."""
    key = (dialect, _event_id(event))
    if key not in _ROUND_TRIPS:
        pair = ConnectionPair(dialect=dialect)
        pair.server.send(event)
        got, _ = pair.pump()
        assert len(got) == 1, got
        _ROUND_TRIPS[key] = got[0]
    return _ROUND_TRIPS[key]


@pytest.mark.parametrize("event", sample_events(beta=False), ids=_event_id)
def test_ga_server_round_trip(event: rp.Event) -> None:
    got = _round_trip(event, rp.Dialect.GA)
    assert type(got) is type(event)
    assert fields_of(_strip_turn(got)) == fields_of(event)
    assert _strip_turn(got) == event


@pytest.mark.parametrize("event", sample_events(beta=False), ids=_event_id)
def test_ga_server_json_validates_against_the_sdk(event: rp.Event) -> None:
    validate_server_event(_round_trip(event, rp.Dialect.GA).raw, rp.Dialect.GA)


@pytest.mark.parametrize(
    "event", [e for e in sample_events(beta=True) if type(e) in REFUSED_IN_BETA], ids=_event_id
)
def test_beta_server_refuses_ga_only_events(event: rp.Event) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    with pytest.raises(rp.LocalProtocolError):
        pair.server.send(event)
    assert pair.server.data_to_send() == b""


@pytest.mark.parametrize(
    "event", [e for e in sample_events(beta=True) if type(e) in IMPLIED_IN_BETA], ids=_event_id
)
def test_beta_server_sends_nothing_for_implied_ga_only_events(event: rp.Event) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    pair.server.send(event)
    assert pair.server.data_to_send() == b""


BETA_SAMPLES = [e for e in sample_events(beta=True) if type(e) not in NOT_IN_BETA]


@pytest.mark.parametrize("event", BETA_SAMPLES, ids=_event_id)
def test_beta_server_round_trip(event: rp.Event) -> None:
    got = _round_trip(event, rp.Dialect.BETA)
    assert type(got) is type(event)
    assert fields_of(_strip_turn(got)) == fields_of(event)
    assert _strip_turn(got) == event


@pytest.mark.parametrize("event", BETA_SAMPLES, ids=_event_id)
def test_beta_server_json_validates_against_the_sdk(event: rp.Event) -> None:
    validate_server_event(_round_trip(event, rp.Dialect.BETA).raw, rp.Dialect.BETA)


@pytest.mark.parametrize("r", row_params(GA_ROWS))
def test_hand_written_ga_examples_are_valid_sdk_events(r: Row) -> None:
    """The examples above are what the SDK itself accepts (a check of the test data)."""
    validate_server_event(r.text, rp.Dialect.GA)


@pytest.mark.parametrize(
    "r",
    # the SDK has no transcription_session.created, and its transcription session model wants a
    # REST client_secret, so those two rows are checked against the spec only
    row_params({k: v for k, v in BETA_ROWS.items() if not k.startswith("transcription_session")}),
)
def test_hand_written_beta_examples_are_valid_sdk_events(r: Row) -> None:
    validate_server_event(r.text, rp.Dialect.BETA)


def test_the_validator_rejects_a_missing_required_field() -> None:
    from pydantic import ValidationError

    text = frame({"type": "conversation.item.deleted", "event_id": "event_1"})
    with pytest.raises(ValidationError):
        validate_server_event(text, rp.Dialect.GA)
    text = frame({**GA_BY_TYPE["response.output_audio.delta"].message, "output_index": "0"})
    with pytest.raises(ValidationError):
        validate_server_event(text, rp.Dialect.GA)


def test_server_encodes_the_wire_names_of_its_dialect() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    ga_pair = ConnectionPair()
    keys: dict[str, Any] = dict(DELTA_KEYS)
    names = []
    for p in (ga_pair, pair):
        for event in (
            rp.TextDelta(**keys, text="a"),
            rp.AudioDelta(**keys, audio_bytes=b"\x00\x01"),
            rp.OutputTranscriptDone(**keys, transcript="a"),
            rp.ItemAdded(item=USER_AUDIO_ITEM),
        ):
            p.server.send(event)
        got, _ = p.pump()
        names.append([json.loads(e.raw)["type"] for e in got])
    assert names == [
        [
            "response.output_text.delta",
            "response.output_audio.delta",
            "response.output_audio_transcript.done",
            "conversation.item.added",
        ],
        [
            "response.text.delta",
            "response.audio.delta",
            "response.audio_transcript.done",
            "conversation.item.created",
        ],
    ]


def test_server_event_ids_are_generated_when_missing() -> None:
    pair = ConnectionPair()
    pair.server.send(rp.InputAudioCleared())
    pair.server.send(rp.InputAudioCleared())
    got, _ = pair.pump()
    ids = [e.event_id for e in got if isinstance(e, rp.InputAudioCleared)]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 2


# Values for the fields an event class requires, to build each class with nothing else set.
_MINIMAL_VALUES: dict[str, Any] = {
    "session": rp.Session(),
    "conversation_id": CONVERSATION_ID,
    "item": rp.ConversationItem(
        type="message", role="user", content=(rp.ContentPart(type="input_text", text="hi"),)
    ),
    "item_id": USER_ITEM,
    "response_id": RESPONSE_ID,
    "response": rp.ResponseInfo(id=RESPONSE_ID),
    "output_index": 0,
    "content_index": 0,
    "audio_start_ms": 0,
    "audio_end_ms": 0,
    "key": "1",
    "received_at": 1759438080,
    "segment_id": "seg_1",
    "segment_text": "hi",
    "speaker": "A",
    "start": 0.0,
    "end": 0.5,
    "part": rp.ContentPart(type="text"),
    "text": "",
    "audio_bytes": b"",
    "delta": "",
    "tool_call_id": CALL_ID,
    "tool_name": "get_weather",
    "tool_arguments": "{}",
    "arguments": "{}",
    "rate_limits": (),
    "error": rp.ErrorDetail(type="server_error", message="Internal error."),
}
_FIRST_STATUS = {
    rp.McpListToolsStatus: "in_progress",
    rp.McpCallStatus: "in_progress",
    rp.OutputAudioBufferStatus: "started",
}


def minimal_event(cls: type[rp.Event]) -> rp.Event:
    required: dict[str, Any] = {
        a.name: _FIRST_STATUS[cls] if a.name == "status" else _MINIMAL_VALUES[a.name]
        for a in attrs.fields(cls)
        if a.default is attrs.NOTHING
    }
    return cls(**required)


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA], ids=lambda d: d.value)
@pytest.mark.parametrize("cls", list(EXPECTED_KINDS), ids=lambda c: c.__name__)
def test_server_never_writes_json_the_sdk_rejects(cls: type[rp.Event], dialect: rp.Dialect) -> None:
    """An event built with only its required fields either goes out as an SDK-valid frame or
    is refused by ``send``: optional-on-decode fields (a missing transcript, usage) must not be
    written as ``null`` where the SDK requires a value."""
    pair = ConnectionPair(dialect=dialect)
    try:
        pair.server.send(minimal_event(cls))
    except rp.LocalProtocolError:
        assert pair.server.data_to_send() == b""
        return
    got, _ = pair.pump()
    if dialect is rp.Dialect.BETA and cls in IMPLIED_IN_BETA:
        assert got == []
        return
    validate_server_event(got[0].raw, dialect)
