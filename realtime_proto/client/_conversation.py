"""The client side of one conversation, without I/O: everything a transport would otherwise
have to decide.

A transport owns a socket and three pumps. Its reader feeds ``receive_data`` while
``wants_data`` is true; its writer writes what ``take_output`` hands it and reports
``output_written``; its timer calls ``handle_timer`` at ``next_deadline``. The caller's verbs
become ``send``, and the caller's reads ``next_message``. The transport only waits for the
state to change, and sleeps until deadlines.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Final

from .._commands import (
    AppendAudio,
    Close,
    Command,
    UpdateSession,
)
from .._connection import NEED_DATA, Connection, NeedData
from .._endpoint import Endpoint
from .._errors import (
    ConnectionClosedError,
    ConnectTimeout,
    HandshakeError,
    LimitExceeded,
    TransportError,
)
from .._events import (
    ConnectionClosed,
    Event,
    HandshakeRejected,
    Session,
    SessionCreated,
    TurnFinished,
)
from .._options import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    Limits,
    ResponsePolicy,
    Timeouts,
)
from .._redact import scrub_secrets
from .._state import ConnectionState
from .._values import Turn
from ._plans import AudioSendPlan, ToolRun, check_whole_samples
from ._resume import RESUMING, ResumeInProgress, Resuming, Resumption
from ._tools import ToolHandlers

if TYPE_CHECKING:  # the cassette package loads when a conversation is recorded
    from ..cassette import CassetteRecorder

__all__ = [
    "DEFAULT_MAX_QUEUED_BYTES",
    "OUTPUT_HIGH_WATER",
    "ClientConversation",
]

DEFAULT_MAX_QUEUED_BYTES: Final = 16 * 1024 * 1024
OUTPUT_HIGH_WATER: Final = 1024 * 1024
"""Senders wait while more than this many bytes are queued or being written."""

_CLOSE_SLACK: Final = 0.25  # beyond the close timeout, for the last bytes and the pumps
_log = logging.getLogger("realtime_proto.client")
_WRITE_PIECE: Final = 65536  # the unit of write progress
_BODY_EXCERPT: Final = 300


class ClientConversation:
    """A client :class:`Connection`, the start of a conversation, a bounded inbox of received
    messages, the output queue, and the caller's view of the conversation.

    Not thread-safe: a threaded transport calls it under one lock, and never holds that lock
    across I/O.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        options: ConversationOptions | None,
        *,
        limits: Limits | None = None,
        timeouts: Timeouts | None = None,
        response_policy: ResponsePolicy = ResponsePolicy.DEFER,
        max_queued_messages: int = 1024,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        recorder: CassetteRecorder | None = None,
        resumption: Resumption | None = None,
        reconnect: bool = False,
    ) -> None:
        self.connection = Connection.client(
            endpoint,
            limits=limits,
            timeouts=timeouts,
            response_policy=response_policy,
            wire_tap=recorder,
        )
        self._recorder = recorder
        # A resumable conversation: shared with the connections that come before and after.
        self.resumption = resumption
        self._reconnect = reconnect
        self._expired = False
        self._held_close: tuple[Event, int] | None = None  # the close, while resuming
        self.timeouts = self.connection.timeouts
        self._secrets = endpoint.credentials
        self._options = options
        self._sent_format = options.input_audio_format if options is not None else None
        self.ready = False
        self.closed_by_caller = False
        self._failure: BaseException | None = None
        self._end: TransportError | None = None
        self._end_was_abort = False
        self._undecoded = False  # the connection may hold events not decoded yet
        self._timed_out = False
        self._session_deadline: float | None = None
        self._inbox: deque[tuple[Event, int]] = deque()
        self._inbox_bytes = 0
        self._max_messages = max_queued_messages
        self._max_bytes = max_queued_bytes
        self._delivered_turn: Turn | None = None
        self._end_told = False
        self._out = bytearray()
        self._in_flight = 0
        self._collect_output()

    def __repr__(self) -> str:
        return f"<ClientConversation {self.connection!r} ready={self.ready}>"

    # -- the end ----------------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        """The connection is over; its final message is in the inbox."""
        return self._end is not None or self._failure is not None

    @property
    def started(self) -> bool:
        """The caller may stop waiting for the start: the session is ready, or never will be."""
        return self.ready or self.ended

    @property
    def error(self) -> BaseException | None:
        """How the connection ended: a pump's failure, else the close as an exception
        (``ConnectionClosedError`` with code 1000 after a normal close); ``None`` while open."""
        return self._failure if self._failure is not None else self._end

    @property
    def end_error(self) -> BaseException | None:
        """What ends message iteration: ``None`` for a normal close (1000/1001)."""
        error = self.error
        if (
            isinstance(error, ConnectionClosedError)
            and error.code in (1000, 1001)
            and error.initiator != "error"
        ):
            return None
        return error

    def fail(self, error: BaseException, code: int = 1006) -> None:
        """A pump failed (a write that made no progress, a lost socket, a bug): abort the
        connection; ``error`` is what the caller's next call raises."""
        if self.ended:
            return
        self._drain(everything=True)
        self._failure = error
        _log.info("%s: failed: %s", self.connection, type(error).__name__)
        self.connection.abort(code, str(error) or type(error).__name__)
        self._drain()

    def abort(self, reason: str) -> None:
        """Give up on the connection at once (the close handshake could not finish). What was
        read and not yet decoded is decoded first, unless the caller closed."""
        if not self.ended:
            self._drain(everything=not self.closed_by_caller)
            self.connection.abort(1006, reason)
            self._drain()

    # -- bytes in ---------------------------------------------------------------------------

    @property
    def wants_data(self) -> bool:
        """The reader may read: the inbox has room, and nothing read waits to be decoded
        (decoding stopped at a full inbox or at the start of the session: the caller catches
        up first). While the caller lags, the reader stops, so a caller that stops reading
        slows the peer down (and, past the keepalive timeout, the connection ends: pongs are
        not read either)."""
        return not self.ended and not self._undecoded and self._has_room()

    def _has_room(self) -> bool:
        return len(self._inbox) < self._max_messages and self._inbox_bytes < self._max_bytes

    def receive_data(self, data: bytes) -> None:
        """Bytes read from the socket; ``b""`` is the end of the stream."""
        if self.ended:
            return
        try:
            if data:
                self.connection.receive_data(data)
            else:
                self.connection.receive_eof()
        except Exception as exc:  # a bound was hit while answering: the pump's failure
            self.fail(exc)
            return
        self._drain()

    # -- bytes out --------------------------------------------------------------------------

    @property
    def has_output(self) -> bool:
        return bool(self._out)

    @property
    def output_backlog(self) -> int:
        """Bytes queued or being written."""
        return len(self._out) + self._in_flight

    @property
    def may_send(self) -> bool:
        """Senders may go on: the output backlog is under the high-water mark, or it is over."""
        high_water = min(OUTPUT_HIGH_WATER, self.connection.limits.max_pending_output // 2)
        return self.ended or self.output_backlog < high_water

    def take_output(self) -> bytes:
        """The next piece for the writer (at most 64 KiB, so that progress is measurable)."""
        piece = bytes(self._out[:_WRITE_PIECE])
        del self._out[:_WRITE_PIECE]
        self._in_flight += len(piece)
        return piece

    def output_written(self, size: int) -> None:
        self._in_flight = max(0, self._in_flight - size)

    @property
    def output_finished(self) -> bool:
        """Nothing more will ever be written: the writer may end the socket."""
        return self.ended and not self._out

    def _collect_output(self) -> None:
        data = self.connection.data_to_send()
        if data:
            self._out += data
        limit = self.connection.limits.max_pending_output
        if self.output_backlog > limit and self._failure is None:
            # what the connection bounds per call, bounded across calls: a peer that floods
            # pings while taking none of our bytes must not grow this queue for ever
            self._failure = LimitExceeded(
                f"pending output exceeds max_pending_output ({limit} bytes): "
                "the peer is not reading"
            )
            self._drain(everything=True)
            self.connection.abort(1006, "pending output exceeds max_pending_output")
            self._drain()

    # -- the recording ----------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        """The conversation is recorded (it was made with a recorder)."""
        return self._recorder is not None

    @property
    def has_recorded(self) -> bool:
        """Recorded lines wait for :meth:`take_recorded`."""
        return self._recorder is not None and self._recorder.has_pending

    def take_recorded(self, now: float) -> bytes:
        """The cassette lines recorded since the last take (the header first), stamped
        ``now`` (see :class:`~realtime_proto.cassette.CassetteRecorder`); ``b""`` when there
        are none or the conversation is not recorded. A transport takes them whenever it
        writes and writes them, in the order taken, to the recording's file."""
        return b"" if self._recorder is None else self._recorder.take(now)

    # -- timers -----------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` is next due (may be in the past: call it at once)."""
        if self.ended:
            return None
        deadline = self.connection.next_deadline()
        if not self._waits_for_session():
            return deadline
        session = self._session_deadline if self._session_deadline is not None else float("-inf")
        return session if deadline is None else min(deadline, session)

    def handle_timer(self, now: float) -> None:
        if self.ended:
            return
        connecting = self.connection.state is ConnectionState.CONNECTING
        # A timer may abort: decode what was read first, unless the caller is closing (then
        # the close bound matters more than messages that came after the caller's close).
        self._drain(everything=not self.closed_by_caller)
        try:
            self.connection.handle_timer(now)
        except Exception as exc:
            self.fail(exc)
            return
        if connecting and self.connection.state is ConnectionState.CLOSED:
            self._timed_out = True
        if self._waits_for_session():
            if self._session_deadline is None:
                self._session_deadline = now + self.timeouts.open_timeout
            elif now >= self._session_deadline:
                self._timed_out = True
                self.connection.abort(1006, "no session.created within the open timeout")
        self._drain()

    def _waits_for_session(self) -> bool:
        return not self.ready and self.connection.state is ConnectionState.OPEN

    # -- commands ---------------------------------------------------------------------------

    def send(self, command: Command) -> None:
        """Queue ``command``. Raises the end of the connection once it has ended or is
        ending, :class:`LocalProtocolError` for a command the state forbids, and
        ``ValueError`` for an :class:`AppendAudio` that does not hold whole samples of
        :attr:`input_format` (nothing is sent then)."""
        if isinstance(command, AppendAudio):
            check_whole_samples(command.audio, self.input_format)
        if self.resume_pending:
            raise ResumeInProgress()
        if self.error is not None:
            raise self.error
        state = self.connection.state
        if state in (ConnectionState.CLOSING, ConnectionState.CLOSED):
            raise ConnectionClosedError(1000, "the connection is closing", "local")
        # (A close the peer began has been read whole by now: receiving decodes eagerly.)
        self.connection.send(command)
        if isinstance(command, UpdateSession):
            if command.options.input_audio_format is not None:
                self._sent_format = command.options.input_audio_format
            if self.resumption is not None:
                self.resumption.configured(command.options)
        elif self.resumption is not None and self.connection.dialect is Dialect.PREVIEW:
            self.resumption.sent(command)  # its server confirms no item the client adds
        self._collect_output()
        if self._failure is not None:
            raise self._failure

    @property
    def close_wait(self) -> float:
        """How long a transport waits for the closing handshake before it aborts."""
        return self.timeouts.close_timeout + _CLOSE_SLACK

    def close(self, code: int = 1000, reason: str = "") -> None:
        """The caller closes: the closing handshake if it can still be had, else an abort.
        A code or reason that cannot be sent raises before anything changes."""
        command = Close(code=code, reason=reason)
        self.closed_by_caller = True
        if self.ended:
            return
        if self.connection.can_send:
            self.connection.send(command)
            self._collect_output()
        elif self.connection.state is not ConnectionState.CLOSING:
            self.abort("closed before the connection was open")

    # -- the caller's view ------------------------------------------------------------------

    def next_message(self) -> Event | None:
        """The next received message, or ``None`` when there is none yet. A ``TurnFinished``
        handed out here becomes :attr:`last_turn`."""
        if not self._inbox:
            return None
        event, size = self._inbox.popleft()
        self._inbox_bytes -= size
        if isinstance(event, TurnFinished) and event.turn is not None:
            self._delivered_turn = event.turn
        if self._undecoded and not self._inbox:
            self._drain()  # the caller caught up with its inbox: decode what was read meanwhile
        return event

    def take_message(self, *, iterating: bool) -> Event | NeedData | Resuming | None:
        """The next message for the caller, or ``NEED_DATA`` while none has arrived. Once the
        messages are over, raises what ends them (see :meth:`end_for`), or returns ``None``:
        the iteration stops; or, while a new connection is to carry the conversation on,
        returns ``RESUMING``."""
        message = self.next_message()
        if message is not None:
            return message
        if not self.exhausted:
            return NEED_DATA
        if self._held_close is not None:
            return RESUMING
        end = self.end_for(iterating=iterating)
        if end is None:
            return None
        raise end

    def end_for(self, *, iterating: bool) -> BaseException | None:
        """Once :attr:`exhausted`: what a read raises (the end of the connection), or, for an
        iteration, what it raises once (``None``: stop, after a normal close or once told)."""
        error = self.error
        assert error is not None, "the messages are not over"
        if not iterating:
            return error
        if self._end_told:
            return None
        self._end_told = True
        return self.end_error

    @property
    def has_message(self) -> bool:
        return bool(self._inbox)

    @property
    def queued_messages(self) -> int:
        """Received messages not yet handed out."""
        return len(self._inbox)

    @property
    def queued_bytes(self) -> int:
        """Their size, as counted against ``max_queued_bytes``."""
        return self._inbox_bytes

    @property
    def exhausted(self) -> bool:
        """Every message has been handed out and no more will come."""
        return self.ended and not self._inbox

    @property
    def last_turn(self) -> Turn | None:
        """The last turn whose ``TurnFinished`` the caller has received."""
        return self._delivered_turn

    @property
    def last_turn_full_response_text(self) -> str:
        """The last delivered turn's text; for an audio response, its transcript."""
        turn = self._delivered_turn
        return "" if turn is None else turn.text or turn.audio_transcript

    @property
    def last_turn_full_response_audio(self) -> bytes:
        turn = self._delivered_turn
        return turn.audio if turn is not None else b""

    @property
    def input_format(self) -> AudioFormat:
        """The format input audio must be in: that of the last configuration sent (the server
        applies configurations in order), else the session's, else PCM16."""
        if self._sent_format is not None:
            return self._sent_format
        session = self.connection.session
        configured = session.options.input_audio_format if session is not None else None
        return configured or AudioFormat.PCM16

    def plan_audio(
        self,
        *,
        chunk_ms: float = 100,
        realtime: bool = False,
        finish: bool = True,
        now: float,
        source: object = None,
    ) -> AudioSendPlan:
        """The appends of one ``send_audio(source)``, in the current input format (see
        :class:`AudioSendPlan` for what ``source`` decides)."""
        return AudioSendPlan(
            self.input_format,
            chunk_ms=chunk_ms,
            realtime=realtime,
            finish=finish,
            now=now,
            on_conversion=_log.info,
            source=source,
        )

    def tool_run(self, handlers: ToolHandlers, turn: Turn | None = None) -> ToolRun:
        """The tool calls of ``turn`` (default: :attr:`last_turn`) to answer."""
        return ToolRun(turn or self._delivered_turn, handlers)

    # -- decoding ---------------------------------------------------------------------------

    def _drain(self, *, everything: bool = False) -> None:
        """Move decoded events into the inbox while it has room, and the output they cause to
        the queue. Decoding stops at a full inbox, so one read costs a bounded amount of work,
        and once the session starts, so that the caller waiting for the start is not kept
        waiting for the rest of the read; the rest is decoded as the caller reads. Before an
        abort, and once the connection is closed, everything is decoded: nothing received is
        lost to the end."""
        everything = everything or self.connection.state is ConnectionState.CLOSED
        self._undecoded = False
        while self._end is None:
            if not (everything or self._has_room()):
                self._undecoded = True  # perhaps: the caller's reads will tell
                break
            event = self.connection.next_event()
            if event is NEED_DATA:
                break
            assert isinstance(event, Event)  # a CLIENT connection yields events
            self._inbox.append((event, _size_of(event)))
            self._inbox_bytes += self._inbox[-1][1]
            if self.resumption is not None:
                self._observe(event)
            if isinstance(event, SessionCreated) and not self.ready:
                self._start_session()
                if not everything:  # the caller hears of the start now; the rest can wait
                    self._undecoded = True
                    break
            elif isinstance(event, HandshakeRejected):
                self._end = self._rejection(event)
            elif isinstance(event, ConnectionClosed):
                self._end = self._closed(event)
                # an abort has nothing to say; a protocol failure still sends its Close
                self._end_was_abort = event.initiator == "error" and event.code == 1006
                if self._resumes():
                    self._held_close = self._inbox.pop()
                    self._inbox_bytes -= self._held_close[1]
        self._collect_output()
        if self.ended and (self._failure is not None or self._end_was_abort):
            self._out.clear()  # an aborted connection writes nothing more

    def _start_session(self) -> None:
        if self._options is not None:
            try:
                self.connection.send(UpdateSession(options=self._options))
            except Exception as exc:  # options the wire cannot carry: the start fails
                self._failure = exc
                _log.info("%s: the options could not be sent: %s", self.connection, exc)
                self.connection.abort(1011, "the conversation options could not be sent")
                return
        session = self.connection.session
        assert session is not None  # the session started
        _log.info("%s: session %s started", self.connection, session.id)
        self.ready = True
        if self.resumption is not None:
            if self._reconnect:
                self._restore(session)
            self.resumption.started(session.id)

    # -- resuming ---------------------------------------------------------------------------

    @property
    def resume_pending(self) -> bool:
        """A new connection is to carry the conversation on (this one is over, or closing
        after its session expired): its messages end with ``RESUMING``, and ``send`` raises
        ``ResumeInProgress``."""
        if self._held_close is not None:
            return True
        return self._expired and not self.ended and not self.closed_by_caller

    def stop_resuming(self, error: BaseException | None = None) -> None:
        """No new connection will come (the resume was given up, ``error`` says why, or the
        caller closed): the messages end with the close, then ``error`` or the close's."""
        held, self._held_close = self._held_close, None
        if held is None:
            return
        self._inbox.append(held)
        self._inbox_bytes += held[1]
        if error is not None:
            self._failure = error

    def carry_on_from(self, previous: ClientConversation) -> None:
        """The caller moves on from ``previous``, the connection this one replaced."""
        if self._delivered_turn is None:
            self._delivered_turn = previous._delivered_turn

    def _observe(self, event: Event) -> None:
        assert self.resumption is not None
        if self.resumption.observe(event):
            self._expired = True
            if self.connection.can_send:  # the service closes next; this makes sure of it
                self.connection.send(Close(code=1000, reason="session expired"))

    def _resumes(self) -> bool:
        if self.resumption is None or not self.ready or self.closed_by_caller:
            return False
        return self.resumption.wants(self._failure, self._end, expired=self._expired)

    def _restore(self, session: Session) -> None:
        """The new session: the history again, then ``Resumed`` in place of its start."""
        assert self.resumption is not None
        commands, resumed = self.resumption.restore(session)
        for command in commands:
            self.connection.send(command)
        self._inbox[-1] = (resumed, self._inbox[-1][1])
        _log.info("%s: resumed with %d items", self.connection, len(resumed.restored))

    def _rejection(self, event: HandshakeRejected) -> HandshakeError:
        body = event.body.decode("utf-8", "replace")
        excerpt = scrub_secrets(body, self._secrets)
        if len(excerpt) > _BODY_EXCERPT:
            excerpt = excerpt[:_BODY_EXCERPT] + "..."
        return HandshakeError(event.status_code, excerpt, event.headers, secrets=self._secrets)

    def _closed(self, event: ConnectionClosed) -> TransportError:
        # the connection scrubbed the reason of the credentials it carries, and of key shapes
        if self._timed_out:
            return ConnectTimeout(event.reason)
        return ConnectionClosedError(event.code, event.reason, event.initiator)


def _size_of(event: Event) -> int:
    audio = event.audio_bytes
    return len(event.raw) + (len(audio) if audio is not None else 0) + 64
