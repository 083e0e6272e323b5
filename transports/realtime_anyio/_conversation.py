"""A conversation over anyio: a reader task pumps bytes into the core and its events into an
inbox; the verbs turn into commands written under one lock."""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import os
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Iterable,
    Mapping,
)
from contextlib import aclosing, suppress
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeAlias, cast

import anyio
import anyio.abc

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

from ._connect import open_stream
from ._inbox import Inbox

if TYPE_CHECKING:
    import ssl

    from realtime_blocking import SimulatorServer

__all__ = ["AsyncReadable", "AudioSource", "Conversation"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])


class AsyncReadable(Protocol):
    """A binary file with an async ``read`` (``anyio.open_file``, aiofiles)."""

    def read(self, size: int, /) -> Awaitable[bytes]: ...


AudioSource: TypeAlias = (
    "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | AsyncReadable "
    "| Iterable[bytes] | AsyncIterable[bytes]"
)
_READ_SIZE = 262144
_TRANSPORT_ERRORS = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)


class Conversation:
    """One realtime conversation. Use it as ``async with``: entering connects, waits for the
    session and sends the options; leaving closes the connection, even when cancelled."""

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
        self._stream: anyio.abc.ByteStream | None = None
        self._write_lock = anyio.Lock()
        self._inbox: Inbox[Event] = Inbox(settings.max_queued_messages)
        self._started = anyio.Event()
        self._reader_done = anyio.Event()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._read_scope: anyio.CancelScope | None = None  # cancelled to wake the reader
        self._simulator: SimulatorServer | None = None  # for the embedded simulator
        self._end_raised = False

    def __repr__(self) -> str:
        return f"<Conversation {self._protocol!r}>"

    @property
    def _core(self) -> ClientProtocol:
        if self._protocol is None:
            raise RuntimeError("the conversation has not been started: use it as 'async with'")
        return self._protocol

    # -- lifetime ---------------------------------------------------------------------------

    async def __aenter__(self) -> Conversation:
        target = self._settings.target
        simulator_url = None
        if target.simulator:
            from realtime_blocking import SimulatorServer  # a loopback server on its own thread

            self._simulator = SimulatorServer().__enter__()
            simulator_url = self._simulator.url
        provider = target.token_provider
        token = provider() if provider is not None else None
        if inspect.isawaitable(token):
            token = await token
        self._protocol = self._settings.start(self._options, token, simulator_url=simulator_url)
        endpoint = self._protocol.connection.endpoint
        assert endpoint is not None
        self._stream = await open_stream(
            endpoint, self._ssl_context, self._settings.connect_timeout
        )
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        try:
            self._task_group.start_soon(self._read_loop)
            await self._flush()
            await self._started.wait()
            if not self._core.ready and self._core.error is not None:
                raise self._core.error
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.aclose()
        finally:
            task_group, self._task_group = self._task_group, None
            if task_group is not None:
                task_group.cancel_scope.cancel()
                await task_group.__aexit__(None, None, None)

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection: the closing handshake, bounded by the close timeout, then
        the socket. Always closes the socket, even when cancelled."""
        if self._stream is None:
            await self._stop_simulator()
            return
        self._inbox.unbound()
        with anyio.CancelScope(shield=True):
            try:
                core = self._core
                async with self._write_lock:
                    if not core.ended:
                        core.connection.send(Close(code=code, reason=reason))
                        with suppress(ConnectionClosedError):  # a lost socket: closing anyway
                            await self._write(core.data_to_send())
                if self._read_scope is not None:
                    self._read_scope.cancel()  # the reader arms the close timeout
                with anyio.move_on_after(self._settings.timeouts.close_timeout + 1.0):
                    await self._reader_done.wait()
            finally:
                with suppress(*_TRANSPORT_ERRORS):
                    await self._stream.aclose()
                await self._stop_simulator()

    async def _stop_simulator(self) -> None:
        simulator, self._simulator = self._simulator, None
        if simulator is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(simulator.close)

    # -- the pump ---------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        core, stream = self._core, self._stream
        assert stream is not None
        try:
            while not core.ended:
                deadline = core.next_deadline()
                data: bytes | None = None
                with anyio.move_on_after(
                    deadline - anyio.current_time() if deadline is not None else float("inf")
                ) as self._read_scope:
                    try:
                        data = await stream.receive(_READ_SIZE)
                    except anyio.EndOfStream:
                        data = b""
                    except _TRANSPORT_ERRORS:
                        data = b""
                if data is None:
                    core.handle_timer(anyio.current_time())
                elif data:
                    core.receive_data(data)
                else:
                    core.receive_eof()
                events = core.events()
                # a failed write closes the stream; the next receive ends the connection
                with contextlib.suppress(ConnectionClosedError):
                    await self._flush()
                if core.ready or core.ended:
                    self._started.set()
                await self._inbox.put_all(events)
        finally:
            self._inbox.close()
            self._started.set()
            self._reader_done.set()

    async def _flush(self) -> None:
        async with self._write_lock:
            await self._write(self._core.data_to_send())

    async def _write(self, data: bytes) -> None:
        """Write ``data`` whole: a cancelled write would cut a frame, so it is shielded."""
        if not data or self._stream is None:
            return
        with anyio.CancelScope(shield=True):
            try:
                await self._stream.send(data)
            except _TRANSPORT_ERRORS:
                await self._stream.aclose()  # the reader sees it and ends the connection
                raise ConnectionClosedError(1006, "the connection was lost", "error") from None

    async def send(self, command: Command) -> None:
        """Send any command; raises the end of the connection once it has ended."""
        async with self._write_lock:
            self._core.send(command)
            await self._write(self._core.data_to_send())

    # -- receiving --------------------------------------------------------------------------

    async def receive(self) -> Event:
        """The next message. After the final one (``ConnectionClosed`` or
        ``HandshakeRejected``) it raises the error that ended the connection (a
        ``ConnectionClosedError`` with code 1000 after a normal close). Cancelling it loses no
        message."""
        try:
            return await self._inbox.get()
        except anyio.EndOfStream:
            error = self._core.error
            assert error is not None  # the inbox closes only when the connection has ended
            raise error from None

    def receive_messages(self) -> AsyncIterator[Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises ``ConnectionClosedError`` after an abnormal one."""
        return _Messages(self)

    async def _next_message(self) -> Event | None:
        try:
            return await self._inbox.get()
        except anyio.EndOfStream:
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

    async def send_audio(
        self,
        audio: AudioSource,
        *,
        chunk_ms: float = 100,
        realtime: bool = False,
        finish: bool = True,
    ) -> None:
        """Raw bytes: one append, in the session's input format. A WAV (path, binary file or
        bytes) or a stream (iterable or async iterable of bytes): appends of ``chunk_ms``,
        converted to the session's format if the WAV is in another, sent as fast as possible
        or at ``realtime`` pace, then (``finish``) :meth:`finish_turn`."""
        if isinstance(audio, (bytes, bytearray, memoryview)) and not is_wav(audio):
            await self.send(AppendAudio(audio=bytes(audio)))
            return
        audio_format = self._core.input_format
        chunker = AudioChunker(audio_format, chunk_ms=chunk_ms, on_conversion=_log.info)
        started, sent_ms = anyio.current_time(), 0.0
        async with aclosing(_read_source(audio)) as pieces:
            async for piece in pieces:
                for chunk in chunker.feed(piece):
                    if realtime:
                        await anyio.sleep(max(0.0, started + sent_ms / 1000 - anyio.current_time()))
                    await self.send(AppendAudio(audio=chunk))
                    sent_ms += duration_ms(len(chunk), audio_format)
        for chunk in chunker.finish():
            if realtime:
                await anyio.sleep(max(0.0, started + sent_ms / 1000 - anyio.current_time()))
            await self.send(AppendAudio(audio=chunk))
            sent_ms += duration_ms(len(chunk), audio_format)
        if finish:
            await self.finish_turn()

    async def run_tools(self, handlers: ToolHandlers, turn: Turn | None = None) -> int:
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
                        result = await result
                    output = tool_output(result)
                except Exception as exc:
                    output = tool_failure(exc)
            await self.send_tool_response(call.call_id, output)
        if calls:
            await self.generate()
        return len(calls)

    async def send_text(self, text: str) -> None:
        await self.send(SendText(text=text))

    async def send_tool_response(self, tool_call_id: str, output: str) -> None:
        await self.send(SendToolResponse(tool_call_id=tool_call_id, output=output))

    async def finish_turn(self) -> None:
        """Commit pending input audio, if any, then ask for a response."""
        await self.send(FinishTurn())

    async def generate(self, response: CreateResponse | None = None) -> None:
        """Ask for a response; deferred while one is active (see ``ResponsePolicy``)."""
        await self.send(response or CreateResponse())

    async def commit_audio(self) -> None:
        await self.send(CommitAudio())

    async def clear_audio(self) -> None:
        await self.send(ClearAudio())

    async def reconfigure(self, options: ConversationOptions) -> None:
        await self.send(UpdateSession(options=options))

    async def send_message(self, message: Mapping[str, Any] | str | bytes) -> None:
        """Send a raw message as is (a dict is encoded as JSON)."""
        await self.send(SendRaw(message=message))

    async def cancel_response(self, response_id: str | None = None) -> None:
        await self.send(CancelResponse(response_id=response_id))

    async def truncate(self, item_id: str, audio_played_ms: int, content_index: int = 0) -> None:
        """Cut an assistant item's audio at what the user actually heard."""
        await self.send(
            TruncateItem(item_id=item_id, audio_end_ms=audio_played_ms, content_index=content_index)
        )

    async def delete_item(self, item_id: str) -> None:
        await self.send(DeleteItem(item_id=item_id))


class _Messages:
    """The iterator of :meth:`Conversation.receive_messages` (not a generator, so that
    breaking out of the loop needs no cleanup)."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation

    def __aiter__(self) -> _Messages:
        return self

    async def __anext__(self) -> Event:
        message = await self._conversation._next_message()
        if message is None:
            raise StopAsyncIteration
        return message


async def _read_source(source: AudioSource) -> AsyncGenerator[bytes, None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        async with await anyio.open_file(source, "rb") as file:
            while piece := await file.read(_READ_SIZE):
                yield piece
    elif hasattr(source, "read"):
        while True:
            if isinstance(source, io.BytesIO):
                piece = source.read(_READ_SIZE)
            elif inspect.iscoroutinefunction(source.read):
                piece = await cast(AsyncReadable, source).read(_READ_SIZE)
            else:  # a file or a pipe may block: read it off the event loop
                piece = await anyio.to_thread.run_sync(cast("IO[bytes]", source).read, _READ_SIZE)
            if not piece:
                return
            yield bytes(piece)
    elif isinstance(source, AsyncIterable):
        async for piece in source:
            yield bytes(piece)
    else:
        for piece in source:
            yield bytes(piece)
