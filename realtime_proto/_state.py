"""Connection states, the response-in-flight state, and their transition tables; and
``NEED_DATA``, what reading returns when the input holds no whole event.

The service lets at most one response write to the default conversation: a ``response.create``
sent while one is in flight is refused with ``conversation_already_has_active_response``. So the
client side tracks whether a response is requested or active, and :class:`TurnTaking` applies a
:class:`ResponsePolicy` instead of sending a request the server will refuse. The server side
uses the same table to refuse such a request, as the service does.
"""

from __future__ import annotations

import enum
from typing import Final, Literal

import attrs

from ._commands import CreateResponse, FinishTurn
from ._errors import LocalProtocolError
from ._options import ResponsePolicy

__all__ = [
    "NEED_DATA",
    "ConnectionInput",
    "ConnectionState",
    "NeedData",
    "ResponseInput",
    "ResponseState",
    "TurnTaking",
    "next_connection_state",
    "next_response_state",
]


class _Sentinel(enum.Enum):
    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = _Sentinel.NEED_DATA
"""Returned by ``next_event`` when more bytes are needed before another event can be read."""

NeedData = Literal[_Sentinel.NEED_DATA]


class ConnectionState(enum.Enum):
    CONNECTING = "connecting"  # the opening handshake is under way
    OPEN = "open"
    CLOSING = "closing"  # we sent a close frame and wait for the peer's
    CLOSED = "closed"


class ConnectionInput(enum.Enum):
    HANDSHAKE_COMPLETE = "handshake_complete"
    LOCAL_CLOSE = "local_close"
    CLOSED = "closed"


_CONNECTION_TABLE: dict[tuple[ConnectionState, ConnectionInput], ConnectionState] = {
    (ConnectionState.CONNECTING, ConnectionInput.HANDSHAKE_COMPLETE): ConnectionState.OPEN,
    (ConnectionState.CONNECTING, ConnectionInput.CLOSED): ConnectionState.CLOSED,
    (ConnectionState.OPEN, ConnectionInput.LOCAL_CLOSE): ConnectionState.CLOSING,
    (ConnectionState.OPEN, ConnectionInput.CLOSED): ConnectionState.CLOSED,
    (ConnectionState.CLOSING, ConnectionInput.CLOSED): ConnectionState.CLOSED,
}


def next_connection_state(state: ConnectionState, event: ConnectionInput) -> ConnectionState:
    """The state after ``event``; :class:`LocalProtocolError` where the table has no entry."""
    try:
        return _CONNECTION_TABLE[state, event]
    except KeyError:
        raise LocalProtocolError(
            f"cannot {event.value.replace('_', ' ')} while {state.value}"
        ) from None


class ResponseState(enum.Enum):
    IDLE = "idle"  # no response writes to the default conversation
    REQUESTED = "requested"  # a response.create went out; response.created not seen yet
    ACTIVE = "active"  # a response is streaming


class ResponseInput(enum.Enum):
    REQUEST = "request"  # a response.create is sent
    STARTED = "started"  # response.created for the default conversation
    FINISHED = "finished"  # response.done of the active response
    REFUSED = "refused"  # an error answered our response.create
    REFUSED_ACTIVE = "refused_active"  # ... with conversation_already_has_active_response


_RESPONSE_TABLE: dict[tuple[ResponseState, ResponseInput], ResponseState] = {
    (ResponseState.IDLE, ResponseInput.REQUEST): ResponseState.REQUESTED,
    (ResponseState.IDLE, ResponseInput.STARTED): ResponseState.ACTIVE,  # server VAD started one
    (ResponseState.IDLE, ResponseInput.FINISHED): ResponseState.IDLE,  # replayed or orphaned
    (ResponseState.REQUESTED, ResponseInput.STARTED): ResponseState.ACTIVE,
    (ResponseState.REQUESTED, ResponseInput.FINISHED): ResponseState.REQUESTED,
    (ResponseState.REQUESTED, ResponseInput.REFUSED): ResponseState.IDLE,
    (ResponseState.REQUESTED, ResponseInput.REFUSED_ACTIVE): ResponseState.ACTIVE,
    (ResponseState.ACTIVE, ResponseInput.STARTED): ResponseState.ACTIVE,
    (ResponseState.ACTIVE, ResponseInput.FINISHED): ResponseState.IDLE,
}


