"""The ``type``-keyed dialect's client commands, both ways, in the GA and beta generations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._commands import (
    AppendAudio,
    CancelResponse,
    ClearAudio,
    ClearOutputAudio,
    Command,
    CommitAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    RetrieveItem,
    SendText,
    SendToolResponse,
    TruncateItem,
    UpdateSession,
)
from .._options import Dialect, ToolDefinition
from .._values import ContentPart, ConversationItem
from ._convert import (
    WireError,
    b64encode,
    converter,
    item_to_wire,
)
from ._session import decode_session, encode_format, encode_options, encode_tools

__all__ = ["CLIENT_TYPES", "decode_command", "encode_command"]

# -- client commands ------------------------------------------------------------------------


def _response_to_wire(command: CreateResponse, dialect: Dialect) -> dict[str, Any]:
    ga = dialect is Dialect.GA
    wire: dict[str, Any] = {}
    if command.instructions is not None:
        wire["instructions"] = command.instructions
    if command.output_modalities is not None:
        wire["output_modalities" if ga else "modalities"] = _modalities(
            command.output_modalities, dialect
        )
    if command.voice is not None or command.output_audio_format is not None:
        if ga:
            output: dict[str, Any] = {}
            if command.voice is not None:
                output["voice"] = command.voice
            if command.output_audio_format is not None:
                output["format"] = encode_format(command.output_audio_format, dialect)
            wire["audio"] = {"output": output}
        else:
            if command.voice is not None:
                wire["voice"] = command.voice
            if command.output_audio_format is not None:
                wire["output_audio_format"] = command.output_audio_format.value
    if command.tools is not None:
        wire["tools"] = encode_tools(command.tools)
    if command.tool_choice is not None:
        wire["tool_choice"] = command.tool_choice
    if command.max_output_tokens is not None:
        wire["max_output_tokens" if ga else "max_response_output_tokens"] = (
            command.max_output_tokens
        )
    if command.temperature is not None and not ga:
        wire["temperature"] = command.temperature
    if command.conversation is not None:
        wire["conversation"] = command.conversation
    if command.input is not None:
        wire["input"] = [item_to_wire(item, dialect) for item in command.input]
    if command.metadata is not None:
        wire["metadata"] = dict(command.metadata)
    wire.update(command.extra)
    return wire


def _modalities(modalities: tuple[str, ...], dialect: Dialect) -> list[str]:
    """Audio output is ``["audio"]`` in GA (which cannot take both) and ``["text", "audio"]`` in
    beta, as ``encode_options`` writes it; any other list is sent as given."""
    if set(modalities) in ({"audio"}, {"text", "audio"}):
        return ["audio"] if dialect is Dialect.GA else ["text", "audio"]
    return list(modalities)


def _user_text_item(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def encode_command(command: Command, dialect: Dialect) -> dict[str, Any]:
    """The wire dict of a client command (``FinishTurn`` and ``SendRaw`` are the caller's)."""
    wire: dict[str, Any]
    if isinstance(command, UpdateSession):
        wire = {"type": "session.update", "session": encode_options(command.options, dialect)}
    elif isinstance(command, AppendAudio):
        wire = {"type": "input_audio_buffer.append", "audio": b64encode(command.audio)}
    elif isinstance(command, CommitAudio):
        wire = {"type": "input_audio_buffer.commit"}
    elif isinstance(command, ClearAudio):
        wire = {"type": "input_audio_buffer.clear"}
    elif isinstance(command, SendText):
        wire = {"type": "conversation.item.create", "item": _user_text_item(command.text)}
    elif isinstance(command, SendToolResponse):
        wire = {
            "type": "conversation.item.create",
            "item": {
                "type": "function_call_output",
                "call_id": command.tool_call_id,
                "output": command.output,
            },
        }
    elif isinstance(command, CreateItem):
        wire = {"type": "conversation.item.create", "item": item_to_wire(command.item, dialect)}
        if command.previous_item_id is not None:
            wire["previous_item_id"] = command.previous_item_id
    elif isinstance(command, CreateResponse):
        wire = {"type": "response.create"}
        response = _response_to_wire(command, dialect)
        if response:
            wire["response"] = response
    elif isinstance(command, CancelResponse):
        wire = {"type": "response.cancel"}
        if command.response_id is not None:
            wire["response_id"] = command.response_id
    elif isinstance(command, TruncateItem):
        wire = {
            "type": "conversation.item.truncate",
            "item_id": command.item_id,
            "content_index": command.content_index,
            "audio_end_ms": command.audio_end_ms,
        }
    elif isinstance(command, DeleteItem):
        wire = {"type": "conversation.item.delete", "item_id": command.item_id}
    elif isinstance(command, RetrieveItem):
        wire = {"type": "conversation.item.retrieve", "item_id": command.item_id}
    elif isinstance(command, ClearOutputAudio):
        wire = {"type": "output_audio_buffer.clear"}
    else:
        raise TypeError(f"{type(command).__name__} has no wire form in this dialect")
    if command.event_id is not None:
        wire["event_id"] = command.event_id
    return wire


# -- decoding client commands (SERVER role) -------------------------------------------------


def _str(wire: Mapping[str, Any], key: str) -> str:
    value = wire.get(key)
    if not isinstance(value, str):
        raise WireError(f"{key!r} must be a string")
    return value


def _opt_str(wire: Mapping[str, Any], key: str) -> str | None:
    value = wire.get(key)
    if value is not None and not isinstance(value, str):
        raise WireError(f"{key!r} must be a string")
    return value


def _int(wire: Mapping[str, Any], key: str) -> int:
    value = wire.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise WireError(f"{key!r} must be an integer")
    return value


def _obj(wire: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = wire.get(key)
    if not isinstance(value, dict):
        raise WireError(f"{key!r} must be an object")
    return value


def _item_command(wire: dict[str, Any], common: dict[str, Any]) -> Command:
    item = converter.structure(_obj(wire, "item"), ConversationItem)
    previous = _opt_str(wire, "previous_item_id")
    plain = previous is None and item.id is None and not item.extra
    if (
        plain
        and item.type == "message"
        and item.role == "user"
        and len(item.content) == 1
        and item.content[0] == ContentPart(type="input_text", text=item.content[0].text)
        and item.content[0].text is not None
    ):
        return SendText(text=item.content[0].text, **common)
    if (
        plain
        and item.type == "function_call_output"
        and item.call_id is not None
        and item.output is not None
        and item.status is None
    ):
        return SendToolResponse(tool_call_id=item.call_id, output=item.output, **common)
    return CreateItem(item=item, previous_item_id=previous, **common)


_RESPONSE_KEYS = frozenset(
    {
        "instructions", "output_modalities", "modalities", "audio", "voice",
        "output_audio_format", "tools", "tool_choice", "max_output_tokens",
        "max_response_output_tokens", "temperature", "conversation", "input", "metadata",
    }
)  # fmt: skip


def _response_command(wire: dict[str, Any], common: dict[str, Any]) -> CreateResponse:
    response = wire.get("response")
    if response is None:
        response = {}
    elif not isinstance(response, dict):
        raise WireError("'response' must be an object")
    session = decode_session(response)
    modalities = response.get("output_modalities", response.get("modalities"))
    if modalities is not None and not (
        isinstance(modalities, list) and all(isinstance(m, str) for m in modalities)
    ):
        raise WireError("modalities must be a list of strings")
    items = response.get("input")
    if items is not None and not isinstance(items, list):
        raise WireError("'input' must be a list")
    metadata = response.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise WireError("'metadata' must be an object")
    tools: tuple[ToolDefinition, ...] | None = session.options.tools
    return CreateResponse(
        instructions=_opt_str(response, "instructions"),
        output_modalities=None if modalities is None else tuple(modalities),
        voice=session.options.voice,
        output_audio_format=session.options.output_audio_format,
        tools=tools,
        tool_choice=session.options.tool_choice,
        max_output_tokens=session.options.max_output_tokens,
        temperature=session.options.temperature,
        conversation=_opt_str(response, "conversation"),
        input=None
        if items is None
        else tuple(converter.structure(item, ConversationItem) for item in items),
        metadata=metadata,
        extra={k: v for k, v in response.items() if k not in _RESPONSE_KEYS},
        **common,
    )


def _audio(wire: dict[str, Any]) -> bytes:
    return converter.structure(wire.get("audio"), bytes)


CommandDecoder = Callable[[dict[str, Any], dict[str, Any]], Command]

_COMMAND_DECODERS: dict[str, CommandDecoder] = {
    "session.update": lambda w, c: UpdateSession(
        options=decode_session(_obj(w, "session")).options, **c
    ),
    "transcription_session.update": lambda w, c: UpdateSession(
        options=decode_session(_obj(w, "session")).options, **c
    ),
    "input_audio_buffer.append": lambda w, c: AppendAudio(audio=_audio(w), **c),
    "input_audio_buffer.commit": lambda w, c: CommitAudio(**c),
    "input_audio_buffer.clear": lambda w, c: ClearAudio(**c),
    "conversation.item.create": _item_command,
    "conversation.item.retrieve": lambda w, c: RetrieveItem(item_id=_str(w, "item_id"), **c),
    "conversation.item.delete": lambda w, c: DeleteItem(item_id=_str(w, "item_id"), **c),
    "conversation.item.truncate": lambda w, c: TruncateItem(
        item_id=_str(w, "item_id"),
        content_index=_int(w, "content_index"),
        audio_end_ms=_int(w, "audio_end_ms"),
        **c,
    ),
    "response.create": _response_command,
    "response.cancel": lambda w, c: CancelResponse(response_id=_opt_str(w, "response_id"), **c),
    "output_audio_buffer.clear": lambda w, c: ClearOutputAudio(**c),
}

CLIENT_TYPES = frozenset(_COMMAND_DECODERS)
"""Every client event type this dialect decodes."""


def decode_command(wire: dict[str, Any], event_type: str, raw: str) -> Command | None:
    """A client command from its wire dict; ``None`` for an unknown type.

    Raises :class:`WireError` when a field has the wrong type.
    """
    decoder = _COMMAND_DECODERS.get(event_type)
    if decoder is None:
        return None
    return decoder(wire, {"event_id": _opt_str(wire, "event_id"), "raw": raw})
