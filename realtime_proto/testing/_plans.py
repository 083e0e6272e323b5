"""What a drawn session is made of, before it is laid out as events: the user's turns, each
response's items, parts and deltas, and how it ends; and the strategies that draw them.

Values whose variety is not the point are sampled from short lists: a session is hundreds of
choices already, and each one drawn costs time. Delta pieces mix the awkward cases of JSON text
(quotes, escapes, controls, non-ASCII, astral characters, empty pieces).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from .._codec import encode_object
from .._events import Session, UnknownEvent
from .._options import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    InputTranscription,
    NoTurnDetection,
    ServerVad,
)
from .._record import Record
from .._values import ErrorDetail, RateLimit, Usage
from ._values import tool_names
from ._wire import EncodedEvent

__all__ = [
    "ENDINGS",
    "ERRORS",
    "EXTENSIONS",
    "Ending",
    "FunctionCallPlan",
    "MessagePlan",
    "PartPlan",
    "ResponsePlan",
    "UserTurn",
    "reported_sessions",
    "response_plans",
    "unknown_messages",
    "user_turns",
]


@attrs.frozen(repr=False, eq=False)
class PartPlan(Record):
    """A content part: text deltas, or an audio part's transcript deltas and audio deltas."""

    audio: bool
    pieces: tuple[str, ...]
    chunks: tuple[bytes, ...] = ()

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@attrs.frozen(repr=False, eq=False)
class MessagePlan(Record):
    """An assistant message and its content parts."""

    parts: tuple[PartPlan, ...]


@attrs.frozen(repr=False, eq=False)
class FunctionCallPlan(Record):
    """A function call and the pieces of its arguments."""

    name: str
    pieces: tuple[str, ...]

    @property
    def arguments(self) -> str:
        return "".join(self.pieces)


@attrs.frozen(repr=False, eq=False)
class Ending(Record):
    """How a response ends on the wire (``status``, ``details``) and the status and finish
    reason a client of the dialect reports for it."""

    status: str
    details: Mapping[str, Any] | None
    turn_status: str
    finish_reason: str


@attrs.frozen(repr=False, eq=False)
class ResponsePlan(Record):
    """A response: its output items in order, how it ends, and what follows its end."""

    items: tuple[MessagePlan | FunctionCallPlan, ...]
    ending: Ending
    usage: Usage | None = None
    rate_limits: tuple[RateLimit, ...] | None = None  # None: no rate_limits.updated after it


def _ending(status: str, reason: str | None, turn_status: str, finish_reason: str) -> Ending:
    details = None if reason is None else {"type": status, "reason": reason}
    return Ending(status, details, turn_status, finish_reason)


_FAILED: Final = Ending(
    "failed",
    {"type": "failed", "error": {"type": "server_error", "code": "internal_error"}},
    "failed",
    "failed",
)
# The finish reason is the status details' reason, else the status. The preview dialect's
# turn_finished says stop, max_tokens, content_filter or interrupt, and nothing else.
_TYPE_KEYED_ENDINGS: Final = (
    _ending("completed", None, "completed", "completed"),
    _ending("cancelled", "turn_detected", "cancelled", "turn_detected"),
    _ending("cancelled", "client_cancelled", "cancelled", "client_cancelled"),
    _ending("incomplete", "max_output_tokens", "incomplete", "max_output_tokens"),
    _ending("incomplete", "content_filter", "incomplete", "content_filter"),
    _FAILED,
)
ENDINGS: Final[Mapping[Dialect, tuple[Ending, ...]]] = {
    Dialect.GA: _TYPE_KEYED_ENDINGS,
    Dialect.BETA: _TYPE_KEYED_ENDINGS,
    Dialect.PREVIEW: (
        _ending("completed", None, "completed", "completed"),
        _ending("cancelled", "turn_detected", "cancelled", "cancelled"),
        _ending("incomplete", "max_output_tokens", "incomplete", "max_output_tokens"),
        _ending("incomplete", "content_filter", "incomplete", "content_filter"),
    ),
}


@attrs.frozen(repr=False, eq=False)
class UserTurn(Record):
    """What the user does before a response: speak (server VAD), commit audio, type, or
    nothing (a response the client asked for after a tool's output); and the transcript of
    the audio: its pieces, or the error that replaced it, or none."""

    kind: str
    start_ms: int
    transcript: tuple[str, ...] | None
    failure: ErrorDetail | None
    text: str


# -- drawing a plan ---------------------------------------------------------------------------