def next_response_state(state: ResponseState, event: ResponseInput) -> ResponseState:
    """The state after ``event``; :class:`LocalProtocolError` where the table has no entry
    (a request while one is in flight must go through the policy instead)."""
    try:
        return _RESPONSE_TABLE[state, event]
    except KeyError:
        raise LocalProtocolError(
            f"a response is {state.value}: cannot {event.value.replace('_', ' ')}"
        ) from None


ACTIVE_RESPONSE_ERROR = "conversation_already_has_active_response"


@attrs.define(repr=False, eq=False)
class TurnTaking:
    """The response-in-flight state of one side, with the client's deferral policy."""

    policy: ResponsePolicy = ResponsePolicy.DEFER
    state: ResponseState = ResponseState.IDLE
    active_id: str | None = None
    deferred: CreateResponse | FinishTurn | None = None
    requested: CreateResponse | FinishTurn | None = None
    out_of_band_requests: int = 0

    @property
    def busy(self) -> bool:
        return self.state is not ResponseState.IDLE

    def request(self, command: CreateResponse | FinishTurn) -> bool:
        """Whether ``command`` goes out now (``False``: deferred). Raises under ``RAISE``.
        (A ``FinishTurn`` asks for a response in the preview dialect.)"""
        if isinstance(command, CreateResponse) and command.out_of_band:
            self.out_of_band_requests += 1
            return True
        if self.busy:
            if self.policy is ResponsePolicy.RAISE:
                raise LocalProtocolError(
                    f"a response is {self.state.value}; the server would refuse another "
                    f"({ACTIVE_RESPONSE_ERROR}). Wait for TurnFinished or cancel it."
                )
            if self.policy is ResponsePolicy.DEFER:
                self.deferred = command
                return False
            return True
        self.state = next_response_state(self.state, ResponseInput.REQUEST)
        self.requested = command
        return True

    def cancel_deferred(self) -> None:
        self.deferred = None

    def started(self, response_id: str | None, in_band: bool) -> None:
        """A response started; ``response_id`` is ``None`` when it could not be read, and
        then the next response to finish ends it."""
        if not in_band:
            self.out_of_band_requests = max(0, self.out_of_band_requests - 1)
            return
        self.state = next_response_state(self.state, ResponseInput.STARTED)
        self.active_id = response_id
        self.requested = None

    def is_in_band(self, conversation_id: str | None) -> bool:
        """Client view of a ``response.created``: out-of-band ones have no conversation id and
        only happen after we asked for one."""
        return not (conversation_id is None and self.out_of_band_requests > 0)

    def finished(self, response_id: str | None) -> CreateResponse | FinishTurn | None:
        """A response ended (``None``: one whose id could not be read); returns the deferred
        request that may now go out, if any."""
        if response_id is None and self.state is ResponseState.REQUESTED:
            # the start of ours was unreadable too: what ended can only be ours
            self.state = next_response_state(self.state, ResponseInput.STARTED)
        if (
            self.state is ResponseState.ACTIVE
            and response_id is not None
            and self.active_id not in (None, response_id)
        ):
            return None
        self.state = next_response_state(self.state, ResponseInput.FINISHED)
        if self.state is ResponseState.IDLE:
            self.active_id = None
            return self._release()
        return None

    def refused(self, event_id: str | None, code: str | None) -> CreateResponse | FinishTurn | None:
        """An error event; if it answers our pending request, update the state."""
        requested = self.requested
        if self.state is not ResponseState.REQUESTED or requested is None or event_id is None:
            return None
        if event_id != requested.event_id:
            return None
        self.requested = None
        if code == ACTIVE_RESPONSE_ERROR:
            # A response we have not seen yet (started by server VAD) holds the conversation:
            # ours waits for its end, as if it had been deferred.
            self.state = next_response_state(self.state, ResponseInput.REFUSED_ACTIVE)
            self.active_id = None
            if self.policy is ResponsePolicy.DEFER and self.deferred is None:
                self.deferred = requested
            return None
        self.state = next_response_state(self.state, ResponseInput.REFUSED)
        return self._release()

    def _release(self) -> CreateResponse | FinishTurn | None:
        deferred, self.deferred = self.deferred, None
        if deferred is not None:
            self.state = next_response_state(self.state, ResponseInput.REQUEST)
            self.requested = deferred
        return deferred
