"""The 2024 preview dialect: ``event``-keyed messages, mapped to the same events and commands
as the ``type``-keyed dialect (spec: ``realtime-preview-protocol.md``).

The preview protocol has no responses, only model turns, so :class:`PreviewDecoder` keeps a
little state to give each turn a ``TurnStarted`` and an id, and each item an output index;
the accumulator and turn-taking then work unchanged. Decoding accepts every variant the spec
lists; encoding writes the first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
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
    AudioDone,
    ContentPartAdded,
    ContentPartDone,
    Event,
    InputAudioCleared,
    InputAudioCommitted,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemTruncated,
    ModelListening,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RateLimitsUpdated,
    ServerError,
    Session,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    TextDone,
    ToolCallArgumentsDelta,
    ToolCallArgumentsDone,
    TurnFinished,
    TurnStarted,
)
from .._options import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    InputTranscription,
    NoTurnDetection,
    SemanticVad,
    ServerVad,
    ToolDefinition,
)
from .._values import ContentPart, ConversationItem, ErrorDetail, ResponseInfo
from ._convert import WireError, b64encode, collecting_problems, decode_base64, note_problem

__all__ = [
    "PreviewDecoder",
    "PreviewDialect",
    "decode_command",
    "encode_command",
    "encode_event",
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
# turn_finished reasons -> response status, and the reason in the GA vocabulary where the status
# alone does not say it (finish_reason means the same in every dialect; raw keeps this one's)
_STATUSES: Final = {
    "stop": "completed",
    "max_tokens": "incomplete",
    "content_filter": "incomplete",
    "interrupt": "cancelled",
}
_FINISH_REASONS: Final = {"max_tokens": "max_output_tokens", "content_filter": "content_filter"}
_REASONS_BACK: Final = {ga: preview for preview, ga in _FINISH_REASONS.items()}


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


# -- server events (CLIENT role) --------------------------------------------------------------


@attrs.define
class _Item:
    output_index: int
    type: str
    name: str | None = None
    arguments: list[str] = attrs.field(factory=list)


def _loose_str(wire: Mapping[str, Any], key: str) -> str | None:
    """A descriptive string: an unusable value is reported and left unset."""
    try:
        return _str(wire, key)
    except WireError as exc:
        note_problem(key, str(exc))
        return None


def _session_started(decoder: PreviewDecoder, wire: dict[str, Any], common: Common) -> Events:
    session = Session(id=_loose_str(wire, "session_id"), model=_loose_str(wire, "model"))
    return [SessionCreated(session=session, **common)]


def _error(decoder: PreviewDecoder, wire: dict[str, Any], common: Common) -> Events:
    message = _str(wire, "error", "message") or ""
    detail = ErrorDetail(type="error", code=_loose_str(wire, "code"), message=message)
    return [ServerError(error=detail, **common)]


def _speech(started: bool) -> ServerDecoder:
    def decode(decoder: PreviewDecoder, wire: dict[str, Any], common: Common) -> Events:
        index = _int(wire, "sample_index", "audio_sample_index") or 0
        ms = index * 1000 // decoder.input_rate
        item_id = _str(wire, "item_id") or ""
        if started:
            return [
                SpeechStarted(
                    audio_start_ms=ms, item_id=item_id, audio_sample_index=index, **common
                )
            ]
        return [SpeechStopped(audio_end_ms=ms, item_id=item_id, audio_sample_index=index, **common)]

    return decode


def _input_transcribed(decoder: PreviewDecoder, wire: dict[str, Any], common: Common) -> Events:
    return [
        InputTranscriptionCompleted(
            item_id=_need_str(wire, "item_id"),
            audio_transcript=_str(wire, "transcript") or "",
            **common,
        )
    ]


Common = dict[str, Any]
Events = list[Event]
ServerDecoder = Callable[["PreviewDecoder", dict[str, Any], Common], Events]


class PreviewDecoder:
    """Decodes server messages for one connection, giving model turns ids and boundaries.

    Every event a message makes carries that message's ``raw``: a ``TurnStarted`` made for the
    first content of a turn carries the frame of that content.
    """

    def __init__(self) -> None:
        self._turns = itertools.count(1)
        self._turn: str | None = None
        self._label = DEFAULT_CONVERSATION
        self._items: dict[str, _Item] = {}
        self.input_rate = AudioFormat.PCM16.sample_rate

    def decode(
        self, wire: dict[str, Any], name: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        """The events of one message (``None``: an event this library does not know).
        Raises :class:`WireError` for an id or a payload of the wrong type; a descriptive
        field of the wrong type is left unset and reported in the events' ``problems``."""
        handler = _SERVER_DECODERS.get(name)
        if handler is None:
            return None
        self.input_rate = input_rate
        events, problems = collecting_problems(lambda: handler(self, wire, {"raw": raw}))
        if problems:
            events = [attrs.evolve(event, problems=tuple(problems)) for event in events]
        return events

    def _start_turn(self, events: list[Event], label: str | None, common: Common) -> str:
        if self._turn is None:
            self._turn = f"turn_{next(self._turns)}"
            self._label = label or DEFAULT_CONVERSATION
            self._items.clear()
            info = ResponseInfo(id=self._turn, conversation_id=self._label)
            events.append(TurnStarted(response=info, **common))
        return self._turn

    def item_started(self, wire: dict[str, Any], common: Common) -> Events:
        item_id = _need_str(wire, "id")
        kind = _loose_str(wire, "type") or "message"
        role = _loose_str(wire, "role") or ("assistant" if kind != "message" else None)
        previous = _loose_str(wire, "previous_id")
        if role in ("user", "system"):
            item = ConversationItem(type=kind, id=item_id, role=role)
            return [ItemAdded(item=item, previous_item_id=previous, **common)]
        events: list[Event] = []
        turn = self._start_turn(events, _loose_str(wire, "conversation_label"), common)
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

    def _tracked(
        self, events: list[Event], item_id: str, kind: str, common: Common
    ) -> tuple[str, _Item]:
        turn = self._start_turn(events, None, common)
        tracked = self._items.get(item_id)
        if tracked is None:  # content for an item never announced: take it as it comes
            tracked = self._items[item_id] = _Item(output_index=len(self._items), type=kind)
        return turn, tracked

    def content(self, wire: dict[str, Any], common: Common) -> Events:
        item_id = _need_str(wire, "item_id", "message_id")
        kind = _str(wire, "type") or "text"
        data = _str(wire, "data") or ""
        events: list[Event] = []
        turn, tracked = self._tracked(
            events, item_id, "tool_call" if kind == "tool_call_arguments" else "message", common
        )
        keys: dict[str, Any] = {
            "response_id": turn,
            "item_id": item_id,
            "output_index": tracked.output_index,
            **common,
        }
        if kind == "audio":
            events.append(AudioDelta(**keys, content_index=0, audio_bytes=decode_base64(data)))
        elif kind == "tool_call_arguments":
            tracked.arguments.append(data)
            events.append(ToolCallArgumentsDelta(**keys, tool_call_id=item_id, delta=data))
        else:
            events.append(TextDelta(**keys, content_index=0, text=data))
        return events

    def item_done(self, wire: dict[str, Any], common: Common) -> Events:
        item_id = _need_str(wire, "id")
        kind = _loose_str(wire, "type") or "message"
        role = _loose_str(wire, "role")
        if role in ("user", "system"):
            return []  # a user item: its add_item was the news
        events: list[Event] = []
        turn, tracked = self._tracked(events, item_id, kind, common)
        keys: dict[str, Any] = {
            "response_id": turn,
            "output_index": tracked.output_index,
            **common,
        }
        if kind == "tool_call":
            call_id = _str(wire, "tool_call_id") or item_id
            name = _str(wire, "name") or tracked.name or ""
            arguments = _str(wire, "arguments")
            if arguments is None:
                arguments = "".join(tracked.arguments)
            events.append(
                ToolCallArgumentsDone(
                    **keys,
                    item_id=item_id,
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
        events.append(OutputItemDone(**keys, item=item))
        return events

    def turn_finished(self, wire: dict[str, Any], common: Common) -> Events:
        events: list[Event] = []
        turn = self._start_turn(events, _loose_str(wire, "conversation_label"), common)
        reason = _loose_str(wire, "reason") or "stop"
        status = _STATUSES.get(reason, "completed")
        details: dict[str, Any] = {"type": status}
        if reason in _FINISH_REASONS:
            details["reason"] = _FINISH_REASONS[reason]
        info = ResponseInfo(
            id=turn, status=status, status_details=details, conversation_id=self._label
        )
        self._turn = None
        events.append(TurnFinished(response=info, **common))
        return events


_SERVER_DECODERS: Final[dict[str, ServerDecoder]] = {
    "start_session": _session_started,
    "error": _error,
    "vad_speech_started": _speech(started=True),
    "vad_speech_stopped": _speech(started=False),
    "input_transcribed": _input_transcribed,
    "model_listening": lambda decoder, wire, common: [ModelListening(**common)],
    "add_item": PreviewDecoder.item_started,
    "add_content": PreviewDecoder.content,
    "item_added": PreviewDecoder.item_done,
    "turn_finished": PreviewDecoder.turn_finished,
}


# -- server events (SERVER role) --------------------------------------------------------------

EventEncoder = Callable[[Any, int], list[dict[str, Any]]]


def _session_to_wire(event: SessionCreated, _: int) -> list[dict[str, Any]]:
    session = event.session
    return [
        {
            KEY: "start_session",
            "session_id": session.id,
            "model": session.model,
            "system_fingerprint": "simulated",
        }
    ]


def _error_to_wire(event: ServerError, _: int) -> list[dict[str, Any]]:
    wire: dict[str, Any] = {KEY: "error", "error": event.error.message}
    if event.error.code is not None:
        wire["code"] = event.error.code
    return [wire]


def _item_kind(item: ConversationItem) -> str:
    return "tool_call" if item.type == "function_call" else item.type


def _item_added_to_wire(event: OutputItemAdded, _: int) -> list[dict[str, Any]]:
    item = event.item
    wire = {
        KEY: "add_item",
        "id": item.id,
        "previous_id": None,
        "conversation_label": DEFAULT_CONVERSATION,
        "type": _item_kind(item),
        "role": item.role or "assistant",
    }
    if item.name is not None:
        wire["name"] = item.name
    return [wire]


def _content_to_wire(kind: str, item_id: str, data: str) -> list[dict[str, Any]]:
    return [{KEY: "add_content", "item_id": item_id, "type": kind, "data": data}]


def _item_done_to_wire(event: OutputItemDone, _: int) -> list[dict[str, Any]]:
    item = event.item
    wire = {
        KEY: "item_added",
        "id": item.id,
        "previous_id": None,
        "conversation_label": DEFAULT_CONVERSATION,
        "type": _item_kind(item),
    }
    if item.type == "function_call":
        wire.update(tool_call_id=item.call_id, name=item.name, arguments=item.arguments)
    return [wire]


def _turn_finished_to_wire(event: TurnFinished, _: int) -> list[dict[str, Any]]:
    response = event.response
    reason = _REASONS_BACK.get(response.finish_reason or "", "")
    if not reason:
        reason = "interrupt" if response.status == "cancelled" else "stop"
    return [
        {
            KEY: "turn_finished",
            "reason": reason,
            "conversation_label": DEFAULT_CONVERSATION,
            "item_ids": [item.id for item in response.output if item.id is not None],
        }
    ]


def _speech_to_wire(event: SpeechStarted | SpeechStopped, input_rate: int) -> list[dict[str, Any]]:
    started = isinstance(event, SpeechStarted)
    ms = event.audio_start_ms if isinstance(event, SpeechStarted) else event.audio_end_ms
    return [
        {
            KEY: "vad_speech_started" if started else "vad_speech_stopped",
            "sample_index": ms * input_rate // 1000,
            "item_id": event.item_id,
        }
    ]


_EVENT_ENCODERS: Final[dict[type[Event], EventEncoder]] = {
    SessionCreated: _session_to_wire,
    ServerError: _error_to_wire,
    OutputItemAdded: _item_added_to_wire,
    TextDelta: lambda e, _: _content_to_wire("text", e.item_id, e.text),
    OutputTranscriptDelta: lambda e, _: _content_to_wire("text", e.item_id, e.delta),
    AudioDelta: lambda e, _: _content_to_wire("audio", e.item_id, b64encode(e.audio_bytes)),
    ToolCallArgumentsDelta: lambda e, _: _content_to_wire(
        "tool_call_arguments", e.item_id, e.delta
    ),
    OutputItemDone: _item_done_to_wire,
    TurnFinished: _turn_finished_to_wire,
    SpeechStarted: _speech_to_wire,
    SpeechStopped: _speech_to_wire,
    InputTranscriptionCompleted: lambda e, _: [
        {KEY: "input_transcribed", "item_id": e.item_id, "transcript": e.audio_transcript}
    ],
    ModelListening: lambda e, _: [{KEY: "model_listening"}],
}

# Events whose news the preview dialect carries elsewhere, or does not carry at all.
_IMPLIED: Final = frozenset(
    {
        SessionUpdated,
        TurnStarted,
        ItemAdded,
        ItemDone,
        ContentPartAdded,
        ContentPartDone,
        TextDone,
        AudioDone,
        OutputTranscriptDone,
        ToolCallArgumentsDone,
        InputAudioCommitted,
        InputAudioCleared,
        InputTranscriptionDelta,
        ItemTruncated,
        ItemDeleted,
        RateLimitsUpdated,
    }
)


def encode_event(event: Event, input_rate: int) -> list[dict[str, Any]] | None:
    """The preview messages of a server event: ``[]`` when the dialect implies it (done
    events, acknowledgements), ``None`` when it has no way to say it."""
    encoder = _EVENT_ENCODERS.get(type(event))
    if encoder is not None:
        return encoder(event, input_rate)
    return [] if type(event) in _IMPLIED else None


# -- the dialect as one connection uses it ----------------------------------------------------


class PreviewDialect:
    """The ``event``-keyed 2024 preview dialect of one connection."""

    dialect = Dialect.PREVIEW
    type_key = KEY
    finish_turn_is_a_message = True

    def __init__(self) -> None:
        self._decoder = PreviewDecoder()

    def decode_server_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        return self._decoder.decode(wire, message_type, raw, input_rate)

    def decode_client_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> Command | None:
        return decode_command(wire, message_type, raw, input_rate)

    def encode_command(self, command: Command, output_rate: int) -> dict[str, Any]:
        return encode_command(command, output_rate)

    def encode_event(self, event: Event, input_rate: int) -> list[dict[str, Any]] | None:
        return encode_event(event, input_rate)
