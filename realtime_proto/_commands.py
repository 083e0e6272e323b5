"""Typed commands: what a CLIENT-role connection ``send``s, and what a SERVER-role one receives.

Each client command maps to one wire message in every dialect, except :class:`FinishTurn`,
which the client expands (commit pending audio if any, then ask for a response).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ._options import AudioFormat, ConversationOptions, ToolDefinition
from ._redact import bounded_reprs, bytes_summary, raw_summary, text_summary
from ._values import ConversationItem

__all__ = [
    "AcceptConnection",
    "AppendAudio",
    "CancelResponse",
    "ClearAudio",
    "ClearOutputAudio",
    "Close",
    "Command",
    "CommitAudio",
    "CreateConversation",
    "CreateItem",
    "CreateResponse",
    "DeleteConversation",
    "DeleteItem",
    "FinishTurn",
    "RejectConnection",
    "RetrieveItem",
    "SendRaw",
    "SendText",
    "SendToolResponse",
    "SubscribeToUserAudio",
    "TruncateItem",
    "UpdateSession",
]


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class Command:
    """Base class of the commands. ``event_id`` is the optional client event id (echoed only in
    errors); ``raw`` is the frame text on the receiving (SERVER) side, ``""`` otherwise."""

    event_id: str | None = None
    raw: str = attrs.field(default="", repr=raw_summary, eq=False)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class UpdateSession(Command):
    """Configure or reconfigure the session (``session.update``); unset options are not sent."""

    options: ConversationOptions = attrs.field(factory=ConversationOptions)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class AppendAudio(Command):
    """Append input audio, already in the session's input format."""

    audio: bytes = attrs.field(repr=bytes_summary)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class CommitAudio(Command):
    """Turn the pending input audio into a user item."""


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class ClearAudio(Command):
    """Drop the pending input audio."""


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class SendText(Command):
    """Add a user text message to the conversation."""

    text: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class SendToolResponse(Command):
    """Add the output of a function call to the conversation."""

    tool_call_id: str
    output: str = attrs.field(repr=text_summary)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class CreateItem(Command):
    """Add any item; ``previous_item_id`` ``None`` appends, ``"root"`` inserts first."""

    item: ConversationItem
    previous_item_id: str | None = None


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class CreateResponse(Command):
    """Ask the model for a response (``generate``). Set fields override the session for this one
    response; ``conversation="none"`` makes it out-of-band (it may run beside another)."""

    instructions: str | None = None
    output_modalities: tuple[str, ...] | None = None
    voice: str | None = None
    output_audio_format: AudioFormat | None = None
    tools: tuple[ToolDefinition, ...] | None = None
    tool_choice: str | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    temperature: float | None = None
    conversation: str | None = None
    input: tuple[ConversationItem, ...] | None = None
    metadata: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def out_of_band(self) -> bool:
        return self.conversation == "none"


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class FinishTurn(Command):
    """End the user's turn: commit pending input audio, if any, then ask for a response."""

    response: CreateResponse | None = None


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class CancelResponse(Command):
    response_id: str | None = None


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class TruncateItem(Command):
    """Cut an assistant item's audio at what was actually played (after an interruption)."""

    item_id: str
    audio_end_ms: int
    content_index: int = 0


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class DeleteItem(Command):
    item_id: str


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class RetrieveItem(Command):
    item_id: str


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class ClearOutputAudio(Command):
    """``output_audio_buffer.clear`` (WebRTC and SIP only)."""


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class SendRaw(Command):
    """Send a message as is: a dict is encoded as JSON, str and bytes are sent verbatim."""

    message: Mapping[str, Any] | str | bytes = attrs.field(repr=False)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class CreateConversation(Command):
    """Open another conversation on the session (preview dialect: ``create_conversation``)."""

    label: str


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class DeleteConversation(Command):
    """Drop a conversation opened with :class:`CreateConversation` (preview dialect)."""

    label: str


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class SubscribeToUserAudio(Command):
    """Route the input audio to conversation ``label``, or stop (``subscribe=False``)
    (preview dialect: ``subscribe_to_user_audio`` / ``unsubscribe_from_user_audio``)."""

    label: str
    subscribe: bool = True


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class Close(Command):
    """Start the closing handshake."""

    code: int = 1000
    reason: str = ""


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class AcceptConnection(Command):
    """SERVER role: accept the WebSocket upgrade."""

    subprotocol: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class RejectConnection(Command):
    """SERVER role: refuse the upgrade with an HTTP status and body."""

    status_code: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = attrs.field(default=b"", repr=bytes_summary)
