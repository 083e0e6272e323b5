"""The embedded simulator on a local port, served by anyio (asyncio or trio)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import cast

import anyio
import anyio.abc
from anyio.abc import SocketAttribute

from realtime_proto import RealtimeError
from realtime_proto.simulator import Simulator, SimulatorAddress

__all__ = ["SimulatorServer"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])
_READ_SIZE = 262144
_TRANSPORT_ERRORS = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)


class SimulatorServer(SimulatorAddress):
    """Serves a fresh :class:`Simulator` to every connection, one task each.

    Use it as ``async with`` (it binds on entry and serves in the background until the block
    ends) or run :meth:`serve_forever`. The URL to point a client at is :attr:`url`;
    :attr:`base_url` is the ``/v1`` base that the openai package's ``websocket_base_url`` takes.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        simulator: Callable[[], Simulator] = Simulator,
    ) -> None:
        self.host = host
        self.port = port  # the bound port once entered
        self._new_simulator = simulator
        self._task_group: anyio.abc.TaskGroup | None = None

    def __repr__(self) -> str:
        return f"<SimulatorServer {self.url}>"

    async def __aenter__(self) -> SimulatorServer:
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
        self, *, task_status: anyio.abc.TaskStatus[SimulatorServer] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Bind, then serve until cancelled; ``TaskGroup.start`` returns the bound server."""
        async with self:
            task_status.started(self)
            await anyio.sleep_forever()

    async def _accept(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        async with listener:
            await listener.serve(self._serve)

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            try:
                await self._serve_one(stream, self._new_simulator())
            except RealtimeError:
                _log.warning("the simulated session ended on an error", exc_info=True)
            except _TRANSPORT_ERRORS:
                _log.debug("a simulator client went away", exc_info=True)

    async def _serve_one(self, stream: anyio.abc.SocketStream, simulator: Simulator) -> None:
        eof = False
        while not (eof or simulator.finished):
            deadline = simulator.next_deadline()
            with anyio.move_on_after(None if deadline is None else deadline - anyio.current_time()):
                try:
                    simulator.receive_data(await stream.receive(_READ_SIZE))
                except anyio.EndOfStream:
                    eof = True
                    simulator.receive_eof()
            deadline = simulator.next_deadline()  # due after a read too, not only on timeouts
            if deadline is not None and deadline <= (now := anyio.current_time()):
                simulator.handle_timer(now)
            out = simulator.data_to_send()
            if out:
                await stream.send(out)
