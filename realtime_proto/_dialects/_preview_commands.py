"""The 2024 preview dialect's client messages, both ways (spec: ``realtime-preview-protocol.md``),
and the typed field access its decoders share. Decoding accepts every variant the spec lists;
encoding writes the first."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .._commands import (
    AppendAudio,
    CancelResponse,
    Command,
    CommitAudio,
    CreateConversation,
    CreateItem,
    CreateResponse,
    DeleteConversation,
    DeleteItem,
    FinishTurn,
    SendText,
    SendToolResponse,
    SubscribeToUserAudio,
    TruncateItem,
    UpdateSession,
)
from .._errors import LocalProtocolError
from .._options import (
    AudioFormat,
    ConversationOptions,
    InputTranscription,
    NoTurnDetection,
    SemanticVad,
    ServerVad,
    ToolDefinition,
)
from .._values import ContentPart, ConversationItem
from ._convert import WireError, b64encode, decode_base64

__all__ = [
    "KEY",
    "decode_command",
    "encode_command",
    "options_from_wire",
    "options_to_wire",
]

KEY: Final = "event"
DEFAULT_CONVERSATION: Final = "default"
_FORMATS: Final = {
    AudioFormat.PCM16: "pcm16",
    AudioFormat.G711_ULAW: "g711-ulaw",
    AudioFormat.G711_ALAW: "g711-alaw",
}
_FORMAT_NAMES: Final = {
    **{name: fmt for fmt, name in _FORMATS.items()},
    "g711_ulaw": AudioFormat.G711_ULAW,
    "g711_alaw": AudioFormat.G711_ALAW,
}
# -- typed field access ----------------------------------------------------------------------


def _str(wire: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` present (the spec's variants); it must be a string."""
    for key in keys:
        value = wire.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise WireError(f"'{key}' must be a string, got {type(value).__name__}")
        return value
    return None


def _need_str(wire: Mapping[str, Any], *keys: str) -> str:
    value = _str(wire, *keys)
    if value is None:
        raise WireError(f"'{keys[0]}' is required")
    return value


def _int(wire: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = wire.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise WireError(f"'{key}' must be an integer, got {type(value).__name__}")
        return value
    return None


def _bool(wire: Mapping[str, Any], key: str) -> bool | None:
    value = wire.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise WireError(f"'{key}' must be a boolean, got {type(value).__name__}")


def _number(wire: Mapping[str, Any], key: str) -> float | None:
    value = wire.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise WireError(f"'{key}' must be a number, got {type(value).__name__}")


# -- session options <-> set_inference_config ------------------------------------------------------


def options_to_wire(options: ConversationOptions) -> dict[str, Any]:
    wire: dict[str, Any] = {KEY: "set_inference_config"}
    if options.system_message is not None:
        wire["system_message"] = options.system_message
    detection = options.turn_detection
    if isinstance(detection, SemanticVad) or (
        isinstance(detection, ServerVad) and detection != ServerVad()
    ):
        raise LocalProtocolError(
            "the preview dialect carries only who ends a turn: give ServerVad() with its "
            "defaults or NoTurnDetection(), not VAD tuning or semantic VAD"
        )
    if detection is not None:
        manual = isinstance(detection, NoTurnDetection)
        wire["turn_end_type"] = "client_decision" if manual else "server_detection"
    if options.voice is not None:
        wire["voice"] = options.voice
    audio_format = options.input_audio_format or options.output_audio_format
    if audio_format is not None:
        wire["audio_format"] = _FORMATS[audio_format]
    if options.tools is not None:
        wire["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": dict(tool.parameters),
                },
            }
            for tool in options.tools
        ]
    if options.tool_choice is not None:
        wire["tool_choice"] = options.tool_choice
    if options.temperature is not None:
        wire["temperature"] = options.temperature
    if isinstance(options.max_output_tokens, int):
        wire["max_tokens"] = options.max_output_tokens
    if options.disable_audio is not None:
        wire["disable_audio"] = options.disable_audio
    if options.transcribe_input is not None:
        wire["transcribe_input"] = True
    wire.update(options.extra)
    return wire