_FRAGMENTS: Final = st.sampled_from(
    ["", " ", "a", "Hé", "llo", " wörld", "日本語", "🎉", "\n", '"q"', "\\", '{"city":', "x" * 24]
)
_PIECES: Final = st.lists(_FRAGMENTS, max_size=3).map(tuple)
_USAGE: Final = Usage(total_tokens=30, input_tokens=10, output_tokens=20)
_RATE_LIMITS: Final = (
    RateLimit(name="requests", limit=1000, remaining=999, reset_seconds=0.06),
    RateLimit(name="tokens", limit=50_000, remaining=49_000, reset_seconds=1.5),
)
ERRORS: Final = (
    ErrorDetail(
        type="invalid_request_error",
        code="conversation_already_has_active_response",
        message="Conversation already has an active response in progress.",
        event_id="client_7",
    ),
    ErrorDetail(
        type="invalid_request_error",
        code="response_cancel_not_active",
        message="Cancellation failed: no active response found",
    ),
    ErrorDetail(type="server_error", message="The server had an error. Résumé: 日本"),
)
_OPTIONS: Final = (
    ConversationOptions(),
    ConversationOptions(
        voice="alloy",
        input_audio_format=AudioFormat.G711_ULAW,
        output_audio_format=AudioFormat.G711_ULAW,
        turn_detection=ServerVad(),
        transcribe_input=InputTranscription(),
    ),
    ConversationOptions(
        system_message="Be brief.",
        input_audio_format=AudioFormat.PCM16,
        output_audio_format=AudioFormat.PCM16,
        turn_detection=NoTurnDetection(),
    ),
)
EXTENSIONS: Final[st.SearchStrategy[dict[str, Any]]] = st.sampled_from(
    [{"x_trace": "abc"}, {"x_region": None, "x_flags": [1, "two", {"three": 3.5}]}, {"x_": {}}]
)


@functools.cache
def reported_sessions(dialect: Dialect) -> st.SearchStrategy[Session]:
    # The preview dialect reports an id and a model only.
    options = [ConversationOptions()] if dialect is Dialect.PREVIEW else _OPTIONS
    return st.builds(
        Session,
        id=st.sampled_from([None, "sess_1"]),
        model=st.sampled_from([None, "gpt-realtime"]),
        options=st.sampled_from(options),
    )


@functools.cache
def response_plans(dialect: Dialect) -> st.SearchStrategy[ResponsePlan]:
    text = st.builds(PartPlan, audio=st.just(False), pieces=_PIECES)
    audio = st.builds(
        PartPlan,
        audio=st.just(True),
        pieces=_PIECES,
        chunks=st.lists(st.binary(max_size=8), max_size=3).map(tuple),
    )
    # The preview dialect has one content stream per item.
    most = 1 if dialect is Dialect.PREVIEW else 2
    message = st.builds(MessagePlan, parts=st.lists(text | audio, max_size=most).map(tuple))
    call = st.builds(FunctionCallPlan, name=tool_names(), pieces=_PIECES)
    return st.builds(
        ResponsePlan,
        items=st.lists(message | call, max_size=3).map(tuple),
        ending=st.sampled_from(ENDINGS[dialect]),
        usage=st.sampled_from([None, _USAGE]),
        rate_limits=st.sampled_from([None, (), _RATE_LIMITS]),
    )


@functools.cache
def user_turns(dialect: Dialect) -> st.SearchStrategy[UserTurn]:
    # The preview dialect cannot say that a transcription failed.
    failures = [None] if dialect is Dialect.PREVIEW else [None, ERRORS[2]]
    return st.builds(
        UserTurn,
        kind=st.sampled_from(["speech", "committed", "text", "none"]),
        start_ms=st.integers(0, 600_000),
        transcript=st.none() | _PIECES,
        failure=st.sampled_from(failures),
        text=_FRAGMENTS,
    )


@functools.cache
def unknown_messages(dialect: Dialect, key: str) -> st.SearchStrategy[EncodedEvent]:
    """A well-formed message of a type no dialect knows."""

    def encoded(name: str, fields: dict[str, Any]) -> EncodedEvent:
        payload = {key: name, **fields}
        event = UnknownEvent(event_type=name, payload=payload)
        return EncodedEvent(event=event, dialect=dialect, texts=(encode_object(payload),))

    names = st.sampled_from(["x_future.event", "x.session.renewed", "x_telemetry"])
    return st.builds(encoded, names, EXTENSIONS)
