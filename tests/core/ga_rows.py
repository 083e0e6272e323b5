"""The server events of the ``type``-keyed dialect as rows: a hand-written wire example (after
``realtime-ga-protocol.md``), the event it decodes to and the message payload; one row per GA
type, in the spec's order; and what a CLIENT connection makes of frames its server sends as is.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import attrs
import pytest

import realtime_proto as rp
from tests.core.wire_examples import (
    ASSISTANT_ITEM,
    ASSISTANT_ITEM_VALUE,
    ASSISTANT_ITEM_WIRE,
    AUDIO,
    BUFFER_STATUSES,
    CALL_ID,
    CALL_ITEM,
    CALL_ITEM_VALUE,
    CALL_ITEM_WIRE,
    CONVERSATION_ID,
    DELTA_KEYS,
    DONE_RESPONSE,
    GA_SESSION_CREATED,
    GA_SESSION_CREATED_OPTIONS,
    GA_SESSION_UPDATED,
    GA_SESSION_UPDATED_OPTIONS,
    MCP_ITEM,
    MCP_STATUSES,
    RESPONSE_AUDIO_CONFIG,
    RESPONSE_EXTRA,
    RESPONSE_ID,
    RESPONSE_USAGE,
    RESPONSE_USAGE_WIRE,
    SERVER_ERROR_WIRE,
    SESSION_ID,
    TRANSCRIPTION_USAGE,
    USER_AUDIO_ITEM,
    USER_AUDIO_ITEM_WIRE,
    USER_ITEM,
)
from tests.helpers import PAYLOAD_FIELDS, ConnectionPair

# -- what a CLIENT receives ------------------------------------------------------------------------


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


# -- rows ------------------------------------------------------------------------------------------


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


def row_params(rows: Sequence[Row] | Mapping[str, Row]) -> list[Any]:
    if isinstance(rows, Mapping):
        return [pytest.param(r, id=name) for name, r in rows.items()]
    return [pytest.param(r, id=r.message["type"]) for r in rows]


def fields_of(value: Any) -> dict[str, Any]:
    """Every field (the ``repr=False`` ones too, for readable diffs) except ``raw``."""
    return attrs.asdict(value, filter=lambda a, _: a.name != "raw")


def assert_decoded(got: rp.Event, r: Row, text: str) -> None:
    assert type(got) is type(r.expected)
    assert fields_of(got) == fields_of(r.expected)
    assert got == r.expected
    assert got.kind is EXPECTED_KINDS[type(got)]
    assert got.raw == text
    assert payload_of(got) == r.payload


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


# -- the GA names (sections 4.1-4.10) --------------------------------------------------------------

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
GA_BY_TYPE = {r.message["type"]: r for r in GA_ROWS}
