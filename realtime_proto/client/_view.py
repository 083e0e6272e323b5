"""What a transport's conversation is, apart from its pumps: its settings, which connection
the caller sends to and which it reads from, and what it shows of the conversation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from .._events import Session
from .._options import ConversationOptions
from .._values import Turn
from ._conversation import ClientConversation
from ._resume import Resumption
from ._target import ClientSettings

if TYPE_CHECKING:
    import ssl

__all__ = ["ConversationView", "PumpOf"]


class PumpOf(Protocol):
    """A transport's pump: it drives one connection's :class:`ClientConversation`."""

    @property
    def core(self) -> ClientConversation: ...


_Pump = TypeVar("_Pump", bound=PumpOf)


class ConversationView(Generic[_Pump]):
    """The transport-independent part of a transport's conversation. ``_pump`` is the latest
    connection's pump (sends go there), ``_reader`` the one the caller's reads take messages
    from (they differ while the caller has not yet read up to a resume)."""

    _entered_as: ClassVar[str] = "with"  # how the caller starts it, for the error

    def __init__(
        self,
        settings: ClientSettings,
        ssl_context: ssl.SSLContext | None,
        options: ConversationOptions | None,
    ) -> None:
        self._settings = settings
        self._ssl_context = ssl_context
        self._options = options
        self._pump: _Pump | None = None
        self._reader: _Pump | None = None
        self._simulator_url: str | None = None  # the embedded simulator's, once it runs
        self._prepare()

    def _prepare(self) -> None:
        """The transport's own state, made with the conversation."""

    def __repr__(self) -> str:
        core = self._pump.core if self._pump is not None else None
        return f"<Conversation {core!r}>"

    @property
    def _running(self) -> _Pump:
        if self._pump is None:
            raise RuntimeError(
                f"the conversation has not been started: use it as '{self._entered_as}'"
            )
        return self._pump

    def _started_pump(self) -> _Pump:
        """The pump the caller's reads take messages from."""
        self._running  # noqa: B018 -- says the conversation has not been started
        assert self._reader is not None
        return self._reader

    @property
    def _core(self) -> ClientConversation:
        return self._running.core

    @property
    def _view(self) -> ClientConversation:
        return self._reader.core if self._reader is not None else self._core

    def _new_core(
        self, token: object, *, since: tuple[float, datetime], resume_from: Resumption | None
    ) -> ClientConversation:
        """The core of a new connection: ``token`` from the target's provider, ``since`` the
        transport's clock and the wall clock now (when a recording starts: only the first
        connection is recorded), ``resume_from`` what a resumed one carries on."""
        recorded = self._settings.record_to is not None and resume_from is None
        return self._settings.start(
            self._options,
            token,
            simulator_url=self._simulator_url,
            record_since=since if recorded else None,
            resume_from=resume_from,
        )

    # -- what the caller sees ---------------------------------------------------------------

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
