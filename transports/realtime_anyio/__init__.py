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

from typing import TYPE_CHECKING

from realtime_proto.client import ResumePolicy, loaded_when_named

from ._client import ConversationClient
from ._conversation import Conversation
from ._source import AsyncReadable, AudioSource

if TYPE_CHECKING:
    from ._replay import ReplayServer
    from ._serve import SimulatorServer

# The servers load when first named.
__getattr__ = loaded_when_named(
    __name__,
    {
        "SimulatorServer": "._serve",
        "ReplayServer": "._replay",
    },
)

__all__ = [
    "AsyncReadable",
    "AudioSource",
    "Conversation",
    "ConversationClient",
    "ReplayServer",
    "ResumePolicy",
    "SimulatorServer",
]
