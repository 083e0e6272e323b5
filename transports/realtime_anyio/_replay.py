"""A cassette served on a local port by anyio (asyncio or trio), to every client that
connects."""

from __future__ import annotations

import os
from collections.abc import Callable
from types import TracebackType

from realtime_blocking._replay import load_cassette

from realtime_proto import Timeouts
from realtime_proto.cassette import (
    Cassette,
    Divergence,
    ReplayAddress,
    ReplaySession,
    ReplaySessions,
)

from ._serve import LoopbackServer

__all__ = ["ReplayServer"]


class ReplayServer(ReplayAddress, LoopbackServer[ReplaySession]):
    """Serves ``cassette`` (a :class:`Cassette`, or the path of its file, read when the server
    is made) to every client that connects, one task each, as the recorded server did: see
    ``realtime_proto.cassette``'s ``Replay`` for the matching rule, and ``ReplaySession`` for
    the wire.

    Use it as ``async with`` (it binds on entry and serves in the background until the block
    ends) or run :meth:`serve_forever`; point a client at :attr:`url` (it names the cassette's
    dialect), or the openai package's ``websocket_base_url`` at :attr:`base_url`. ``pace``
    sends the server frames at their recorded pace. :attr:`divergences` lists where clients
    left the recording (each such client's connection is closed with code 1008 and the
    divergence as its reason); ``strict=True`` raises ``DivergenceError`` when the block ends,
    if there is any. ``on_session_end`` is called with each session that is over. Raises
    ``CassetteError`` for a cassette that cannot be read or replayed, ``OSError`` when its file
    cannot be read.
    """

    _session_kind = "replayed"
    _client_kind = "replay"

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
        # read once, before serving, with the plain file read both transports use
        self._sessions = ReplaySessions(load_cassette(cassette), pace=pace, timeouts=timeouts)
        self.cassette = self._sessions.cassette
        self.dialect = self._sessions.dialect
        super().__init__(host, port)
        self.strict = strict
        self._on_session_end = on_session_end

    def __repr__(self) -> str:
        return f"<ReplayServer {self.url}>"

    @property
    def divergences(self) -> list[Divergence]:
        """Where clients left the recording: sessions over, in the order they ended, then
        sessions in progress."""
        return self._sessions.divergences

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc, traceback)
        if self.strict and exc_type is None:
            self._sessions.check()

    def _new_session(self) -> ReplaySession:
        return self._sessions.open()

    def _session_ended(self, session: ReplaySession) -> None:
        self._sessions.close(session)
        if self._on_session_end is not None:
            self._on_session_end(session)
