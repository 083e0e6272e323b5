"""A simulator that speaks a chosen dialect to the clients that ask for none.

The simulator picks its dialect from the request target (``?dialect=preview``, ``?dialect=beta``,
a ``/preview`` path; GA otherwise). :class:`DefaultDialectSimulator` adds ``dialect=<default>``
to a request target that names no dialect, before the simulator reads the request; a client
that asks for one (``&dialect=ga`` included) gets what it asks for.
"""

from __future__ import annotations

from realtime_proto import Dialect
from realtime_proto.simulator import Simulator

__all__ = ["DefaultDialectSimulator", "with_default_dialect"]

_MAX_REQUEST_LINE = 65536  # past this the request is passed on as it is, for the server to refuse


def with_default_dialect(head: bytes, dialect: Dialect) -> bytes:
    """``head`` (the start of a request, its first line whole) with ``dialect=`` added to the
    request target when that names no dialect."""
    end = head.find(b"\n")
    if end < 0:
        return head
    parts = head[:end].split(b" ")
    if len(parts) != 3:
        return head
    method, target, version = parts
    path, _, query = target.partition(b"?")
    pairs = [pair for pair in query.split(b"&") if pair]
    if path.rstrip(b"/").endswith(b"/preview") or any(
        pair.startswith(b"dialect=") for pair in pairs
    ):
        return head
    pairs.append(b"dialect=" + dialect.value.encode())
    target = path + b"?" + b"&".join(pairs)
    return b" ".join((method, target, version)) + head[end:]


class DefaultDialectSimulator(Simulator):
    """A :class:`Simulator` whose clients get ``dialect`` unless their URL asks for another."""

    def __init__(
        self,
        dialect: Dialect,
        *,
        pace_audio: bool = False,
        session_duration: float | None = None,
    ) -> None:
        super().__init__(pace_audio=pace_audio, session_duration=session_duration)
        self.default_dialect = dialect
        self._head: bytearray | None = bytearray()  # the request line, until it is whole

    def receive_data(self, data: bytes) -> None:
        head = self._head
        if head is None:
            super().receive_data(data)
            return
        head += data
        if b"\n" not in head and len(head) < _MAX_REQUEST_LINE:
            return
        self._head = None
        super().receive_data(with_default_dialect(bytes(head), self.default_dialect))

    def receive_eof(self) -> None:
        head, self._head = self._head, None
        if head:
            super().receive_data(bytes(head))
        super().receive_eof()
