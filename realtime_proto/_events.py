"""Typed events: what a connection delivers from ``next_event()``.

One frozen class per meaning. Every event carries ``kind`` (a :class:`MessageKind`, the same in
every dialect), ``raw`` (the untouched text of the frame it came from, ``""`` for events the
library makes itself) and the mission's payload fields (``text``, ``audio_bytes``,
``audio_transcript``, ``audio_sample_index``, ``tool_call_id``, ``tool_name``,
``tool_arguments``, ``finish_reason``), which are ``None`` where they do not apply.

A SERVER-role connection ``send``s these same classes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import attrs

from ._options import ConversationOptions
from ._record import Record
from ._redact import bytes_summary, raw_summary, text_summary
from ._values import (
    ContentPart,
    ConversationItem,
    ErrorDetail,
    FieldProblem,
    RateLimit,
    ResponseInfo,
    Turn,
)

__all__ = [
    "AccumulationLimitExceeded",
    "AudioDelta",
    "AudioDone",
    "Connected",
    "ConnectionClosed",
    "ConnectionRequested",
    "ContentPartAdded",
    "ContentPartDone",
    "ConversationCreated",
    "DtmfReceived",
    "Event",
    "HandshakeRejected",
    "InputAudioCleared",
    "InputAudioCommitted",
    "InputTimeoutTriggered",
    "InputTranscriptionCompleted",
    "InputTranscriptionDelta",
    "InputTranscriptionFailed",
    "InputTranscriptionSegment",
    "InvalidMessage",
    "ItemAdded",
    "ItemDeleted",
    "ItemDone",
    "ItemRetrieved",
    "ItemTruncated",
    "McpCallArgumentsDelta",
    "McpCallArgumentsDone",
    "McpCallStatus",
    "McpListToolsStatus",
    "MessageKind",
    "ModelListening",
    "OutputAudioBufferStatus",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputTranscriptDelta",
    "OutputTranscriptDone",
    "RateLimitsUpdated",
    "Resumed",
    "ServerError",
    "Session",
    "SessionCreated",
    "SessionUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "TextDelta",
    "TextDone",
    "ToolCallArgumentsDelta",
    "ToolCallArgumentsDone",
    "TurnFinished",
    "TurnStarted",
    "UnexpectedBinaryMessage",
    "UnknownEvent",
]


def _problems_repr(problems: tuple[FieldProblem, ...]) -> str:
    return repr(problems) if len(problems) <= 3 else f"<{len(problems)} problems>"


class MessageKind(enum.Enum):
    """What a message is about, independent of the wire dialect."""

    CONNECTED = "connected"
    CONNECTION_REQUESTED = "connection_requested"
    CONNECTION_REJECTED = "connection_rejected"
    CONNECTION_CLOSED = "connection_closed"
    RESUMED = "resumed"
    SESSION_STARTED = "session_started"
    SESSION_UPDATED = "session_updated"
    CONVERSATION_CREATED = "conversation_created"
    INPUT_SPEECH_STARTED = "input_speech_started"
    INPUT_SPEECH_STOPPED = "input_speech_stopped"
    INPUT_TIMEOUT_TRIGGERED = "input_timeout_triggered"
    INPUT_AUDIO_COMMITTED = "input_audio_committed"
    INPUT_AUDIO_CLEARED = "input_audio_cleared"
    INPUT_TRANSCRIPTION_DELTA = "input_transcription_delta"
    INPUT_TRANSCRIPTION_SEGMENT = "input_transcription_segment"
    INPUT_TRANSCRIPTION_FINISHED = "input_transcription_finished"
    INPUT_TRANSCRIPTION_FAILED = "input_transcription_failed"
    DTMF_RECEIVED = "dtmf_received"
    ITEM_STARTED = "item_started"
    ITEM_FINISHED = "item_finished"
    ITEM_RETRIEVED = "item_retrieved"
    ITEM_TRUNCATED = "item_truncated"
    ITEM_DELETED = "item_deleted"
    TURN_STARTED = "turn_started"
    TURN_FINISHED = "turn_finished"
    OUTPUT_ITEM_STARTED = "output_item_started"
    OUTPUT_ITEM_FINISHED = "output_item_finished"
    CONTENT_PART_STARTED = "content_part_started"
    CONTENT_PART_FINISHED = "content_part_finished"
    TEXT_DELTA = "text_delta"
    TEXT_FINISHED = "text_finished"
    AUDIO_DELTA = "audio_delta"
    AUDIO_FINISHED = "audio_finished"
    OUTPUT_TRANSCRIPT_DELTA = "output_transcript_delta"
    OUTPUT_TRANSCRIPT_FINISHED = "output_transcript_finished"
    TOOL_CALL_ARGUMENTS_DELTA = "tool_call_arguments_delta"
    TOOL_CALL = "tool_call"
    MCP = "mcp"
    OUTPUT_AUDIO_BUFFER = "output_audio_buffer"
    RATE_LIMITS_UPDATED = "rate_limits_updated"
    MODEL_LISTENING = "model_listening"
    ERROR = "error"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID = "invalid"
    OTHER = "other"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Event(Record):
    """Base class of every event. Match on subclasses, or read ``kind`` and the payload fields."""

    kind: ClassVar[MessageKind] = MessageKind.OTHER

    raw: str = attrs.field(default="", repr=raw_summary, eq=False)
    event_id: str | None = None  # the server's id for the event
    # Descriptive fields the server sent in an unusable shape: left unset, reported here.
    problems: tuple[FieldProblem, ...] = attrs.field(default=(), repr=_problems_repr)

    # The mission's payload fields: None here; subclasses that carry one define it as an attrs
    # field, whose slot shadows the property.
    @property
    def text(self) -> str | None:
        return None

    @property
    def audio_bytes(self) -> bytes | None:
        return None

    @property
    def audio_transcript(self) -> str | None:
        return None

    @property
    def audio_sample_index(self) -> int | None:
        return None

    @property
    def tool_call_id(self) -> str | None:
        return None

    @property
    def tool_name(self) -> str | None:
        return None

    @property
    def tool_arguments(self) -> str | None:
        return None

    @property
    def finish_reason(self) -> str | None:
        return None


# -- connection-level events ---------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Connected(Event):
    """CLIENT role: the server accepted the WebSocket upgrade."""

    kind = MessageKind.CONNECTED
    subprotocol: str | None = None
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ConnectionRequested(Event):
    """SERVER role: a client asked to upgrade; answer with ``AcceptConnection`` or
    ``RejectConnection``."""

    kind = MessageKind.CONNECTION_REQUESTED
    target: str
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    subprotocols: tuple[str, ...] = ()


@attrs.frozen(kw_only=True, repr=False, eq=False)
class HandshakeRejected(Event):
    """CLIENT role: the server answered the upgrade with an HTTP error. Final event."""

    kind = MessageKind.CONNECTION_REJECTED
    status_code: int
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    body: bytes = attrs.field(default=b"", repr=bytes_summary)
    body_truncated: bool = False


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ConnectionClosed(Event):
    """The connection is over. Final event: nothing follows it.

    ``initiator`` is ``"remote"`` (the peer closed), ``"local"`` (we closed and the peer agreed)
    or ``"error"`` (a protocol violation, an oversize message, EOF without a close, a timeout).
    """

    kind = MessageKind.CONNECTION_CLOSED
    code: int
    reason: str = ""
    initiator: Literal["local", "remote", "error"] = "remote"
    truncated: bool = False


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ModelListening(Event):
    """Preview dialect: the model stopped speaking and listens (after an interruption)."""

    kind = MessageKind.MODEL_LISTENING


@attrs.frozen(kw_only=True, repr=False, eq=False)
class UnknownEvent(Event):
    """A well-formed message of a type this library does not know; ``raw`` has all of it."""

    kind = MessageKind.OTHER
    event_type: str
    payload: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InvalidMessage(Event):
    """A message that could not be decoded: bad JSON, a wrong-typed field, bad base64, ...

    The session goes on. ``raw`` is a bounded excerpt of the message; ``event_type``,
    ``item_id`` and ``response_id`` are filled when they could be read.
    """

    kind = MessageKind.INVALID
    reason: str
    event_type: str | None = None
    item_id: str | None = None
    response_id: str | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class UnexpectedBinaryMessage(Event):
    """A binary WebSocket message, which the protocol does not use; its payload is dropped."""

    kind = MessageKind.INVALID
    size: int


@attrs.frozen(kw_only=True, repr=False, eq=False)
class AccumulationLimitExceeded(Event):
    """A turn's output audio passed ``Limits.max_turn_audio_bytes``; the rest is not kept."""

    kind = MessageKind.LIMIT_EXCEEDED
    response_id: str
    limit: int


