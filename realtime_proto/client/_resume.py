"""Resuming a conversation over a new connection: the policy, and what the connections of one
conversation hand each other (the history, the last configuration, the attempts made).

A resumable conversation whose connection is lost abnormally, or whose session expires, ends
that connection's messages with :data:`RESUMING` instead of its close. The transport then
connects again (:meth:`Resumption.next_delay` says when, and ``None`` when to give up); the new
connection's conversation sends the last configuration and the history as
``conversation.item.create``, and delivers ``Resumed`` in place of its ``SessionCreated``.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from .._commands import Command, CreateItem, SendText, SendToolResponse
from .._errors import ConnectionClosedError, ResumeFailed, TransportError
from .._events import Event, Resumed, ServerError, Session, TurnFinished
from .._options import ConversationOptions, is_int, shown
from .._record import Record
from .._values import ContentPart, ConversationItem
from ._history import ConversationHistory

__all__ = [
    "RESUMING",
    "ResumeInProgress",
    "ResumePolicy",
    "Resuming",
    "Resumption",
    "merged_options",
]


def _positive_attempts(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_int(value) or value < 1:
        raise ValueError(f"ResumePolicy.attempts must be a positive integer, got {shown(value)}")


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 3600:
        raise ValueError(
            f"ResumePolicy.{attribute.name} must be seconds in [0, 3600), got {shown(value)}"
        )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ResumePolicy(Record):
    """How a conversation survives a lost connection or an expired session: up to
    ``attempts`` new connections in a row that fail or complete no response, the first at
    once, each next one ``backoff`` seconds after the last, doubling up to ``max_backoff``.
    ``resume=True`` means the defaults."""

    attempts: int = attrs.field(default=5, validator=_positive_attempts)
    backoff: float = attrs.field(default=0.5, validator=_seconds)
    max_backoff: float = attrs.field(default=8.0, validator=_seconds)

    def delay(self, attempt: int) -> float:
        """How long to wait before attempt number ``attempt`` (0 for the first)."""
        if attempt == 0:
            return 0.0
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))

    @classmethod
    def of(cls, value: bool | ResumePolicy | None) -> ResumePolicy | None:
        """The policy a ``resume=`` argument means."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, ResumePolicy):
            return value
        raise TypeError(f"resume must be a bool or a ResumePolicy, got {shown(value)}")


class Resuming:
    """The marker :data:`RESUMING`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "RESUMING"


RESUMING: Final = Resuming()
"""What a resumable conversation's ``take_message`` returns once its connection's messages are
over and a new connection is to carry on: read the next connection's conversation."""


class ResumeInProgress(Exception):
    """Raised by ``send`` while the conversation waits for a new connection: the transport
    sends the command again once the next connection has started (or the resume has failed)."""


@attrs.define(repr=False, eq=False)
class Resumption:
    """What the connections of one resumable conversation share, handed from each to the next:
    the history, the last configuration sent, the session that ended and why, and the
    connections attempted since the conversation last completed a response (so a server that
    drops every new connection is given up on, as one that refuses them is)."""

    policy: ResumePolicy
    options: ConversationOptions | None = None
    history: ConversationHistory = attrs.field(factory=ConversationHistory)
    session_id: str | None = None
    reason: str = ""
    attempts: int = 0
    last_error: BaseException | None = None
    _attempts_before: int = attrs.field(default=0, init=False)  # made before this loss

    def __repr__(self) -> str:
        return f"<Resumption attempts={self.attempts} items={len(self.history)}>"

    def configured(self, options: ConversationOptions) -> None:
        """A configuration was sent: the next connection sends it again, merged."""
        self.options = merged_options(self.options, options)

    def next_delay(self) -> float | None:
        """Counts a new attempt and says how long to wait before it; ``None``: give up."""
        if self.attempts >= self.policy.attempts:
            return None
        delay = self.policy.delay(self.attempts)
        self.attempts += 1
        return delay

    def attempt_failed(self, error: BaseException) -> None:
        self.last_error = error

    def failure(self) -> ResumeFailed:
        """The error of a resume given up."""
        return ResumeFailed(self.reason, self.attempts, self.last_error)

    def sent(self, command: Command) -> None:
        """A command sent in a dialect whose server does not confirm the items it adds (the
        preview dialect): the history keeps the item it adds."""
        if isinstance(command, CreateItem):
            self.history.sent(command.item)
        elif isinstance(command, SendText):
            part = ContentPart(type="input_text", text=command.text)
            self.history.sent(ConversationItem(type="message", role="user", content=(part,)))
        elif isinstance(command, SendToolResponse):
            self.history.sent(
                ConversationItem(
                    type="function_call_output",
                    call_id=command.tool_call_id,
                    output=command.output,
                )
            )

    def observe(self, event: Event) -> bool:
        """Fold a received event into the history; true when it says the session expired. A
        completed response shows the connection works: the attempts start over."""
        self.history.observe(event)
        if isinstance(event, TurnFinished):
            if event.turn is not None and event.turn.status == "completed":
                self.attempts = 0
                self.last_error = None
            return False
        return isinstance(event, ServerError) and event.code == "session_expired"

    def wants(self, failure: BaseException | None, end: object, *, expired: bool) -> bool:
        """Whether a connection that ended with ``failure`` (a pump's) or ``end`` (its close,
        as an exception) is to be replaced: lost by the network rather than by a failure of
        ours, closed other than normally, or closed after ``expired``; notes why."""
        self._attempts_before = self.attempts
        if failure is not None:
            self.reason = f"the connection was lost: {failure}"
            return isinstance(failure, TransportError)
        assert isinstance(end, ConnectionClosedError)
        self.reason = "the session expired" if expired else f"the connection was lost: {end}"
        return expired or end.code != 1000 or end.initiator == "error"

    def restore(self, session: Session) -> tuple[list[CreateItem], Resumed]:
        """What a new session is sent to restore the history, and the event that says so."""
        restored, left = self.history.restorable()
        resumed = Resumed(
            session=session,
            old_session_id=self.session_id,
            reason=self.reason,
            attempts=self.attempts - self._attempts_before,
            restored=restored,
            not_restored=left,
        )
        return [CreateItem(item=item) for item in restored], resumed

    def started(self, session_id: str | None) -> None:
        """A connection of the conversation has its session."""
        self.session_id = session_id


def merged_options(
    base: ConversationOptions | None, update: ConversationOptions
) -> ConversationOptions:
    """``update`` over ``base``: the fields ``update`` sets replace those of ``base`` (the
    server keeps what a ``session.update`` leaves out), ``extra`` merged key by key."""
    if base is None:
        return update
    changes = {
        field.name: getattr(update, field.name)
        for field in attrs.fields(ConversationOptions)
        if field.name != "extra" and getattr(update, field.name) is not None
    }
    return attrs.evolve(base, extra={**base.extra, **update.extra}, **changes)
