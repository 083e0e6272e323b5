"""Hostile WebSocket servers on 127.0.0.1, for the tests that a client never wedges: servers
that stop reading, flood events or pings, answer late or never.

Each is a handler of a :class:`HostilePeer` (a :class:`Peer` on the core's SERVER role) run by
a :class:`HostileServer` on its own threads. Every connection ends by itself within its
lifetime, and leaving the server's ``with`` shuts every socket down at once, so a wedged
client is unblocked and no thread of these servers outlives its test.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import attrs

import realtime_proto as rp
from tests.helpers import response_events
from tests.transports.server import Peer, default_session

LIFETIME = 8.0  # no connection of these servers lives longer than this, in seconds

Handler = Callable[["HostilePeer"], None]


class HostilePeer(Peer):
    """One accepted connection, with a lifetime and a way to wait without reading."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        stopping: threading.Event,
        dialect: rp.Dialect = rp.Dialect.GA,
        lifetime: float = LIFETIME,
    ) -> None:
        super().__init__(sock)
        self.sock.settimeout(lifetime)
        self.connection = rp.Connection.server(dialect=dialect)
        self.stopping = stopping
        self.deadline = time.monotonic() + lifetime

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def over(self) -> bool:
        return self.stopping.is_set() or not self.remaining()

    def idle(self) -> None:
        """Read nothing, send nothing, until the server stops or the lifetime ends."""
        self.stopping.wait(self.remaining())

    def wait(self, seconds: float) -> None:
        self.stopping.wait(min(seconds, self.remaining()))

    def poll(self, timeout: float) -> Any:
        """The next command or event, or ``None`` when nothing arrives within ``timeout``."""
        end = time.monotonic() + timeout
        while True:
            item = self.connection.next_event()
            if item is not rp.NEED_DATA:
                self.flush()
                return item
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if data:
                self.connection.receive_data(data)
            else:
                self.connection.receive_eof()

    def upgrade(self) -> None:
        """Accept the WebSocket upgrade without creating a session."""
        self.request = self.expect(rp.ConnectionRequested)
        self.connection.send(rp.AcceptConnection())
        self.flush()


