"""Reading a test conversation up to the next message of a kind, keeping all it received."""

from __future__ import annotations

from typing import Any

import realtime_anyio
import realtime_blocking

import realtime_proto as rp


class Heard:
    """What a blocking conversation has received; :meth:`until` reads on to a kind."""

    def __init__(self, conversation: realtime_blocking.Conversation) -> None:
        self.conversation = conversation
        self.messages: list[rp.Event] = []

    def until(self, kind: type[rp.Event]) -> Any:
        """The next message of ``kind``, every message up to it kept."""
        for message in self.conversation.receive_messages():
            self.messages.append(message)
            if isinstance(message, kind):
                return message
        raise AssertionError(f"the messages ended before {kind.__name__}")


class HeardAsync:
    """What an anyio conversation has received; :meth:`until` reads on to a kind."""

    def __init__(self, conversation: realtime_anyio.Conversation) -> None:
        self.conversation = conversation
        self.messages: list[rp.Event] = []

    async def until(self, kind: type[rp.Event]) -> Any:
        """The next message of ``kind``, every message up to it kept."""
        async for message in self.conversation.receive_messages():
            self.messages.append(message)
            if isinstance(message, kind):
                return message
        raise AssertionError(f"the messages ended before {kind.__name__}")
