"""Where a served simulator is, and a conversation with one in memory."""

from __future__ import annotations

from .._commands import (
    Command,
)
from .._connection import NEED_DATA, Connection
from .._endpoint import Endpoint
from .._events import (
    ConnectionClosed,
    Event,
)
from .._options import (
    Dialect,
)
from ._server import Simulator

__all__ = ["LocalConversation", "SimulatorAddress"]


class SimulatorAddress:
    """The URLs of a simulator served at ``host``:``port`` (set by the server)."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        """The ``/v1`` base that the openai package's ``websocket_base_url`` takes."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/v1"

    @property
    def url(self) -> str:
        """The URL to point a client at."""
        return f"{self.base_url}/realtime?model=simulated-realtime"

    def url_for(self, dialect: Dialect) -> str:
        """The URL that makes the simulator speak ``dialect`` (preview and beta by a query)."""
        return self.url + ("" if dialect is Dialect.GA else f"&dialect={dialect.value}")


class LocalConversation:
    """A CLIENT connection wired to a :class:`Simulator` in memory: no network at all."""

    def __init__(self, *, model: str = "simulated-realtime") -> None:
        endpoint = Endpoint.from_url(f"ws://127.0.0.1/v1/realtime?model={model}")
        self.client = Connection.client(endpoint)
        self.simulator = Simulator(model=model)

    def send(self, command: Command) -> None:
        self.client.send(command)

    def exchange(self, *commands: Command) -> list[Event]:
        """Send ``commands``, then shuttle bytes until both sides are quiet; returns the
        client's events, in order (ending with ``ConnectionClosed`` if the session ended)."""
        for command in commands:
            self.client.send(command)
        received: list[Event] = []
        while True:
            outgoing = self.client.data_to_send()
            if outgoing:
                self.simulator.receive_data(outgoing)
            incoming = self.simulator.data_to_send()
            if incoming:
                self.client.receive_data(incoming)
            while not received or not isinstance(received[-1], ConnectionClosed):
                event = self.client.next_event()
                if event is NEED_DATA:
                    break
                assert isinstance(event, Event)  # a CLIENT connection yields events
                received.append(event)
            if received and isinstance(received[-1], ConnectionClosed):
                return received
            if not outgoing and not incoming:
                return received
