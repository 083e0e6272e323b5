"""The blocking ``ConversationClient``: plain sockets and threads."""

from __future__ import annotations

from realtime_proto import ConversationOptions
from realtime_proto.client import ConversationClientBase

from ._conversation import Conversation

__all__ = ["ConversationClient"]


class ConversationClient(ConversationClientBase):
    """Starts conversations with one realtime service; see ``ConversationClientBase``."""

    def start_conversation(self, options: ConversationOptions | None = None) -> Conversation:
        """A conversation to use as ``with``: it connects, waits for ``session.created`` and
        sends ``options`` as ``session.update`` when entered."""
        return Conversation(self.settings, self.ssl_context, options)
