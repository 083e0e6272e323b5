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

import importlib
from typing import TYPE_CHECKING, Any

from realtime_proto.client import ResumePolicy

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
    "ResumePolicy",
    "SimulatorServer",
]


# The servers (the embedded simulator's, with the simulator; the replay server, with the
# cassette reader) are imported when first named: most programs never start one, and they
# would cost every program import time and memory.
_LOADED_WHEN_NAMED = {
    "SimulatorServer": "._serve",
    "ReplayServer": "._replay",
}


def __getattr__(name: str) -> Any:
    if name in _LOADED_WHEN_NAMED:
        return getattr(importlib.import_module(_LOADED_WHEN_NAMED[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
