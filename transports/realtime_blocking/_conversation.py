"""A conversation over a blocking socket: the core decides, three pump threads move bytes and
time, and the verbs queue commands from any thread without ever waiting on the socket."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

import realtime_proto as rp
from realtime_proto.client import (
    ClientConversation,
    ClientSettings,
    ConversationView,
    ToolHandlers,
    single_append,
)

from ._connect import open_channel
from ._pump import Messages, Pump
from ._recording import RecordingFile
from ._source import AudioSource, read_source

if TYPE_CHECKING:
    import ssl

    from ._serve import SimulatorServer

__all__ = ["Conversation"]


class Conversation(ConversationView):
    """One realtime conversation. Use it as ``with``: entering connects, waits for the session
    and sends the options; leaving closes the connection within the close timeout and stops
    sends still in flight. Any thread may send while another iterates the messages."""

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
        self._simulator: SimulatorServer | None = None
        self._recording: RecordingFile | None = None

    def __repr__(self) -> str:
        core = self._pump.core if self._pump is not None else None
        return f"<Conversation {core!r}>"

    @property
    def _running(self) -> Pump:
        if self._pump is None:
            raise RuntimeError("the conversation has not been started: use it as 'with'")
        return self._pump

    @property
    def _view(self) -> ClientConversation:
        return self._core

    @property
    def _core(self) -> ClientConversation:
        return self._running.core

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> Conversation:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        target, simulator_url, record_since = self._settings.target, None, None
        if self._settings.record_to is not None:  # opened first: a bad path fails at once
            self._recording = RecordingFile(self._settings.record_to)
        if target.simulator:
            from ._serve import SimulatorServer

            self._simulator = SimulatorServer().__enter__()
            simulator_url = self._simulator.url
        token = target.token_provider() if target.token_provider is not None else None
        if self._recording is not None:
            record_since = (time.monotonic(), datetime.now(timezone.utc))
        core = self._settings.start(
            self._options, token, simulator_url=simulator_url, record_since=record_since
        )
        assert core.connection.endpoint is not None
        channel = open_channel(
            core.connection.endpoint, self._ssl_context, self._settings.connect_timeout
        )
        self._pump = pump = Pump(core, channel, self._recording)
        pump.start()
        with pump.lock:
            pump.wait(lambda: core.started)
        if not core.ready:
            assert core.error is not None
            raise core.error

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close: the closing handshake, bounded by the close timeout whatever the peer does
        (then the socket is aborted). The recording, if any, is complete then."""
        try:
            if self._pump is not None:
                self._pump.close(code, reason)
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
        Raises the end of the connection once it has ended."""
        self._running.send(command)

    # -- receiving --------------------------------------------------------------------------

    def receive(self, timeout: float | None = None) -> rp.Event:
        """The next message (``TimeoutError`` after ``timeout`` seconds). After the final one
        (``ConnectionClosed`` or ``HandshakeRejected``) it raises what ended the connection
        (a ``ConnectionClosedError`` with code 1000 after a normal close)."""
        message = self._running.receive(timeout, iterating=False)
        assert message is not None
        return message

    def receive_messages(self) -> Iterator[rp.Event]:
        """Every message, in order, ending with ``ConnectionClosed``; then the iteration stops
        after a normal close, or raises what ended the connection otherwise."""
        return Messages(self._running)

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
                pump.send_planned(plan.finish() if piece is None else plan.feed(piece))
        except rp.ConnectionClosedError:
            if not pump.core.closed_by_caller:
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
