"""A conversation over anyio: the core decides, two pump tasks move bytes and time, and the
verbs queue commands without ever waiting on the socket."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.lowlevel

import realtime_proto as rp
from realtime_proto.client import (
    ClientConversation,
    ClientSettings,
    ConversationView,
    ToolHandlers,
    single_append,
)

from ._connect import open_stream
from ._pump import Messages, Pump
from ._source import AudioSource, read_source

if TYPE_CHECKING:
    import ssl

    from realtime_blocking._recording import RecordingFile

    from ._serve import SimulatorServer

__all__ = ["Conversation"]


class Conversation(ConversationView):
    """One realtime conversation. Use it as ``async with``: entering connects, waits for the
    session and sends the options; leaving closes the connection within the close timeout,
    even when cancelled, and stops sends still in flight."""

    def __init__(
        self,
        settings: ClientSettings,
        ssl_context: ssl.SSLContext | None,
        options: rp.ConversationOptions | None,
    ) -> None:
        self._settings = settings
        self._ssl_context = ssl_context
        self._options = options
        self._pump: Pump | None = None
        self._tasks: anyio.abc.TaskGroup | None = None
        self._host_task = 0  # the task that entered, and so must leave, the task group
        self._simulator: SimulatorServer | None = None
        self._recording: RecordingFile | None = None

    def __repr__(self) -> str:
        core = self._pump.core if self._pump is not None else None
        return f"<Conversation {core!r}>"

    @property
    def _view(self) -> ClientConversation:
        return self._core

    @property
    def _running(self) -> Pump:
        if self._pump is None:
            raise RuntimeError("the conversation has not been started: use it as 'async with'")
        return self._pump

    @property
    def _core(self) -> ClientConversation:
        return self._running.core

    # -- lifetime ---------------------------------------------------------------------------

    async def __aenter__(self) -> Conversation:
        try:
            await self._start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def _start(self) -> None:
        target, simulator_url, record_since = self._settings.target, None, None
        if self._settings.record_to is not None:  # opened first: a bad path fails at once
            # the one file class of both transports, imported when a conversation records
            from realtime_blocking._recording import RecordingFile

            self._recording = RecordingFile(self._settings.record_to)
        if target.simulator:
            self._host_task = anyio.get_current_task().id
            from ._serve import SimulatorServer

            self._simulator = await SimulatorServer().__aenter__()
            simulator_url = self._simulator.url
        token = target.token_provider() if target.token_provider is not None else None
        if inspect.isawaitable(token):
            token = await token
        if self._recording is not None:
            record_since = (anyio.current_time(), datetime.now(timezone.utc))
        core = self._settings.start(
            self._options, token, simulator_url=simulator_url, record_since=record_since
        )
        assert core.connection.endpoint is not None
        stream = await open_stream(
            core.connection.endpoint, self._ssl_context, self._settings.connect_timeout
        )
        self._pump = pump = Pump(core, stream, self._recording)
        self._host_task = anyio.get_current_task().id
        self._tasks = await anyio.create_task_group().__aenter__()
        pump.start(self._tasks)
        await pump.wait_for(lambda: core.started)
        if not core.ready:
            assert core.error is not None
            raise core.error

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close: the closing handshake, bounded by the close timeout whatever the peer does
        (then the socket is aborted). Cancelling it does not cut it short. The recording, if
        any, is complete then."""
        try:
            await self._close_connection(code, reason)
        finally:
            self._end_recording()

    def _end_recording(self) -> None:
        recording, self._recording = self._recording, None
        if recording is None:
            return
        try:
            if self._pump is not None:  # what the writer left: the end of the recording
                recording.write(self._pump.core.take_recorded(anyio.current_time()))
        finally:
            recording.close()

    async def _close_connection(self, code: int, reason: str) -> None:
        pump = self._pump
        if pump is not None:
            await pump.close(code, reason)
        # The pumps have stopped; their task group ends in the task that began it. Its scope
        # is never cancelled: the caller's code runs inside it.
        if self._tasks is not None and anyio.get_current_task().id == self._host_task:
            tasks, self._tasks = self._tasks, None
            await tasks.__aexit__(None, None, None)
        if pump is not None:
            with anyio.CancelScope(shield=True):
                await anyio.aclose_forcefully(pump.stream)
        if self._simulator is not None and self._tasks is None:
            simulator, self._simulator = self._simulator, None
            await simulator.__aexit__(None, None, None)

    # -- sending ----------------------------------------------------------------------------

    async def send(self, command: rp.Command) -> None:
        """Queue any command, then wait while the output backlog is over its high-water mark.
        Raises the end of the connection once it has ended."""
        await self._running.send(command)

    # -- receiving --------------------------------------------------------------------------

    async def receive(self) -> rp.Event:
        """The next message. After the final one (``ConnectionClosed`` or
        ``HandshakeRejected``) it raises what ended the connection (a
        ``ConnectionClosedError`` with code 1000 after a normal close). Cancelling it loses no
        message."""
        message = await self._running.receive(iterating=False)
        assert message is not None
        return message

    def receive_messages(self) -> AsyncIterator[rp.Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises what ended the connection otherwise."""
        return Messages(self._running)

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
        converted to the input format of the last configuration sent, as fast as possible or
        at ``realtime`` pace, then (``finish``) :meth:`finish_turn`. Stops quietly once you
        close the conversation. A path or a file that is not a WAV raises ``ValueError``
        naming it, before anything is sent; so does a ``chunk_ms`` under 10."""
        core = self._core
        plan = core.plan_audio(
            chunk_ms=chunk_ms,
            realtime=realtime,
            finish=finish,
            now=anyio.current_time(),
            source=audio,
        )
        single = single_append(audio)
        if single is not None:
            await self.send(single)
            return
        try:
            async with aclosing(read_source(audio)) as pieces:
                async for piece in pieces:
                    await self._running.send_planned(plan.feed(piece))
            await self._running.send_planned(plan.finish())
        except rp.ConnectionClosedError:
            if not core.closed_by_caller:
                raise

    async def run_tools(self, handlers: ToolHandlers, turn: rp.Turn | None = None) -> int:
        """Answer every tool call of ``turn`` (default: :attr:`last_turn`) with
        ``handlers[name](**arguments)`` (awaited if it returns an awaitable), send the outputs,
        then ask for one response. Returns the number of calls answered."""
        run = self._core.tool_run(handlers, turn)
        outputs = []
        for prepared in run.calls:
            output = run.start(prepared)
            if not isinstance(output, str):
                try:
                    output = run.output_of(await output)
                except Exception as exc:
                    output = run.failure_of(exc)
            outputs.append(output)
        for command in run.commands(outputs):
            await self.send(command)
        return len(run.calls)

    async def send_text(self, text: str) -> None:
        await self.send(rp.SendText(text=text))

    async def send_tool_response(self, tool_call_id: str, output: str) -> None:
        await self.send(rp.SendToolResponse(tool_call_id=tool_call_id, output=output))

    async def finish_turn(self) -> None:
        """Commit pending input audio, if any, then ask for a response."""
        await self.send(rp.FinishTurn())

    async def generate(self, response: rp.CreateResponse | None = None) -> None:
        """Ask for a response; deferred while one is active (see ``ResponsePolicy``)."""
        await self.send(response or rp.CreateResponse())

    async def commit_audio(self) -> None:
        await self.send(rp.CommitAudio())

    async def clear_audio(self) -> None:
        await self.send(rp.ClearAudio())

    async def reconfigure(self, options: rp.ConversationOptions) -> None:
        await self.send(rp.UpdateSession(options=options))

    async def send_message(self, message: Mapping[str, Any] | str | bytes) -> None:
        """Send a raw message as is (a dict is encoded as JSON)."""
        await self.send(rp.SendRaw(message=message))

    async def cancel_response(self, response_id: str | None = None) -> None:
        await self.send(rp.CancelResponse(response_id=response_id))

    async def truncate(self, item_id: str, audio_played_ms: int, content_index: int = 0) -> None:
        """Cut an assistant item's audio at what the user actually heard."""
        await self.send(
            rp.TruncateItem(
                item_id=item_id, audio_end_ms=audio_played_ms, content_index=content_index
            )
        )

    async def delete_item(self, item_id: str) -> None:
        await self.send(rp.DeleteItem(item_id=item_id))
