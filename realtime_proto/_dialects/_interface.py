"""What every wire dialect offers a connection."""

from __future__ import annotations

from typing import Any, Protocol

import attrs

from .._commands import Command
from .._events import Event
from .._options import Dialect
from .._record import Record

__all__ = ["Lifecycle", "WireDialect"]


@attrs.frozen(repr=False, eq=False)
class Lifecycle(Record):
    """What can still be read of a response's start or end that could not be decoded."""

    starts: bool
    response_id: str | None
    status: str | None
    conversation_id: str | None


class WireDialect(Protocol):
    """How one connection's messages look on the wire, in both directions and both roles.

    ``input_rate`` and ``output_rate`` are the sample rates of the session's input and output
    audio, for dialects that count audio in samples.
    """

    dialect: Dialect
    type_key: str  # the key that names a message's type
    finish_turn_is_a_message: bool  # else FinishTurn is sent as commit + response request
    numbers_server_events: bool  # a SERVER gives each event it sends an ``event_id``

    def decode_server_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        """The events of a server message; ``None`` for a type the dialect does not know.
        Raises for a field it cannot use."""

    def decode_bulk_server_message(self, text: str) -> tuple[dict[str, Any], Event] | None:
        """A shortcut for the shape that is most of a server's traffic: its wire dict and its
        event, exactly as the general path gives them; ``None`` for any other message (then
        the general path reads it)."""

    def decode_client_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> Command | None:
        """The command of a client message (SERVER role); ``None`` for an unknown type."""

    def encode_command(self, command: Command, output_rate: int) -> dict[str, Any]:
        """The wire form of a command; raises :class:`LocalProtocolError` for one the dialect
        cannot express."""

    def lifecycle_of(self, wire: dict[str, Any], message_type: str) -> Lifecycle | None:
        """For a server message that could not be decoded: whether it started or ended a
        response, and what of it can be read; ``None`` for any other message."""

    def encode_event(self, event: Event, input_rate: int) -> list[dict[str, Any]] | None:
        """The wire messages of an event (SERVER role): ``[]`` when the dialect implies it,
        ``None`` when it cannot say it."""
