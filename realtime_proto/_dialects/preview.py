"""The 2024 preview dialect: ``event``-keyed messages, mapped to the same events and commands
as the ``type``-keyed dialect (spec: ``realtime-preview-protocol.md``).

The preview protocol has no responses, only model turns, so :class:`PreviewDecoder` keeps a
little state to give each turn a ``TurnStarted`` and an id, and each item an output index;
the accumulator and turn-taking then work unchanged. Decoding accepts every variant the spec
lists; encoding writes the first.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Final

import attrs

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
from .._events import (
    AudioDelta,
    Event,
    InputTranscriptionCompleted,
    ItemAdded,
    ModelListening,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    ServerError,
    Session,
    SessionCreated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallArgumentsDone,
    TurnFinished,
    TurnStarted,
)
from .._options import (
    AudioFormat,
    ConversationOptions,
    InputTranscription,
    NoTurnDetection,
    ServerVad,
    ToolDefinition,
)
from .._values import ContentPart, ConversationItem, ErrorDetail, ResponseInfo
from ._convert import WireError, b64encode, decode_base64

__all__ = ["PreviewDecoder", "decode_command", "encode_command", "encode_event"]

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
# turn_finished reasons -> response status
_STATUSES: Final = {
    "stop": "completed",
    "max_tokens": "incomplete",
    "content_filter": "incomplete",
    "interrupt": "cancelled",
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


def encode_command(command: Command, output_rate: int) -> dict[str, Any]:
    """The preview message of a client command; raises :class:`LocalProtocolError` for one
    this dialect cannot express (it has no audio clear, item retrieval or cancel by id)."""
    if isinstance(command, UpdateSession):
        return options_to_wire(command.options)
    if isinstance(command, AppendAudio):
        return {KEY: "add_user_audio", "data": b64encode(command.audio)}
    if isinstance(command, CommitAudio):
        return {KEY: "commit_user_audio"}
    if isinstance(command, FinishTurn):
        return {KEY: "client_turn_finished"}
    if isinstance(command, CreateResponse):
        wire: dict[str, Any] = {KEY: "generate"}
        if command.conversation not in (None, "auto", "none"):
            wire["conversation_label"] = command.conversation
        return wire
    if isinstance(command, SendText):
        return {
            KEY: "add_item",
            "type": "message",
            "role": "user",
            "content": [{"type": "text", "text": command.text}],
        }
    if isinstance(command, SendToolResponse):
        return {
            KEY: "add_item",
            "type": "tool_response",
            "tool_call_id": command.tool_call_id,
            "content": command.output,
        }
    if isinstance(command, CreateItem):
        return _item_to_wire(command.item, command.previous_item_id)
    if isinstance(command, DeleteItem):
        return {KEY: "delete_item", "id": command.item_id}
    if isinstance(command, CancelResponse):
        return {KEY: "client_interrupted"}
    if isinstance(command, TruncateItem):
        return {
            KEY: "truncate_content",
            "message_id": command.item_id,
            "index": command.content_index,
            "text_chars": 0,
            "audio_samples": command.audio_end_ms * output_rate // 1000,
        }
    if isinstance(command, CreateConversation):
        return {KEY: "create_conversation", "label": command.label}
    if isinstance(command, DeleteConversation):
        return {KEY: "delete_conversation", "label": command.label}
    if isinstance(command, SubscribeToUserAudio):
        name = "subscribe_to_user_audio" if command.subscribe else "unsubscribe_from_user_audio"
        return {KEY: name, "label": command.label}
    raise LocalProtocolError(f"{type(command).__name__} has no form in the preview dialect")


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


def decode_command(wire: dict[str, Any], name: str, raw: str, input_rate: int) -> Command | None:
    """A client message (SERVER role); ``None`` for an event this library does not model."""
    common: dict[str, Any] = {"raw": raw}
    if name == "set_inference_config":
        return UpdateSession(options=options_from_wire(wire), **common)
    if name == "add_user_audio":
        return AppendAudio(audio=decode_base64(_need_str(wire, "data", "audio")), **common)
    if name in ("commit_user_audio", "commit_pending_audio"):
        return CommitAudio(**common)
    if name == "client_turn_finished":
        return FinishTurn(**common)
    if name == "client_interrupted":
        return CancelResponse(**common)
    if name == "generate":
        return CreateResponse(conversation=_str(wire, "conversation_label"), **common)
    if name == "create_conversation":
        return CreateConversation(label=_need_str(wire, "label"), **common)
    if name == "delete_conversation":
        return DeleteConversation(label=_need_str(wire, "label"), **common)
    if name in ("subscribe_to_user_audio", "unsubscribe_from_user_audio"):
        subscribe = name.startswith("subscribe")
        return SubscribeToUserAudio(label=_need_str(wire, "label"), subscribe=subscribe, **common)
    if name == "delete_item":
        return DeleteItem(item_id=_need_str(wire, "id"), **common)
    if name == "truncate_content":
        samples = _int(wire, "audio_samples") or 0
        return TruncateItem(
            item_id=_need_str(wire, "message_id", "item_id"),
            content_index=_int(wire, "index") or 0,
            audio_end_ms=samples * 1000 // input_rate,
            **common,
        )
    if name == "add_item":
        return _item_command(wire, common)
    return None


def _item_command(wire: dict[str, Any], common: dict[str, Any]) -> Command:
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


# -- server events (CLIENT role) --------------------------------------------------------------


@attrs.define
class _Item:
    output_index: int
    type: str
    name: str | None = None
    arguments: list[str] = attrs.field(factory=list)


class PreviewDecoder:
    """Decodes server messages for one connection, giving model turns ids and boundaries."""

    def __init__(self) -> None:
        self._turns = itertools.count(1)
        self._turn: str | None = None
        self._label = DEFAULT_CONVERSATION
        self._items: dict[str, _Item] = {}

    def decode(
        self, wire: dict[str, Any], name: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        """The events of one message (``None``: an event this library does not know).
        Raises :class:`WireError` for a field of the wrong type."""
        common: dict[str, Any] = {"raw": raw}
        if name == "start_session":
            session = Session(id=_str(wire, "session_id"), model=_str(wire, "model"))
            return [SessionCreated(session=session, **common)]
        if name == "error":
            message = _str(wire, "error", "message") or ""
            detail = ErrorDetail(type="error", code=_str(wire, "code"), message=message)
            return [ServerError(error=detail, **common)]
        if name in ("vad_speech_started", "vad_speech_stopped"):
            index = _int(wire, "sample_index", "audio_sample_index") or 0
            ms = index * 1000 // input_rate
            item_id = _str(wire, "item_id") or ""
            if name == "vad_speech_started":
                return [
                    SpeechStarted(
                        audio_start_ms=ms, item_id=item_id, audio_sample_index=index, **common
                    )
                ]
            return [
                SpeechStopped(audio_end_ms=ms, item_id=item_id, audio_sample_index=index, **common)
            ]
        if name == "input_transcribed":
            return [
                InputTranscriptionCompleted(
                    item_id=_need_str(wire, "item_id"),
                    audio_transcript=_str(wire, "transcript") or "",
                    **common,
                )
            ]
        if name == "model_listening":
            return [ModelListening(**common)]
        if name == "add_item":
            return self._item_started(wire, common)
        if name == "add_content":
            return self._content(wire, common)
        if name == "item_added":
            return self._item_done(wire, common)
        if name == "turn_finished":
            return self._turn_finished(wire, common)
        return None

    def _start_turn(self, events: list[Event], label: str | None) -> str:
        if self._turn is None:
            self._turn = f"turn_{next(self._turns)}"
            self._label = label or DEFAULT_CONVERSATION
            self._items.clear()
            info = ResponseInfo(id=self._turn, conversation_id=self._label)
            events.append(TurnStarted(response=info))
        return self._turn

    def _item_started(self, wire: dict[str, Any], common: dict[str, Any]) -> list[Event]:
        item_id = _need_str(wire, "id")
        kind = _str(wire, "type") or "message"
        role = _str(wire, "role") or ("assistant" if kind != "message" else None)
        previous = _str(wire, "previous_id")
        if role in ("user", "system"):
            item = ConversationItem(type=kind, id=item_id, role=role)
            return [ItemAdded(item=item, previous_item_id=previous, **common)]
        events: list[Event] = []
        turn = self._start_turn(events, _str(wire, "conversation_label"))
        tracked = _Item(output_index=len(self._items), type=kind, name=_str(wire, "name"))
        self._items[item_id] = tracked
        item = ConversationItem(
            type="function_call" if kind == "tool_call" else kind,
            id=item_id,
            role=role or "assistant",
            name=tracked.name,
            status="in_progress",
        )
        events.append(
            OutputItemAdded(
                response_id=turn, output_index=tracked.output_index, item=item, **common
            )
        )
        return events

    def _tracked(self, events: list[Event], item_id: str, kind: str) -> tuple[str, _Item]:
        turn = self._start_turn(events, None)
        tracked = self._items.get(item_id)
        if tracked is None:  # content for an item never announced: take it as it comes
            tracked = self._items[item_id] = _Item(output_index=len(self._items), type=kind)
        return turn, tracked

    def _content(self, wire: dict[str, Any], common: dict[str, Any]) -> list[Event]:
        item_id = _need_str(wire, "item_id", "message_id")
        kind = _str(wire, "type") or "text"
        data = _str(wire, "data") or ""
        events: list[Event] = []
        turn, tracked = self._tracked(
            events, item_id, "tool_call" if kind == "tool_call_arguments" else "message"
        )
        keys: dict[str, Any] = {
            "response_id": turn,
            "item_id": item_id,
            "output_index": tracked.output_index,
        }
        if kind == "audio":
            events.append(
                AudioDelta(**keys, content_index=0, audio_bytes=decode_base64(data), **common)
            )
        elif kind == "tool_call_arguments":
            tracked.arguments.append(data)
            events.append(
                ToolCallArgumentsDelta(**keys, tool_call_id=item_id, delta=data, **common)
            )
        else:
            events.append(TextDelta(**keys, content_index=0, text=data, **common))
        return events

    def _item_done(self, wire: dict[str, Any], common: dict[str, Any]) -> list[Event]:
        item_id = _need_str(wire, "id")
        kind = _str(wire, "type") or "message"
        role = _str(wire, "role")
        if role in ("user", "system"):
            return []  # a user item: its add_item was the news
        events: list[Event] = []
        turn, tracked = self._tracked(events, item_id, kind)
        if kind == "tool_call":
            call_id = _str(wire, "tool_call_id") or item_id
            name = _str(wire, "name") or tracked.name or ""
            arguments = _str(wire, "arguments")
            if arguments is None:
                arguments = "".join(tracked.arguments)
            events.append(
                ToolCallArgumentsDone(
                    response_id=turn,
                    item_id=item_id,
                    output_index=tracked.output_index,
                    tool_call_id=call_id,
                    tool_name=name,
                    tool_arguments=arguments,
                )
            )
            item = ConversationItem(
                type="function_call",
                id=item_id,
                call_id=call_id,
                name=name,
                arguments=arguments,
                status="completed",
            )
        else:
            item = ConversationItem(
                type=kind, id=item_id, role=role or "assistant", status="completed"
            )
        events.append(
            OutputItemDone(response_id=turn, output_index=tracked.output_index, item=item, **common)
        )
        return events

    def _turn_finished(self, wire: dict[str, Any], common: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        turn = self._start_turn(events, _str(wire, "conversation_label"))
        reason = _str(wire, "reason") or "stop"
        status = _STATUSES.get(reason, "completed")
        details = {"type": status, "reason": reason}  # finish_reason: the alpha's own word
        info = ResponseInfo(
            id=turn, status=status, status_details=details, conversation_id=self._label
        )
        self._turn = None
        events.append(TurnFinished(response=info, **common))
        return events


# -- server events (SERVER role) --------------------------------------------------------------


def encode_event(event: Event, input_rate: int) -> list[dict[str, Any]] | None:
    """The preview messages of a server event: ``[]`` when the dialect implies it (done
    events, acknowledgements), ``None`` when it has no way to say it."""
    if isinstance(event, SessionCreated):
        session = event.session
        return [
            {
                KEY: "start_session",
                "session_id": session.id,
                "model": session.model,
                "system_fingerprint": "simulated",
            }
        ]
    if isinstance(event, ServerError):
        wire: dict[str, Any] = {KEY: "error", "error": event.error.message}
        if event.error.code is not None:
            wire["code"] = event.error.code
        return [wire]
    if isinstance(event, OutputItemAdded):
        item = event.item
        wire = {
            KEY: "add_item",
            "id": item.id,
            "previous_id": None,
            "conversation_label": DEFAULT_CONVERSATION,
            "type": "tool_call" if item.type == "function_call" else item.type,
            "role": item.role or "assistant",
        }
        if item.name is not None:
            wire["name"] = item.name
        return [wire]
    if isinstance(event, (TextDelta, OutputTranscriptDelta)):
        data = event.text if isinstance(event, TextDelta) else event.delta
        return [{KEY: "add_content", "item_id": event.item_id, "type": "text", "data": data}]
    if isinstance(event, AudioDelta):
        data = b64encode(event.audio_bytes)
        return [{KEY: "add_content", "item_id": event.item_id, "type": "audio", "data": data}]
    if isinstance(event, ToolCallArgumentsDelta):
        return [
            {
                KEY: "add_content",
                "item_id": event.item_id,
                "type": "tool_call_arguments",
                "data": event.delta,
            }
        ]
    if isinstance(event, OutputItemDone):
        item = event.item
        wire = {
            KEY: "item_added",
            "id": item.id,
            "previous_id": None,
            "conversation_label": DEFAULT_CONVERSATION,
            "type": "tool_call" if item.type == "function_call" else item.type,
        }
        if item.type == "function_call":
            wire.update(tool_call_id=item.call_id, name=item.name, arguments=item.arguments)
        return [wire]
    if isinstance(event, TurnFinished):
        response = event.response
        reason = {"cancelled": "interrupt", "completed": "stop"}.get(response.status, "stop")
        if response.finish_reason in ("max_output_tokens", "content_filter"):
            reason = (
                "max_tokens" if response.finish_reason == "max_output_tokens" else "content_filter"
            )
        return [
            {
                KEY: "turn_finished",
                "reason": reason,
                "conversation_label": DEFAULT_CONVERSATION,
                "item_ids": [item.id for item in response.output if item.id is not None],
            }
        ]
    if isinstance(event, (SpeechStarted, SpeechStopped)):
        started = isinstance(event, SpeechStarted)
        ms = event.audio_start_ms if isinstance(event, SpeechStarted) else event.audio_end_ms
        return [
            {
                KEY: "vad_speech_started" if started else "vad_speech_stopped",
                "sample_index": ms * input_rate // 1000,
                "item_id": event.item_id,
            }
        ]
    if isinstance(event, InputTranscriptionCompleted):
        return [
            {
                KEY: "input_transcribed",
                "item_id": event.item_id,
                "transcript": event.audio_transcript,
            }
        ]
    if isinstance(event, ModelListening):
        return [{KEY: "model_listening"}]
    if type(event).__name__ in _IMPLIED:
        return []
    return None


# Events whose news the preview dialect carries elsewhere, or does not carry at all.
_IMPLIED: Final = frozenset(
    {
        "SessionUpdated",
        "TurnStarted",
        "ItemAdded",
        "ItemDone",
        "ContentPartAdded",
        "ContentPartDone",
        "TextDone",
        "AudioDone",
        "OutputTranscriptDone",
        "ToolCallArgumentsDone",
        "InputAudioCommitted",
        "InputAudioCleared",
        "InputTranscriptionDelta",
        "ItemTruncated",
        "ItemDeleted",
        "RateLimitsUpdated",
    }
)
