"""realtime_blocking: the realtime conversation client on blocking sockets and threads.

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    with client.start_conversation(options) as conversation:
        conversation.send_text("Hello")
        conversation.finish_turn()
        for message in conversation.receive_messages():
            ...
"""

import importlib
from typing import TYPE_CHECKING, Any

from realtime_proto.client import ResumePolicy

from ._client import ConversationClient
from ._conversation import Conversation
from ._source import AudioSource

if TYPE_CHECKING:
    from ._proxy import ProxyServer
    from ._replay import ReplayServer
    from ._serve import SimulatorServer

__all__ = [
    "AudioSource",
    "Conversation",
    "ConversationClient",
    "ProxyServer",
    "ReplayServer",
    "ResumePolicy",
    "SimulatorServer",
]


# The servers (the embedded simulator's, with the simulator; the replay server, with the
# cassette reader; the proxy) are imported when first named: most programs never start one,
# and they would cost every program import time and memory.
_LOADED_WHEN_NAMED = {
    "SimulatorServer": "._serve",
    "ReplayServer": "._replay",
    "ProxyServer": "._proxy",
}


def __getattr__(name: str) -> Any:
    if name in _LOADED_WHEN_NAMED:
        return getattr(importlib.import_module(_LOADED_WHEN_NAMED[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
