"""A conversation with a simulator in memory."""

from __future__ import annotations

from .._commands import Command
from .._connection import NEED_DATA, Connection
from .._endpoint import Endpoint
from .._events import ConnectionClosed, Event
from ._server import Simulator

__all__ = ["LocalConversation"]


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
