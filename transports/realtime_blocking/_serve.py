"""The embedded simulator on a local port, for other programs and for tests."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from realtime_proto import RealtimeError
from realtime_proto.simulator import Simulator, SimulatorAddress

__all__ = ["SimulatorServer"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])
_READ_SIZE = 262144
_POLL = 0.5  # how often a quiet connection looks at the closing flag


class SimulatorServer(SimulatorAddress):
    """Serves a fresh :class:`Simulator` to every connection, one thread each.

    Use it as ``with`` (serving in the background) or call :meth:`serve_forever`. The URL to
    point a client at is :attr:`url`; :attr:`base_url` is the ``/v1`` base that the openai
    package's ``websocket_base_url`` takes.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        simulator: Callable[[], Simulator] = Simulator,
    ) -> None:
        self._listener = socket.create_server((host, port))
        self.host, self.port = self._listener.getsockname()[:2]
        self._new_simulator = simulator
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        return f"<SimulatorServer {self.url}>"

    def __enter__(self) -> SimulatorServer:
        thread = threading.Thread(target=self.serve_forever, name="simulator", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def serve_forever(self) -> None:
        """Accept and serve connections until :meth:`close`."""
        self._listener.settimeout(0.1)
        while not self._closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop accepting; connections in progress end when their clients leave."""
        self._closing.set()
        self._listener.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(5.0)

    def _serve(self, sock: socket.socket) -> None:
        try:
            self._serve_one(sock)
        except RealtimeError:
            _log.exception("the simulated session ended on an error")

    def _serve_one(self, sock: socket.socket) -> None:
        simulator = self._new_simulator()
        with sock:
            while not self._closing.is_set() and not simulator.finished:
                deadline = simulator.next_deadline()
                wait = _POLL if deadline is None else deadline - time.monotonic()
                sock.settimeout(min(_POLL, max(0.001, wait)))  # 0 would mean non-blocking
                try:
                    data: bytes | None = sock.recv(_READ_SIZE)
                except TimeoutError:
                    data = None  # a timer is due, or time to look at the closing flag
                except OSError:
                    data = b""
                if data is None:
                    simulator.handle_timer(time.monotonic())
                elif data:
                    simulator.receive_data(data)
                else:
                    simulator.receive_eof()
                out = simulator.data_to_send()
                if out:
                    with contextlib.suppress(OSError):
                        sock.sendall(out)
                if data == b"":
                    return