# -- session --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Session(Record):
    """The session configuration as the server reports it, in dialect-neutral form."""

    id: str | None = None
    model: str | None = None
    expires_at: int | None = None
    options: ConversationOptions = attrs.field(factory=ConversationOptions)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SessionCreated(Event):
    """``session.created``: the first event of every connection, with the defaults."""

    kind = MessageKind.SESSION_STARTED
    session: Session


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SessionUpdated(Event):
    """``session.updated``: the full effective configuration after an update."""

    kind = MessageKind.SESSION_UPDATED
    session: Session


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Resumed(Event):
    """CLIENT role, a resumable conversation: the connection was lost (or the session expired)
    and the conversation goes on over a new one. ``session`` is the new session (configured
    with the last options sent), ``old_session_id`` the one that ended, ``reason`` why;
    ``restored`` are the items given back to the new session, ``not_restored`` those it could
    not be given (see ``ResumePolicy``). Sent in place of the new ``SessionCreated``."""

    kind = MessageKind.RESUMED
    session: Session
    old_session_id: str | None = None
    reason: str = ""
    attempts: int = 1
    restored: tuple[ConversationItem, ...] = ()
    not_restored: tuple[ConversationItem, ...] = ()

    @property
    def new_session_id(self) -> str | None:
        return self.session.id


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ConversationCreated(Event):
    """``conversation.created``: the default conversation exists."""

    kind = MessageKind.CONVERSATION_CREATED
    conversation_id: str


