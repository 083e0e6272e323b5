"""A scripted server: what the server sends and what it expects from the client, in order,
played by the cassette replay (so matching and divergences are the replay's).

A :class:`Script` is a list of steps, :func:`send` (a typed event, a dict or a raw text the
server sends) and :func:`expect` (a typed command, a dict or a raw text the client must send),
and :func:`send_close` / :func:`expect_close`. :meth:`Script.cassette` turns it into the
cassette a replay server serves: each step's messages, in order, the server waiting for every
expected message before what follows it. A client message matches an expected one by type and
key fields only (``realtime_proto.cassette.KEY_FIELDS``), so a dict needs nothing more; audio
appends match as runs, by the bytes of audio they carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

import attrs

from .._codec import encode_object
from .._commands import Command
from .._events import Event
from .._options import Dialect
from .._record import Record
from ..cassette import (
    Cassette,
    CassetteHeader,
    CloseFrame,
    Direction,
    Divergence,
    Entry,
    Replay,
    TextFrame,
)
from ._wire import encode_command, encode_event

__all__ = [
    "Script",
    "ScriptError",
    "Step",
    "expect",
    "expect_close",
    "send",
    "send_close",
]

ServerMessage: TypeAlias = Event | Mapping[str, Any] | str
ClientMessage: TypeAlias = Command | Mapping[str, Any] | str

_URL: Final = "ws://127.0.0.1/v1/realtime?model=script"
_STARTED_AT: Final = "2025-01-01T00:00:00Z"
_SEND: Final = "send"
_EXPECT: Final = "expect"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Step(Record):
    """One step of a :class:`Script`: the server sends (``action`` ``"send"``) or expects
    (``"expect"``) ``message``, or a close (``message`` ``None``) with ``code`` and
    ``reason``. Made by :func:`send`, :func:`expect`, :func:`send_close`,
    :func:`expect_close`."""

    action: str
    message: Event | Command | Mapping[str, Any] | str | None
    code: int = 1000
    reason: str = ""

    @property
    def direction(self) -> Direction:
        return Direction.SERVER if self.action == _SEND else Direction.CLIENT

    @property
    def described(self) -> str:
        """The step as a failure names it: ``expect(conversation.item.create)``."""
        message = self.message
        if message is None:
            shown = f"close {self.code}" if self.action == _SEND else "close"
        elif isinstance(message, (Event, Command)):
            shown = type(message).__name__
        elif isinstance(message, str):
            shown = "a text"
        else:
            kind = message.get("type", message.get("event"))
            shown = kind if isinstance(kind, str) else "a message"
        return f"{self.action}({shown})"

    def texts(self, dialect: Dialect) -> tuple[str, ...]:
        """The step's text messages on the wire in ``dialect`` (none for a close)."""
        message = self.message
        if message is None:
            return ()
        if isinstance(message, Event):
            return encode_event(message, dialect)
        if isinstance(message, Command):
            return encode_command(message, dialect)
        if isinstance(message, str):
            return (message,)
        return (encode_object(message),)


def send(message: ServerMessage) -> Step:
    """The server sends ``message``: a typed event (encoded in the script's dialect), a dict
    (sent as JSON) or a text (sent as is). Raises ``TypeError`` for a command."""
    if isinstance(message, Command) or not isinstance(message, (Event, Mapping, str)):
        raise TypeError(f"send() takes an event, a dict or a text, not {type(message).__name__}")
    return Step(action=_SEND, message=message)


def expect(message: ClientMessage) -> Step:
    """The server waits for the client to send ``message``: a typed command (as this
    library's client writes it in the script's dialect), a dict (the wire message: its type
    and the key fields that matter; ids, audio and settings are never compared) or a text
    (compared whole if it has no type). Raises ``TypeError`` for an event."""
    if isinstance(message, Event) or not isinstance(message, (Command, Mapping, str)):
        raise TypeError(f"expect() takes a command, a dict or a text, not {type(message).__name__}")
    return Step(action=_EXPECT, message=message)


