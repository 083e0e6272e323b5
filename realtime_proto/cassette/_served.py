"""What a replay server keeps, whatever its I/O: the cassette, a fresh session for each client,
the sessions in progress, where clients left the recording, and the server's URLs."""

from __future__ import annotations

from .._loopback import LoopbackAddress
from .._options import Dialect, Timeouts
from ._entries import Cassette
from ._replay import Divergence, DivergenceError, Replay
from ._session import ReplaySession

__all__ = ["ProxyAddress", "ReplayAddress", "ReplaySessions"]


class ReplayAddress(LoopbackAddress):
    """The URLs of a replay served at ``host``:``port`` (set by the server), for a cassette of
    ``dialect``."""

    dialect: Dialect

    @property
    def url(self) -> str:
        """The URL to point a client at; it names the cassette's dialect (``&dialect=``)
        unless that is GA, as the command line's ``converse --url`` reads it."""
        dialect = "" if self.dialect is Dialect.GA else f"&dialect={self.dialect.value}"
        return f"{self.base_url}/realtime?model=replay{dialect}"


class ProxyAddress(LoopbackAddress):
    """The URLs of a recording proxy served at ``host``:``port`` (set by the server)."""

    @property
    def url(self) -> str:
        """The URL to point a client at."""
        return f"{self.base_url}/realtime"


class ReplaySessions:
    """The sessions of one replay server: :meth:`open` makes each client's
    :class:`ReplaySession`, :meth:`close` files it once its connection is over.

    Not thread-safe: a threaded server calls it under a lock. Raises :class:`CassetteError`
    when built for a cassette that cannot be replayed.
    """

    def __init__(
        self, cassette: Cassette, *, pace: bool = False, timeouts: Timeouts | None = None
    ) -> None:
        self.cassette = cassette
        self.dialect = Replay(cassette).dialect  # checks that it can be replayed
        self.pace = pace
        self._timeouts = timeouts
        self._live: list[ReplaySession] = []
        self._diverged: list[Divergence] = []

    def open(self) -> ReplaySession:
        session = ReplaySession(self.cassette, pace=self.pace, timeouts=self._timeouts)
        self._live.append(session)
        return session

    def close(self, session: ReplaySession) -> None:
        self._live.remove(session)
        if session.divergence is not None:
            self._diverged.append(session.divergence)

    @property
    def divergences(self) -> list[Divergence]:
        """Where clients left the recording: those whose sessions are over, in the order they
        ended, then those still connected."""
        live = [s.divergence for s in self._live if s.divergence is not None]
        return [*self._diverged, *live]

    def check(self) -> None:
        """Raises :class:`DivergenceError` listing every divergence, if there is any."""
        divergences = self.divergences
        if divergences:
            raise DivergenceError(divergences)
