"""What a client under test reports (an :class:`Observation`), what the battery's server saw it
send (a :class:`ClientRecord`), and the interface of the adapter that drives a client."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Protocol

import attrs

from ..._dialects import wire_dialect
from ..._errors import RealtimeError
from ..._events import ConnectionClosed, Event, InvalidMessage, UnknownEvent
from ..._options import Dialect
from ..._record import Record

__all__ = ["ClientAdapter", "ClientRecord", "EventLog", "Observation", "TurnRequest"]

_RATE: Final = 24000


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TurnRequest(Record):
    """What the client says in a case's turn: ``text`` (one user message item), or ``audio``
    (PCM16, 24 kHz, mono: appends, then a commit)."""

    text: str | None = None
    audio: bytes | None = attrs.field(default=None, repr=lambda a: f"<{len(a)} bytes>")


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Observation(Record):
    """What a client understood of a case: ``events``, every event it received as a GA wire
    dict (``type`` named as the client understood it: ``response.output_text.delta`` for a
    beta ``response.text.delta`` it recognised; its other keys as received); ``text``, the
    assistant text of the last response (its transcript for an audio response; the partial
    text of one cut short); ``error``, the class name of what the client raised (``None``:
    nothing) and ``error_message``; ``close_code``, the close code it saw, if it says."""

    events: tuple[Mapping[str, Any], ...] = ()
    text: str = ""
    error: str | None = None
    error_message: str = ""
    close_code: int | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(str(event.get("type")) for event in self.events)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ClientRecord(Record):
    """What the battery's server saw a client do in a case: its JSON ``messages`` in order
    (an append's ``audio`` replaced by ``audio_bytes``, the decoded size), texts that were not
    JSON objects with a string type (``undecodable``), ``binary`` messages, the payloads of
    its ``pongs``, and how the connection ended: ``close`` is ``"answered"`` (the client
    answered the server's close), ``"initiated"`` (the client closed first), ``"dropped"`` (no
    close frame from the client) or ``"rejected"`` (the upgrade was refused).
    ``timed_out`` names what the server waited for when the case's time ran out."""

    case_id: str
    run: str | None = None
    messages: tuple[Mapping[str, Any], ...] = ()
    undecodable: tuple[str, ...] = ()
    binary: int = 0
    pongs: tuple[bytes, ...] = ()
    close: str = "dropped"
    timed_out: str | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(str(message.get("type")) for message in self.messages)


class ClientAdapter(Protocol):
    """Drives one client through one case; the conformance runner calls :meth:`run` once per
    case, possibly from several threads at once.

    ``run`` connects to ``url`` (a GA ``/realtime`` URL; any API key will do), says
    ``request`` (text: one ``conversation.item.create`` with an ``input_text`` part; audio:
    ``input_audio_buffer.append`` messages then ``input_audio_buffer.commit``), asks for one
    response (``response.create``), then reports every event it receives until the server
    closes the connection (the battery's server always does), within ``timeout`` seconds.
    It returns what the client understood, and never raises: what the client raised goes in
    :attr:`Observation.error`.
    """

    name: str

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation: ...


class EventLog:
    """Turns this package's typed events into an :class:`Observation` (for the adapters of
    its own transports): the received frame, its type renamed to the GA name of the event
    class it was decoded as; an :class:`UnknownEvent` under its own type; an
    :class:`InvalidMessage` as ``{"type": "invalid", ...}``."""

    def __init__(self) -> None:
        self._events: list[Mapping[str, Any]] = []
        self._close_code: int | None = None
        self._dialect = wire_dialect(Dialect.GA)

    def add(self, event: Event) -> None:
        if isinstance(event, ConnectionClosed):
            self._close_code = event.code
            return
        if isinstance(event, InvalidMessage):
            self._events.append({"type": "invalid", "reason": event.reason})
            return
        try:
            wire = json.loads(event.raw)
        except ValueError:
            return  # no frame of its own: made by the client, not received
        if not isinstance(wire, dict):  # pragma: no cover - the decoders accept objects only
            return
        if not isinstance(event, UnknownEvent):
            wire["type"] = self._ga_type(event, wire.get("type"))
        self._events.append(wire)

    def _ga_type(self, event: Event, received: Any) -> Any:
        try:
            encoded = self._dialect.encode_event(event, _RATE)
        except RealtimeError:
            return received
        return encoded[0]["type"] if encoded else received

    def observation(self, text: str, error: BaseException | None = None) -> Observation:
        """The observation so far, with the assistant ``text`` and the ``error`` raised."""
        return Observation(
            events=tuple(self._events),
            text=text,
            error=None if error is None else type(error).__name__,
            error_message="" if error is None else str(error),
            close_code=self._close_code,
        )