# -- conversation items ---------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemAdded(Event):
    """An item entered the conversation (GA ``conversation.item.added``, beta ``.created``)."""

    kind = MessageKind.ITEM_STARTED
    item: ConversationItem
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemDone(Event):
    """An item is final (GA only)."""

    kind = MessageKind.ITEM_FINISHED
    item: ConversationItem
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemRetrieved(Event):
    """``conversation.item.retrieved``: the full item, audio included."""

    kind = MessageKind.ITEM_RETRIEVED
    item: ConversationItem


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemTruncated(Event):
    """``conversation.item.truncated``: an assistant item was cut at ``audio_end_ms``."""

    kind = MessageKind.ITEM_TRUNCATED
    item_id: str
    content_index: int
    audio_end_ms: int


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ItemDeleted(Event):
    """``conversation.item.deleted``."""

    kind = MessageKind.ITEM_DELETED
    item_id: str


# -- input audio buffer ---------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputAudioCommitted(Event):
    """``input_audio_buffer.committed``: the pending audio became user item ``item_id``."""

    kind = MessageKind.INPUT_AUDIO_COMMITTED
    item_id: str
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputAudioCleared(Event):
    """``input_audio_buffer.cleared``."""

    kind = MessageKind.INPUT_AUDIO_CLEARED


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SpeechStarted(Event):
    """Server VAD heard speech begin; ``audio_sample_index`` is at the session's input rate."""

    kind = MessageKind.INPUT_SPEECH_STARTED
    audio_start_ms: int
    item_id: str
    audio_sample_index: int | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SpeechStopped(Event):
    """Server VAD heard speech end; ``audio_sample_index`` is at the session's input rate."""

    kind = MessageKind.INPUT_SPEECH_STOPPED
    audio_end_ms: int
    item_id: str
    audio_sample_index: int | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTimeoutTriggered(Event):
    """``input_audio_buffer.timeout_triggered``: the idle timeout committed a silent span."""

    kind = MessageKind.INPUT_TIMEOUT_TRIGGERED
    audio_start_ms: int
    audio_end_ms: int
    item_id: str


