"""The pumps of a conversation: a reader task that also keeps the time, and a writer task.
Each moves bytes or time into the core and wakes the other. No lock: the core is touched only
between awaits, and every wait is for a change of the core's state or a deadline."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

import anyio
import anyio.abc
import anyio.lowlevel

import realtime_proto as rp
from realtime_proto import ConnectionClosedError, WriteTimeout
from realtime_proto.client import ClientConversation, Resuming

if TYPE_CHECKING:
    from realtime_blocking._recording import RecordingFile

__all__ = ["Messages", "Pump", "Signal"]

_READ_SIZE: Final = 262144
_TRANSPORT_ERRORS = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)


class Signal:
    """Wakes the tasks that wait on it; costs next to nothing while none does."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    @property
    def waited_on(self) -> bool:
        return self._event is not None

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self) -> None:
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()


class Pump:
    """Drives ``core`` over ``stream`` until the connection ends; :meth:`changed` wakes the
    tasks that the core's new state concerns. The writer also writes the lines the core
    records to ``recording``."""

    def __init__(
        self,
        core: ClientConversation,
        stream: anyio.abc.ByteStream,
        recording: RecordingFile | None = None,
        on_finished: Callable[[Pump], None] | None = None,
    ) -> None:
        self.core = core
        self.stream = stream
        self._recording = recording
        self._on_finished = on_finished  # called by the writer once it is over
        self.finished = False  # the writer has written the last byte
        self._for_caller = Signal()  # messages, room to send, the start
        self._for_reader = Signal()
        self._for_writer = Signal()
        self._reader_wakes_at = math.inf  # the deadline the reader sleeps or reads until
        self._reader_sleep: anyio.CancelScope | None = None
        # Each task runs shielded: the caller's cancellation must not stop the pumps before the
        # closing handshake. These scopes are how the pumps stop.
        self._reading = anyio.CancelScope(shield=True)
        self._writing = anyio.CancelScope(shield=True)

    def changed(self, *, deadlines: bool = False) -> None:
        """The core's state changed: wake whoever it concerns. ``deadlines``: the change may
        have brought a deadline forward (only a close from outside the pumps does; the reader
        keeps the time and sees its own changes)."""
        core = self.core
        self._for_caller.fire()
        if core.has_output or core.ended or (self._recording is not None and core.has_recorded):
            self._for_writer.fire()
        if core.wants_data or core.ended:
            self._for_reader.fire()
        sleep = self._reader_sleep
        if sleep is not None and (
            core.ended or (deadlines and _earlier(core.next_deadline(), self._reader_wakes_at))
        ):
            sleep.cancel()  # a read cut short loses nothing: it took no bytes

    async def next_change(self) -> None:
        await self._for_caller.wait()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._for_caller.wait()

    async def send(self, command: rp.Command) -> None:
        """Queue ``command``, then wait while the output is over its high-water mark."""
        await anyio.lowlevel.checkpoint()
        core = self.core
        core.send(command)
        self.changed(deadlines=isinstance(command, rp.Close))  # a close arms its timer
        if not core.may_send:
            await self.wait_for(lambda: core.may_send)
            if core.error is not None and not core.resume_pending:
                raise core.error

    async def receive(self, *, iterating: bool) -> rp.Event | Resuming | None:
        """The next message; at the end, what ends the messages (``None``: stop iterating),
        or ``RESUMING``: the next connection's pump has the messages that follow.
        No scheduling point while messages wait: the caller drains them before the reader
        reads more, which keeps the inbox short and the hot path short."""
        core = self.core
        while (message := core.take_message(iterating=iterating)) is rp.NEED_DATA:
            await self.next_change()
        if core.has_output:  # answers to what the taking decoded
            self._for_writer.fire()
        if self._for_reader.waited_on and core.wants_data:
            self._for_reader.fire()
        return message

    async def close(self, code: int, reason: str) -> None:
        """The caller's close, bounded by the close timeout (then an abort); shielded."""
        core = self.core
        with anyio.CancelScope(shield=True):
            core.close(code, reason)
            self.changed(deadlines=True)
            with anyio.move_on_after(core.close_wait):
                await self.wait_for(lambda: self.finished)
            core.abort("the closing handshake did not finish within the close timeout")
            self.changed()
            self.stop()

    def start(self, tasks: anyio.abc.TaskGroup) -> None:
        tasks.start_soon(self._read)
        tasks.start_soon(self._write)

    def stop(self) -> None:
        """Cancel the tasks (a write in progress is cut: the connection must be over)."""
        self._reading.cancel()
        self._writing.cancel()

    async def _read(self) -> None:
        """Reads while the inbox has room, and runs the timers: a read or a wait for room
        lasts until the next deadline at most, however much data arrives."""
        core = self.core
        with self._reading:
            try:
                while not core.ended:
                    deadline, now = core.next_deadline(), anyio.current_time()
                    if deadline is not None and deadline <= now:
                        core.handle_timer(now)
                        self.changed()
                        continue
                    self._reader_wakes_at = math.inf if deadline is None else deadline
                    data = None  # stays None when the deadline cuts the wait short
                    with anyio.move_on_after(self._reader_wakes_at - now) as sleep:
                        self._reader_sleep = sleep
                        data = await self._receive()
                    self._reader_sleep = None
                    if data is not None:
                        core.receive_data(data)
                        self.changed()
            except Exception as exc:  # a fault of ours: the caller's next call raises it
                core.fail(exc)
                self.changed()

    async def _receive(self) -> bytes | None:
        """Bytes read (``b""``: the end), or ``None`` if the inbox has no room yet."""
        if not self.core.wants_data:
            await self._for_reader.wait()
            return None
        try:
            return await self.stream.receive(_READ_SIZE)
        except (anyio.EndOfStream, *_TRANSPORT_ERRORS):
            return b""

    async def _write(self) -> None:
        with self._writing:
            await self._write_until_finished()

    async def _write_until_finished(self) -> None:
        core, timeout, recording = self.core, self.core.timeouts.write_timeout, self._recording
        try:
            while True:
                while not (
                    core.has_output
                    or core.output_finished
                    or (recording is not None and core.has_recorded)
                ):
                    await self._for_writer.wait()
                if recording is not None:
                    # A small synchronous write per batch (buffered by the file object), from
                    # the one task that writes: the lines stay in the order they were taken.
                    recording.write(core.take_recorded(anyio.current_time()))
                    if not (core.has_output or core.output_finished):
                        continue  # woken for the recording only
                if core.output_finished:
                    return
                piece = core.take_output()
                with anyio.move_on_after(timeout) as writing:
                    await self.stream.send(piece)
                if writing.cancelled_caught:  # a frame may be cut: the connection is over
                    core.fail(WriteTimeout(timeout))
                    return
                core.output_written(len(piece))
                self.changed()
        except _TRANSPORT_ERRORS:
            core.fail(ConnectionClosedError(1006, "the connection was lost", "error"))
        except Exception as exc:  # a fault of ours: the caller's next call raises it
            core.fail(exc)
        finally:
            self._reading.cancel()  # nothing more is read once nothing more is written
            self.finished = True
            self.changed()
            if self._on_finished is not None:
                self._on_finished(self)


def _earlier(deadline: float | None, than: float) -> bool:
    return deadline is not None and deadline < than


class Messages:
    """The iterator of ``receive_messages`` (not a generator, so that breaking out of the loop
    needs no cleanup): ``receive`` gives the next message, or ``None`` once it stops."""

    def __init__(self, receive: Callable[[], Awaitable[rp.Event | None]]) -> None:
        self._receive = receive

    def __aiter__(self) -> Messages:
        return self

    async def __anext__(self) -> rp.Event:
        message = await self._receive()
        if message is None:
            raise StopAsyncIteration
        return message