def _tools_from_wire(value: Any) -> tuple[ToolDefinition, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise WireError("'tools' must be a list")
    tools = []
    for entry in value:
        function = entry.get("function", entry) if isinstance(entry, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise WireError("a tool needs a function with a name")
        parameters = function.get("parameters")
        tools.append(
            ToolDefinition(
                name=function["name"],
                description=str(function.get("description") or ""),
                parameters=parameters if isinstance(parameters, dict) else {},
            )
        )
    return tuple(tools)


def options_from_wire(wire: Mapping[str, Any]) -> ConversationOptions:
    turn_end = _str(wire, "turn_end_type")
    detection: ServerVad | NoTurnDetection | None = None
    if turn_end == "server_detection":
        detection = ServerVad()
    elif turn_end == "client_decision":
        detection = NoTurnDetection()
    name = _str(wire, "audio_format")
    audio_format = _FORMAT_NAMES.get(name) if name is not None else None
    if name is not None and audio_format is None:
        raise WireError(f"unknown audio_format {name!r}")
    transcribe = _bool(wire, "transcribe_input")
    max_tokens = _int(wire, "max_tokens")
    return ConversationOptions(
        system_message=_str(wire, "system_message"),
        voice=_str(wire, "voice"),
        input_audio_format=audio_format,
        output_audio_format=audio_format,
        turn_detection=detection,
        tools=_tools_from_wire(wire.get("tools")),
        tool_choice=_str(wire, "tool_choice"),
        temperature=_number(wire, "temperature"),
        max_output_tokens=max_tokens,
        transcribe_input=InputTranscription() if transcribe else None,
        disable_audio=_bool(wire, "disable_audio"),
    )


# -- client commands -----------------------------------------------------------------------------

CommandEncoder = Callable[[Any, int], dict[str, Any]]


def _truncate_to_wire(command: TruncateItem, output_rate: int) -> dict[str, Any]:
    return {
        KEY: "truncate_content",
        "message_id": command.item_id,
        "index": command.content_index,
        "text_chars": 0,
        "audio_samples": command.audio_end_ms * output_rate // 1000,
    }


def _generate_to_wire(command: CreateResponse, _: int) -> dict[str, Any]:
    wire: dict[str, Any] = {KEY: "generate"}
    if command.conversation not in (None, "auto", "none"):
        wire["conversation_label"] = command.conversation
    return wire


_COMMAND_ENCODERS: Final[dict[type[Command], CommandEncoder]] = {
    UpdateSession: lambda c, _: options_to_wire(c.options),
    AppendAudio: lambda c, _: {KEY: "add_user_audio", "data": b64encode(c.audio)},
    CommitAudio: lambda c, _: {KEY: "commit_user_audio"},
    FinishTurn: lambda c, _: {KEY: "client_turn_finished"},
    CreateResponse: _generate_to_wire,
    SendText: lambda c, _: {
        KEY: "add_item",
        "type": "message",
        "role": "user",
        "content": [{"type": "text", "text": c.text}],
    },
    SendToolResponse: lambda c, _: {
        KEY: "add_item",
        "type": "tool_response",
        "tool_call_id": c.tool_call_id,
        "content": c.output,
    },
    CreateItem: lambda c, _: _item_to_wire(c.item, c.previous_item_id),
    DeleteItem: lambda c, _: {KEY: "delete_item", "id": c.item_id},
    CancelResponse: lambda c, _: {KEY: "client_interrupted"},
    TruncateItem: _truncate_to_wire,
    CreateConversation: lambda c, _: {KEY: "create_conversation", "label": c.label},
    DeleteConversation: lambda c, _: {KEY: "delete_conversation", "label": c.label},
    SubscribeToUserAudio: lambda c, _: {
        KEY: "subscribe_to_user_audio" if c.subscribe else "unsubscribe_from_user_audio",
        "label": c.label,
    },
}


def encode_command(command: Command, output_rate: int) -> dict[str, Any]:
    """The preview message of a client command; raises :class:`LocalProtocolError` for one
    this dialect cannot express (it has no audio clear, item retrieval or cancel by id)."""
    encoder = _COMMAND_ENCODERS.get(type(command))
    if encoder is None:
        raise LocalProtocolError(f"{type(command).__name__} has no form in the preview dialect")
    return encoder(command, output_rate)


def _item_to_wire(item: ConversationItem, previous_id: str | None) -> dict[str, Any]:
    wire: dict[str, Any] = {KEY: "add_item", "type": item.type}
    if item.type == "function_call_output":
        wire.update(type="tool_response", tool_call_id=item.call_id, content=item.output or "")
    else:
        if item.type == "function_call":
            wire.update(type="tool_call", name=item.name, tool_call_id=item.call_id)
        if item.role is not None:
            wire["role"] = item.role
        parts: list[dict[str, Any]] = []
        for part in item.content:
            if part.audio is not None:
                parts.append({"type": "audio", "audio": b64encode(part.audio)})
            elif part.text is not None:
                parts.append({"type": "text", "text": part.text})
        wire["content"] = parts
    if item.id is not None:
        wire["id"] = item.id
    if previous_id is not None:
        wire["previous_id"] = previous_id
    return wire


def _content_parts(content: Any) -> tuple[ContentPart, ...]:
    if isinstance(content, str):
        return (ContentPart(type="input_text", text=content),)
    if not isinstance(content, list):
        raise WireError("'content' must be a string or a list of parts")
    parts = []
    for part in content:
        if not isinstance(part, dict):
            raise WireError("a content part must be an object")
        kind = _str(part, "type")
        if kind == "audio":
            parts.append(
                ContentPart(
                    type="input_audio", audio=decode_base64(_need_str(part, "audio", "data"))
                )
            )
        else:
            parts.append(ContentPart(type="input_text", text=_str(part, "text", "data") or ""))
    return tuple(parts)


# -- decoding client commands (SERVER role) -------------------------------------------------------

CommandDecoder = Callable[[dict[str, Any], dict[str, Any], int], Command]


def _truncate_command(wire: dict[str, Any], common: dict[str, Any], input_rate: int) -> Command:
    samples = _int(wire, "audio_samples") or 0
    return TruncateItem(
        item_id=_need_str(wire, "message_id", "item_id"),
        content_index=_int(wire, "index") or 0,
        audio_end_ms=samples * 1000 // input_rate,
        **common,
    )


def _subscription(subscribe: bool) -> CommandDecoder:
    def decode(wire: dict[str, Any], common: dict[str, Any], _: int) -> Command:
        return SubscribeToUserAudio(label=_need_str(wire, "label"), subscribe=subscribe, **common)

    return decode


def _item_command(wire: dict[str, Any], common: dict[str, Any], _: int) -> Command:
    kind = _str(wire, "type") or "message"
    if kind == "tool_response":
        output = wire.get("content")
        if not isinstance(output, str):
            raise WireError("a tool_response's 'content' must be the output string")
        return SendToolResponse(
            tool_call_id=_need_str(wire, "tool_call_id"), output=output, **common
        )
    parts = _content_parts(wire.get("content", []))
    role = _str(wire, "role") or "user"
    plain = _str(wire, "id") is None and _str(wire, "previous_id") is None
    if kind == "message" and role == "user" and len(parts) == 1 and plain:
        text = parts[0].text
        if text is not None:
            return SendText(text=text, **common)
    item = ConversationItem(
        type="function_call" if kind == "tool_call" else kind,
        id=_str(wire, "id"),
        role=role,
        content=parts,
        name=_str(wire, "name"),
        call_id=_str(wire, "tool_call_id"),
    )
    return CreateItem(item=item, previous_item_id=_str(wire, "previous_id"), **common)


_COMMIT: Final[CommandDecoder] = lambda w, c, _: CommitAudio(**c)  # noqa: E731

_CLIENT_DECODERS: Final[dict[str, CommandDecoder]] = {
    "set_inference_config": lambda w, c, _: UpdateSession(options=options_from_wire(w), **c),
    "add_user_audio": lambda w, c, _: AppendAudio(
        audio=decode_base64(_need_str(w, "data", "audio")), **c
    ),
    "commit_user_audio": _COMMIT,
    "commit_pending_audio": _COMMIT,
    "client_turn_finished": lambda w, c, _: FinishTurn(**c),
    "client_interrupted": lambda w, c, _: CancelResponse(**c),
    "generate": lambda w, c, _: CreateResponse(conversation=_str(w, "conversation_label"), **c),
    "create_conversation": lambda w, c, _: CreateConversation(label=_need_str(w, "label"), **c),
    "delete_conversation": lambda w, c, _: DeleteConversation(label=_need_str(w, "label"), **c),
    "subscribe_to_user_audio": _subscription(True),
    "unsubscribe_from_user_audio": _subscription(False),
    "delete_item": lambda w, c, _: DeleteItem(item_id=_need_str(w, "id"), **c),
    "truncate_content": _truncate_command,
    "add_item": _item_command,
}


def decode_command(wire: dict[str, Any], name: str, raw: str, input_rate: int) -> Command | None:
    """A client message (SERVER role); ``None`` for a message this library does not model."""
    decoder = _CLIENT_DECODERS.get(name)
    return None if decoder is None else decoder(wire, {"raw": raw}, input_rate)
