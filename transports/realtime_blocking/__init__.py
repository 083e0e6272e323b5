"""realtime_blocking: the realtime conversation client on blocking sockets and threads.

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    with client.start_conversation(options) as conversation:
        conversation.send_text("Hello")
        conversation.finish_turn()
        for message in conversation.receive_messages():
            ...
"""

from typing import TYPE_CHECKING, Any

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
    "SimulatorServer",
]


def __getattr__(name: str) -> Any:
    # The embedded simulator's server, with the simulator, is imported when first used: most
    # programs never start it, and it would cost every one of them import time and memory.
    # So are the replay server, with the cassette reader, and the recording proxy.
    if name == "SimulatorServer":
        from ._serve import SimulatorServer

        return SimulatorServer
    if name == "ReplayServer":
        from ._replay import ReplayServer

        return ReplayServer
    if name == "ProxyServer":
        from ._proxy import ProxyServer

        return ProxyServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
