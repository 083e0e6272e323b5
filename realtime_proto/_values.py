"""Value objects shared by events, commands and turns: items, content parts, responses, usage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._record import Record
from ._redact import bytes_summary, safe_text_summary, text_summary

__all__ = [
    "ContentPart",
    "ConversationItem",
    "ErrorDetail",
    "FieldProblem",
    "RateLimit",
    "ResponseInfo",
    "ToolCall",
    "Turn",
    "Usage",
]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return {} if value is None else value


@attrs.frozen(kw_only=True, repr=False, eq=False)
class FieldProblem(Record):
    """A descriptive field of a received message whose value could not be used.

    ``field`` is its path (``response.status_details``, ``usage.total_tokens``, ``part``);
    ``problem`` says what was wrong. The event still arrived, with the field left unset; the
    value as sent is in the event's ``raw``.
    """

    field: str
    problem: str


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ContentPart(Record):
    """One part of an item's content: text, audio (decoded bytes) and/or a transcript.

    ``type`` is the wire name (``input_text``, ``input_audio``, ``output_text``, ``output_audio``,
    ``text``, ``audio``, ...), kept as sent so that unknown kinds survive a round trip.
    """

    type: str
    text: str | None = attrs.field(default=None, repr=text_summary)
    audio: bytes | None = attrs.field(default=None, repr=bytes_summary)
    transcript: str | None = attrs.field(default=None, repr=text_summary)
    id: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping, repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ConversationItem(Record):
    """An item of the conversation: a message, a function call, a function call output, ...

    Fields that do not apply to the item's ``type`` are ``None``. Keys this class does not model
    (for example the MCP fields) are kept in ``extra``.
    """

    type: str
    id: str | None = None
    role: str | None = None
    status: str | None = None
    content: tuple[ContentPart, ...] = ()
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = attrs.field(default=None, repr=text_summary)
    output: str | None = attrs.field(default=None, repr=text_summary)
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping, repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Usage(Record):
    """Token counts of one response; the detail objects as the server sent them."""

    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_token_details: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    output_token_details: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ResponseInfo(Record):
    """The response object of ``response.created`` / ``response.done``."""

    id: str
    status: str = "in_progress"
    status_details: Mapping[str, Any] | None = None
    output: tuple[ConversationItem, ...] = ()
    conversation_id: str | None = None
    metadata: Mapping[str, str] | None = None
    usage: Usage | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping, repr=False)

    @property
    def finish_reason(self) -> str | None:
        """``status_details.reason`` when given, else the status once the response is over."""
        details = self.status_details or {}
        reason = details.get("reason")
        if isinstance(reason, str):
            return reason
        return None if self.status == "in_progress" else self.status


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ErrorDetail(Record):
    """The ``error`` object of an error event, its fields coerced to strings where possible."""

    type: str = ""
    code: str | None = None
    message: str = attrs.field(default="", repr=safe_text_summary)
    param: str | None = None
    event_id: str | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class RateLimit(Record):
    """One entry of ``rate_limits.updated``."""

    name: str
    limit: int
    remaining: int
    reset_seconds: float


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ToolCall(Record):
    """A function call the model made: complete once its turn is finished."""

    call_id: str
    name: str
    arguments: str = attrs.field(repr=text_summary)
    item_id: str | None = None
    output_index: int | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Turn(Record):
    """Everything one model response produced, accumulated from its deltas.

    ``status`` is the response status (``completed``, ``cancelled``, ``failed``, ``incomplete``),
    or ``interrupted`` when the connection closed while it was streaming. ``audio_truncated`` is
    true when output audio went past ``Limits.max_turn_audio_bytes`` (or audio accumulation is
    off) and ``audio`` holds only what fit.
    """

    response_id: str
    status: str
    status_details: Mapping[str, Any] | None = None
    finish_reason: str | None = None
    text: str = attrs.field(default="", repr=text_summary)
    audio: bytes = attrs.field(default=b"", repr=bytes_summary)
    audio_transcript: str = attrs.field(default="", repr=text_summary)
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    item_ids: tuple[str, ...] = ()
    input_item_id: str | None = None
    audio_truncated: bool = False
