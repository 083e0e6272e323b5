"""realtime_blocking: the realtime conversation client on blocking sockets and threads.

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    with client.start_conversation(options) as conversation:
        conversation.send_text("Hello")
        conversation.finish_turn()
        for message in conversation.receive_messages():
            ...
"""

from typing import TYPE_CHECKING

from realtime_proto.client import ResumePolicy, loaded_when_named

from ._client import ConversationClient
from ._conversation import Conversation
from ._source import AudioSource

if TYPE_CHECKING:
    from ._proxy import ProxyServer
    from ._replay import ReplayServer
    from ._serve import SimulatorServer

# The servers load when first named.
__getattr__ = loaded_when_named(
    __name__,
    {
        "SimulatorServer": "._serve",
        "ReplayServer": "._replay",
        "ProxyServer": "._proxy",
    },
)

__all__ = [
    "AudioSource",
    "Conversation",
    "ConversationClient",
    "ProxyServer",
    "ReplayServer",
    "ResumePolicy",
    "SimulatorServer",
]