class HostileServer:
    """Listens on 127.0.0.1 and runs ``handler`` for each connection on its own thread.

    ``receive_buffer`` shrinks the kernel's receive buffer of the accepted sockets, so that a
    handler that stops reading makes the client's writes block sooner. Leaving the ``with``
    re-raises the first failure of a handler (one that happened before the server stopped).
    """

    def __init__(
        self,
        handler: Handler,
        *,
        dialect: rp.Dialect = rp.Dialect.GA,
        receive_buffer: int | None = None,
        lifetime: float = LIFETIME,
    ) -> None:
        self.handler = handler
        self.dialect = dialect
        self.lifetime = lifetime
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # before listen(), so that the window scale fits it
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.errors: list[BaseException] = []
        self.connections = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/realtime?model=test-model"

    def __enter__(self) -> HostileServer:
        accept = threading.Thread(target=self._accept_loop, name="hostile-accept", daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.kill()
        for thread in self._threads:
            thread.join(2.0)
        with self._lock:
            for sock in self._sockets:
                sock.close()
        if self.errors and exc is None:
            raise self.errors[0]

    def kill(self) -> None:
        """Stop now: no more connections, and every socket shut down (which ends any blocked
        read or write on either side)."""
        self._stopping.set()
        with self._lock:
            self.listener.close()
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                if self._stopping.is_set():
                    sock.close()
                    return
                self._sockets.append(sock)
            self.connections += 1
            thread = threading.Thread(
                target=self._serve, args=(sock,), name="hostile-peer", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            peer = HostilePeer(
                sock, stopping=self._stopping, dialect=self.dialect, lifetime=self.lifetime
            )
            self.handler(peer)
        except BaseException as exc:
            if not self._stopping.is_set():
                self.errors.append(exc)
        finally:
            with self._lock:
                sock.close()


# -- the handlers ------------------------------------------------------------------------------


def stops_reading(peer: HostilePeer) -> None:
    """Sends ``session.created``, then never reads (nor answers a ping or a close)."""
    peer.accept()
    peer.idle()


def flood_event(n: int) -> rp.SendRaw:
    """An event of a type no client knows, numbered ``n``."""
    return rp.SendRaw(message={"type": "test.flood", "n": n})


def flood_number(event: rp.Event) -> int | None:
    """The number of a :func:`flood_event` as the client received it, else ``None``."""
    if not isinstance(event, rp.UnknownEvent) or event.event_type != "test.flood":
        return None
    number = json.loads(event.raw)["n"]
    assert isinstance(number, int)
    return number


class FloodsBeforeSession:
    """Accepts the upgrade, then sends ``count`` unknown events before any ``session.created``;
    sends ``session.created`` 100 ms after them (so that it arrives in a later read) when
    ``then_create``. Answers the client's close."""

    def __init__(self, count: int, *, then_create: bool) -> None:
        self.count = count
        self.then_create = then_create

    def __call__(self, peer: HostilePeer) -> None:
        peer.upgrade()
        for n in range(self.count):
            peer.connection.send(flood_event(n))
        peer.flush()
        if self.then_create:
            peer.wait(0.1)
            peer.send(rp.SessionCreated(session=default_session()))
        peer.finish()


PING = b"\x89\x7d" + b"p" * 125  # an unmasked ping frame with the largest control payload


class PingFlood:
    """Half a response (two text deltas), then pings as fast as the client takes them, and
    never a read: the client's pongs pile up."""

    def __init__(self) -> None:
        self.pings = 0

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        peer.send(*response_events(text_deltas=("one ", "two ", "three"))[:5])
        peer.wait(0.2)  # the deltas arrive on their own, before the first ping
        batch = PING * 100
        peer.sock.settimeout(1.0)
        while not peer.over():
            try:
                peer.sock.sendall(batch)
            except TimeoutError:
                break  # the client stopped reading: a frame may be cut, send nothing more
            except OSError:
                return  # the client is gone
            self.pings += 100
        peer.idle()


class FloodsForever:
    """Sends unknown events without a pause and never reads: the client's close is never
    answered, and inbound data never stops while the client waits for that answer. (One
    batch of frames is encoded once and written again and again, so that the server spends
    its time in the kernel rather than holding the interpreter.)"""

    BATCH = 200

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        for n in range(self.BATCH):
            peer.connection.send(flood_event(n))
        batch = peer.connection.data_to_send()
        peer.sock.settimeout(peer.remaining())
        while not peer.over():
            try:
                peer.sock.sendall(batch)
            except OSError:
                return  # the client is gone
            self.sent += self.BATCH
            # 200,000 events a second at most: more than any client decodes, while leaving
            # the interpreter to the client under test between batches
            time.sleep(0.001)


class TwoResponses:
    """Two complete responses back to back: "first" (with a tool call) and "second". Then
    records every command until the client closes."""

    def __init__(self) -> None:
        self.sent = threading.Event()
        self.commands: list[Any] = []
        self.closed = threading.Event()

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        first = response_events(
            response_id="resp_1",
            item_id="item_1",
            text_deltas=("first",),
            tool_calls=[("call_1", "lookup", ("{}",))],
        )
        second = response_events(response_id="resp_2", item_id="item_2", text_deltas=("second",))
        peer.send(*first, *second)
        self.sent.set()
        while True:
            item = peer.next()
            if isinstance(item, rp.ConnectionClosed):
                self.closed.set()
                return
            self.commands.append(item)


class DelayedFormatAck:
    """Reads the client's ``session.update``, waits ``delay`` before confirming its input audio
    format with ``session.updated``, and records the audio appended meanwhile and after."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.requested: rp.AudioFormat | None = None
        self.audio = bytearray()
        self.appends = 0
        self.closed = threading.Event()

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        update = peer.expect(rp.UpdateSession)
        self.requested = update.options.input_audio_format
        peer.wait(self.delay)
        session = default_session()
        options = attrs.evolve(session.options, input_audio_format=self.requested)
        if peer.connection.can_send:  # the client may have sent everything and closed already
            peer.send(rp.SessionUpdated(session=attrs.evolve(session, options=options)))
        while True:
            item = peer.next()
            if isinstance(item, rp.ConnectionClosed):
                self.closed.set()
                return
            if isinstance(item, rp.AppendAudio):
                self.audio += item.audio
                self.appends += 1


class AudioFlood:
    """One response of ``count`` audio deltas of ``size`` bytes each (delta ``n`` is the byte
    ``n`` repeated), written as fast as the client takes them. Counts the bytes the kernel
    accepted and when it last accepted some."""

    def __init__(self, count: int, size: int) -> None:
        self.count = count
        self.size = size
        self.written = 0
        self.frame_size = 0
        self.last_progress = time.monotonic()
        self.all_written = threading.Event()
        self.closed = threading.Event()

    @property
    def total(self) -> int:
        """The bytes of all the deltas on the wire (their frames are all but the same size)."""
        return self.frame_size * self.count

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        events = response_events(response_id="resp_1", item_id="item_1", audio_deltas=(b"",))
        head, tail = events[:3], events[4:]  # around the one delta
        peer.send(*head)
        for n in range(self.count):
            peer.connection.send(
                rp.AudioDelta(
                    response_id="resp_1",
                    item_id="item_1",
                    output_index=0,
                    content_index=0,
                    audio_bytes=bytes([n]) * self.size,
                )
            )
            frame = peer.connection.data_to_send()
            self.frame_size = self.frame_size or len(frame)
            self._write(peer, frame)
        self.all_written.set()
        peer.send(*tail)
        peer.finish()
        self.closed.set()

    def _write(self, peer: HostilePeer, data: bytes) -> None:
        view = memoryview(data)
        while view:
            sent = peer.sock.send(view)
            self.written += sent
            self.last_progress = time.monotonic()
            view = view[sent:]

    def stalled_for(self) -> float:
        return time.monotonic() - self.last_progress


class ClosesAfterUpdate:
    """Accepts, then closes normally as soon as a ``session.update`` arrives, or after
    ``quiet`` seconds with no command at all. Records the updates."""

    def __init__(self, quiet: float) -> None:
        self.quiet = quiet
        self.updates: list[rp.UpdateSession] = []

    def __call__(self, peer: HostilePeer) -> None:
        peer.accept()
        while True:
            item = peer.poll(self.quiet)
            if item is None:
                break
            if isinstance(item, rp.ConnectionClosed):
                return
            if isinstance(item, rp.UpdateSession):
                self.updates.append(item)
                break
        if peer.connection.can_send:  # else the client's close is already read: answered next
            peer.close()
        peer.finish()
