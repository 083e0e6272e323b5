"""Strategies for the values that events and commands carry: ids, text, items, responses,
options and sessions, each in the shape that survives the dialect it is drawn for."""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs
from hypothesis import strategies as st

from .._events import Session
from .._options import (
    TEMPERATURE_RANGE,
    AudioFormat,
    ConversationOptions,
    Dialect,
    InputTranscription,
    NoTurnDetection,
    SemanticVad,
    ServerVad,
    ToolDefinition,
    TurnDetection,
)
from .._redact import scrub_secrets
from .._values import ContentPart, ConversationItem, ErrorDetail, RateLimit, ResponseInfo, Usage

__all__ = [
    "EVENT_PARTS",
    "INDEXES",
    "JSON_VALUES",
    "MILLISECONDS",
    "assistant_items",
    "content_parts",
    "conversation_items",
    "conversation_options",
    "error_details",
    "extension_fields",
    "ids",
    "rate_limits",
    "response_infos",
    "sessions",
    "texts",
    "tool_definitions",
    "tool_names",
    "usages",
]

_ID_CHARACTERS: Final = string.ascii_letters + string.digits


@functools.cache
def ids(prefix: str) -> st.SearchStrategy[str]:
    """Ids as the service writes them: a prefix and a few letters and digits."""
    return st.text(_ID_CHARACTERS, min_size=1, max_size=10).map(prefix.__add__)


@functools.cache
def texts(max_size: int = 16) -> st.SearchStrategy[str]:
    """Any text (hypothesis leaves out lone surrogates, which JSON text cannot carry)."""
    return st.text(max_size=max_size)


INDEXES: Final = st.integers(min_value=0, max_value=6)
MILLISECONDS: Final = st.integers(min_value=0, max_value=3_600_000)
_COUNTS: Final = st.integers(min_value=0, max_value=100_000)

_JSON_SCALARS: Final = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)


JSON_VALUES: Final[st.SearchStrategy[Any]] = st.recursive(_JSON_SCALARS, _containers, max_leaves=6)
"""Values JSON carries as they are (lists, never tuples), so they come back equal."""

_EXTENSION_KEYS: Final = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).map(
    "x_".__add__
)


