"""TLS over a :class:`Channel`, for one reader thread and one writer thread.

TLS runs through an ``SSLObject`` over memory buffers rather than an ``SSLSocket``, because
OpenSSL does not allow one connection to be read and written from two threads at once. The
``SSLObject`` is touched only under a lock that is never held across socket I/O: the writer
encrypts under it, then writes the records without it.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

from ._channel import _READ_SIZE, Channel

__all__ = ["TlsChannel"]


class TlsChannel(Channel):
    """TLS over :class:`Channel`. Records go out in the order the ``SSLObject`` made them:
    only the writer takes them out of the outgoing buffer, and it keeps what the socket has
    not taken yet for its next write."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, hostname: str) -> None:
        super().__init__(sock)
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=hostname)
        self._tls_lock = threading.Lock()  # the SSLObject and both memory buffers
        self._unsent = bytearray()  # records taken out of ``_outgoing``; the writer's own
        self._ended = False

    def handshake(self, deadline: float) -> None:
        """Run the TLS handshake, before the reader and writer start. Raises ``TimeoutError``
        once ``deadline`` (``time.monotonic``) has passed, ``ssl.SSLError`` if TLS failed,
        ``OSError`` if the connection did."""
        while True:
            with self._tls_lock:
                try:
                    self._tls.do_handshake()
                except ssl.SSLWantReadError:
                    done = False
                else:
                    done = True
                self._take_records()
            self._flush(max(0.0, deadline - time.monotonic()))
            if done:
                return
            raw = self._recv(deadline)
            with self._tls_lock:
                if raw:
                    self._incoming.write(raw)
                else:
                    self._incoming.write_eof()

    def receive(self) -> bytes:
        """Decrypted bytes; ``b""`` at the end of the stream (TCP or TLS), on a broken record,
        when the connection failed, or once shut down. Records the ``SSLObject`` made while
        reading are left for the writer, and ``on_pending_output`` is called."""
        while not self._ended:
            raw = super().receive()
            if not raw:
                self._ended = True
                break
            with self._tls_lock:
                self._incoming.write(raw)
                plain = self._decrypt()
                answer = self._outgoing.pending > 0
            if answer:  # post-handshake messages (key updates), or an alert
                self.on_pending_output()
            if plain:
                return plain
        return b""

    def _decrypt(self) -> bytes:
        pieces: list[bytes] = []
        while True:
            try:
                piece = self._tls.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLError:  # a broken record: the end
                self._ended = True
                break
            if not piece:  # close_notify
                self._ended = True
                break
            pieces.append(piece)
        return b"".join(pieces)

    @property
    def has_pending_output(self) -> bool:
        with self._tls_lock:
            return bool(self._unsent) or self._outgoing.pending > 0

    def send(self, data: bytes, timeout: float) -> None:
        """Encrypt ``data`` (none: only write the records waiting) and write the records;
        raises like :meth:`Channel.send`."""
        self._check_open()
        with self._tls_lock:
            if data:
                self._tls.write(data)
            self._take_records()
        self._flush(timeout)

    def _take_records(self) -> None:
        """Move the records made so far to the writer's own buffer; under ``_tls_lock``."""
        self._unsent += self._outgoing.read()

    def _flush(self, timeout: float) -> None:
        while self._unsent:
            with memoryview(self._unsent) as view:
                sent = self._send_some(view, timeout)
            del self._unsent[:sent]