@attrs.frozen(kw_only=True, repr=False, eq=False)
class DtmfReceived(Event):
    """``input_audio_buffer.dtmf_event_received``: a keypad ``key`` on a SIP call."""

    kind = MessageKind.DTMF_RECEIVED
    key: str
    received_at: int | None = None


# -- input transcription --------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTranscriptionDelta(Event):
    """A piece of the transcript of a user audio item."""

    kind = MessageKind.INPUT_TRANSCRIPTION_DELTA
    item_id: str
    content_index: int | None = None
    delta: str = ""

    @property
    def audio_transcript(self) -> str | None:
        return self.delta


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTranscriptionSegment(Event):
    """A diarized segment of a user audio item's transcript."""

    kind = MessageKind.INPUT_TRANSCRIPTION_SEGMENT
    item_id: str
    content_index: int
    segment_id: str
    segment_text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTranscriptionCompleted(Event):
    """The transcript of a user audio item (``audio_transcript``)."""

    kind = MessageKind.INPUT_TRANSCRIPTION_FINISHED
    item_id: str
    content_index: int = 0
    audio_transcript: str = attrs.field(default="", repr=text_summary)
    usage: Mapping[str, Any] | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTranscriptionFailed(Event):
    """The transcription of a user audio item failed; ``error`` says why."""

    kind = MessageKind.INPUT_TRANSCRIPTION_FAILED
    item_id: str
    content_index: int = 0
    error: ErrorDetail = attrs.field(factory=ErrorDetail)


