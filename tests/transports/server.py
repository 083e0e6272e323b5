"""A real WebSocket server on 127.0.0.1 built on the core's SERVER role, for transport tests.

Each accepted connection runs a handler (a plain function of a :class:`Peer`) on its own
thread, so the same server serves the blocking transport and both anyio backends.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import realtime_proto as rp

Handler = Callable[["Peer"], None]

TEST_TIMEOUT = 10.0


class Peer:
    """One accepted connection, served through a SERVER :class:`rp.Connection`."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(TEST_TIMEOUT)
        self.connection = rp.Connection.server()
        self.request: rp.ConnectionRequested | None = None

    def flush(self) -> None:
        data = self.connection.data_to_send()
        if data:
            self.sock.sendall(data)

    def next(self) -> Any:
        """The next command or event from the client (reading as needed)."""
        while True:
            item = self.connection.next_event()
            if item is not rp.NEED_DATA:
                self.flush()  # pongs and close replies
                return item
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if data:
                self.connection.receive_data(data)
            else:
                self.connection.receive_eof()

    def expect(self, kind: type[Any]) -> Any:
        item = self.next()
        assert isinstance(item, kind), f"expected {kind.__name__}, got {item!r}"
        return item

    def collect_until(self, kind: type[Any]) -> list[Any]:
        """Every command up to and including the first ``kind``."""
        items = [self.next()]
        while not isinstance(items[-1], kind):
            assert not isinstance(items[-1], rp.ConnectionClosed), items
            items.append(self.next())
        return items

    def accept(self, session: rp.Session | None = None) -> None:
        """Accept the upgrade and send ``session.created``."""
        self.request = self.expect(rp.ConnectionRequested)
        self.connection.send(rp.AcceptConnection())
        self.send(rp.SessionCreated(session=session or default_session()))

    def reject(self, status: int, body: bytes) -> None:
        self.request = self.expect(rp.ConnectionRequested)
        headers = (("Content-Type", "application/json"),)
        self.connection.send(rp.RejectConnection(status_code=status, headers=headers, body=body))
        self.flush()

    def send(self, *events: rp.Event) -> None:
        for event in events:
            self.connection.send(event)
        self.flush()

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.connection.send(rp.Close(code=code, reason=reason))
        self.flush()

    def finish(self) -> rp.ConnectionClosed:
        """Serve until the connection is closed (answering the client's close)."""
        while True:
            item = self.next()
            if isinstance(item, rp.ConnectionClosed):
                return item

    def drop(self) -> None:
        """Close the TCP connection abruptly, with no closing handshake."""
        self.sock.close()


def default_session(**options: Any) -> rp.Session:
    return rp.Session(
        id="sess_test",
        model="test-model",
        options=rp.ConversationOptions(
            voice="alloy",
            input_audio_format=rp.AudioFormat.PCM16,
            output_audio_format=rp.AudioFormat.PCM16,
            **options,
        ),
    )


class TestServer:
    """Listens on 127.0.0.1 (TLS when ``ssl_context`` is given) and runs ``handler`` for each
    connection. Leaving the ``with`` re-raises the first handler failure."""

    __test__ = False

    def __init__(self, handler: Handler, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.errors: list[BaseException] = []
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._closing = threading.Event()

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://127.0.0.1:{self.port}/v1/realtime?model=test-model"

    def __enter__(self) -> TestServer:
        accept = threading.Thread(target=self._accept_loop, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()
        self.listener.close()
        for thread in self._threads:
            thread.join(TEST_TIMEOUT)
        if self.errors and exc is None:
            raise self.errors[0]

    def _accept_loop(self) -> None:
        self.listener.settimeout(0.05)
        while not self._closing.is_set():
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        try:
            if self.ssl_context is not None:
                sock.settimeout(TEST_TIMEOUT)
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
            self.handler(Peer(sock))
        except ssl.SSLError:
            pass  # a client that refused our certificate: the test checks the client side
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            sock.close()
