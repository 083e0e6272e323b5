"""A cassette served on a local port, to every client that connects: for tests and for
``realtime-proto replay``."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from realtime_proto import Timeouts
from realtime_proto.cassette import (
    Cassette,
    Divergence,
    ReplayAddress,
    ReplaySession,
    ReplaySessions,
    read_cassette,
)

from ._serve import LoopbackServer

__all__ = ["ReplayServer", "ReplayServing", "load_cassette"]


def load_cassette(cassette: Cassette | str | os.PathLike[str]) -> Cassette:
    """``cassette`` itself, or the one in the file it names (raises ``OSError``, or
    ``CassetteError`` naming the line at fault)."""
    if isinstance(cassette, Cassette):
        return cassette
    with open(cassette, "rb") as lines:
        return read_cassette(lines)


class ReplayServing(ReplayAddress):
    """The replay's side of either transport's ``ReplayServer``: the cassette read once, its
    sessions (opened and filed under a lock, as connections come and go in threads or
    tasks), what clients did wrong, and the ``strict`` check. The transport's server, the
    next base class, listens on ``host``:``port`` (``_listen``)."""

    def __init__(
        self,
        cassette: Cassette | str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pace: bool = False,
        strict: bool = False,
        timeouts: Timeouts | None = None,
        on_session_end: Callable[[ReplaySession], None] | None = None,
    ) -> None:
        # read once, before serving, with a plain file read
        self._sessions = ReplaySessions(load_cassette(cassette), pace=pace, timeouts=timeouts)
        self._lock = threading.Lock()
        self.cassette = self._sessions.cassette
        self.dialect = self._sessions.dialect
        self.strict = strict
        self._on_session_end = on_session_end
        self._listen(host, port)

    if TYPE_CHECKING:  # the transport's server defines it

        def _listen(self, host: str, port: int) -> None: ...

    def __repr__(self) -> str:
        return f"<ReplayServer {self.url}>"

    @property
    def divergences(self) -> list[Divergence]:
        """Where clients left the recording: sessions over, in the order they ended, then
        sessions in progress."""
        with self._lock:
            return self._sessions.divergences

    def _check_if_strict(self, exc_type: type[BaseException] | None) -> None:
        """At the end of the block: with ``strict``, raise ``DivergenceError`` if a client
        left the recording (unless the block is already raising)."""
        if self.strict and exc_type is None:
            with self._lock:
                self._sessions.check()

    def _new_session(self) -> ReplaySession:
        with self._lock:
            return self._sessions.open()

    def _session_ended(self, session: ReplaySession) -> None:
        with self._lock:
            self._sessions.close(session)
        if self._on_session_end is not None:
            self._on_session_end(session)


class ReplayServer(ReplayServing, LoopbackServer[ReplaySession]):
    """Serves ``cassette`` (a :class:`Cassette`, or the path of its file) to every client that
    connects, one thread each, as the recorded server did: see ``realtime_proto.cassette``'s
    ``Replay`` for the matching rule, and ``ReplaySession`` for the wire.

    Use it as ``with`` (serving in the background) or call :meth:`serve_forever`; point a
    client at :attr:`url` (it names the cassette's dialect), or the openai package's
    ``websocket_base_url`` at :attr:`base_url`. ``pace`` sends the server frames at their
    recorded pace. :attr:`divergences` lists where clients left the recording (each such
    client's connection is closed with code 1008 and the divergence as its reason);
    ``strict=True`` raises ``DivergenceError`` when the ``with`` block ends, if there is any.
    ``on_session_end`` is called, in the session's thread, with each session that is over.
    Raises ``CassetteError`` for a cassette that cannot be read or replayed, ``OSError`` when
    its file cannot be read or the port cannot be bound.
    """

    _thread_name = "replay"
    _session_kind = "replayed"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, traceback)
        self._check_if_strict(exc_type)
