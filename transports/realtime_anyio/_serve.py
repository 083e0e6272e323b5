"""The embedded simulator on a local port, served by anyio (asyncio or trio); and the pump
that serves any SERVER-side session of the core on a local port (the simulator, a replay)."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

import anyio
import anyio.abc
from anyio.abc import SocketAttribute

from realtime_proto import RealtimeError
from realtime_proto.simulator import ServedSession, Simulator, SimulatorServing

__all__ = ["LoopbackServer", "ServedSession", "SimulatorServer"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])
_READ_SIZE = 262144
_TRANSPORT_ERRORS = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)
_Server = TypeVar("_Server", bound="LoopbackServer[Any]")


_Session = TypeVar("_Session", bound=ServedSession)


class LoopbackServer(Generic[_Session]):
    """Serves a fresh session (:meth:`_new_session`) to every connection, one task each.

    Use it as ``async with`` (it binds on entry and serves in the background until the block
    ends) or run :meth:`serve_forever`.
    """

    _session_kind = "served"  # in the log: "the served session ended on an error"
    _client_kind = "served"  # "a served client went away"

    def __init__(self, host: str, port: int) -> None:
        self._listen(host, port)

    def _listen(self, host: str, port: int) -> None:
        """Where to listen (bound on entry); what the servers' own ``__init__`` ends with."""
        self.host = host
        self.port = port  # the bound port once entered
        self._task_group: anyio.abc.TaskGroup | None = None

    def _new_session(self) -> _Session:
        raise NotImplementedError

    def _session_ended(self, session: _Session) -> None:
        """Called once the session's connection is over."""

    async def __aenter__(self: _Server) -> _Server:
        listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
        address = listener.extra(SocketAttribute.local_address)
        self.host, self.port = cast("tuple[str, int]", address)[:2]
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._accept, listener)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        task_group, self._task_group = self._task_group, None
        assert task_group is not None, "the server was not entered"
        task_group.cancel_scope.cancel()  # stops accepting and ends every connection
        await task_group.__aexit__(None, None, None)

    async def serve_forever(
        self: _Server, *, task_status: anyio.abc.TaskStatus[_Server] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Bind, then serve until cancelled; ``TaskGroup.start`` returns the bound server."""
        async with self:
            task_status.started(self)
            await anyio.sleep_forever()

    async def _accept(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        async with listener:
            await listener.serve(self._serve)

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        session = self._new_session()
        async with stream:
            try:
                await self._serve_one(stream, session)
            except RealtimeError:
                _log.warning("the %s session ended on an error", self._session_kind, exc_info=True)
            except _TRANSPORT_ERRORS:
                _log.debug("a %s client went away", self._client_kind, exc_info=True)
            finally:
                self._session_ended(session)

    async def _serve_one(self, stream: anyio.abc.SocketStream, session: _Session) -> None:
        eof = False
        while not (eof or session.finished):
            deadline = session.next_deadline()
            with anyio.move_on_after(None if deadline is None else deadline - anyio.current_time()):
                try:
                    session.receive_data(await stream.receive(_READ_SIZE))
                except anyio.EndOfStream:
                    eof = True
                    session.receive_eof()
            deadline = session.next_deadline()  # due after a read too, not only on timeouts
            if deadline is not None and deadline <= (now := anyio.current_time()):
                session.handle_timer(now)
            out = session.data_to_send()
            if out:
                await stream.send(out)


class SimulatorServer(SimulatorServing, LoopbackServer[Simulator]):
    """Serves a fresh :class:`Simulator` (made by ``simulator``) to every connection, one task each.

    Use it as ``async with`` (it binds on entry and serves in the background until the block
    ends) or run :meth:`serve_forever`. The URL to point a client at is :attr:`url`;
    :attr:`base_url` is the ``/v1`` base that the openai package's ``websocket_base_url`` takes.
    """

    _session_kind = "simulated"
    _client_kind = "simulator"
