"""A connected socket, plain or TLS, that one reader thread and serialized writers share.

TLS (in ``_tls``) runs through an ``SSLObject`` over memory buffers rather than an
``SSLSocket``, because OpenSSL does not allow one connection to be read and written from two
threads at once.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from typing import TYPE_CHECKING

from realtime_proto import ConnectError, ConnectTimeout, Endpoint, TLSError, describe_tls_error

if TYPE_CHECKING:
    import ssl

__all__ = ["Channel", "open_channel"]

_READ_SIZE = 262144


class Channel:
    """A plain TCP connection. ``receive`` is for the reader thread only; ``send_all`` callers
    serialize among themselves."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._wake_reader, self._waker = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._waker.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)
        self._selector.register(self._wake_reader, selectors.EVENT_READ)
        self._closed = False
        self._shut = False

    def receive(self, timeout: float | None) -> bytes | None:
        """Bytes read; ``b""`` at the end of the stream; ``None`` if ``timeout`` passed first
        or :meth:`wake` was called."""
        if not self._readable(timeout):
            return None
        return self._recv()

    def wake(self) -> None:
        """Make a waiting ``receive`` return early (a deadline moved)."""
        with contextlib.suppress(OSError):  # already woken (buffer full), or closed
            self._waker.send(b"\0")

    def _readable(self, timeout: float | None) -> bool:
        if self._shut:
            return True
        try:
            ready = self._selector.select(timeout)
        except (OSError, ValueError):  # closed under us
            return True
        readable = False
        for key, _ in ready:
            if key.fileobj is self._sock:
                readable = True
            else:
                with contextlib.suppress(OSError):
                    self._wake_reader.recv(4096)
        return readable

    def _recv(self) -> bytes:
        try:
            return self._sock.recv(_READ_SIZE)
        except OSError:
            return b""

    def send_all(self, data: bytes) -> None:
        self._sock.sendall(data)

    def shutdown(self) -> None:
        """End the connection in both directions and wake the reader, which then sees the end
        of the stream. The descriptors stay open until :meth:`close`."""
        self._shut = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self.wake()

    def close(self) -> None:
        """Release the socket, once the reader has stopped. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.shutdown()
        self._selector.close()
        self._sock.close()
        self._wake_reader.close()
        self._waker.close()


def open_channel(endpoint: Endpoint, context: ssl.SSLContext | None, timeout: float) -> Channel:
    """Connect to ``endpoint`` (TLS for ``wss://``); raises :class:`ConnectError`."""
    where = f"{endpoint.host}:{endpoint.port}"
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
    except TimeoutError:
        raise ConnectTimeout(f"connecting to {where} took longer than {timeout} s") from None
    except OSError as exc:
        raise ConnectError(f"cannot connect to {where}: {exc}") from exc
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not endpoint.secure:
        return Channel(sock)
    import ssl  # only here: loading OpenSSL's TLS library costs memory

    from ._tls import TlsChannel

    channel = TlsChannel(sock, context or ssl.create_default_context(), endpoint.host)
    try:
        channel.handshake(deadline)
    except TimeoutError:
        channel.close()
        raise ConnectTimeout(f"the TLS handshake with {where} took over {timeout} s") from None
    except ssl.SSLError as exc:
        channel.close()
        raise TLSError(f"TLS with {where} failed: {describe_tls_error(exc)}") from exc
    except OSError as exc:
        channel.close()
        raise ConnectError(f"cannot connect to {where}: {exc}") from exc
    return channel
