"""The connection: composes WebSocket framing, the JSON codec, a dialect, turn-taking and
accumulation into one pure state machine, for either role.

No I/O and no clock: bytes come in through :meth:`Connection.receive_data`, typed events come out
of :meth:`Connection.next_event`, commands go in through :meth:`Connection.send`, and bytes to
write come out of :meth:`Connection.data_to_send`. Time is handed in through
:meth:`Connection.handle_timer`.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from typing import Any, Final

import attrs

from ._accumulator import Accumulator
from ._codec import DecodeFailure, decode_object, encode_object, excerpt, string_field
from ._commands import (
    AcceptConnection,
    AppendAudio,
    CancelResponse,
    ClearAudio,
    Close,
    Command,
    CommitAudio,
    CreateResponse,
    FinishTurn,
    RejectConnection,
    SendRaw,
    TruncateItem,
    UpdateSession,
)
from ._dialects import Lifecycle, WireDialect, wire_dialect
from ._durations import duration_ms
from ._endpoint import Endpoint
from ._errors import LocalProtocolError
from ._events import (
    Connected,
    ConnectionClosed,
    ConnectionRequested,
    Event,
    HandshakeRejected,
    InputAudioCleared,
    InputAudioCommitted,
    InvalidMessage,
    ServerError,
    Session,
    SessionCreated,
    SessionUpdated,
    TurnFinished,
    TurnStarted,
    UnexpectedBinaryMessage,
    UnknownEvent,
)
from ._options import AudioFormat, Dialect, Limits, ResponsePolicy, Role, Timeouts
from ._redact import scrub_secrets
from ._state import (
    ACTIVE_RESPONSE_ERROR,
    NEED_DATA,
    ConnectionInput,
    ConnectionState,
    NeedData,
    ResponseState,
    TurnTaking,
    next_connection_state,
)
from ._timers import Abort, Ping, Timers
from ._values import ErrorDetail, FieldProblem, ResponseInfo, Turn
from ._websocket import (
    WebSocketLayer,
    WsAccepted,
    WsBinary,
    WsClosed,
    WsEvent,
    WsPong,
    WsRejected,
    WsRequest,
    WsState,
    WsText,
)
from ._wire_log import log_frame, wire_log
from ._wire_tap import WireTap

__all__ = ["NEED_DATA", "Connection", "NeedData"]

_log = wire_log
_SCRUB_SPAN: Final = 1000  # scrubbed before the excerpt is cut, so no key is cut in half
_BULK_SIZE: Final = 1024  # shorter messages are not worth the dialect's shortcut


class Connection:
    """One end of a realtime WebSocket session.

    A CLIENT connection is made with the :class:`Endpoint` to reach; its opening handshake is
    queued at once. It ``send``\\ s commands and receives events, accumulates every response into
    a :class:`Turn`, and applies ``response_policy`` to response requests made while one is in
    flight. A SERVER connection receives commands and ``send``\\ s events.

    ``wire_tap`` is told of every frame sent and received, in order (a
    :class:`~realtime_proto.cassette.CassetteRecorder` records them).
    """

    def __init__(
        self,
        role: Role,
        *,
        endpoint: Endpoint | None = None,
        dialect: Dialect | None = None,
        limits: Limits | None = None,
        timeouts: Timeouts | None = None,
        response_policy: ResponsePolicy = ResponsePolicy.DEFER,
        wire_tap: WireTap | None = None,
    ) -> None:
        if (role is Role.CLIENT) != (endpoint is not None):
            raise LocalProtocolError("a CLIENT connection needs an endpoint; a SERVER takes none")
        self.role = role
        self.limits = limits or Limits()
        self.timeouts = timeouts or Timeouts()
        self._wire: WireDialect = wire_dialect(
            dialect or (endpoint.dialect if endpoint is not None else None)
        )
        self.endpoint = endpoint
        self._ws = WebSocketLayer(role, self.limits, wire_tap)
        self._secrets = endpoint.credentials if endpoint is not None else ()
        self._state = ConnectionState.CONNECTING
        self._events: deque[Event | Command] = deque()
        self._final_delivered = False
        # The server never defers: it refuses, as the service does.
        server_policy = ResponsePolicy.SEND
        self._turns = TurnTaking(policy=response_policy if role is Role.CLIENT else server_policy)
        self._accumulator = Accumulator(self.limits)
        self._event_ids = itertools.count(1)
        self._pending_audio = 0
        self._input_rate = AudioFormat.PCM16.sample_rate
        self.session: Session | None = None
        self._timers = Timers(self.timeouts)
        if endpoint is not None:
            self._ws.start_handshake(
                host=endpoint.host_header,
                target=endpoint.target,
                headers=endpoint.headers,
                subprotocols=endpoint.subprotocols,
            )

    @classmethod
    def client(cls, endpoint: Endpoint, **options: Any) -> Connection:
        return cls(Role.CLIENT, endpoint=endpoint, **options)

    @classmethod
    def server(cls, **options: Any) -> Connection:
        return cls(Role.SERVER, **options)

    def __repr__(self) -> str:
        where = f" to {self.endpoint.safe_url}" if self.endpoint is not None else ""
        return f"<Connection {self.role.value}{where} {self._state.value}>"

    # -- state ------------------------------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        return self._wire.dialect

    @dialect.setter
    def dialect(self, dialect: Dialect) -> None:
        """A SERVER learns the dialect its client asked for from the upgrade request."""
        if self._state is not ConnectionState.CONNECTING:
            raise LocalProtocolError("the dialect is chosen before the connection opens")
        self._wire = wire_dialect(dialect)

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def response_state(self) -> ResponseState:
        """Whether a response is requested or streaming in the default conversation."""
        return self._turns.state

    @property
    def deferred_response(self) -> CreateResponse | FinishTurn | None:
        """A response request held back until the active response is done."""
        return self._turns.deferred

    @property
    def pending_input_audio(self) -> int:
        """Bytes of input audio appended and not yet committed or cleared."""
        return self._pending_audio

    @property
    def last_turn(self) -> Turn | None:
        """The most recently finished response, with everything it produced."""
        return self._accumulator.last_turn

    @property
    def last_turn_full_response_text(self) -> str:
        """The last response's text; for an audio response (which has none), its transcript."""
        turn = self._accumulator.last_turn
        if turn is None:
            return ""
        return turn.text or turn.audio_transcript

    @property
    def last_turn_full_response_audio(self) -> bytes:
        turn = self._accumulator.last_turn
        return turn.audio if turn is not None else b""

    @property
    def input_transcripts(self) -> dict[str, str]:
        """Transcripts of the user's audio items by item id, however late they arrived."""
        return self._accumulator.input_transcripts

    # -- input ------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes read from the network. Bytes after the connection closed are ignored."""
        self._ws.receive_data(data)

    def receive_eof(self) -> None:
        """The peer closed its side of the transport (TCP EOF or reset)."""
        self._ws.receive_eof()

    def next_event(self) -> Event | Command | NeedData:
        """The next event (or, on a SERVER, command), or ``NEED_DATA``.

        After the final :class:`ConnectionClosed` or :class:`HandshakeRejected` has been returned,
        raises :class:`LocalProtocolError`.
        """
        while not self._events:
            if self._final_delivered:
                raise LocalProtocolError("the connection is closed; no more events")
            ws_event = self._ws.next_event()
            if ws_event is None:
                return NEED_DATA
            self._handle_ws_event(ws_event)
        event = self._events.popleft()
        if isinstance(event, (ConnectionClosed, HandshakeRejected)):
            self._final_delivered = True
        return event

    def _handle_ws_event(self, ws_event: WsEvent) -> None:
        if isinstance(ws_event, WsText):
            self._on_text(ws_event.text)
        elif isinstance(ws_event, WsPong):
            self._timers.pong(ws_event.payload)
        elif isinstance(ws_event, WsBinary):
            self._events.append(UnexpectedBinaryMessage(size=ws_event.size))
        elif isinstance(ws_event, WsAccepted):
            self._state = next_connection_state(self._state, ConnectionInput.HANDSHAKE_COMPLETE)
            _log.info("%s: the server accepted the upgrade (%s dialect)", self, self.dialect.value)
            self._events.append(
                Connected(subprotocol=ws_event.subprotocol, headers=ws_event.headers)
            )
        elif isinstance(ws_event, WsRequest):
            self._events.append(
                ConnectionRequested(
                    target=ws_event.target,
                    headers=ws_event.headers,
                    subprotocols=ws_event.subprotocols,
                )
            )
        elif isinstance(ws_event, WsRejected):
            _log.info("%s: the server rejected the upgrade with HTTP %d", self, ws_event.status)
            self._state = next_connection_state(self._state, ConnectionInput.CLOSED)
            self._events.append(
                HandshakeRejected(
                    status_code=ws_event.status,
                    headers=ws_event.headers,
                    body=ws_event.body,
                    body_truncated=ws_event.body_truncated,
                )
            )
        else:
            self._on_closed(ws_event)

    def _on_closed(self, ws_event: WsClosed) -> None:
        # Never CLOSED here (after a rejection no ws event is handled); kept as a guard.
        if self._state is not ConnectionState.CLOSED:  # pragma: no branch
            self._state = next_connection_state(self._state, ConnectionInput.CLOSED)
        # The open turns end here, keeping what they produced (fault matrix case 11).
        for turn in self._accumulator.interrupt_all():
            info = ResponseInfo(id=turn.response_id, status=turn.status)
            self._events.append(TurnFinished(response=info, turn=turn))
        reason = scrub_secrets(ws_event.reason, self._secrets)
        _log.info(
            "%s: closed with code %d by %s%s",
            self,
            ws_event.code,
            ws_event.initiator,
            f" ({reason})" if reason else "",
        )
        self._events.append(
            ConnectionClosed(
                code=ws_event.code,
                reason=reason,
                initiator=ws_event.initiator,
                truncated=ws_event.truncated,
            )
        )

    def _on_text(self, text: str) -> None:
        if self.role is Role.CLIENT and len(text) > _BULK_SIZE:
            bulk = self._wire.decode_bulk_server_message(text)
            if bulk is not None:  # what the general path below would give
                if _log.isEnabledFor(logging.DEBUG):
                    log_frame(self.role, "in", bulk[0], self._wire.type_key, len(text))
                self._on_server_event(bulk[1])
                return
        try:
            wire = decode_object(text)
        except DecodeFailure as exc:
            self._events.append(InvalidMessage(reason=str(exc), raw=self._excerpt(text)))
            return
        key = self._wire.type_key
        event_type = wire.get(key)
        if _log.isEnabledFor(logging.DEBUG):
            log_frame(self.role, "in", wire, key, len(text))
        if not isinstance(event_type, str) or not event_type:
            self._events.append(
                InvalidMessage(reason=f"missing or non-string '{key}'", raw=self._excerpt(text))
            )
            return
        try:
            decoded: list[Event] | Command | None
            if self.role is Role.SERVER:
                decoded = self._wire.decode_client_message(wire, event_type, text, self._input_rate)
            else:
                decoded = self._wire.decode_server_message(wire, event_type, text, self._input_rate)
        except Exception as exc:
            self._events.append(
                InvalidMessage(
                    reason=f"{event_type}: {exc}",
                    event_type=event_type,
                    item_id=string_field(wire, "item_id"),
                    response_id=string_field(wire, "response_id"),
                    raw=self._excerpt(text),
                )
            )
            lifecycle = self._wire.lifecycle_of(wire, event_type)
            if self.role is Role.CLIENT and lifecycle is not None:
                self._undecodable_lifecycle(lifecycle, text, str(exc))
            return
        if decoded is None:
            self._events.append(UnknownEvent(event_type=event_type, payload=wire, raw=text))
        elif isinstance(decoded, list):
            for event in decoded:
                self._on_server_event(event)
        else:
            self._on_client_command(decoded)

    def _undecodable_lifecycle(self, lifecycle: Lifecycle, text: str, reason: str) -> None:
        """A response's start or end that could not be decoded still starts or ends it, so
        that no turn is lost and turn-taking never waits on a response that is over."""
        response_id = lifecycle.response_id
        problems = (FieldProblem(field="response", problem=reason),)
        if lifecycle.starts:
            if response_id is not None:
                info = ResponseInfo(id=response_id, conversation_id=lifecycle.conversation_id)
                self._on_server_event(TurnStarted(response=info, raw=text, problems=problems))
            else:  # nothing to accumulate under, but the policy knows a response is active
                self._turns.started(None, in_band=True)
            return
        if response_id is None:
            response_id = self._turns.active_id or self._accumulator.only_open_response()
        if response_id is None:
            self._send_deferred(self._turns.finished(None))
            return
        info = ResponseInfo(id=response_id, status=lifecycle.status or "unknown")
        self._on_server_event(TurnFinished(response=info, raw=text, problems=problems))

    def _scrubbed(self, event: ServerError) -> ServerError:
        """An error event without the credentials its message may echo (a 401's message
        quotes the key), in its message and in its ``raw`` frame alike."""
        message = scrub_secrets(event.error.message, self._secrets)
        if message == event.error.message:
            return event
        error = attrs.evolve(event.error, message=message)
        return attrs.evolve(event, error=error, raw=scrub_secrets(event.raw, self._secrets))

    def _excerpt(self, text: str) -> str:
        """A bounded excerpt of a bad message, without the credentials it may echo."""
        return excerpt(scrub_secrets(text[:_SCRUB_SPAN], self._secrets))

    def _on_server_event(self, event: Event) -> None:
        turns = self._turns
        if isinstance(event, TurnStarted):
            response = event.response
            turns.started(response.id, turns.is_in_band(response.conversation_id))
        elif isinstance(event, TurnFinished):
            self._send_deferred(turns.finished(event.response.id))
        elif isinstance(event, ServerError):
            self._send_deferred(turns.refused(event.error.event_id, event.error.code))
            event = self._scrubbed(event)
        elif isinstance(event, (InputAudioCommitted, InputAudioCleared)):
            self._pending_audio = 0
        elif isinstance(event, (SessionCreated, SessionUpdated)):
            self._learn_session(event.session)
        self._events.extend(self._accumulator.observe(event))

    def _on_client_command(self, command: Command) -> None:
        if isinstance(command, UpdateSession) and command.options.input_audio_format:
            self._input_rate = command.options.input_audio_format.sample_rate
        if isinstance(command, CreateResponse) and not command.out_of_band:
            # As the service does: one response at a time in the default conversation.
            if self._turns.busy:
                self._queue_event(
                    ServerError(
                        error=ErrorDetail(
                            type="invalid_request_error",
                            code=ACTIVE_RESPONSE_ERROR,
                            message="Conversation already has an active response in progress.",
                            event_id=command.event_id,
                        )
                    )
                )
                return
            self._turns.request(command)
        self._events.append(command)

    def _learn_session(self, session: Session) -> None:
        self.session = session
        fmt = session.options.input_audio_format
        if fmt is not None:
            self._input_rate = fmt.sample_rate

    # -- output -----------------------------------------------------------------------------

    def send(self, command: Command | Event) -> None:
        """Queue a command (CLIENT) or an event (SERVER); read the bytes from ``data_to_send``.

        Raises :class:`LocalProtocolError` when the state or role does not allow it; nothing is
        queued then. ``Close`` on a closed connection does nothing.
        """
        if isinstance(command, Close):
            self._close(command)
        elif isinstance(command, (AcceptConnection, RejectConnection)):
            self._answer_handshake(command)
        elif isinstance(command, SendRaw):
            self._require_open()
            self._send_raw(command.message)
        elif self.role is Role.CLIENT:
            if not isinstance(command, Command):
                raise LocalProtocolError(f"a CLIENT sends commands, not {type(command).__name__}")
            self._require_open()
            self._send_command(command)
        else:
            if not isinstance(command, Event):
                raise LocalProtocolError(f"a SERVER sends events, not {type(command).__name__}")
            self._require_open()
            self._queue_event(command)

    @property
    def can_send(self) -> bool:
        """Whether a message can be sent now. False as soon as the peer's close has been
        read, even before its ``ConnectionClosed`` is returned by ``next_event``."""
        return self._state is ConnectionState.OPEN and self._ws.state is WsState.OPEN

    def _require_open(self) -> None:
        if self._state is not ConnectionState.OPEN:
            raise LocalProtocolError(f"cannot send while the connection is {self._state.value}")
        if self._ws.state is not WsState.OPEN:
            raise LocalProtocolError("cannot send: the peer has closed the connection")

    def _close(self, command: Close) -> None:
        if self._state in (ConnectionState.CLOSING, ConnectionState.CLOSED):
            return
        self._require_open()
        self._ws.close(command.code, command.reason)
        self._state = next_connection_state(self._state, ConnectionInput.LOCAL_CLOSE)
        self._turns.cancel_deferred()

    def _answer_handshake(self, command: AcceptConnection | RejectConnection) -> None:
        if self.role is not Role.SERVER or self._state is not ConnectionState.CONNECTING:
            raise LocalProtocolError("only a SERVER answers a handshake, once, while connecting")
        if isinstance(command, AcceptConnection):
            self._ws.accept(subprotocol=command.subprotocol, headers=command.headers)
            self._state = next_connection_state(self._state, ConnectionInput.HANDSHAKE_COMPLETE)
        else:
            self._ws.reject(status=command.status_code, headers=command.headers, body=command.body)
            self._state = next_connection_state(self._state, ConnectionInput.CLOSED)
            self._final_delivered = True

    def _send_raw(self, message: Any) -> None:
        if isinstance(message, bytes):
            message = message.decode("utf-8")  # SendRaw checked that it is UTF-8
        elif not isinstance(message, str):
            message = encode_object(message)
        self._ws.send_text(message)
        _log.debug("%s out a raw message (%d chars)", self.role.value, len(message))

    def _send_command(self, command: Command) -> None:
        if isinstance(command, FinishTurn) and not self._wire.finish_turn_is_a_message:
            if self._pending_audio:
                self._send_command(CommitAudio())
            self._send_command(command.response or CreateResponse())
            return
        if isinstance(command, (CreateResponse, FinishTurn)):
            if command.event_id is None:
                command = attrs.evolve(command, event_id=f"client_{next(self._event_ids)}")
            if not self._turns.request(command):
                return
        elif isinstance(command, CancelResponse):
            self._turns.cancel_deferred()
        elif isinstance(command, TruncateItem):
            command = self._clamp_truncation(command)
        self._send_wire(self._encode_command(command))
        if isinstance(command, AppendAudio):
            self._pending_audio += len(command.audio)
        elif isinstance(command, (CommitAudio, ClearAudio, FinishTurn)):
            self._pending_audio = 0
        elif isinstance(command, UpdateSession):
            fmt = command.options.input_audio_format
            if fmt is not None:
                self._input_rate = fmt.sample_rate

    def _clamp_truncation(self, command: TruncateItem) -> TruncateItem:
        """The service refuses a cut past the audio it sent; cut at what arrived instead."""
        received = self._accumulator.audio_received(command.item_id)
        if received is None:
            return command
        options = self.session.options if self.session is not None else None
        output = (options.output_audio_format if options else None) or AudioFormat.PCM16
        available = int(duration_ms(received, output))
        if command.audio_end_ms <= available:
            return command
        return attrs.evolve(command, audio_end_ms=available)

    def _encode_command(self, command: Command) -> dict[str, Any]:
        options = self.session.options if self.session is not None else None
        output = (options.output_audio_format if options else None) or AudioFormat.PCM16
        return self._wire.encode_command(command, output.sample_rate)

    def _send_deferred(self, command: CreateResponse | FinishTurn | None) -> None:
        if command is not None and self._state is ConnectionState.OPEN:
            self._send_wire(self._encode_command(command))

    def _queue_event(self, event: Event) -> None:
        messages = self._wire.encode_event(event, self._input_rate)
        for wire in messages or ():
            if self._wire.numbers_server_events and wire.get("event_id") is None:
                wire["event_id"] = f"event_{next(self._event_ids)}"
        if messages is None:
            raise LocalProtocolError(
                f"{type(event).__name__} cannot be sent in the {self.dialect.value} dialect"
            )
        for message in messages:
            self._send_wire(message)
        if isinstance(event, TurnStarted) and event.response.conversation_id is not None:
            self._turns.started(event.response.id, in_band=True)
        elif isinstance(event, TurnFinished):
            self._turns.finished(event.response.id)
        elif isinstance(event, ServerError):
            self._turns.refused(event.error.event_id, event.error.code)
        elif isinstance(event, (SessionCreated, SessionUpdated)):
            self.session = event.session

    def _send_wire(self, wire: dict[str, Any]) -> None:
        text = encode_object(wire)
        self._ws.send_text(text)
        if _log.isEnabledFor(logging.DEBUG):
            log_frame(self.role, "out", wire, self._wire.type_key, len(text))

    def data_to_send(self) -> bytes:
        """All bytes queued for the network; the buffer is empty afterwards."""
        return self._ws.data_to_send()

    # -- timers -----------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When ``handle_timer`` must next be called, or ``None`` when no timer runs.

        A deadline may be in the past (a timer that needs arming): call ``handle_timer`` at once.
        """
        return self._timers.next_deadline(self._state)

    def handle_timer(self, now: float) -> None:
        """Run the timers due at ``now`` (a monotonic clock reading, in seconds).

        Sends keepalive pings; ends the connection (a final ``ConnectionClosed``) when the
        opening handshake, a pong or the closing handshake takes longer than its timeout.
        """
        action = self._timers.due(now, self._state)
        if isinstance(action, Ping):
            self._ws.send_ping(action.payload)
        elif isinstance(action, Abort):
            self._abort(action.code, action.reason)

    def abort(self, code: int = 1006, reason: str = "aborted") -> None:
        """End the connection now, without a closing handshake: the transport failed, or the
        caller gives up. A final ``ConnectionClosed`` (initiator ``"error"``) is queued."""
        if self._state is not ConnectionState.CLOSED:
            self._abort(code, reason)

    def _abort(self, code: int, reason: str) -> None:
        self._timers.stop()
        self._on_closed(self._ws.abort(code, reason))
