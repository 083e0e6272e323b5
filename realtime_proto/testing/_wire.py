"""Events and commands as wire text, written by the core's own encoders: a connection of the
sending role, opened in memory, writes the frames, and a bare WebSocket reader of the other end
reads the text back (no dialect decodes it)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from .._codec import encode_object
from .._commands import AcceptConnection, Command, SendRaw
from .._connection import Connection
from .._endpoint import Endpoint
from .._events import Event
from .._options import Dialect, Limits, ResponsePolicy, Role
from .._record import Record
from .._websocket import WebSocketLayer, WsText
from ._command_strategies import client_commands
from ._event_strategies import server_events
from ._values import extension_fields

__all__ = [
    "EncodedCommand",
    "EncodedEvent",
    "ServerWire",
    "client_messages",
    "encode_command",
    "encode_event",
    "ping_frame",
    "server_messages",
    "with_extension_fields",
]

_URL: Final = "ws://127.0.0.1/v1/realtime?model=testing"


def _texts(reader: WebSocketLayer, data: bytes) -> tuple[str, ...]:
    reader.receive_data(data)
    texts = []
    while (message := reader.next_event()) is not None:
        assert isinstance(message, WsText)  # our connections write text messages only
        texts.append(message.text)
    return tuple(texts)


class ServerWire:
    """A SERVER connection of one dialect, open in memory, and a reader of what it writes."""

    def __init__(self, dialect: Dialect) -> None:
        self._reader = WebSocketLayer(Role.CLIENT, Limits())
        self._reader.start_handshake(host="127.0.0.1", target="/v1/realtime")
        self.connection = Connection.server(dialect=dialect)
        self.connection.receive_data(self._reader.data_to_send())
        self.connection.next_event()  # the upgrade request
        self.connection.send(AcceptConnection())
        self._reader.receive_data(self.connection.data_to_send())
        self._reader.next_event()  # the acceptance

    def texts(self, event: Event) -> tuple[str, ...]:
        """The messages the server writes for ``event``; raises ``LocalProtocolError`` when its
        dialect cannot say it."""
        self.connection.send(event)
        return _texts(self._reader, self.connection.data_to_send())

    def frame(self, text: str) -> bytes:
        """The WebSocket frame of one text message, as the server writes it."""
        self.connection.send(SendRaw(message=text))
        return self.connection.data_to_send()


class _ClientWire:
    """A CLIENT connection of one dialect, open in memory (it sends every response request at
    once), and a reader of what it writes."""

    def __init__(self, dialect: Dialect) -> None:
        self._reader = WebSocketLayer(Role.SERVER, Limits())
        endpoint = Endpoint.from_url(_URL, dialect=dialect)
        self.connection = Connection.client(
            endpoint, dialect=dialect, response_policy=ResponsePolicy.SEND
        )
        self._reader.receive_data(self.connection.data_to_send())
        self._reader.next_event()  # the upgrade request
        self._reader.accept()
        self.connection.receive_data(self._reader.data_to_send())
        self.connection.next_event()  # Connected

    def texts(self, command: Command) -> tuple[str, ...]:
        self.connection.send(command)
        return _texts(self._reader, self.connection.data_to_send())


def encode_event(event: Event, dialect: Dialect = Dialect.GA) -> tuple[str, ...]:
    """The wire messages a server of ``dialect`` sends for ``event``: usually one, none when
    the dialect implies it. Raises ``LocalProtocolError`` when the dialect cannot say it.
    A type-keyed server gives an event without an ``event_id`` one of its own."""
    return ServerWire(dialect).texts(event)


def encode_command(command: Command, dialect: Dialect = Dialect.GA) -> tuple[str, ...]:
    """The wire messages a fresh client of ``dialect`` sends for ``command``: one (a
    ``FinishTurn`` in GA and beta: its ``response.create``). Raises ``LocalProtocolError``
    when the dialect cannot say it."""
    return _ClientWire(dialect).texts(command)


def with_extension_fields(text: str, fields: Mapping[str, Any]) -> str:
    """A message with more top-level keys: those of ``fields`` that it does not have."""
    message = json.loads(text)
    message.update({key: value for key, value in fields.items() if key not in message})
    return encode_object(message)


def ping_frame(payload: bytes = b"") -> bytes:
    """A WebSocket ping as a server writes it (RFC 6455 5.5.2: FIN and opcode 0x9, a payload of
    at most 125 bytes, not masked)."""
    if len(payload) > 125:
        raise ValueError("a ping carries at most 125 bytes")
    return bytes([0x89, len(payload)]) + payload


def _messages(texts: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(text) for text in texts)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class EncodedEvent(Record):
    """A server event and the wire messages that say it in ``dialect``.

    ``texts`` is empty when the dialect implies the event (the preview dialect's
    ``TurnStarted``). ``event`` is what a client of a type-keyed dialect decodes from them
    (but for ``TurnFinished.turn``, which a client fills in); the preview dialect, which has
    no response ids, indexes or separate transcripts, decodes to the same meaning.
    """

    event: Event
    dialect: Dialect
    texts: tuple[str, ...]

    @property
    def messages(self) -> tuple[dict[str, Any], ...]:
        """The texts as JSON objects."""
        return _messages(self.texts)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class EncodedCommand(Record):
    """A client command and the wire messages that say it in ``dialect``."""

    command: Command
    dialect: Dialect
    texts: tuple[str, ...]

    @property
    def messages(self) -> tuple[dict[str, Any], ...]:
        """The texts as JSON objects."""
        return _messages(self.texts)


@st.composite
def _server_message(
    draw: st.DrawFn,
    dialect: Dialect,
    classes: frozenset[type[Event]] | None,
    extended: bool,
) -> EncodedEvent:
    event = draw(server_events(dialect, classes=classes))
    texts = encode_event(event, dialect)
    if extended:
        fields = draw(extension_fields())
        texts = tuple(with_extension_fields(text, fields) for text in texts)
    return EncodedEvent(event=event, dialect=dialect, texts=texts)


def server_messages(
    dialect: Dialect = Dialect.GA,
    *,
    classes: Iterable[type[Event]] | None = None,
    extension: bool = False,
) -> st.SearchStrategy[EncodedEvent]:
    """Server events with their wire messages in ``dialect``: of every class it puts on the
    wire (see :func:`server_event_classes`), or of ``classes``. ``extension=True`` adds keys no
    dialect defines to each message, which a client must ignore."""
    chosen = None if classes is None else frozenset(classes)
    return _server_messages(dialect, chosen, extension)


@functools.cache
def _server_messages(
    dialect: Dialect, classes: frozenset[type[Event]] | None, extension: bool
) -> st.SearchStrategy[EncodedEvent]:
    return _server_message(dialect, classes, extension)


def client_messages(
    dialect: Dialect = Dialect.GA, *, classes: Iterable[type[Command]] | None = None
) -> st.SearchStrategy[EncodedCommand]:
    """Client commands with their wire messages in ``dialect``: of every class it can send
    (see :func:`client_command_classes`), or of ``classes``."""
    chosen = None if classes is None else frozenset(classes)
    return _client_messages(dialect, chosen)


@functools.cache
def _client_messages(
    dialect: Dialect, classes: frozenset[type[Command]] | None
) -> st.SearchStrategy[EncodedCommand]:
    return client_commands(dialect, classes=classes).map(
        lambda command: EncodedCommand(
            command=command, dialect=dialect, texts=encode_command(command, dialect)
        )
    )
