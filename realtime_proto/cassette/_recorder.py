"""The recorder: a connection's wire tap that collects cassette entries and hands out their
lines. Pure: the connection tells it of frames, the caller takes lines with the time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Final

from .._endpoint import Endpoint
from .._options import Role
from ._entries import (
    BinaryFrame,
    CassetteHeader,
    CloseFrame,
    Direction,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    Headers,
    TextFrame,
)
from ._write import CassetteWriter

__all__ = ["CassetteRecorder"]

_DIRECTIONS: Final = {Role.CLIENT: Direction.CLIENT, Role.SERVER: Direction.SERVER}
_PRECISION: Final = 6  # offsets in microseconds: finer than any clock a transport reads


class CassetteRecorder:
    """Records a connection as a cassette. Attach it to the connection as its wire tap
    (``Connection.client(endpoint, wire_tap=recorder)``, which it must be before the opening
    handshake is queued) and call :meth:`take` now and then: it returns the lines to append to
    the cassette, the header first.

    Entries wait in memory without a time until they are taken, and each is stamped with the
    time of the :meth:`take` that hands it out: take soon after the connection sends or
    receives (a transport takes whenever it writes, and after every read). Nothing is
    redacted, cut or encoded before then (see :class:`CassetteWriter` for what a line
    keeps), so recording adds one small object per frame to the connection's work.
    ``started`` is when the recording starts, on the clock whose readings :meth:`take` is
    given (``time.monotonic``, an event loop's clock).
    """

    def __init__(
        self,
        header: CassetteHeader,
        *,
        started: float,
        secrets: Iterable[str] = (),
        max_audio_bytes: int | None = None,
    ) -> None:
        self._writer = CassetteWriter(header, secrets=secrets, max_audio_bytes=max_audio_bytes)
        self._started = started
        self._at = 0.0
        self._header_taken = False
        self._pending: list[Callable[..., Entry]] = []

    @classmethod
    def for_endpoint(
        cls,
        endpoint: Endpoint,
        *,
        started: float,
        started_at: datetime | str,
        max_audio_bytes: int | None = None,
    ) -> CassetteRecorder:
        """A recorder of a client connection to ``endpoint``: the header names its dialect and
        URL (without credentials) and ``started_at`` (the wall clock, with its time zone), and
        the endpoint's credentials are redacted wherever they appear."""
        header = CassetteHeader(
            dialect=endpoint.dialect, url=endpoint.safe_url, started_at=started_at
        )
        return cls(
            header,
            started=started,
            secrets=endpoint.credentials,
            max_audio_bytes=max_audio_bytes,
        )

    @property
    def header(self) -> CassetteHeader:
        return self._writer.header

    @property
    def has_pending(self) -> bool:
        """Lines wait to be taken."""
        return bool(self._pending) or not self._header_taken

    def take(self, now: float) -> bytes:
        """The lines not taken yet (the header the first time), each ending in a newline;
        ``b""`` when there are none. The entries are stamped ``now - started`` seconds, never
        less than an earlier stamp."""
        self._at = at = max(self._at, round(now - self._started, _PRECISION))
        pending, self._pending = self._pending, []
        lines = [self._writer.entry_line(make(at=at)) for make in pending]
        if not self._header_taken:
            self._header_taken = True
            lines.insert(0, self._writer.header_line())
        return b"".join(lines)

    # -- the wire tap -------------------------------------------------------------------------

    def request(self, target: str, headers: Headers) -> None:
        self._pending.append(partial(HandshakeRequest, target=target, headers=headers))

    def response(self, status: int, headers: Headers, body: str) -> None:
        self._pending.append(partial(HandshakeResponse, status=status, headers=headers, body=body))

    def text(self, sender: Role, text: str) -> None:
        self._pending.append(partial(TextFrame, direction=_DIRECTIONS[sender], text=text))

    def binary(self, sender: Role, data: bytes) -> None:
        self._pending.append(partial(BinaryFrame, direction=_DIRECTIONS[sender], data=data))

    def close(self, sender: Role, code: int, reason: str) -> None:
        self._pending.append(
            partial(CloseFrame, direction=_DIRECTIONS[sender], code=code, reason=reason)
        )
