"""A conversation over anyio: the core decides, two pump tasks move bytes and time, and the
verbs queue commands without ever waiting on the socket."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import aclosing
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.lowlevel

import realtime_proto as rp
from realtime_proto.client import (
    RESUMING,
    ClientConversation,
    ConversationView,
    PlannedSend,
    ResumeInProgress,
    Resumption,
    ToolHandlers,
    single_append,
)

from ._connect import open_stream
from ._pump import Messages, Pump, Signal
from ._source import AudioSource, read_source

if TYPE_CHECKING:
    from realtime_blocking._recording import RecordingFile

    from ._serve import SimulatorServer

__all__ = ["Conversation"]


class Conversation(ConversationView[Pump]):
    """One realtime conversation. Use it as ``async with``: entering connects, waits for the
    session and sends the options; leaving closes the connection within the close timeout,
    even when cancelled, and stops sends still in flight.

    With ``resume=``, a task of the conversation makes each new connection (see
    ``ResumePolicy``)."""

    def _prepare(self) -> None:
        self._first: ClientConversation | None = None
        self._switched = Signal()  # a resume's news: a new pump, given up, closed
        self._closing = False
        self._resuming: anyio.CancelScope | None = None  # a resume's, while it runs
        self._tasks: anyio.abc.TaskGroup | None = None
        self._host_task = 0  # the task that entered, and so must leave, the task group
        self._simulator: SimulatorServer | None = None
        self._recording: RecordingFile | None = None

    _entered_as = "async with"

    # -- lifetime ---------------------------------------------------------------------------

    async def __aenter__(self) -> Conversation:
        try:
            await self._start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def _start(self) -> None:
        if self._settings.record_to is not None:  # opened first: a bad path fails at once
            # the one file class of both transports, imported when a conversation records
            from realtime_blocking._recording import RecordingFile

            self._recording = RecordingFile(self._settings.record_to)
        if self._settings.target.simulator:
            self._host_task = anyio.get_current_task().id
            from ._serve import SimulatorServer

            self._simulator = await SimulatorServer().__aenter__()
            self._simulator_url = self._simulator.url
        self._pump = self._reader = pump = await self._connect()
        self._first = pump.core  # the one connection recorded
        await pump.wait_for(lambda: pump.core.started)
        if not pump.core.ready:
            assert pump.core.error is not None
            raise pump.core.error

    async def _connect(self, resume_from: Resumption | None = None) -> Pump:
        """A new connection and its pump, started (in the conversation's task group, which
        the first connection opens)."""
        target = self._settings.target
        token = target.token_provider() if target.token_provider is not None else None
        if inspect.isawaitable(token):
            token = await token
        since = (anyio.current_time(), datetime.now(timezone.utc))
        core = self._new_core(token, since=since, resume_from=resume_from)
        assert core.connection.endpoint is not None
        stream = await open_stream(
            core.connection.endpoint, self._ssl_context, self._settings.connect_timeout
        )
        recording = self._recording if resume_from is None else None
        pump = Pump(core, stream, recording, self._pump_finished)
        if self._tasks is None:
            self._host_task = anyio.get_current_task().id
            self._tasks = await anyio.create_task_group().__aenter__()
        pump.start(self._tasks)
        return pump

    # -- resuming ---------------------------------------------------------------------------

    def _pump_finished(self, pump: Pump) -> None:
        self._switched.fire()  # whoever waits on it learns whether it is to be resumed
        if pump.core.resume_pending and not self._closing and self._tasks is not None:
            self._tasks.start_soon(self._resume, pump)

    async def _resume(self, lost: Pump) -> None:
        """Connect again until a new session starts, or give up after the policy's attempts
        (the caller's next read raises ``ResumeFailed``)."""
        try:
            await self._reconnect(lost)
        except Exception as exc:  # a fault of ours: the caller's next read raises it
            lost.core.stop_resuming(exc)
            lost.changed()
            self._switched.fire()

    async def _reconnect(self, lost: Pump) -> None:
        resumption = lost.core.resumption
        assert resumption is not None
        with anyio.CancelScope() as self._resuming:
            while not self._closing and (delay := resumption.next_delay()) is not None:
                await anyio.sleep(delay)
                pump = await self._attempt(resumption)
                if pump is not None:
                    self._pump = pump
                    self._switched.fire()
                    if lost is not self._reader:  # resumed before the caller read up to it
                        with anyio.CancelScope(shield=True):
                            await anyio.aclose_forcefully(lost.stream)
                    return
        error = None if self._closing else resumption.failure()
        lost.core.stop_resuming(error)
        lost.changed()
        self._switched.fire()

    async def _attempt(self, resumption: Resumption) -> Pump | None:
        """One new connection whose session started, or ``None`` (the error is noted)."""
        pump = None
        try:
            pump = await self._connect(resumption)
            started = pump
            await pump.wait_for(lambda: started.core.started)
        except Exception as exc:  # the attempt failed: connect, TLS, a token
            resumption.attempt_failed(exc)
        except BaseException:  # cancelled: the conversation is closing
            if pump is not None:
                await self._discard(pump)
            raise
        if pump is None or pump.core.ready:
            return pump
        resumption.attempt_failed(pump.core.error or RuntimeError("no session"))
        await self._discard(pump)
        return None

    @staticmethod
    async def _discard(pump: Pump) -> None:
        await pump.close(1000, "")
        with anyio.CancelScope(shield=True):
            await anyio.aclose_forcefully(pump.stream)

    async def _follow(self, pump: Pump) -> None:
        """Wait while ``pump``'s conversation waits for a new connection. Then the latest
        pump carries on (or ``pump`` has ended for good)."""
        while self._pump is pump and pump.core.resume_pending:
            await self._switched.wait()

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
            first = self._first
            if first is not None:  # what the writer left: the end of the recording
                recording.write(first.take_recorded(anyio.current_time()))
        finally:
            recording.close()

    async def _close_connection(self, code: int, reason: str) -> None:
        self._closing = True
        if self._resuming is not None:
            self._resuming.cancel()  # a resume in progress stops, and closes what it opened
        pumps = [p for p in {self._reader, self._pump} if p is not None]
        for pump in pumps:
            if pump.core.resume_pending:
                pump.core.stop_resuming()
                self._switched.fire()
            await pump.close(code, reason)
        # The pumps have stopped; their task group ends in the task that began it. Its scope
        # is never cancelled: the caller's code runs inside it.
        if self._tasks is not None and anyio.get_current_task().id == self._host_task:
            tasks, self._tasks = self._tasks, None
            await tasks.__aexit__(None, None, None)
        for pump in pumps:
            with anyio.CancelScope(shield=True):
                await anyio.aclose_forcefully(pump.stream)
        if self._simulator is not None and self._tasks is None:
            simulator, self._simulator = self._simulator, None
            await simulator.__aexit__(None, None, None)

    # -- sending ----------------------------------------------------------------------------

    async def send(self, command: rp.Command) -> None:
        """Queue any command, then wait while the output backlog is over its high-water mark.
        Raises the end of the connection once it has ended. While a resumable conversation
        connects again, waits for the new connection (the command follows the restored
        history), or raises ``ResumeFailed``."""
        while True:
            pump = self._running
            try:
                await pump.send(command)
                return
            except ResumeInProgress:
                await self._follow(pump)

    async def _send_planned(self, steps: Iterable[PlannedSend]) -> None:
        for step in steps:
            if step.due is not None:
                await anyio.sleep_until(step.due)
            await self.send(step.command)

    # -- receiving --------------------------------------------------------------------------

    async def receive(self) -> rp.Event:
        """The next message. After the final one (``ConnectionClosed`` or
        ``HandshakeRejected``) it raises what ended the connection (a
        ``ConnectionClosedError`` with code 1000 after a normal close). Cancelling it loses no
        message."""
        message = await self._receive(iterating=False)
        assert message is not None
        return message

    def receive_messages(self) -> AsyncIterator[rp.Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises what ended the connection otherwise."""
        self._started_pump()
        return Messages(functools.partial(self._receive, iterating=True))

    async def _receive(self, *, iterating: bool) -> rp.Event | None:
        while True:
            pump = self._reader or self._started_pump()  # which raises before the start
            message = await pump.receive(iterating=iterating)
            if message is not RESUMING:
                return message  # type: ignore[return-value]
            await self._follow(pump)
            if self._pump is not pump:  # the caller moves on to the new connection
                self._reader = new = self._running
                new.core.carry_on_from(pump.core)
                with anyio.CancelScope(shield=True):
                    await anyio.aclose_forcefully(pump.stream)

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
                    await self._send_planned(plan.feed(piece))
            await self._send_planned(plan.finish())
        except rp.ConnectionClosedError:
            if not self._closing:
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
