"""Hand-written values of the ``type``-keyed dialect (``realtime-ga-protocol.md``): ids, the
options, tools and items that the commands carry (every field set) with their wire forms, and
the sessions, items and responses of the server events' examples. Shared by the tests of
commands, of server events, of SDK conformance and of the simulator."""

from __future__ import annotations

from typing import Any, Literal

import realtime_proto as rp

# -- ids and audio ---------------------------------------------------------------------------------

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

# -- what commands carry, and their wire forms -----------------------------------------------------

WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}},
    "required": ["city"],
}
WEATHER_TOOL = rp.ToolDefinition(
    name="get_weather", description="Current weather for a city", parameters=WEATHER_PARAMETERS
)
WEATHER_TOOL_WIRE = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": WEATHER_PARAMETERS,
}

VAD_OPTIONS = rp.ConversationOptions(
    system_message="You are a weather bot. Keep answers short.",
    voice="coral",
    input_audio_format=rp.AudioFormat.PCM16,
    output_audio_format=rp.AudioFormat.G711_ULAW,
    turn_detection=rp.ServerVad(
        threshold=0.6,
        prefix_padding_ms=200,
        silence_duration_ms=700,
        idle_timeout_ms=6000,
        create_response=True,
        interrupt_response=False,
    ),
    tools=(WEATHER_TOOL,),
    tool_choice="auto",
    temperature=0.7,
    max_output_tokens=1024,
    transcribe_input=rp.InputTranscription(
        model="gpt-4o-mini-transcribe", language="en", prompt="weather, forecast"
    ),
    disable_audio=False,
)
VAD_WIRE = {
    "type": "server_vad",
    "threshold": 0.6,
    "prefix_padding_ms": 200,
    "silence_duration_ms": 700,
    "idle_timeout_ms": 6000,
    "create_response": True,
    "interrupt_response": False,
}
TRANSCRIPTION_WIRE = {
    "model": "gpt-4o-mini-transcribe",
    "language": "en",
    "prompt": "weather, forecast",
}

SEMANTIC_OPTIONS = rp.ConversationOptions(
    input_audio_format=rp.AudioFormat.G711_ALAW,
    output_audio_format=rp.AudioFormat.G711_ALAW,
    turn_detection=rp.SemanticVad(
        eagerness="high", create_response=False, interrupt_response=False
    ),
    max_output_tokens="inf",
    disable_audio=True,
)
SEMANTIC_WIRE = {
    "type": "semantic_vad",
    "eagerness": "high",
    "create_response": False,
    "interrupt_response": False,
}

MANUAL_OPTIONS = rp.ConversationOptions(
    system_message="", turn_detection=rp.NoTurnDetection(), tools=(), tool_choice="none"
)

# a response.create that overrides every session setting it can
RESPONSE_OVERRIDES = rp.CreateResponse(
    instructions="Answer in French.",
    output_modalities=("text",),
    voice="coral",
    output_audio_format=rp.AudioFormat.G711_ULAW,
    tools=(WEATHER_TOOL,),
    tool_choice="required",
    max_output_tokens=500,
    temperature=0.9,  # beta only: GA has no temperature
    metadata={"topic": "weather"},
    event_id="evt_resp_1",
)

SYSTEM_ITEM = rp.ConversationItem(
    type="message",
    id="item_sys_1",
    role="system",
    content=(rp.ContentPart(type="input_text", text="The user is in Paris."),),
)
SYSTEM_ITEM_WIRE = {
    "type": "message",
    "id": "item_sys_1",
    "role": "system",
    "content": [{"type": "input_text", "text": "The user is in Paris."}],
}
USER_MESSAGE = rp.ConversationItem(
    type="message",
    id="item_user",
    role="user",
    status="completed",
    content=(
        rp.ContentPart(type="input_text", text="Weather in Paris?"),
        rp.ContentPart(type="input_audio", audio=AUDIO, transcript="Weather in Paris?"),
    ),
)


def assistant_message(text_type: str, audio_type: str | None = None) -> rp.ConversationItem:
    """An assistant message in the part names given (text only without ``audio_type``)."""
    content = [rp.ContentPart(type=text_type, text="Sunny.")]
    if audio_type is not None:
        content.append(rp.ContentPart(type=audio_type, transcript="It is sunny."))
    return rp.ConversationItem(
        type="message",
        id="item_assistant",
        role="assistant",
        status="incomplete",
        content=tuple(content),
    )


FUNCTION_CALL = rp.ConversationItem(
    type="function_call",
    id="item_call",
    status="completed",
    call_id="call_1",
    name="get_weather",
    arguments='{"city":"Paris"}',
)
FUNCTION_CALL_OUTPUT = rp.ConversationItem(
    type="function_call_output", id="item_output", call_id="call_1", output='{"sky":"clear"}'
)


# -- what server events carry ----------------------------------------------------------------------

INSTRUCTIONS = "Your knowledge cutoff is 2023-10. You are a helpful, witty, and friendly AI."

# the service's default server VAD, as a session reports it
SERVICE_VAD_WIRE = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
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
                "turn_detection": SERVICE_VAD_WIRE,
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
        "tools": [WEATHER_TOOL_WIRE],
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
    tools=(WEATHER_TOOL,),
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
