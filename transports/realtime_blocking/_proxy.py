"""The recording proxy on a local port: the pump of the core's ``ProxyRelay``, four threads per
client (a reader and a writer per side), with every wait bounded."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from realtime_proto import Endpoint, RealtimeError
from realtime_proto.cassette import CassetteRecorder, ProxyAddress, ProxyRelay, ProxySide

from ._channel import Channel
from ._connect import open_channel
from ._recording import RecordingFile
from ._serve import LoopbackServer

if TYPE_CHECKING:
    import ssl

__all__ = ["ProxyServer"]

_POLL = 0.5  # how often a connection looks at the server's closing flag


_log = logging.getLogger("realtime_blocking")


class ProxyServer(ProxyAddress, LoopbackServer[Any]):
    """Relays every client that connects on ``host``:``port`` to ``upstream`` (an
    :class:`Endpoint` carrying the service's credentials), and records each conversation to a
    cassette when ``record_to`` is given: the first connection's to that path, the n-th's to
    the path with ``-n`` before its suffix (``run.jsonl``, ``run-2.jsonl``, ...).

    ``forward_credentials`` sends the clients' own credentials upstream (otherwise dropped);
    ``max_buffered`` bounds the bytes waiting for one side before the other is read no more.
    ``open_timeout`` bounds the client's request, connecting upstream and its answer;
    ``write_timeout`` a write that makes no progress; ``close_timeout`` the closing of the
    other side once one side is over. Use it as ``with`` or call :meth:`serve_forever`;
    :meth:`close` closes the connections in progress (code 1001) and waits for them.
    """

    _thread_name = "proxy"

    def __init__(
        self,
        upstream: Endpoint,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        record_to: str | os.PathLike[str] | None = None,
        forward_credentials: bool = False,
        max_buffered: int = 1024 * 1024,
        ssl_context: ssl.SSLContext | None = None,
        open_timeout: float = 10.0,
        write_timeout: float = 10.0,
        close_timeout: float = 5.0,
        on_connection_end: Callable[[str | None], None] | None = None,
    ) -> None:
        super().__init__(host, port)
        self.upstream = upstream
        self.record_to = record_to
        self.forward_credentials = forward_credentials
        self.max_buffered = max_buffered
        self.ssl_context = ssl_context
        self.open_timeout = open_timeout
        self.write_timeout = write_timeout
        self.close_timeout = close_timeout
        self._on_connection_end = on_connection_end
        self._count = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ProxyServer {self.url} to {self.upstream.safe_url}>"

    @property
    def closing(self) -> bool:
        """:meth:`close` was called: the connections in progress are being closed."""
        return self._closing.is_set()

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self._count += 1
            number = self._count
        path = None if self.record_to is None else _numbered(os.fspath(self.record_to), number)
        try:
            _Relaying(self, sock, path).run()
        finally:
            if self._on_connection_end is not None:
                self._on_connection_end(path)


def _numbered(path: str, number: int) -> str:
    if number == 1:
        return path
    head, tail = os.path.split(path)
    stem, dot, suffix = tail.partition(".")
    return os.path.join(head, f"{stem}-{number}{dot}{suffix}")


class _Relaying:
    """One client's connection: the relay, the two channels and their four threads. The relay
    is touched only under the condition's lock, which no socket I/O is done under."""

    def __init__(self, server: ProxyServer, sock: socket.socket, path: str | None) -> None:
        self._server = server
        self._recorder: CassetteRecorder | None = None
        self._file: RecordingFile | None = None
        if path is not None:
            self._recorder = CassetteRecorder.for_endpoint(
                server.upstream,
                started=time.monotonic(),
                started_at=datetime.now(timezone.utc).replace(microsecond=0),
            )
            self._file = RecordingFile(path)
        self._relay = ProxyRelay(
            server.upstream,
            forward_credentials=server.forward_credentials,
            max_buffered=server.max_buffered,
            tap=self._recorder,
        )
        self._changed = threading.Condition()
        with contextlib.suppress(OSError):  # not TCP (a socket pair, in tests)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._channels: dict[ProxySide, Channel] = {ProxySide.DOWNSTREAM: Channel(sock)}
        self._threads: list[threading.Thread] = []
        self._stopping = False

    def run(self) -> None:
        try:
            self._start(ProxySide.DOWNSTREAM)
            relay = self._relay
            if self._wait(lambda: relay.upstream_wanted or relay.answered) and not relay.answered:
                self._connect_upstream()
                self._wait(lambda: relay.answered)
            with self._changed:
                if not relay.answered and not self._server.closing:
                    relay.upstream_failed("the service did not answer in time", status=504)
                    self._changed.notify_all()
            self._until_finished()
        finally:
            with self._changed:
                self._stopping = True
                self._changed.notify_all()
            for channel in self._channels.values():
                channel.shutdown()
            for thread in self._threads:
                thread.join(self._server.close_timeout)
            for channel in self._channels.values():
                channel.close()
            self._record()
            self._end_recording()

    def _wait(self, ready: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + self._server.open_timeout
        with self._changed:
            while (
                not ready()
                and not self._server.closing
                and (left := deadline - time.monotonic()) > 0
            ):
                self._changed.wait(min(left, _POLL))
            return ready()

    def _connect_upstream(self) -> None:
        server = self._server
        try:
            channel = open_channel(server.upstream, server.ssl_context, server.open_timeout)
        except RealtimeError as exc:
            with self._changed:
                self._relay.upstream_failed(f"cannot reach the service: {exc}")
                self._changed.notify_all()
            return
        self._channels[ProxySide.UPSTREAM] = channel
        self._start(ProxySide.UPSTREAM)

    def _until_finished(self) -> None:
        deadline: float | None = None
        closing = False
        with self._changed:
            while not self._relay.finished and not self._stopping:
                now = time.monotonic()
                if not closing and self._server.closing:
                    closing = True
                    self._relay.close()
                    self._changed.notify_all()
                if deadline is None and (
                    closing or any(self._relay.closed(side) for side in ProxySide)
                ):
                    deadline = now + self._server.close_timeout
                if deadline is not None and now >= deadline:
                    return
                self._changed.wait(_POLL if deadline is None else min(_POLL, deadline - now))

    def _start(self, side: ProxySide) -> None:
        for work in (self._read, self._write):
            thread = threading.Thread(
                target=work, args=(side,), name=f"proxy-{side.value}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _read(self, side: ProxySide) -> None:
        channel = self._channels[side]
        relay = self._relay
        while True:
            with self._changed:
                while not (relay.wants_data(side) or relay.closed(side) or self._stopping):
                    self._changed.wait()
                if relay.closed(side) or self._stopping:
                    return
            data = channel.receive()
            with self._changed:
                if data:
                    relay.receive_data(side, data)
                else:
                    relay.receive_eof(side)
                self._record()
                self._changed.notify_all()
            if not data:
                return

    def _write(self, side: ProxySide) -> None:
        channel = self._channels[side]
        relay = self._relay
        while True:
            with self._changed:
                while not (relay.buffered(side) or relay.closed(side) or self._stopping):
                    self._changed.wait()
                data = relay.data_to_send(side)
                if not data and (relay.closed(side) or self._stopping):
                    break
                self._record()
            try:
                channel.send(data, self._server.write_timeout)
            except OSError:  # lost, shut down, or a peer that takes nothing (TimeoutError)
                with self._changed:
                    self._stopping = True
                    self._changed.notify_all()
                return
            with self._changed:
                relay.data_sent(side, len(data))
                self._changed.notify_all()
        # RFC 6455 7.1.1: the server hangs up first; a client once its side is over too
        channel.shutdown()

    def _record(self) -> None:
        if self._recorder is not None and self._file is not None:
            self._file.write(self._recorder.take(time.monotonic()))

    def _end_recording(self) -> None:
        """Close the recording; a write that failed (a full disk) is told here, since the
        connection it recorded is over and has no caller to raise to."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                _log.error("the recording of a proxied connection failed: %s", exc)
