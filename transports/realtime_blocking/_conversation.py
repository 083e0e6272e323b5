"""A conversation over a blocking socket: the core decides, three pump threads move bytes and
time, and the verbs queue commands from any thread without ever waiting on the socket."""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

import realtime_proto as rp
from realtime_proto.client import (
    RESUMING,
    ConversationView,
    PlannedSend,
    ResumeInProgress,
    Resumption,
    ToolHandlers,
    single_append,
)

from ._connect import open_channel
from ._pump import Messages, Pump
from ._recording import RecordingFile
from ._source import AudioSource, read_source

if TYPE_CHECKING:
    from ._serve import SimulatorServer

__all__ = ["Conversation"]


class Conversation(ConversationView[Pump]):
    """One realtime conversation. Use it as ``with``: entering connects, waits for the session
    and sends the options; leaving closes the connection within the close timeout and stops
    sends still in flight. Any thread may send while another iterates the messages.

    With ``resume=``, a thread of its own makes each new connection (see ``ResumePolicy``)."""

    def _prepare(self) -> None:
        self._simulator: SimulatorServer | None = None
        self._recording: RecordingFile | None = None
        self._switch = threading.Condition()  # a resume's news: a new pump, given up, closed
        self._attempting: Pump | None = None  # a resume's new connection, not yet started
        self._closing = threading.Event()

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> Conversation:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        if self._settings.record_to is not None:  # opened first: a bad path fails at once
            self._recording = RecordingFile(self._settings.record_to)
        if self._settings.target.simulator:
            from ._serve import SimulatorServer

            self._simulator = SimulatorServer().__enter__()
            self._simulator_url = self._simulator.url
        self._pump = self._reader = pump = self._connect()
        self._wait_for_start(pump)
        if not pump.core.ready:
            assert pump.core.error is not None
            raise pump.core.error

    def _connect(self, resume_from: Resumption | None = None) -> Pump:
        """A new connection and its pump, started."""
        target = self._settings.target
        token = target.token_provider() if target.token_provider is not None else None
        since = (time.monotonic(), datetime.now(timezone.utc))
        core = self._new_core(token, since=since, resume_from=resume_from)
        assert core.connection.endpoint is not None
        channel = open_channel(
            core.connection.endpoint, self._ssl_context, self._settings.connect_timeout
        )
        recording = self._recording if resume_from is None else None
        pump = Pump(core, channel, recording, self._pump_finished)
        pump.start()
        return pump

    @staticmethod
    def _wait_for_start(pump: Pump) -> None:
        """Until the session has started, or failed to (bounded by the open timeout)."""
        with pump.lock:
            pump.wait(lambda: pump.core.started)

    # -- resuming ---------------------------------------------------------------------------

    def _pump_finished(self, pump: Pump) -> None:
        with self._switch:  # whoever waits on it learns whether it is to be resumed
            self._switch.notify_all()
        if pump.core.resume_pending and not self._closing.is_set():
            threading.Thread(
                target=self._resume, args=(pump,), name="realtime-resume", daemon=True
            ).start()

    def _resume(self, lost: Pump) -> None:
        """Connect again until a new session starts, or give up after the policy's attempts
        (the caller's next read raises ``ResumeFailed``, or a fault of ours)."""
        try:
            self._reconnect(lost)
        except Exception as exc:
            self._give_up(lost, exc)

    def _reconnect(self, lost: Pump) -> None:
        resumption = lost.core.resumption
        assert resumption is not None
        while (delay := resumption.next_delay()) is not None:
            if self._closing.wait(delay):
                break
            pump = self._attempt(resumption)
            if pump is None:
                continue
            replaced = None
            with self._switch:
                if not self._closing.is_set():
                    self._pump, pump = pump, None
                    replaced = lost if lost is not self._reader else None
                self._switch.notify_all()
            if pump is not None:  # closed meanwhile
                pump.close(1000, "")
            if replaced is not None:  # resumed before the caller read up to it: let it go
                replaced.close(1000, "")
            return
        self._give_up(lost, None if self._closing.is_set() else resumption.failure())

    def _attempt(self, resumption: Resumption) -> Pump | None:
        """One new connection whose session started, or ``None`` (the error is noted)."""
        try:
            pump = self._connect(resumption)
        except Exception as exc:  # the attempt failed: connect, TLS, a token
            resumption.attempt_failed(exc)
            return None
        with self._switch:
            self._attempting = pump  # a close closes it too
            closing = self._closing.is_set()
        if closing:
            pump.close(1000, "")
        self._wait_for_start(pump)
        with self._switch:
            self._attempting = None
        if pump.core.ready:
            return pump
        resumption.attempt_failed(pump.core.error or RuntimeError("no session"))
        pump.close(1000, "")
        return None

    def _give_up(self, lost: Pump, error: BaseException | None) -> None:
        with lost.lock:
            lost.core.stop_resuming(error)
            lost.wake()
        with self._switch:
            self._switch.notify_all()

    def _follow(self, pump: Pump, timeout: float | None = None) -> bool:
        """Wait while ``pump``'s conversation waits for a new connection; ``False`` on a
        timeout. Then the latest pump carries on (or ``pump`` has ended for good)."""
        with self._switch:
            return self._switch.wait_for(
                lambda: self._pump is not pump or not pump.core.resume_pending, timeout
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close: the closing handshake, bounded by the close timeout whatever the peer does
        (then the socket is aborted). The recording, if any, is complete then. A resume in
        progress stops."""
        with self._switch:
            self._closing.set()
            pumps = [p for p in {self._reader, self._pump, self._attempting} if p is not None]
        try:
            for pump in pumps:
                if pump.core.resume_pending:
                    self._give_up(pump, None)
                pump.close(code, reason)
        finally:
            simulator, self._simulator = self._simulator, None
            if simulator is not None:
                simulator.close()
            recording, self._recording = self._recording, None
            if recording is not None:
                recording.close()

    # -- sending ----------------------------------------------------------------------------

    def send(self, command: rp.Command) -> None:
        """Queue any command, then wait while the output backlog is over its high-water mark.
        Raises the end of the connection once it has ended. While a resumable conversation
        connects again, waits for the new connection (the command follows the restored
        history), or raises ``ResumeFailed``."""
        while True:
            pump = self._running
            try:
                pump.send(command)
                return
            except ResumeInProgress:
                self._follow(pump)

    def _send_planned(self, steps: Iterable[PlannedSend]) -> None:
        for step in steps:
            if step.due is not None:
                time.sleep(max(0.0, step.due - time.monotonic()))
            self.send(step.command)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> rp.Event:
        """The next message (``TimeoutError`` after ``timeout`` seconds). After the final one
        (``ConnectionClosed`` or ``HandshakeRejected``) it raises what ended the connection
        (a ``ConnectionClosedError`` with code 1000 after a normal close)."""
        message = self._receive(timeout, iterating=False)
        assert message is not None
        return message

    def receive_messages(self) -> Iterator[rp.Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises what ended the connection otherwise."""
        self._started_pump()
        return Messages(functools.partial(self._receive, None, iterating=True))

    def _receive(self, timeout: float | None, *, iterating: bool) -> rp.Event | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pump = self._reader or self._started_pump()  # which raises before the start
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            message = pump.receive(left, iterating=iterating)
            if message is not RESUMING:
                return message  # type: ignore[return-value]
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._follow(pump, left):
                raise TimeoutError("no message within the timeout")
            if self._pump is not pump:  # the caller moves on to the new connection
                new = self._reader = self._running
                with new.lock:
                    new.core.carry_on_from(pump.core)
                pump.close(1000, "")  # over already: this lets its socket go

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
        bytes) or a stream (iterable of bytes): appends of ``chunk_ms``, converted to the input
        format of the last configuration sent, as fast as possible or at ``realtime`` pace,
        then (``finish``) :meth:`finish_turn`. Stops quietly once you close the conversation.
        A path or a file that is not a WAV raises ``ValueError`` naming it, before anything
        is sent; so does a ``chunk_ms`` under 10."""
        pump = self._running
        with pump.lock:
            plan = pump.core.plan_audio(
                chunk_ms=chunk_ms,
                realtime=realtime,
                finish=finish,
                now=time.monotonic(),
                source=audio,
            )
        single = single_append(audio)
        if single is not None:
            self.send(single)
            return
        try:
            for piece in itertools.chain(read_source(audio), [None]):
                self._send_planned(plan.finish() if piece is None else plan.feed(piece))
        except rp.ConnectionClosedError:
            if not self._closing.is_set():
                raise

    def run_tools(self, handlers: ToolHandlers, turn: rp.Turn | None = None) -> int:
        """Answer every tool call of ``turn`` (default: :attr:`last_turn`) with
        ``handlers[name](**arguments)``, send the outputs, then ask for one response. Returns
        the number of calls answered."""
        pump = self._running
        with pump.lock:
            run = pump.core.tool_run(handlers, turn)
        outputs = [run.start_blocking(prepared) for prepared in run.calls]
        for command in run.commands(outputs):
            self.send(command)
        return len(run.calls)

    def send_text(self, text: str) -> None:
        self.send(rp.SendText(text=text))

    def send_tool_response(self, tool_call_id: str, output: str) -> None:
        self.send(rp.SendToolResponse(tool_call_id=tool_call_id, output=output))

    def finish_turn(self) -> None:
        """Commit pending input audio, if any, then ask for a response."""
        self.send(rp.FinishTurn())

    def generate(self, response: rp.CreateResponse | None = None) -> None:
        """Ask for a response; deferred while one is active (see ``ResponsePolicy``)."""
        self.send(response or rp.CreateResponse())

    def commit_audio(self) -> None:
        self.send(rp.CommitAudio())

    def clear_audio(self) -> None:
        self.send(rp.ClearAudio())

    def reconfigure(self, options: rp.ConversationOptions) -> None:
        self.send(rp.UpdateSession(options=options))

    def send_message(self, message: Mapping[str, Any] | str | bytes) -> None:
        """Send a raw message as is (a dict is encoded as JSON)."""
        self.send(rp.SendRaw(message=message))

    def cancel_response(self, response_id: str | None = None) -> None:
        self.send(rp.CancelResponse(response_id=response_id))

    def truncate(self, item_id: str, audio_played_ms: int, content_index: int = 0) -> None:
        """Cut an assistant item's audio at what the user actually heard."""
        self.send(
            rp.TruncateItem(
                item_id=item_id, audio_end_ms=audio_played_ms, content_index=content_index
            )
        )

    def delete_item(self, item_id: str) -> None:
        self.send(rp.DeleteItem(item_id=item_id))
