"""TLS over a :class:`Channel`, for one reader thread and serialized writers."""

from __future__ import annotations

import socket
import ssl
import threading
import time

from ._channel import _READ_SIZE, Channel

__all__ = ["TlsChannel"]


class TlsChannel(Channel):
    """TLS over :class:`Channel`: the ``SSLObject`` is touched only under ``_tls_lock``, and
    records go out in the order they were made, under ``_send_lock``."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, hostname: str) -> None:
        super().__init__(sock)
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_hostname=hostname)
        self._tls_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._ended = False

    def handshake(self, deadline: float) -> None:
        while True:
            try:
                self._tls.do_handshake()
            except ssl.SSLWantReadError:
                self._send_records()
                raw = self._recv_before(deadline)
                if raw:
                    self._incoming.write(raw)
                else:
                    self._incoming.write_eof()
                continue
            self._send_records()
            return

    def _recv_before(self, deadline: float) -> bytes:
        if not self._readable(max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        return self._recv()

    def receive(self, timeout: float | None) -> bytes | None:
        if self._ended:
            return b""
        raw = super().receive(timeout)
        if raw is None:
            return None
        plain = bytearray()
        with self._tls_lock:
            if raw:
                self._incoming.write(raw)
            else:
                self._incoming.write_eof()
            while True:
                try:
                    piece = self._tls.read(_READ_SIZE)
                except ssl.SSLWantReadError:
                    break
                except ssl.SSLError:  # close_notify, or a broken record: the end either way
                    self._ended = True
                    return bytes(plain)
                if not piece:
                    break
                plain += piece
            answer_pending = self._outgoing.pending > 0
        if answer_pending:  # post-handshake messages (key updates)
            self._send_records()
        if not raw and not plain:
            return b""
        return bytes(plain) if plain else None

    def send_all(self, data: bytes) -> None:
        with self._send_lock:
            with self._tls_lock:
                self._tls.write(data)
                records = self._outgoing.read()
            self._sock.sendall(records)

    def _send_records(self) -> None:
        with self._send_lock:
            with self._tls_lock:
                records = self._outgoing.read()
            if records:
                self._sock.sendall(records)
