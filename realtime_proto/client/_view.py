"""What a transport's conversation shows its caller of the conversation."""

from __future__ import annotations

from .._events import Session
from .._values import Turn
from ._conversation import ClientConversation

__all__ = ["ConversationView"]


class ConversationView:
    """What a transport's conversation shows of its :class:`ClientConversation`: the session
    and the last turn delivered to the caller."""

    @property
    def _view(self) -> ClientConversation:
        raise NotImplementedError

    @property
    def session(self) -> Session | None:
        return self._view.connection.session

    @property
    def last_turn(self) -> Turn | None:
        """The last turn whose ``TurnFinished`` you have received."""
        return self._view.last_turn

    @property
    def last_turn_full_response_text(self) -> str:
        """Its text; for an audio response, its transcript."""
        return self._view.last_turn_full_response_text

    @property
    def last_turn_full_response_audio(self) -> bytes:
        return self._view.last_turn_full_response_audio
