"""The battery served on a local port: each connection plays the case its URL names, and the
record of what each client did is kept by case and run."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from itertools import cycle
from typing import Any, Final

from realtime_blocking._serve import LoopbackServer

from realtime_proto.testing.conformance import CASES, Case, CaseSession, ClientRecord

__all__ = ["ConformanceServer"]

_PIECES: Final = (1, 2, 3, 5, 7)  # the sizes of split writes, in turn
_PAUSE: Final = 0.0005  # between split writes, so that the client reads them apart


class _CaseSocket(socket.socket):
    """The accepted socket, doing what the case asks of the wire: writes of a few bytes at a
    time, and a pause in reading once the upgrade is answered."""

    session: CaseSession
    _stalled = False

    def sendall(self, data: Any, flags: int = 0) -> None:
        case = self.session.case
        if case is None or not case.split_writes:
            super().sendall(data, flags)
            return
        view, sizes = memoryview(data), cycle(_PIECES)
        while view:
            size = next(sizes)
            super().sendall(view[:size], flags)
            view = view[size:]
            time.sleep(_PAUSE)

    def recv(self, size: int, flags: int = 0) -> bytes:
        case = self.session.case
        if case is not None and case.stall_reading and self.session.answered and not self._stalled:
            self._stalled = True
            time.sleep(case.stall_reading)
        return super().recv(size, flags)


def _wrap(sock: socket.socket, session: CaseSession) -> _CaseSocket:
    wrapped = _CaseSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    wrapped.session = session
    wrapped.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return wrapped


class ConformanceServer(LoopbackServer[CaseSession]):
    """Serves ``cases`` (default: the whole battery) on ``host``:``port``, one thread per
    connection: ``ws://host:port/case/<id>`` plays case ``<id>`` (anything may follow, such as
    ``/realtime?model=...``; ``run=`` in the query names the run). :meth:`wait_record` gives
    what a client did once its connection is over (the last ``keep`` records are kept);
    ``on_record`` is called, in the connection's thread, with each record. A case that has
    not ended after ``time_limit`` seconds is closed. Raises ``OSError`` when the port cannot
    be bound.
    """

    _thread_name = "conformance"
    _session_kind = "conformance"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        cases: Mapping[str, Case] = CASES,
        time_limit: float = 10.0,
        keep: int = 1000,
        on_record: Callable[[ClientRecord], None] | None = None,
    ) -> None:
        super().__init__(host, port)
        self.cases = cases
        self.time_limit = time_limit
        self.keep = keep
        self._on_record = on_record
        self._records: dict[tuple[str, str | None], ClientRecord] = {}
        self._done = threading.Condition()

    def __repr__(self) -> str:
        return f"<ConformanceServer {self.base_url}>"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    def url(self, case_id: str, run: str | None = None) -> str:
        """The URL of case ``case_id``, for the run named ``run``."""
        query = "?model=conformance" + (f"&run={run}" if run is not None else "")
        return f"{self.base_url}/case/{case_id}{query}"

    def urls(self, case_ids: Iterable[str] | None = None) -> dict[str, str]:
        return {case_id: self.url(case_id) for case_id in case_ids or self.cases}

    def wait_record(self, case_id: str, run: str | None, timeout: float) -> ClientRecord | None:
        """What the client of ``case_id`` in ``run`` did, once its connection is over;
        ``None`` if it is not over within ``timeout`` seconds (or never started)."""
        with self._done:
            self._done.wait_for(lambda: (case_id, run) in self._records, timeout)
            return self._records.get((case_id, run))

    def _new_session(self) -> CaseSession:
        return CaseSession(self.cases, time_limit=self.time_limit)

    def _serve_one(self, sock: socket.socket, session: CaseSession) -> None:
        super()._serve_one(_wrap(sock, session), session)

    def _session_ended(self, session: CaseSession) -> None:
        record = session.record()
        if record is None:
            return
        with self._done:
            self._records[(record.case_id, record.run)] = record
            for stale in list(self._records)[: -self.keep]:
                del self._records[stale]
            self._done.notify_all()
        if self._on_record is not None:
            self._on_record(record)