# -- responses ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False, eq=False)
class _PartEvent(Event):
    """An event about one content part: ``(response_id, item_id, content_index)`` names it."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TurnStarted(Event):
    """``response.created``: the model started a response."""

    kind = MessageKind.TURN_STARTED
    response: ResponseInfo


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TurnFinished(Event):
    """``response.done``: the response is over. ``turn`` is everything it produced.

    ``turn`` is ``None`` on a SERVER-role connection and on a replayed ``response.done`` of a
    response that was already finished (accumulation is idempotent).
    """

    kind = MessageKind.TURN_FINISHED
    response: ResponseInfo
    turn: Turn | None = None

    @property
    def finish_reason(self) -> str | None:
        return self.response.finish_reason


@attrs.frozen(kw_only=True, repr=False, eq=False)
class OutputItemAdded(Event):
    """``response.output_item.added``: the response started an item."""

    kind = MessageKind.OUTPUT_ITEM_STARTED
    response_id: str
    output_index: int
    item: ConversationItem


@attrs.frozen(kw_only=True, repr=False, eq=False)
class OutputItemDone(Event):
    """An output item is final; for a function call it carries the tool-call payload fields."""

    kind = MessageKind.OUTPUT_ITEM_FINISHED
    response_id: str
    output_index: int
    item: ConversationItem

    def _call(self) -> ConversationItem | None:
        return self.item if self.item.type == "function_call" else None

    @property
    def tool_call_id(self) -> str | None:
        call = self._call()
        return call.call_id if call is not None else None

    @property
    def tool_name(self) -> str | None:
        call = self._call()
        return call.name if call is not None else None

    @property
    def tool_arguments(self) -> str | None:
        call = self._call()
        return call.arguments if call is not None else None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ContentPartAdded(_PartEvent):
    """``response.content_part.added``: an item started a content part."""

    kind = MessageKind.CONTENT_PART_STARTED
    part: ContentPart | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ContentPartDone(_PartEvent):
    """``response.content_part.done``: a content part is final (also on cancel)."""

    kind = MessageKind.CONTENT_PART_FINISHED
    part: ContentPart | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TextDelta(_PartEvent):
    """A piece of the model's text (``text``)."""

    kind = MessageKind.TEXT_DELTA
    text: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TextDone(_PartEvent):
    """The final text of a text part."""

    kind = MessageKind.TEXT_FINISHED
    text: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class AudioDelta(_PartEvent):
    """A piece of the model's audio, decoded from base64, in the session's output format."""

    kind = MessageKind.AUDIO_DELTA
    audio_bytes: bytes = attrs.field(repr=bytes_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class AudioDone(_PartEvent):
    """A part's audio is complete."""

    kind = MessageKind.AUDIO_FINISHED


@attrs.frozen(kw_only=True, repr=False, eq=False)
class OutputTranscriptDelta(_PartEvent):
    """A piece of the transcript of the model's audio."""

    kind = MessageKind.OUTPUT_TRANSCRIPT_DELTA
    delta: str = attrs.field(repr=text_summary)

    @property
    def audio_transcript(self) -> str | None:
        return self.delta


@attrs.frozen(kw_only=True, repr=False, eq=False)
class OutputTranscriptDone(_PartEvent):
    """The final transcript of an audio part (``None`` when the server left it out)."""

    kind = MessageKind.OUTPUT_TRANSCRIPT_FINISHED
    transcript: str | None = attrs.field(default=None, repr=text_summary)

    @property
    def audio_transcript(self) -> str | None:
        return self.transcript


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ToolCallArgumentsDelta(Event):
    """A piece of a function call's JSON arguments."""

    kind = MessageKind.TOOL_CALL_ARGUMENTS_DELTA
    response_id: str
    item_id: str
    output_index: int
    tool_call_id: str
    delta: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ToolCallArgumentsDone(Event):
    """The model called a function: ``tool_call_id``, ``tool_name``, complete ``tool_arguments``."""

    kind = MessageKind.TOOL_CALL
    response_id: str
    item_id: str
    output_index: int
    tool_call_id: str
    tool_name: str
    tool_arguments: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class McpListToolsStatus(Event):
    """``mcp_list_tools.in_progress`` / ``.completed`` / ``.failed``."""

    kind = MessageKind.MCP
    item_id: str
    status: Literal["in_progress", "completed", "failed"]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class McpCallArgumentsDelta(Event):
    """A piece of an MCP tool call's arguments."""

    kind = MessageKind.MCP
    response_id: str
    item_id: str
    output_index: int
    delta: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class McpCallArgumentsDone(Event):
    """An MCP tool call's complete arguments."""

    kind = MessageKind.MCP
    response_id: str
    item_id: str
    output_index: int
    arguments: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class McpCallStatus(Event):
    """``response.mcp_call.in_progress`` / ``.completed`` / ``.failed``."""

    kind = MessageKind.MCP
    item_id: str
    output_index: int
    status: Literal["in_progress", "completed", "failed"]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class OutputAudioBufferStatus(Event):
    """``output_audio_buffer.started`` / ``.stopped`` / ``.cleared`` (WebRTC and SIP only)."""

    kind = MessageKind.OUTPUT_AUDIO_BUFFER
    response_id: str
    status: Literal["started", "stopped", "cleared"]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class RateLimitsUpdated(Event):
    """``rate_limits.updated``."""

    kind = MessageKind.RATE_LIMITS_UPDATED
    rate_limits: tuple[RateLimit, ...]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ServerError(Event):
    """An ``error`` event. The session normally stays open."""

    kind = MessageKind.ERROR
    error: ErrorDetail

    @property
    def code(self) -> str | None:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message
