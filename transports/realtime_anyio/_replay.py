"""A cassette served on a local port by anyio (asyncio or trio), to every client that
connects."""

from __future__ import annotations

from types import TracebackType

from realtime_blocking._replay import ReplayServing

from realtime_proto.cassette import ReplaySession

from ._serve import LoopbackServer

__all__ = ["ReplayServer"]


class ReplayServer(ReplayServing, LoopbackServer[ReplaySession]):
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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await super().__aexit__(exc_type, exc, traceback)
        self._check_if_strict(exc_type)
