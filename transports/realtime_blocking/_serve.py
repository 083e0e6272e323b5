"""The embedded simulator on a local port, for other programs and for tests; and the pump
that serves any SERVER-side session of the core on a local port (the simulator, a replay)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any, Generic, TypeVar

from realtime_proto import RealtimeError
from realtime_proto.simulator import ServedSession, Simulator, SimulatorServing

__all__ = ["LoopbackServer", "ServedSession", "SimulatorServer"]

_log = logging.getLogger(__name__.rsplit(".", 1)[0])
_READ_SIZE = 262144
_POLL = 0.5  # how often a quiet connection looks at the closing flag
_Server = TypeVar("_Server", bound="LoopbackServer[Any]")


_Session = TypeVar("_Session", bound="ServedSession")


class LoopbackServer(Generic[_Session]):
    """Serves a fresh session (:meth:`_new_session`) to every connection, one thread each.

    Use it as ``with`` (serving in the background) or call :meth:`serve_forever`.
    """

    _thread_name = "loopback"
    _session_kind = "served"  # in the log: "the served session ended on an error"

    def __init__(self, host: str, port: int) -> None:
        self._listen(host, port)

    def _listen(self, host: str, port: int) -> None:
        """Bind; what the servers' own ``__init__`` ends with."""
        self._listener = socket.create_server((host, port))
        # Set here, not in serve_forever: a server closed as soon as it is entered may close
        # the listener before its thread starts.
        self._listener.settimeout(0.1)
        self.host, self.port = self._listener.getsockname()[:2]
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []

    def _new_session(self) -> _Session:
        raise NotImplementedError

    def _session_ended(self, session: _Session) -> None:
        """Called in the session's thread once its connection is over."""

    def __enter__(self: _Server) -> _Server:
        thread = threading.Thread(target=self.serve_forever, name=self._thread_name, daemon=True)
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
        session = self._new_session()
        try:
            self._serve_one(sock, session)
        except RealtimeError:
            _log.exception("the %s session ended on an error", self._session_kind)
        finally:
            self._session_ended(session)

    def _serve_one(self, sock: socket.socket, session: _Session) -> None:
        with sock:
            while not self._closing.is_set() and not session.finished:
                deadline = session.next_deadline()
                wait = _POLL if deadline is None else deadline - time.monotonic()
                sock.settimeout(min(_POLL, max(0.001, wait)))  # 0 would mean non-blocking
                try:
                    data: bytes | None = sock.recv(_READ_SIZE)
                except TimeoutError:
                    data = None  # a timer is due, or time to look at the closing flag
                except OSError:
                    data = b""
                if data is None:
                    session.handle_timer(time.monotonic())
                elif data:
                    session.receive_data(data)
                    deadline = session.next_deadline()  # due after a read too
                    if deadline is not None and deadline <= (now := time.monotonic()):
                        session.handle_timer(now)
                else:
                    session.receive_eof()
                out = session.data_to_send()
                if out:
                    with contextlib.suppress(OSError):
                        sock.sendall(out)
                if data == b"":
                    return


class SimulatorServer(SimulatorServing, LoopbackServer[Simulator]):
    """Serves a fresh :class:`Simulator` (made by ``simulator``) to every connection, one
    thread each.

    Use it as ``with`` (serving in the background) or call :meth:`serve_forever`. The URL to
    point a client at is :attr:`url`; :attr:`base_url` is the ``/v1`` base that the openai
    package's ``websocket_base_url`` takes.
    """

    _thread_name = "simulator"
    _session_kind = "simulated"
