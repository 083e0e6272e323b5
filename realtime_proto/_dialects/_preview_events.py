"""The 2024 preview dialect's server messages, both ways.

The preview protocol has no responses, only model turns, so :class:`PreviewDecoder` keeps a
little state to give each turn a ``TurnStarted`` and an id, and each item an output index;
the accumulator and turn-taking then work unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

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
)
from .._values import ConversationItem, ErrorDetail, ResponseInfo
from ._convert import WireError, b64encode, collecting_problems, decode_base64, note_problem
from ._preview_commands import (
    DEFAULT_CONVERSATION,
    KEY,
    _int,
    _need_str,
    _str,
)

__all__ = ["PreviewDecoder", "encode_event"]

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


# -- server events (CLIENT role) --------------------------------------------------------------


@attrs.define(repr=False, eq=False)
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
        audio = decode_base64(data) if kind == "audio" else b""  # before any turn changes
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
            events.append(AudioDelta(**keys, content_index=0, audio_bytes=audio))
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
        # the call's fields are read before any turn changes: a bad one changes nothing
        call_id, named, given = (_str(wire, key) for key in ("tool_call_id", "name", "arguments"))
        events: list[Event] = []
        turn, tracked = self._tracked(events, item_id, kind, common)
        keys: dict[str, Any] = {
            "response_id": turn,
            "output_index": tracked.output_index,
            **common,
        }
        if kind == "tool_call":
            call_id = call_id or item_id
            name = named or tracked.name or ""
            arguments = given if given is not None else "".join(tracked.arguments)
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
