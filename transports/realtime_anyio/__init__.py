"""realtime_anyio: the realtime conversation client on anyio (asyncio or trio).

::

    client = ConversationClient.openai(api_key=..., model="gpt-realtime")
    async with client.start_conversation(options) as conversation:
        await conversation.send_text("Hello")
        await conversation.finish_turn()
        async for message in conversation.receive_messages():
            ...
"""

from ._client import ConversationClient
from ._conversation import Conversation
from ._serve import SimulatorServer
from ._source import AsyncReadable, AudioSource

__all__ = ["AsyncReadable", "AudioSource", "Conversation", "ConversationClient", "SimulatorServer"]