def send_close(code: int = 1000, reason: str = "") -> Step:
    """The server closes the connection with ``code`` and ``reason``."""
    return Step(action=_SEND, message=None, code=code, reason=reason)


def expect_close() -> Step:
    """The client closes the connection here; anything else it sends is a divergence. (After
    the last step a client may close without it: sending anything more is the divergence.)"""
    return Step(action=_EXPECT, message=None)


class ScriptError(AssertionError):
    """The client did not follow the script: ``problems`` lists each failure, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the client did not follow the script:\n" + "\n".join(problems))
        self.problems = problems


def _steps(steps: Iterable[Step]) -> tuple[Step, ...]:
    chosen = tuple(steps)
    for step in chosen:
        if not isinstance(step, Step):
            raise TypeError(f"a script holds steps (send(), expect(), ...), not {step!r}")
    return chosen


@attrs.frozen(repr=False, eq=False)
class Script(Record):
    """What a scripted server does, step by step, for a client of ``dialect``.

    Serve it with either transport's ``ReplayServer(script.cassette())``, or the pytest
    plugin's ``realtime_script`` fixture, which also checks the outcome with :meth:`check`.
    """

    steps: tuple[Step, ...] = attrs.field(converter=_steps)
    dialect: Dialect = attrs.field(default=Dialect.GA, converter=Dialect)

    def cassette(self) -> Cassette:
        """The cassette that plays the script: each step's messages, in order (all at time
        0: a script is never paced). Raises ``LocalProtocolError`` for a typed event or command
        the dialect cannot say."""
        return self._played()[0]

    def _played(self) -> tuple[Cassette, tuple[int, ...]]:
        """The cassette, and for each of its entries the index of the step it comes from."""
        entries: list[Entry] = []
        owners: list[int] = []
        for number, step in enumerate(self.steps):
            if step.message is None:
                close = CloseFrame(
                    at=0.0, direction=step.direction, code=step.code, reason=step.reason
                )
                entries.append(close)
                owners.append(number)
            for text in step.texts(self.dialect):
                entries.append(TextFrame(at=0.0, direction=step.direction, text=text))
                owners.append(number)
        header = CassetteHeader(dialect=self.dialect, url=_URL, started_at=_STARTED_AT)
        return Cassette(header=header, entries=entries), tuple(owners)

    def _where(self, index: int, owners: Sequence[int]) -> str:
        if index >= len(owners):
            return "after the last step"
        number = owners[index]
        return f"at step {number + 1} of {len(self.steps)}, {self.steps[number].described}"

    def explain(self, divergence: Divergence) -> str:
        """A divergence of a replay of :meth:`cassette`, told by the script's steps::

        at step 3 of 5, expect(SendText): conversation.item.create differs in
        item.content[0].text: the client sent 'Hola', the script has 'Hello'
        """
        where = self._where(divergence.index, self._played()[1])
        expected = "no more client messages" if divergence.at_end else divergence.expected
        if divergence.field is not None:
            return (
                f"{where}: {divergence.message_type} differs in {divergence.field}: the "
                f"client sent {divergence.got}, the script has {expected}"
            )
        return f"{where}: the client sent {divergence.got}, the script has {expected}"

    def problems(self, replays: Sequence[Replay]) -> list[str]:
        """What went wrong in ``replays``, the replays of :meth:`cassette` that served each
        client (a replay server's sessions' ``replay``): no client at all, a divergence, or
        a client that left before the end of the script. Empty when all is well."""
        if not replays:
            return ["no client connected to the scripted server"]
        owners = self._played()[1]
        found: list[str] = []
        for number, replay in enumerate(replays, start=1):
            client = f"client {number}: " if len(replays) > 1 else ""
            if replay.divergence is not None:
                found.append(client + self.explain(replay.divergence))
            elif replay.position is not None:
                where = self._where(replay.position, owners)
                found.append(f"{client}the connection ended {where}, which was never played")
        return found

    def check(self, replays: Sequence[Replay]) -> None:
        """Raises :class:`ScriptError` listing :meth:`problems`, if there is any."""
        found = self.problems(replays)
        if found:
            raise ScriptError(found)
