"""What a transport's simulator server decides, apart from the sockets: a fresh simulator for
every connection, and where it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ._server import Simulator
from ._urls import SimulatorAddress

__all__ = ["SimulatorServing"]


class SimulatorServing(SimulatorAddress):
    """The simulator's side of a transport's ``SimulatorServer``: each connection gets a fresh
    :class:`Simulator` made by ``simulator`` (default: the plain one). The transport's server,
    the next base class, listens on ``host``:``port`` (``_listen``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        simulator: Callable[[], Simulator] = Simulator,
    ) -> None:
        self._new_simulator = simulator
        self._listen(host, port)

    if TYPE_CHECKING:  # the transport's server defines it

        def _listen(self, host: str, port: int) -> None: ...

    def __repr__(self) -> str:
        return f"<SimulatorServer {self.url}>"

    def _new_session(self) -> Simulator:
        return self._new_simulator()