@functools.cache
def extension_fields(max_size: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """Keys no dialect defines (``x_...``) with any JSON value: what a newer server adds."""
    return st.dictionaries(_EXTENSION_KEYS, JSON_VALUES, max_size=max_size)


@functools.cache
def tool_names() -> st.SearchStrategy[str]:
    return st.sampled_from(["get_weather", "lookup", "search_docs", "transfer_call"])


# How each dialect spells the parts of an assistant message in an item; the content-part events
# spell them ``text`` and ``audio`` in every dialect.
_ASSISTANT_PARTS: Final[Mapping[Dialect, tuple[str, str]]] = {
    Dialect.GA: ("output_text", "output_audio"),
    Dialect.BETA: ("text", "audio"),
    Dialect.PREVIEW: ("text", "audio"),
}
EVENT_PARTS: Final = ("text", "audio")


@functools.cache
def content_parts(types: tuple[str, ...]) -> st.SearchStrategy[ContentPart]:
    """Content parts of the given wire types, each field set or not."""
    return st.builds(
        ContentPart,
        type=st.sampled_from(types),
        text=st.none() | texts(),
        audio=st.none() | st.binary(max_size=16),
        transcript=st.none() | texts(),
        id=st.none() | ids("part_"),
    )


_ROLE_PARTS: Final = {"user": ("input_text", "input_audio"), "system": ("input_text",)}
_ITEM_STATUSES: Final = st.none() | st.sampled_from(["in_progress", "completed", "incomplete"])


@functools.cache
def _messages(dialect: Dialect, roles: tuple[str, ...]) -> st.SearchStrategy[ConversationItem]:
    def of_role(role: str) -> st.SearchStrategy[ConversationItem]:
        types = _ROLE_PARTS.get(role, _ASSISTANT_PARTS[dialect])
        return st.builds(
            ConversationItem,
            type=st.just("message"),
            id=ids("item_"),
            role=st.just(role),
            status=_ITEM_STATUSES,
            content=st.lists(content_parts(types), max_size=2).map(tuple),
        )

    return st.sampled_from(roles).flatmap(of_role)


@functools.cache
def _calls() -> st.SearchStrategy[ConversationItem]:
    return st.builds(
        ConversationItem,
        type=st.just("function_call"),
        id=ids("item_"),
        status=_ITEM_STATUSES,
        call_id=ids("call_"),
        name=tool_names(),
        arguments=texts(),
    )


@functools.cache
def assistant_items(dialect: Dialect = Dialect.GA) -> st.SearchStrategy[ConversationItem]:
    """Items a response outputs: assistant messages and function calls, with ids."""
    return _messages(dialect, ("assistant",)) | _calls()


def conversation_items(dialect: Dialect = Dialect.GA) -> st.SearchStrategy[ConversationItem]:
    """Items of any kind and role, with ids, their parts spelt as ``dialect`` writes them."""
    return _items(dialect)


@functools.cache
def _items(dialect: Dialect) -> st.SearchStrategy[ConversationItem]:
    outputs = st.builds(
        ConversationItem,
        type=st.just("function_call_output"),
        id=ids("item_"),
        call_id=ids("call_"),
        output=texts(),
    )
    return _messages(dialect, ("user", "assistant", "system")) | _calls() | outputs


@functools.cache
def usages() -> st.SearchStrategy[Usage]:
    details = st.fixed_dictionaries({"text_tokens": _COUNTS, "audio_tokens": _COUNTS})
    return st.builds(
        Usage,
        total_tokens=_COUNTS,
        input_tokens=_COUNTS,
        output_tokens=_COUNTS,
        input_token_details=details,
        output_token_details=details,
    )


# Every way a response ends: its status and status details. The preview dialect's
# turn_finished says stop, max_tokens, content_filter or interrupt, and nothing more.
RESPONSE_ENDS: Final[tuple[tuple[str, dict[str, Any] | None], ...]] = (
    ("completed", None),
    ("cancelled", {"type": "cancelled", "reason": "turn_detected"}),
    ("cancelled", {"type": "cancelled", "reason": "client_cancelled"}),
    ("incomplete", {"type": "incomplete", "reason": "max_output_tokens"}),
    ("incomplete", {"type": "incomplete", "reason": "content_filter"}),
    ("failed", {"type": "failed", "error": {"type": "server_error", "code": "internal_error"}}),
)
_PREVIEW_ENDS: Final[tuple[tuple[str, dict[str, Any] | None], ...]] = (
    ("completed", None),
    ("cancelled", {"type": "cancelled"}),
    *RESPONSE_ENDS[3:5],
)


@functools.cache
def response_infos(
    dialect: Dialect = Dialect.GA, *, finished: bool = True
) -> st.SearchStrategy[ResponseInfo]:
    """Response objects: in progress (``finished=False``), or ended in any of the ways a
    response of ``dialect`` ends, with output items, usage, metadata and extension keys."""
    every = _PREVIEW_ENDS if dialect is Dialect.PREVIEW else RESPONSE_ENDS
    ends = st.sampled_from(every) if finished else st.just(("in_progress", None))
    return ends.flatmap(
        lambda end: st.builds(
            ResponseInfo,
            id=ids("resp_"),
            status=st.just(end[0]),
            status_details=st.just(end[1]),
            output=st.lists(assistant_items(dialect), max_size=2).map(tuple),
            conversation_id=st.none() | ids("conv_"),
            metadata=st.none() | st.dictionaries(st.text(max_size=6), texts(), max_size=2),
            usage=st.none() | usages(),
            extra=extension_fields(),
        )
    )


def _clean(text: str) -> bool:
    """Nothing in it that a client scrubs as a credential from an error message."""
    return scrub_secrets(text, ()) == text


ERROR_CODES: Final = (
    "conversation_already_has_active_response",
    "response_cancel_not_active",
    "input_audio_buffer_commit_empty",
    "invalid_value",
    "rate_limit_exceeded",
)


@functools.cache
def error_details(*, with_event_id: bool = True) -> st.SearchStrategy[ErrorDetail]:
    """Error objects; ``with_event_id=False`` for those that have no ``event_id`` key."""
    return st.builds(
        ErrorDetail,
        type=st.sampled_from(["invalid_request_error", "server_error"]),
        code=st.none() | st.sampled_from(ERROR_CODES),
        message=texts().filter(_clean),
        param=st.none() | st.sampled_from(["session.voice", "item_id", "response"]),
        event_id=(st.none() | ids("client_")) if with_event_id else st.none(),
    )


@functools.cache
def rate_limits() -> st.SearchStrategy[tuple[RateLimit, ...]]:
    limit = st.builds(
        RateLimit,
        name=st.sampled_from(["requests", "tokens"]),
        limit=_COUNTS,
        remaining=_COUNTS,
        reset_seconds=st.floats(min_value=0, max_value=3600, allow_nan=False),
    )
    return st.lists(limit, max_size=2).map(tuple)


# -- options: what each dialect carries and gives back unchanged ---------------------------------

_VOICES: Final = st.sampled_from(["alloy", "ash", "marin", "verse"])
_FORMATS: Final = st.sampled_from(list(AudioFormat))


@functools.cache
def tool_definitions() -> st.SearchStrategy[tuple[ToolDefinition, ...]]:
    tool = st.builds(
        ToolDefinition,
        name=tool_names(),
        description=texts(),
        parameters=st.just({"type": "object", "properties": {"q": {"type": "string"}}}),
    )
    return st.lists(tool, max_size=2).map(tuple)


_TEMPERATURES: Final = st.floats(min_value=TEMPERATURE_RANGE[0], max_value=TEMPERATURE_RANGE[1])


@functools.cache
def _turn_detections(dialect: Dialect) -> st.SearchStrategy[TurnDetection | None]:
    if dialect is Dialect.PREVIEW:  # it says only who ends a turn
        return st.sampled_from([None, ServerVad(), NoTurnDetection()])
    server_vad = st.builds(
        ServerVad,
        threshold=st.floats(min_value=0, max_value=1),
        prefix_padding_ms=st.integers(0, 2000),
        silence_duration_ms=st.integers(0, 2000),
        idle_timeout_ms=st.none() | st.integers(0, 60_000),
        create_response=st.booleans(),
        interrupt_response=st.booleans(),
    )
    semantic_vad = st.builds(
        SemanticVad,
        eagerness=st.sampled_from(["low", "medium", "high", "auto"]),
        create_response=st.booleans(),
        interrupt_response=st.booleans(),
    )
    return st.none() | st.just(NoTurnDetection()) | server_vad | semantic_vad


@functools.cache
def _options(dialect: Dialect) -> st.SearchStrategy[ConversationOptions]:
    preview = dialect is Dialect.PREVIEW
    transcription = st.builds(
        InputTranscription,
        model=st.sampled_from(["whisper-1", "gpt-4o-transcribe"]),
        language=st.none() | st.sampled_from(["en", "fr"]),
        prompt=st.none() | texts(),
    )
    # The preview dialect's max_tokens is a number only; it turns transcription on or off.
    unlimited: list[Literal["inf"]] = [] if preview else ["inf"]
    options = st.builds(
        ConversationOptions,
        system_message=st.none() | texts(),
        voice=st.none() | _VOICES,
        input_audio_format=st.none() | _FORMATS,
        output_audio_format=st.none() | _FORMATS,
        turn_detection=_turn_detections(dialect),
        tools=st.none() | tool_definitions(),
        tool_choice=st.none() | st.sampled_from(["auto", "none", "required"]),
        # GA has no temperature on the wire
        temperature=st.none() if dialect is Dialect.GA else st.none() | _TEMPERATURES,
        max_output_tokens=st.one_of(
            st.none(), st.integers(1, 4096), st.sampled_from([None, *unlimited])
        ),
        transcribe_input=st.none() | (st.just(InputTranscription()) if preview else transcription),
        disable_audio=st.none() | st.booleans(),
    )
    # The preview dialect has one audio format for both directions.
    return options.map(_one_format) if preview else options


def _one_format(options: ConversationOptions) -> ConversationOptions:
    return attrs.evolve(options, output_audio_format=options.input_audio_format)


def conversation_options(dialect: Dialect = Dialect.GA) -> st.SearchStrategy[ConversationOptions]:
    """Options that ``dialect`` carries whole, so that they come back equal from its wire."""
    return _options(dialect)


@functools.cache
def sessions(dialect: Dialect = Dialect.GA) -> st.SearchStrategy[Session]:
    """Sessions as a server reports them. The preview dialect reports an id and a model only,
    so its sessions have no expiry and the default options."""
    preview = dialect is Dialect.PREVIEW
    return st.builds(
        Session,
        id=st.none() | ids("sess_"),
        model=st.none() | st.sampled_from(["gpt-realtime", "gpt-4o-realtime-preview"]),
        expires_at=st.none() if preview else st.none() | st.integers(0, 2**31),
        options=st.just(ConversationOptions()) if preview else _options(dialect),
    )
