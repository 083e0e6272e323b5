"""The ``type``-keyed dialect (GA names, and the beta names Azure preview api-versions still
send), as one connection uses it: server events in ``_ga_events``, client commands in
``_ga_commands``."""

from __future__ import annotations

from typing import Any

from .._codec import split_last_string, string_field
from .._commands import (
    Command,
)
from .._errors import LocalProtocolError
from .._events import (
    Event,
)
from .._options import Dialect
from ._ga_commands import CLIENT_TYPES, decode_command, encode_command
from ._ga_events import SERVER_TYPES, decode_audio_delta, decode_event, encode_event
from ._interface import Lifecycle

__all__ = [
    "CLIENT_TYPES",
    "SERVER_TYPES",
    "TypeKeyedDialect",
    "decode_command",
    "decode_event",
    "encode_command",
    "encode_event",
]


# -- the dialect as one connection uses it ----------------------------------------------------


class TypeKeyedDialect:
    """The ``type``-keyed dialect of one connection, writing the GA or the beta generation."""

    type_key = "type"
    finish_turn_is_a_message = False
    numbers_server_events = True

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def decode_server_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        event = decode_event(wire, message_type, raw, input_rate)
        return None if event is None else [event]

    def decode_bulk_server_message(self, text: str) -> tuple[dict[str, Any], Event] | None:
        wire = split_last_string(text, "delta")  # the audio of an audio delta, unread
        if wire is None:
            return None
        event = decode_audio_delta(wire, text)
        return None if event is None else (wire, event)

    def decode_client_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> Command | None:
        return decode_command(wire, message_type, raw)

    def encode_command(self, command: Command, output_rate: int) -> dict[str, Any]:
        try:
            return encode_command(command, self.dialect)
        except TypeError as exc:
            raise LocalProtocolError(str(exc)) from None

    def lifecycle_of(self, wire: dict[str, Any], message_type: str) -> Lifecycle | None:
        starts = _LIFECYCLE.get(message_type)
        if starts is None:
            return None
        response = wire.get("response")
        response = response if isinstance(response, dict) else {}
        return Lifecycle(
            starts=starts,
            response_id=string_field(response, "id"),
            status=string_field(response, "status"),
            conversation_id=string_field(response, "conversation_id"),
        )

    def encode_event(self, event: Event, input_rate: int) -> list[dict[str, Any]] | None:
        return encode_event(event, self.dialect)


# The messages that start and end a response: wire type -> whether it starts one.
_LIFECYCLE = {"response.created": True, "response.done": False}
