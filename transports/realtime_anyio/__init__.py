"""realtime_anyio: the realtime conversation client on anyio (asyncio or trio).

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    async with client.start_conversation(options) as conversation:
        await conversation.send_text("Hello")
        await conversation.finish_turn()
        async for message in conversation.receive_messages():
            ...
"""

try:
    import anyio as _anyio  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "realtime_anyio needs anyio: pip install 'realtime-proto[anyio]' "
        "(or 'realtime-proto[trio]' to run on trio)"
    ) from exc

from typing import TYPE_CHECKING, Any

from ._client import ConversationClient
from ._conversation import Conversation
from ._source import AsyncReadable, AudioSource

if TYPE_CHECKING:
    from ._replay import ReplayServer
    from ._serve import SimulatorServer

__all__ = [
    "AsyncReadable",
    "AudioSource",
    "Conversation",
    "ConversationClient",
    "ReplayServer",
    "SimulatorServer",
]


def __getattr__(name: str) -> Any:
    # The embedded simulator's server, with the simulator, is imported when first used: most
    # programs never start it, and it would cost every one of them import time and memory.
    # So is the replay server, with the cassette reader.
    if name == "SimulatorServer":
        from ._serve import SimulatorServer

        return SimulatorServer
    if name == "ReplayServer":
        from ._replay import ReplayServer

        return ReplayServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
