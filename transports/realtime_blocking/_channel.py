"""A connected TCP socket that one reader thread and one writer thread share.

The socket is non-blocking: :meth:`Channel.receive` and :meth:`Channel.send` wait for it
with a selector that also watches a wake-up socket pair, so :meth:`Channel.shutdown`, from
any thread, ends both waits at once. A write waits for the socket to take at least one byte
within its timeout, so a peer that stops reading cannot hold the writer forever.

TLS (in ``_tls``) builds on this class; connecting (in ``_connect``) picks one of the two.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import time
from collections.abc import Callable

__all__ = ["Channel"]

_READ_SIZE = 262144

# poll(2) rather than epoll: a thread woken while ``close`` releases the descriptors sees
# them as gone and returns, where epoll would drop the closed ones and wait on.
_Selector: type[selectors.BaseSelector] = getattr(
    selectors, "PollSelector", selectors.SelectSelector
)


def _nothing() -> None:
    pass


class Channel:
    """A plain TCP connection.

    ``receive`` belongs to the reader thread, ``send`` to the writer thread; ``shutdown`` may
    be called from any thread, ``close`` once both threads have stopped. After ``send``
    raised, the stream may be cut mid-message: shut the channel down.
    """

    on_pending_output: Callable[[], None]
    """Called by the reader thread when the channel itself has bytes to write (TLS answers
    to post-handshake messages); the owner then has its writer call ``send(b"", ...)``."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._wake_reader, self._waker = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._waker.setblocking(False)
        # The wake-up pair is written once, by shutdown, and never drained: once shut, both
        # selectors stay ready, whichever thread looks first.
        self._read_selector = _Selector()
        self._read_selector.register(sock, selectors.EVENT_READ)
        self._read_selector.register(self._wake_reader, selectors.EVENT_READ)
        self._write_selector = _Selector()
        self._write_selector.register(sock, selectors.EVENT_WRITE)
        self._write_selector.register(self._wake_reader, selectors.EVENT_READ)
        self._shut = False
        self._closed = False
        self.on_pending_output = _nothing

    # -- the reader thread -------------------------------------------------------------------

    def receive(self) -> bytes:
        """Wait for bytes and return them: ``b""`` at the end of the stream, when the
        connection failed, or once :meth:`shutdown` was called. Never raises."""
        try:
            return self._recv(None)
        except OSError:
            return b""

    def _recv(self, deadline: float | None) -> bytes:
        """Bytes read, ``b""`` at the end or once shut; raises ``TimeoutError`` after the
        ``deadline`` (``time.monotonic``), ``OSError`` if the connection failed."""
        while not self._shut:
            try:
                return self._sock.recv(_READ_SIZE)
            except BlockingIOError:
                pass
            timeout = None
            if deadline is not None:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    raise TimeoutError("no data arrived in time")
            self._wait(self._read_selector, timeout)
        return b""

    # -- the writer thread -------------------------------------------------------------------

    @property
    def has_pending_output(self) -> bool:
        """Whether bytes the channel made itself wait to be written (never, for plain TCP)."""
        return False

    def send(self, data: bytes, timeout: float) -> None:
        """Write all of ``data``. Raises ``TimeoutError`` if the socket takes no byte for
        ``timeout`` seconds (every partial write restarts the clock), and ``OSError`` if the
        connection is lost or was shut down, promptly even while waiting."""
        self._check_open()
        view = memoryview(data)
        while view:
            view = view[self._send_some(view, timeout) :]

    def _send_some(self, view: memoryview, timeout: float) -> int:
        """Write a first part of ``view``, waiting at most ``timeout`` seconds for the socket
        to take it; the number of bytes written."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_open()
            try:
                return self._sock.send(view)
            except BlockingIOError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the peer took no data for {timeout:g} s")
            self._wait(self._write_selector, remaining)

    def _check_open(self) -> None:
        if self._shut:
            raise BrokenPipeError(errno.EPIPE, "the connection was shut down")

    # -- any thread --------------------------------------------------------------------------

    def _wait(self, selector: selectors.BaseSelector, timeout: float | None) -> None:
        # A selector closed under a waiting thread raises; the caller then sees ``_shut``.
        with contextlib.suppress(OSError, ValueError):
            selector.select(timeout)

    def shutdown(self) -> None:
        """End the connection in both directions: a waiting ``receive`` returns ``b""``, a
        waiting ``send`` raises ``OSError``. The descriptors stay open until :meth:`close`.
        Safe to call more than once."""
        if self._shut:
            return
        self._shut = True
        with contextlib.suppress(OSError):  # not connected any more
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._waker.send(b"\0")

    def close(self) -> None:
        """Shut down and release the descriptors, once the reader and writer have stopped.
        Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        self.shutdown()
        self._read_selector.close()
        self._write_selector.close()
        self._sock.close()
        self._wake_reader.close()
        self._waker.close()
