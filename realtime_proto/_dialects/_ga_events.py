"""The ``type``-keyed dialect's server events, both ways: GA names and the beta names Azure
preview api-versions still send.

Decoding accepts both generations (and Azure 2024-10-01-preview key variants) whatever the
connection's dialect; encoding writes the generation the connection was opened with. Mappings are
tables from wire type to event class; the per-type ``prepare`` functions only normalise variant
keys or add values derived from the frame before cattrs structures it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .._durations import samples_for_ms
from .._errors import LocalProtocolError
from .._events import (
    AudioDelta,
    AudioDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    DtmfReceived,
    Event,
    InputAudioCleared,
    InputAudioCommitted,
    InputTimeoutTriggered,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    InputTranscriptionSegment,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    OutputAudioBufferStatus,
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
from .._options import Dialect
from .._record import Record
from ._convert import (
    WireError,
    collecting_problems,
    converter,
    item_to_wire,
    note_problem,
    part_to_wire,
)
from ._convert import _response_to_wire as _info_to_wire
from ._ga_fast import HOT_DELTAS as _HOT_DELTAS
from ._ga_fast import RAW_KEY as _RAW
from ._ga_fast import decode_audio_delta, fast_delta
from ._session import decode_session, encode_session

__all__ = ["SERVER_TYPES", "decode_audio_delta", "decode_event", "encode_event"]

_PROBLEMS = "\x00problems"  # never on the wire: problems are attached after structuring

Prepare = Callable[[dict[str, Any], str, int], None]


def _rename(**renames: str) -> dict[str, str]:
    return renames


def _sample_index(key: str) -> Prepare:
    def prepare(wire: dict[str, Any], _: str, input_rate: int) -> None:
        ms = wire.get(key)
        if isinstance(ms, int) and not isinstance(ms, bool):
            wire["audio_sample_index"] = samples_for_ms(ms, input_rate)

    return prepare


def _status_from_type(wire: dict[str, Any], event_type: str, _: int) -> None:
    wire["status"] = event_type.rsplit(".", 1)[1]


def _conversation_id(wire: dict[str, Any], _: str, __: int) -> None:
    conversation = wire.get("conversation")
    if isinstance(conversation, dict):
        wire["conversation_id"] = conversation.get("id")


def _variant(key: str, *variants: str) -> Prepare:
    """Azure 2024-10-01-preview spells some keys differently; accept them all."""

    def prepare(wire: dict[str, Any], _: str, __: int) -> None:
        if key not in wire:
            for variant in variants:
                if variant in wire:
                    wire[key] = wire[variant]
                    return

    return prepare


def _drop_null(key: str) -> Prepare:
    def prepare(wire: dict[str, Any], _: str, __: int) -> None:
        if wire.get(key, "") is None:
            del wire[key]

    return prepare


@attrs.frozen(repr=False, eq=False)
class _Mapping(Record):
    """How one event class looks on the wire."""

    cls: type[Event]
    ga_type: str | None
    beta_type: str | None
    renames: Mapping[str, str] = attrs.field(factory=dict)
    prepare: Prepare | None = None
    omit: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # more names that decode to this class


_DELTA_KEYS = ("response_id", "item_id", "output_index", "content_index")

_MAPPINGS = (
    _Mapping(
        SessionCreated,
        "session.created",
        "session.created",
        aliases=("transcription_session.created",),
    ),
    _Mapping(
        SessionUpdated,
        "session.updated",
        "session.updated",
        aliases=("transcription_session.updated",),
    ),
    _Mapping(
        ConversationCreated,
        "conversation.created",
        "conversation.created",
        prepare=_conversation_id,
    ),
    _Mapping(ItemAdded, "conversation.item.added", "conversation.item.created"),
    _Mapping(ItemDone, "conversation.item.done", None),
    _Mapping(ItemRetrieved, "conversation.item.retrieved", "conversation.item.retrieved"),
    _Mapping(
        ItemTruncated,
        "conversation.item.truncated",
        "conversation.item.truncated",
        prepare=_variant("content_index", "index"),
    ),
    _Mapping(ItemDeleted, "conversation.item.deleted", "conversation.item.deleted"),
    _Mapping(InputAudioCommitted, "input_audio_buffer.committed", "input_audio_buffer.committed"),
    _Mapping(InputAudioCleared, "input_audio_buffer.cleared", "input_audio_buffer.cleared"),
    _Mapping(
        SpeechStarted,
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_started",
        prepare=_sample_index("audio_start_ms"),
        omit=("audio_sample_index",),
    ),
    _Mapping(
        SpeechStopped,
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.speech_stopped",
        prepare=_sample_index("audio_end_ms"),
        omit=("audio_sample_index",),
    ),
    _Mapping(InputTimeoutTriggered, "input_audio_buffer.timeout_triggered", None),
    _Mapping(DtmfReceived, "input_audio_buffer.dtmf_event_received", None, _rename(key="event")),
    _Mapping(
        InputTranscriptionDelta,
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.delta",
        prepare=_drop_null("delta"),
    ),
    _Mapping(
        InputTranscriptionSegment,
        "conversation.item.input_audio_transcription.segment",
        None,
        _rename(segment_id="id", segment_text="text"),
    ),
    _Mapping(
        InputTranscriptionCompleted,
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.completed",
        _rename(audio_transcript="transcript"),
    ),
    _Mapping(
        InputTranscriptionFailed,
        "conversation.item.input_audio_transcription.failed",
        "conversation.item.input_audio_transcription.failed",
    ),
    _Mapping(TurnStarted, "response.created", "response.created"),
    _Mapping(TurnFinished, "response.done", "response.done", omit=("turn",)),
    _Mapping(OutputItemAdded, "response.output_item.added", "response.output_item.added"),
    _Mapping(OutputItemDone, "response.output_item.done", "response.output_item.done"),
    _Mapping(
        ContentPartAdded,
        "response.content_part.added",
        "response.content_part.added",
        prepare=_variant("part", "content"),
    ),
    _Mapping(
        ContentPartDone,
        "response.content_part.done",
        "response.content_part.done",
        prepare=_variant("part", "content"),
    ),
    _Mapping(TextDelta, "response.output_text.delta", "response.text.delta", _rename(text="delta")),
    _Mapping(
        TextDone,
        "response.output_text.done",
        "response.text.done",
        prepare=_variant("text", "value"),
    ),
    _Mapping(
        AudioDelta,
        "response.output_audio.delta",
        "response.audio.delta",
        _rename(audio_bytes="delta"),
    ),
    _Mapping(AudioDone, "response.output_audio.done", "response.audio.done"),
    _Mapping(
        OutputTranscriptDelta,
        "response.output_audio_transcript.delta",
        "response.audio_transcript.delta",
    ),
    _Mapping(
        OutputTranscriptDone,
        "response.output_audio_transcript.done",
        "response.audio_transcript.done",
    ),
    _Mapping(
        ToolCallArgumentsDelta,
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        _rename(tool_call_id="call_id"),
    ),
    _Mapping(
        ToolCallArgumentsDone,
        "response.function_call_arguments.done",
        "response.function_call_arguments.done",
        _rename(tool_call_id="call_id", tool_name="name", tool_arguments="arguments"),
    ),
    _Mapping(
        McpCallArgumentsDelta,
        "response.mcp_call_arguments.delta",
        None,
    ),
    _Mapping(McpCallArgumentsDone, "response.mcp_call_arguments.done", None),
    _Mapping(RateLimitsUpdated, "rate_limits.updated", "rate_limits.updated"),
    _Mapping(ServerError, "error", "error"),
)

# One wire type per status, all decoding to the same class.
_STATUS_TYPES: dict[str, tuple[type[Event], str]] = {
    **{
        f"mcp_list_tools.{s}": (McpListToolsStatus, s)
        for s in ("in_progress", "completed", "failed")
    },
    **{
        f"response.mcp_call.{s}": (McpCallStatus, s) for s in ("in_progress", "completed", "failed")
    },
    **{
        f"output_audio_buffer.{s}": (OutputAudioBufferStatus, s)
        for s in ("started", "stopped", "cleared")
    },
}
_STATUS_PREFIX = {
    McpListToolsStatus: "mcp_list_tools.",
    McpCallStatus: "response.mcp_call.",
    OutputAudioBufferStatus: "output_audio_buffer.",
}

converter.register_structure_hook(Session, lambda value, _: decode_session(value))

Structure = Callable[[dict[str, Any]], Event]

# Fields that name what an event is about (ids, indexes) or carry its payload: a value of the
# wrong type makes the event undecodable. Every other field with a default is descriptive.
_STRICT = frozenset(
    {
        "event_id", "response_id", "item_id", "output_index", "content_index", "call_id",
        "tool_call_id", "delta", "text", "audio_bytes", "transcript", "audio_transcript",
        "tool_name", "tool_arguments", "arguments", "segment_id", "segment_text", "key",
    }
)  # fmt: skip
_INTERNAL = frozenset({"raw", "problems", "turn", "audio_sample_index"})


@attrs.frozen(repr=False, eq=False)
class _Decoder(Record):
    structure: Structure
    prepare: Prepare | None
    # (field name, wire key, annotation) of each descriptive field
    descriptive: tuple[tuple[str, str, Any], ...]
    # (field name, wire key, annotation, required) of each id, index and payload field
    strict: tuple[tuple[str, str, Any, bool], ...]
    # the hot deltas' direct path: ``None`` when a field is not of its usual type
    fast: Callable[[dict[str, Any]], Event | None] | None = None


def _make_decoder(mapping: _Mapping) -> _Decoder:
    overrides: dict[str, Any] = {
        name: override(rename=wire) for name, wire in mapping.renames.items()
    }
    structure: Structure = make_dict_structure_fn(
        mapping.cls,
        converter,
        raw=override(rename=_RAW),
        problems=override(rename=_PROBLEMS),
        **overrides,
    )
    hot = _HOT_DELTAS.get(mapping.cls)
    fields = attrs.fields(attrs.resolve_types(mapping.cls))
    keyed = [(f, mapping.renames.get(f.name, f.name)) for f in fields if f.name not in _INTERNAL]
    descriptive = [
        (f, key) for f, key in keyed if f.default is not attrs.NOTHING and f.name not in _STRICT
    ]
    return _Decoder(
        structure,
        mapping.prepare,
        descriptive=tuple((f.name, key, f.type) for f, key in descriptive),
        strict=tuple(
            (f.name, key, f.type, f.default is attrs.NOTHING)
            for f, key in keyed
            if (f, key) not in descriptive
        ),
        fast=None if hot is None else fast_delta(mapping.cls, *hot),
    )


def _status_mapping(cls: type[Event]) -> _Mapping:
    return _Mapping(cls, None, None, prepare=_status_from_type, omit=("status",))


_DECODER_MAPPINGS: dict[str, _Mapping] = {}
for _mapping in _MAPPINGS:
    for _type in {_mapping.ga_type, _mapping.beta_type, *_mapping.aliases} - {None}:
        _DECODER_MAPPINGS[str(_type)] = _mapping
for _type, (_cls, _) in _STATUS_TYPES.items():
    _DECODER_MAPPINGS[_type] = _status_mapping(_cls)

# Generated on first use: most sessions meet a dozen of the types, and each costs memory.
_DECODERS: dict[str, _Decoder] = {}
_DECODERS_BY_MAPPING: dict[int, _Decoder] = {}


def _decoder(event_type: str) -> _Decoder | None:
    """Generate (once) the decoder of a type met for the first time."""
    mapping = _DECODER_MAPPINGS.get(event_type)
    if mapping is None:
        return None
    decoder = _DECODERS_BY_MAPPING.get(id(mapping)) or _make_decoder(mapping)
    _DECODERS[event_type] = _DECODERS_BY_MAPPING[id(mapping)] = decoder
    return decoder


SERVER_TYPES = frozenset(_DECODER_MAPPINGS)
"""Every server event type this dialect decodes (GA and beta names)."""


def decode_event(wire: dict[str, Any], event_type: str, raw: str, input_rate: int) -> Event | None:
    """A server event from its wire dict; ``None`` for a type this dialect does not know.

    Descriptive fields are lenient: an unusable value is left unset and reported in the
    event's ``problems``. Raises :class:`WireError` when an id, an index or the payload is
    missing or of the wrong type, naming the field.
    """
    decoder = _DECODERS.get(event_type) or _decoder(event_type)
    if decoder is None:
        return None
    if decoder.prepare is not None:
        decoder.prepare(wire, event_type, input_rate)
    wire[_RAW] = raw
    if decoder.fast is not None and (direct := decoder.fast(wire)) is not None:
        return direct
    try:
        event, problems = collecting_problems(lambda: decoder.structure(wire))
    except Exception:  # cattrs and the hooks raise many kinds; explained below
        event, problems = collecting_problems(lambda: _lenient_structure(decoder, wire))
    return attrs.evolve(event, problems=tuple(problems)) if problems else event


def _lenient_structure(decoder: _Decoder, wire: dict[str, Any]) -> Event:
    """Leave out the descriptive fields that cannot be used, then try again."""
    for name, key, annotation in decoder.descriptive:
        value = wire.get(key)
        problem = None if value is None else _fails(value, annotation)
        if problem is not None:
            note_problem(name, problem)
            del wire[key]
    try:
        return decoder.structure(wire)
    except Exception:
        raise WireError(_explain(decoder, wire)) from None


def _fails(value: Any, annotation: Any) -> str | None:
    """Why ``value`` does not structure as ``annotation`` (``None``: it does)."""
    try:
        collecting_problems(lambda: converter.structure(value, annotation))
    except Exception as exc:
        return str(exc) or type(exc).__name__
    return None


def _explain(decoder: _Decoder, wire: dict[str, Any]) -> str:
    """Name the id, index or payload field that made the event undecodable."""
    for _, key, annotation, required in decoder.strict:
        if key not in wire:
            if required:
                return f"required field {key!r} is missing"
            continue
        problem = _fails(wire[key], annotation)
        if problem is not None:
            return f"field {key!r}: {problem}"
    return "the event could not be decoded"  # pragma: no cover - a field always explains it


# -- encoding server events (SERVER role) ---------------------------------------------------

Unstructure = Callable[[Any], dict[str, Any]]


# The fields whose wire form depends on the generation (assistant content parts are
# ``output_text`` / ``output_audio`` in GA items, ``text`` / ``audio`` in beta items and in the
# content-part events of both): left out of the generated functions, written by ``encode_event``.
_GENERATION_FIELDS: dict[str, Callable[[Any, Dialect], dict[str, Any]]] = {
    "item": item_to_wire,
    "response": _info_to_wire,
    "part": lambda part, _: part_to_wire(part, event=True),
}


@attrs.frozen(repr=False, eq=False)
class _Encoder(Record):
    unstructure: Unstructure
    ga_type: str | None
    beta_type: str | None
    by_generation: tuple[str, ...] = ()


def _make_encoder(mapping: _Mapping) -> _Encoder:
    overrides: dict[str, Any] = {
        name: override(rename=wire) for name, wire in mapping.renames.items()
    }
    overrides.update({name: override(omit=True) for name in mapping.omit})
    names = {field.name for field in attrs.fields(mapping.cls)}
    by_generation = tuple(name for name in _GENERATION_FIELDS if name in names)
    overrides.update({name: override(omit=True) for name in by_generation})
    unstructure = make_dict_unstructure_fn(
        mapping.cls, converter, raw=override(omit=True), problems=override(omit=True), **overrides
    )
    return _Encoder(unstructure, mapping.ga_type, mapping.beta_type, by_generation)


_ENCODER_MAPPINGS: dict[type[Event], _Mapping] = {m.cls: m for m in _MAPPINGS}
for _cls in _STATUS_PREFIX:
    _ENCODER_MAPPINGS[_cls] = _status_mapping(_cls)
_ENCODERS: dict[type[Event], _Encoder] = {}  # generated on first use, as the decoders


def _encoder(cls: type[Event]) -> _Encoder | None:
    """Generate (once) the encoder of a class met for the first time."""
    mapping = _ENCODER_MAPPINGS.get(cls)
    if mapping is None:
        return None
    encoder = _ENCODERS[cls] = _make_encoder(mapping)
    return encoder


# GA-only events whose news the beta generation carries elsewhere or not at all: the item
# of ``conversation.item.done`` is in ``conversation.item.created`` and
# ``response.output_item.done``; beta has no idle timeout and no diarized segments (the
# transcript still arrives whole).
_IMPLIED_IN_BETA = frozenset({ItemDone, InputTimeoutTriggered, InputTranscriptionSegment})


def encode_event(event: Event, dialect: Dialect) -> list[dict[str, Any]] | None:
    """The wire messages of a server event: one, or ``[]`` when the dialect carries its news
    elsewhere or not at all; ``None`` when the dialect has no way to say it (a DTMF key, the
    MCP events in beta)."""
    encoder = _ENCODERS.get(type(event)) or _encoder(type(event))
    if encoder is None:
        return None
    for name in _NEEDED_TO_SEND.get(type(event), ()):
        if getattr(event, name) is None:
            raise LocalProtocolError(f"{type(event).__name__} needs its {name} to be sent")
    prefix = _STATUS_PREFIX.get(type(event))
    if prefix is not None:
        ga_only = type(event) is not OutputAudioBufferStatus  # MCP events are GA-only
        if ga_only and dialect is not Dialect.GA:
            return None
        event_type: str | None = prefix + event.status  # type: ignore[attr-defined]
    else:
        event_type = encoder.ga_type if dialect is Dialect.GA else encoder.beta_type
    if event_type is None:
        return [] if type(event) in _IMPLIED_IN_BETA else None
    wire = {"type": event_type, **encoder.unstructure(event)}
    for name in encoder.by_generation:
        value = getattr(event, name)
        wire[name] = None if value is None else _GENERATION_FIELDS[name](value, dialect)
    if isinstance(event, (SessionCreated, SessionUpdated)):
        wire["session"] = encode_session(event.session, dialect)
    elif isinstance(event, ConversationCreated):
        del wire["conversation_id"]
        wire["conversation"] = {"id": event.conversation_id, "object": "realtime.conversation"}
    elif isinstance(event, InputTranscriptionCompleted) and event.usage is None:
        wire["usage"] = dict(_NO_USAGE)  # required on the wire; older servers left it out
    elif isinstance(event, OutputTranscriptDone) and event.transcript is None:
        wire["transcript"] = ""
    elif isinstance(event, InputTranscriptionFailed) and event.error.event_id is None:
        del wire["error"]["event_id"]  # this error object has no such key (an error event's has)
    return [wire]


# Fields that may be missing from what a server sent (descriptive, so decoded leniently) but
# that the wire requires when we are the server.
_NEEDED_TO_SEND: dict[type[Event], tuple[str, ...]] = {
    ContentPartAdded: ("part",),
    ContentPartDone: ("part",),
    DtmfReceived: ("received_at",),
    InputTranscriptionSegment: ("speaker", "start", "end"),
}

_NO_USAGE = {"type": "tokens", "input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
