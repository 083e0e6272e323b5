"""A conversation over a blocking socket: a reader thread pumps bytes into the core and its
events into an inbox; the verbs turn into commands written under one lock, from any thread."""

from __future__ import annotations

import contextlib
import inspect
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeAlias

from realtime_proto import (
    AppendAudio,
    AudioChunker,
    CancelResponse,
    ClearAudio,
    ClientProtocol,
    ClientSettings,
    Close,
    Command,
    CommitAudio,
    ConnectionClosedError,
    ConversationOptions,
    CreateResponse,
    DeleteItem,
    Event,
    FinishTurn,
    SendRaw,
    SendText,
    SendToolResponse,
    Session,
    ToolHandlers,
    TruncateItem,
    Turn,
    UpdateSession,
    duration_ms,
    is_wav,
    prepare_tool_call,
    tool_failure,
    tool_output,
)

from ._channel import Channel, open_channel
from ._inbox import Inbox, InboxClosed

if TYPE_CHECKING:
    import ssl

    from ._serve import SimulatorServer

__all__ = ["AudioSource", "Conversation"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])

AudioSource: TypeAlias = (
    "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | Iterable[bytes]"
)
_READ_SIZE = 65536


class Conversation:
    """One realtime conversation. Use it as ``with``: entering connects, waits for the session
    and sends the options; leaving closes the connection. Any thread may send while another
    iterates the messages."""

    def __init__(
        self,
        settings: ClientSettings,
        ssl_context: ssl.SSLContext | None,
        options: ConversationOptions | None,
    ) -> None:
        self._settings = settings
        self._ssl_context = ssl_context
        self._options = options
        self._protocol: ClientProtocol | None = None
        self._channel: Channel | None = None
        self._core_lock = threading.Lock()  # the core is touched only under this lock
        self._write_lock = threading.Lock()  # held from taking bytes until they are written
        self._inbox: Inbox[Event] = Inbox(settings.max_queued_messages)
        self._started = threading.Event()
        self._reader: threading.Thread | None = None
        self._simulator: SimulatorServer | None = None  # for the embedded simulator
        self._end_raised = False

    def __repr__(self) -> str:
        return f"<Conversation {self._protocol!r}>"

    @property
    def _core(self) -> ClientProtocol:
        if self._protocol is None:
            raise RuntimeError("the conversation has not been started: use it as 'with'")
        return self._protocol

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> Conversation:
        target = self._settings.target
        simulator_url = None
        if target.simulator:
            from ._serve import SimulatorServer

            self._simulator = SimulatorServer().__enter__()
            simulator_url = self._simulator.url
        provider = target.token_provider
        token = provider() if provider is not None else None
        self._protocol = self._settings.start(self._options, token, simulator_url=simulator_url)
        endpoint = self._protocol.connection.endpoint
        assert endpoint is not None
        self._channel = open_channel(endpoint, self._ssl_context, self._settings.connect_timeout)
        self._reader = threading.Thread(target=self._read_loop, name="realtime-reader", daemon=True)
        self._reader.start()
        try:
            self._flush()
            self._started.wait()
            if not self._core.ready and self._core.error is not None:
                raise self._core.error
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection: the closing handshake, bounded by the close timeout, then
        the socket. Always closes the socket."""
        channel = self._channel
        if channel is None:
            self._stop_simulator()
            return
        self._inbox.unbound()
        try:
            with self._write_lock:
                with self._core_lock:
                    core = self._core
                    if not core.ended:
                        core.connection.send(Close(code=code, reason=reason))
                    data = core.data_to_send()
                self._write(data)
            channel.wake()  # the reader arms the close timeout
        except ConnectionClosedError:
            pass
        finally:
            reader = self._reader
            if reader is not None and reader is not threading.current_thread():
                reader.join(self._settings.timeouts.close_timeout + 1.0)
                channel.shutdown()
                reader.join()
            channel.close()
            self._stop_simulator()

    def _stop_simulator(self) -> None:
        simulator, self._simulator = self._simulator, None
        if simulator is not None:
            simulator.close()

    # -- the pump ---------------------------------------------------------------------------

    def _read_loop(self) -> None:
        core, channel = self._core, self._channel
        assert channel is not None
        try:
            while not core.ended:
                with self._core_lock:
                    deadline = core.next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                data = channel.receive(timeout)
                with self._core_lock:
                    if data is None:
                        core.handle_timer(time.monotonic())
                    elif data:
                        core.receive_data(data)
                    else:
                        core.receive_eof()
                    events = core.events()
                # a failed write shuts the socket down; the next receive ends the connection
                with contextlib.suppress(ConnectionClosedError):
                    self._flush()
                if core.ready or core.ended:
                    self._started.set()
                self._inbox.put_all(events)
        finally:
            self._inbox.close()
            self._started.set()

    def _flush(self) -> None:
        with self._write_lock:
            with self._core_lock:
                data = self._core.data_to_send()
            self._write(data)

    def _write(self, data: bytes) -> None:
        if not data or self._channel is None:
            return
        try:
            self._channel.send_all(data)
        except OSError:
            self._channel.shutdown()  # the reader sees the end and ends the connection
            raise ConnectionClosedError(1006, "the connection was lost", "error") from None

    def send(self, command: Command) -> None:
        """Send any command; raises the end of the connection once it has ended."""
        with self._write_lock:
            with self._core_lock:
                self._core.send(command)
                data = self._core.data_to_send()
            self._write(data)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> Event:
        """The next message (``TimeoutError`` after ``timeout`` seconds). After the final one
        (``ConnectionClosed`` or ``HandshakeRejected``) it raises the error that ended the
        connection (a ``ConnectionClosedError`` with code 1000 after a normal close)."""
        try:
            return self._inbox.get(timeout)
        except InboxClosed:
            error = self._core.error
            assert error is not None  # the inbox closes only when the connection has ended
            raise error from None

    def receive_messages(self) -> Iterator[Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises ``ConnectionClosedError`` after an abnormal one."""
        return _Messages(self)

    def _next_message(self) -> Event | None:
        try:
            return self._inbox.get()
        except InboxClosed:
            error = self._core.end_error
            if error is not None and not self._end_raised:
                self._end_raised = True
                raise error from None
            return None

    @property
    def session(self) -> Session | None:
        return self._core.connection.session

    @property
    def last_turn(self) -> Turn | None:
        return self._core.connection.last_turn

    @property
    def last_turn_full_response_text(self) -> str:
        return self._core.connection.last_turn_full_response_text

    @property
    def last_turn_full_response_audio(self) -> bytes:
        return self._core.connection.last_turn_full_response_audio

    # -- the verbs --------------------------------------------------------------------------

    def send_audio(
        self,
        audio: AudioSource,
        *,
        chunk_ms: float = 100,
        realtime: bool = False,
        finish: bool = True,
    ) -> None:
        """Raw bytes: one append, in the session's input format. A WAV (path, binary file or
        bytes) or a stream (iterable of bytes): appends of ``chunk_ms``, converted to the
        session's format if the WAV is in another, sent as fast as possible or at ``realtime``
        pace, then (``finish``) :meth:`finish_turn`."""
        if isinstance(audio, (bytes, bytearray, memoryview)) and not is_wav(audio):
            self.send(AppendAudio(audio=bytes(audio)))
            return
        with self._core_lock:
            audio_format = self._core.input_format
        chunker = AudioChunker(audio_format, chunk_ms=chunk_ms, on_conversion=_log.info)
        started, sent_ms = time.monotonic(), 0.0
        for piece in itertools.chain(_read_source(audio), [None]):
            chunks = chunker.finish() if piece is None else chunker.feed(piece)
            for chunk in chunks:
                if realtime:
                    time.sleep(max(0.0, started + sent_ms / 1000 - time.monotonic()))
                self.send(AppendAudio(audio=chunk))
                sent_ms += duration_ms(len(chunk), audio_format)
        if finish:
            self.finish_turn()

    def run_tools(self, handlers: ToolHandlers, turn: Turn | None = None) -> int:
        """Answer every tool call of ``turn`` (default: the last) by calling ``handlers[name]``
        with the call's JSON arguments, send each output, then ask for one response. A missing
        handler, bad arguments or an exception answer with an error the model can read.
        Returns the number of calls answered."""
        turn = turn or self.last_turn
        calls = turn.tool_calls if turn is not None else ()
        for call in calls:
            prepared = prepare_tool_call(call, handlers)
            output = prepared.error_output
            if output is None:
                assert prepared.handler is not None
                try:
                    result = prepared.handler(**prepared.arguments)
                    if inspect.isawaitable(result):
                        getattr(result, "close", lambda: None)()  # never awaited: close it
                        raise TypeError(
                            "the blocking transport needs tool functions, not coroutines"
                        )
                    output = tool_output(result)
                except Exception as exc:
                    output = tool_failure(exc)
            self.send_tool_response(call.call_id, output)
        if calls:
            self.generate()
        return len(calls)

    def send_text(self, text: str) -> None:
        self.send(SendText(text=text))

    def send_tool_response(self, tool_call_id: str, output: str) -> None:
        self.send(SendToolResponse(tool_call_id=tool_call_id, output=output))

    def finish_turn(self) -> None:
        """Commit pending input audio, if any, then ask for a response."""
        self.send(FinishTurn())

    def generate(self, response: CreateResponse | None = None) -> None:
        """Ask for a response; deferred while one is active (see ``ResponsePolicy``)."""
        self.send(response or CreateResponse())

    def commit_audio(self) -> None:
        self.send(CommitAudio())

    def clear_audio(self) -> None:
        self.send(ClearAudio())

    def reconfigure(self, options: ConversationOptions) -> None:
        self.send(UpdateSession(options=options))

    def send_message(self, message: Mapping[str, Any] | str | bytes) -> None:
        """Send a raw message as is (a dict is encoded as JSON)."""
        self.send(SendRaw(message=message))

    def cancel_response(self, response_id: str | None = None) -> None:
        self.send(CancelResponse(response_id=response_id))

    def truncate(self, item_id: str, audio_played_ms: int, content_index: int = 0) -> None:
        """Cut an assistant item's audio at what the user actually heard."""
        self.send(
            TruncateItem(item_id=item_id, audio_end_ms=audio_played_ms, content_index=content_index)
        )

    def delete_item(self, item_id: str) -> None:
        self.send(DeleteItem(item_id=item_id))


class _Messages:
    """The iterator of :meth:`Conversation.receive_messages`."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation

    def __iter__(self) -> _Messages:
        return self

    def __next__(self) -> Event:
        message = self._conversation._next_message()
        if message is None:
            raise StopIteration
        return message


def _read_source(source: AudioSource) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            while piece := file.read(_READ_SIZE):
                yield piece
    elif hasattr(source, "read"):
        while piece := source.read(_READ_SIZE):
            yield bytes(piece)
    else:
        for piece in source:
            yield bytes(piece)
