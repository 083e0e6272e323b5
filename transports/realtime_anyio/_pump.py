"""The three pumps of a conversation: a reader, a writer and a timer, each a task that moves
bytes or time into the core and wakes the others. No lock: the core is touched only between
awaits, and every wait is for a change of the core's state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Final

import anyio
import anyio.abc
import anyio.lowlevel

import realtime_proto as rp
from realtime_proto import ClientConversation, ConnectionClosedError, WriteTimeout

__all__ = ["Messages", "Pump"]

_READ_SIZE: Final = 262144
_CLOSE_SLACK: Final = 0.25  # beyond the close timeout, for the last bytes and the tasks
_TRANSPORT_ERRORS = (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)


class Pump:
    """Drives ``core`` over ``stream`` until the connection ends; :meth:`changed` wakes
    every task that waits for the core's state."""

    def __init__(self, core: ClientConversation, stream: anyio.abc.ByteStream) -> None:
        self.core = core
        self.stream = stream
        self.finished = anyio.Event()  # the writer has written the last byte
        self._changed = anyio.Event()
        self._reading = anyio.CancelScope()
        self._scopes: list[anyio.CancelScope] = []

    def changed(self) -> None:
        """The core's state changed: wake every waiter to look again."""
        self._changed.set()
        self._changed = anyio.Event()

    async def next_change(self) -> None:
        await self._changed.wait()

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()

    async def send(self, command: rp.Command) -> None:
        """Queue ``command``, then wait while the output is over its high-water mark."""
        await anyio.lowlevel.checkpoint()
        core = self.core
        core.send(command)
        self.changed()
        if not core.may_send:
            await self.wait_for(lambda: core.may_send)
            if core.error is not None:
                raise core.error

    async def send_planned(self, steps: Iterable[rp.PlannedSend]) -> None:
        for step in steps:
            if step.due is not None:
                await anyio.sleep_until(step.due)
            await self.send(step.command)

    async def receive(self, *, iterating: bool) -> rp.Event | None:
        """The next message; at the end, what ends the messages (``None``: stop iterating)."""
        await anyio.lowlevel.checkpoint()
        core = self.core
        while (message := core.next_message()) is None:
            if core.exhausted:
                end = core.end_for(iterating=iterating)
                if end is None:
                    return None
                raise end
            await self.next_change()
        self.changed()
        return message

    async def close(self, code: int, reason: str) -> None:
        """The caller's close, bounded by the close timeout (then an abort); shielded."""
        core = self.core
        with anyio.CancelScope(shield=True):
            core.close(code, reason)
            self.changed()
            with anyio.move_on_after(core.timeouts.close_timeout + _CLOSE_SLACK):
                await self.finished.wait()
            core.abort("the closing handshake did not finish within the close timeout")
            self.changed()
            self.stop()

    def start(self, tasks: anyio.abc.TaskGroup) -> None:
        for pump in (self._read, self._write, self._time):
            tasks.start_soon(self._shielded, pump)

    def stop(self) -> None:
        """Cancel the tasks (a write in progress is cut: the connection must be over)."""
        for scope in self._scopes:
            scope.cancel()

    async def _shielded(self, pump: Callable[[], Awaitable[None]]) -> None:
        # The caller's cancellation must not stop the pumps before the closing handshake.
        with anyio.CancelScope(shield=True) as scope:
            self._scopes.append(scope)
            await pump()

    async def _read(self) -> None:
        core = self.core
        with self._reading:
            try:
                while not core.ended:
                    await self.wait_for(lambda: core.wants_data or core.ended)
                    if core.ended:
                        return
                    try:
                        data = await self.stream.receive(_READ_SIZE)
                    except (anyio.EndOfStream, *_TRANSPORT_ERRORS):
                        data = b""
                    core.receive_data(data)
                    self.changed()
            except Exception as exc:  # a fault of ours: the caller's next call raises it
                core.fail(exc)
                self.changed()

    async def _write(self) -> None:
        core, timeout = self.core, self.core.timeouts.write_timeout
        try:
            while True:
                await self.wait_for(lambda: core.has_output or core.output_finished)
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
        except Exception as exc:
            core.fail(exc)
        finally:
            self._reading.cancel()  # nothing more is read once nothing more is written
            self.finished.set()
            self.changed()

    async def _time(self) -> None:
        core = self.core
        try:
            while not core.ended:
                deadline, now = core.next_deadline(), anyio.current_time()
                if deadline is not None and deadline <= now:
                    core.handle_timer(now)
                    self.changed()
                    continue
                changed = self._changed
                with anyio.move_on_after(float("inf") if deadline is None else deadline - now):
                    await changed.wait()
        except Exception as exc:
            core.fail(exc)
            self.changed()


class Messages:
    """The iterator of ``receive_messages`` (not a generator, so that breaking out of the loop
    needs no cleanup)."""

    def __init__(self, pump: Pump) -> None:
        self._pump = pump

    def __aiter__(self) -> Messages:
        return self

    async def __anext__(self) -> rp.Event:
        message = await self._pump.receive(iterating=True)
        if message is None:
            raise StopAsyncIteration
        return message
