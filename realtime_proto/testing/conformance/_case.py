"""A case of the battery: what the server does, step by step, and what a correct client
does about it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import attrs

from ..._record import Record
from ._checks import Check
from ._observation import ClientRecord, Observation, TurnRequest

__all__ = ["Action", "AwaitPong", "Case", "Close", "Expect", "Pings", "Send"]


def _messages(messages: Any) -> tuple[Mapping[str, Any], ...]:
    return tuple(messages)


@attrs.frozen(repr=False, eq=False)
class Send(Record):
    """The server sends ``messages`` (wire dicts, as JSON text messages); with ``fragment``,
    each in continuation frames of that many bytes of UTF-8 (so code points are cut), with an
    empty fragment and a ping between the first two."""

    messages: tuple[Mapping[str, Any], ...] = attrs.field(converter=_messages)
    fragment: int | None = None


@attrs.frozen(repr=False, eq=False)
class Expect(Record):
    """The server waits until the client has sent a message of ``message_type`` (after the
    one the previous ``Expect`` matched; what else the client sends is recorded, not judged)."""

    message_type: str


@attrs.frozen(repr=False, eq=False)
class Pings(Record):
    """The server sends ``count`` pings at once, with payloads ``name-0``, ``name-1``, ..."""

    count: int
    name: str = "ping"

    @property
    def payloads(self) -> tuple[bytes, ...]:
        return tuple(f"{self.name}-{n}".encode() for n in range(self.count))


@attrs.frozen(repr=False, eq=False)
class AwaitPong(Record):
    """The server waits for a pong echoing ``payload``."""

    payload: bytes


@attrs.frozen(repr=False, eq=False)
class Close(Record):
    """The server closes the connection with ``code`` and ``reason``."""

    code: int = 1000
    reason: str = ""


Action: TypeAlias = Send | Expect | Pings | AwaitPong | Close


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Case(Record):
    """One case: ``id`` (``"1.1"``), ``title``, ``description`` (the server's behaviour, and
    where it is seen), ``must`` (what a correct client does). The server either refuses the
    upgrade (``reject``: the HTTP status and JSON body) or accepts it and plays ``actions``;
    ``split_writes``: it writes its bytes a few at a time; ``stall_reading``: it reads nothing
    for that many seconds once the upgrade is answered. The client says ``request``, and
    ``checks`` judge what it reported and what it sent."""

    id: str
    title: str
    description: str
    must: str
    request: TurnRequest
    checks: tuple[Check, ...]
    actions: tuple[Action, ...] = ()
    reject: tuple[int, str] | None = None
    split_writes: bool = False
    stall_reading: float = 0.0

    def problems(self, observation: Observation, record: ClientRecord) -> tuple[str, ...]:
        """What the client did wrong; empty when it passed."""
        found = [check.problem(observation, record) for check in self.checks]
        if record.timed_out is not None:
            found.insert(0, f"the case timed out with the server {record.timed_out}")
        return tuple(problem for problem in found if problem is not None)
