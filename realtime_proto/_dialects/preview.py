"""The 2024 preview dialect: ``event``-keyed messages, mapped to the same events and commands
as the ``type``-keyed dialect (spec: ``realtime-preview-protocol.md``).

The preview protocol has no responses, only model turns, so :class:`PreviewDecoder` keeps a
little state to give each turn a ``TurnStarted`` and an id, and each item an output index;
the accumulator and turn-taking then work unchanged. Decoding accepts every variant the spec
lists; encoding writes the first.
"""

from __future__ import annotations

from typing import Any

from .._commands import (
    Command,
)
from .._events import (
    Event,
)
from .._options import (
    Dialect,
)
from ._interface import Lifecycle
from ._preview_commands import (
    KEY,
    decode_command,
    encode_command,
    options_from_wire,
    options_to_wire,
)
from ._preview_events import PreviewDecoder, encode_event

__all__ = [
    "KEY",
    "PreviewDecoder",
    "PreviewDialect",
    "decode_command",
    "encode_command",
    "encode_event",
    "options_from_wire",
    "options_to_wire",
]


# -- the dialect as one connection uses it ----------------------------------------------------


class PreviewDialect:
    """The ``event``-keyed 2024 preview dialect of one connection."""

    dialect = Dialect.PREVIEW
    type_key = KEY
    finish_turn_is_a_message = True
    numbers_server_events = False

    def __init__(self) -> None:
        self._decoder = PreviewDecoder()

    def decode_server_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> list[Event] | None:
        return self._decoder.decode(wire, message_type, raw, input_rate)

    def decode_bulk_server_message(self, text: str) -> tuple[dict[str, Any], Event] | None:
        return None  # the preview servers are rare: no shortcut

    def decode_client_message(
        self, wire: dict[str, Any], message_type: str, raw: str, input_rate: int
    ) -> Command | None:
        return decode_command(wire, message_type, raw, input_rate)

    def encode_command(self, command: Command, output_rate: int) -> dict[str, Any]:
        return encode_command(command, output_rate)

    def lifecycle_of(self, wire: dict[str, Any], message_type: str) -> Lifecycle | None:
        """Turns are made by the decoder from whatever arrives; none is ever left open by a
        message it could not read, which it reports as invalid before any turn changes."""
        return None

    def encode_event(self, event: Event, input_rate: int) -> list[dict[str, Any]] | None:
        return encode_event(event, input_rate)
