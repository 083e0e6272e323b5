"""realtime_blocking: the realtime conversation client on blocking sockets and threads.

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    with client.start_conversation(options) as conversation:
        conversation.send_text("Hello")
        conversation.finish_turn()
        for message in conversation.receive_messages():
            ...
"""

from ._client import ConversationClient
from ._conversation import Conversation
from ._serve import SimulatorServer
from ._source import AudioSource

__all__ = ["AudioSource", "Conversation", "ConversationClient", "SimulatorServer"]
