"""The three pumps of a conversation: a reader, a writer and a timer thread. They share one
lock over the core, held only while the core is called, never across I/O; each waits on its
own condition of that lock, and :meth:`Pump.wake` tells each the news that concerns it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

import realtime_proto as rp
from realtime_proto import ConnectionClosedError, WriteTimeout
from realtime_proto.client import ClientConversation, Resuming

from ._channel import Channel
from ._recording import RecordingFile

__all__ = ["Messages", "Pump"]

_JOIN: Final = 1.0  # how long stopped threads may take to notice


class Pump:
    """Drives ``core`` over ``channel`` until the connection ends. Hold :attr:`lock` to touch
    the core, and call :meth:`wake` (still holding it) after changing it. The writer also
    writes the lines the core records to ``recording``: it takes them under the lock and
    writes them outside it, so that they reach the file in the order they were taken."""

    def __init__(
        self,
        core: ClientConversation,
        channel: Channel,
        recording: RecordingFile | None = None,
        on_finished: Callable[[Pump], None] | None = None,
    ) -> None:
        self.core = core
        self.channel = channel
        self._recording = recording
        self._on_finished = on_finished  # called by the writer once it is over, unlocked
        self.lock = threading.Lock()
        self.for_caller = threading.Condition(self.lock)  # messages, room to send, the start
        self._for_reader = threading.Condition(self.lock)
        self._for_writer = threading.Condition(self.lock)
        self._for_timer = threading.Condition(self.lock)
        self._timer_wakes_at: float | None = None
        self._reader_waits = False  # spares the caller a notify per message while it reads
        self.finished = threading.Event()  # the writer has written the last byte
        channel.on_pending_output = self._channel_has_output
        self._threads = [
            threading.Thread(target=pump, name=f"realtime-{name}", daemon=True)
            for name, pump in (
                ("reader", self._read),
                ("writer", self._write),
                ("timer", self._time),
            )
        ]

    def send(self, command: rp.Command) -> None:
        """Queue ``command``, then wait while the output is over its high-water mark."""
        core = self.core
        with self.lock:
            core.send(command)
            self.wake()
            if not core.may_send:
                self.wait(lambda: core.may_send)
                if core.error is not None and not core.resume_pending:
                    raise core.error

    def receive(self, timeout: float | None, *, iterating: bool) -> rp.Event | Resuming | None:
        """The next message; at the end, what ends the messages (``None``: stop iterating), or
        ``RESUMING``: the next connection's pump has the messages that follow."""
        core = self.core
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            while (message := core.take_message(iterating=iterating)) is rp.NEED_DATA:
                left = None if deadline is None else deadline - time.monotonic()
                if not self.wait(lambda: core.has_message or core.ended, left):
                    raise TimeoutError("no message within the timeout")
            if core.has_output:  # answers to what the taking decoded
                self._for_writer.notify()
            if self._reader_waits and core.wants_data:
                self._for_reader.notify()
        return message

    def close(self, code: int, reason: str) -> None:
        """The caller's close, bounded by the close timeout (then an abort)."""
        core = self.core
        with self.lock:
            core.close(code, reason)
            self.wake()
        if all(thread.ident is not None for thread in self._threads):  # else interrupted
            self.finished.wait(core.close_wait)  # in start(): no writer will finish
        with self.lock:
            core.abort("the closing handshake did not finish within the close timeout")
            self.wake()
        self.channel.shutdown()
        self.join()
        self.channel.close()
        if self._recording is not None:  # what the writer left: the end of the recording
            with self.lock:
                lines = core.take_recorded(time.monotonic())
            self._recording.write(lines)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        deadline = time.monotonic() + _JOIN
        for thread in self._threads:
            if thread.ident is not None and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        """The core changed: wake whoever it concerns. Call with :attr:`lock` held."""
        core = self.core
        self.for_caller.notify_all()
        if core.has_output or core.ended or (self._recording is not None and core.has_recorded):
            self._for_writer.notify()
        if core.wants_data or core.ended:
            self._for_reader.notify()
        if core.ended:
            self._for_timer.notify()
            return
        deadline, wakes_at = core.next_deadline(), self._timer_wakes_at
        if deadline is not None and (wakes_at is None or deadline < wakes_at):
            self._for_timer.notify()

    def wait(self, condition: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait, holding :attr:`lock`, until ``condition`` holds; ``False`` on a timeout."""
        return self.for_caller.wait_for(condition, timeout)

    def _channel_has_output(self) -> None:
        with self.lock:
            self._for_writer.notify()

    def _failed(self, error: BaseException) -> None:
        with self.lock:
            self.core.fail(error)
            self.wake()

    # -- the threads ------------------------------------------------------------------------

    def _read(self) -> None:
        core, channel = self.core, self.channel
        try:
            while True:
                with self.lock:
                    self._reader_waits = True
                    self._for_reader.wait_for(lambda: core.wants_data or core.ended)
                    self._reader_waits = False
                    if core.ended:
                        return
                data = channel.receive()
                with self.lock:
                    core.receive_data(data)
                    self.wake()
                if not data:
                    return
        except Exception as exc:  # a fault of ours: the caller's next call raises it
            self._failed(exc)

    def _write(self) -> None:
        core, channel, timeout = self.core, self.channel, self.core.timeouts.write_timeout
        recording = self._recording
        try:
            while True:
                with self.lock:
                    self._for_writer.wait_for(
                        lambda: (
                            core.has_output
                            or core.ended
                            or channel.has_pending_output
                            or (recording is not None and core.has_recorded)
                        )
                    )
                    lines = b"" if recording is None else core.take_recorded(time.monotonic())
                    finished = core.output_finished and not channel.has_pending_output
                    piece = b"" if finished else core.take_output()
                if recording is not None:
                    # outside the lock: a slow disk holds up no other pump
                    recording.write(lines)
                    if not (piece or finished or channel.has_pending_output):
                        continue  # woken for the recording only
                if finished:
                    return
                try:
                    channel.send(piece, timeout)
                except TimeoutError:
                    self._failed(WriteTimeout(timeout))
                    return
                except OSError:
                    self._failed(ConnectionClosedError(1006, "the connection was lost", "error"))
                    return
                with self.lock:
                    core.output_written(len(piece))
                    self.wake()
        except Exception as exc:
            self._failed(exc)
        finally:
            channel.shutdown()  # the reader sees the end of the stream
            self.finished.set()
            with self.lock:
                self.wake()
            if self._on_finished is not None:
                self._on_finished(self)

    def _time(self) -> None:
        core = self.core
        try:
            with self.lock:
                while not core.ended:
                    deadline, now = core.next_deadline(), time.monotonic()
                    if deadline is not None and deadline <= now:
                        core.handle_timer(now)
                        self.wake()
                        continue
                    self._timer_wakes_at = deadline
                    self._for_timer.wait(None if deadline is None else deadline - now)
        except Exception as exc:
            self._failed(exc)


class Messages:
    """The iterator of ``receive_messages``: ``receive`` gives the next message, or ``None``
    once the iteration stops."""

    def __init__(self, receive: Callable[[], rp.Event | None]) -> None:
        self._receive = receive

    def __iter__(self) -> Messages:
        return self

    def __next__(self) -> rp.Event:
        message = self._receive()
        if message is None:
            raise StopIteration
        return message
