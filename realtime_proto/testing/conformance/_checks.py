"""The checks of a case, each a value with a ``problem``: what a client did wrong, in one
line, or ``None``. They read what the client reported (an :class:`Observation`) and what the
battery's server saw it send (a :class:`ClientRecord`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..._record import Record
from ._observation import ClientRecord, Observation, TurnRequest

__all__ = [
    "AnsweredClose",
    "Check",
    "ClosedWith",
    "ErrorMentions",
    "NoError",
    "NotReceived",
    "PongTo",
    "Received",
    "ReceivedInOrder",
    "SentNothing",
    "SentTurn",
    "TextIs",
]

_MISSING = object()


def _field(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value


class Check(Record):
    """One thing a correct client does."""

    __slots__ = ()

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        raise NotImplementedError


@attrs.frozen(repr=False, eq=False)
class SentTurn(Check):
    """The client said ``request`` and asked for a response, in that order: text as a
    ``conversation.item.create`` carrying it, audio as appends of all its bytes and a commit."""

    request: TurnRequest

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if record.undecodable:
            return f"the client sent a message that is not a JSON event: {record.undecodable[0]}"
        types = record.types
        if "response.create" not in types:
            return "the client never sent response.create"
        before = record.messages[: types.index("response.create")]
        if self.request.audio is not None:
            size = sum(
                int(message.get("audio_bytes", 0))
                for message in before
                if message.get("type") == "input_audio_buffer.append"
            )
            if size != len(self.request.audio):
                return f"the client appended {size} bytes of audio, not {len(self.request.audio)}"
            if "input_audio_buffer.commit" not in [m.get("type") for m in before]:
                return "the client did not commit its audio before response.create"
            return None
        texts = [
            part.get("text")
            for message in before
            if message.get("type") == "conversation.item.create"
            for part in _parts(message)
        ]
        if self.request.text not in texts:
            return (
                f"the client did not send the text {self.request.text!r} in a "
                "conversation.item.create before response.create"
            )
        return None


def _parts(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = _field(message, "item.content")
    if not isinstance(content, list):
        return []
    return [part for part in content if isinstance(part, Mapping)]


@attrs.frozen(repr=False, eq=False)
class SentNothing(Check):
    """The client sent no message (its connection was refused)."""

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if record.messages or record.undecodable or record.binary:
            sent = len(record.messages) + len(record.undecodable) + record.binary
            plural = "" if sent == 1 else "s"
            return f"the client sent {sent} message{plural} to a refused connection"
        return None


@attrs.frozen(repr=False, eq=False)
class TextIs(Check):
    """The assistant text the client ended with."""

    text: str

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if observation.text != self.text:
            return f"the client's assistant text is {observation.text!r}, not {self.text!r}"
        return None


@attrs.frozen(repr=False, eq=False)
class NoError(Check):
    """The client raised nothing."""

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if observation.error is not None:
            return f"the client raised {observation.error}: {observation.error_message}"
        return None


@attrs.frozen(repr=False, eq=False)
class ErrorMentions(Check):
    """The client raised an error whose message has ``text`` in it."""

    text: str

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if observation.error is None:
            return f"the client raised no error (one mentioning {self.text!r} was due)"
        if self.text not in observation.error_message:
            return (
                f"the client raised {observation.error} without mentioning {self.text!r}: "
                f"{observation.error_message}"
            )
        return None


@attrs.frozen(repr=False, eq=False)
class Received(Check):
    """The client reported an event of ``type`` whose fields (dotted paths) hold ``fields``."""

    event_type: str
    fields: Mapping[str, Any] = attrs.field(factory=dict)

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        for event in observation.events:
            if event.get("type") == self.event_type and all(
                _field(event, path) == value for path, value in self.fields.items()
            ):
                return None
        wanted = ", ".join(f"{path}={value!r}" for path, value in self.fields.items())
        shown = f" with {wanted}" if wanted else ""
        return f"the client reported no {self.event_type}{shown}"


@attrs.frozen(repr=False, eq=False)
class NotReceived(Check):
    """The client reported no event of ``type`` (a name it should have understood as another)."""

    event_type: str

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if self.event_type in observation.types:
            return f"the client reported {self.event_type} as such: it did not understand it"
        return None


@attrs.frozen(repr=False, eq=False)
class ReceivedInOrder(Check):
    """The client reported events of these types, in this order (others may come between)."""

    types: tuple[str, ...]

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        seen = iter(observation.types)
        for wanted in self.types:
            if wanted not in seen:
                return f"the client did not report {wanted} (in order: {', '.join(self.types)})"
        return None


@attrs.frozen(repr=False, eq=False)
class PongTo(Check):
    """The server received a pong echoing ``payload`` (the last ping of a storm)."""

    payload: bytes

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if self.payload not in record.pongs:
            return (
                f"the client sent {len(record.pongs)} pongs, none to the ping "
                f"{self.payload.decode()!r}"
            )
        return None


@attrs.frozen(repr=False, eq=False)
class AnsweredClose(Check):
    """The client answered the server's close with its own close frame."""

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if record.close != "answered":
            return f"the client did not answer the server's close (its end: {record.close})"
        return None


@attrs.frozen(repr=False, eq=False)
class ClosedWith(Check):
    """The client reported the close ``code``: as the close code, or in its error."""

    code: int

    def problem(self, observation: Observation, record: ClientRecord) -> str | None:
        if observation.close_code == self.code or str(self.code) in observation.error_message:
            return None
        return f"the client did not report the close code {self.code}"
