"""Replaying a cassette as the server, message by message: pure, time handed in.

A :class:`Replay` is built from a :class:`Cassette` and handed what one client does: the
start of its connection, each text message, a binary message, its close, and the time. It
answers each with a :class:`ReplayStep`: the recorded server frames to send now, when the next
ones are due (with pacing), or the :class:`Divergence` where the client left the recording.

The rule, as the recording shows it (entries in wire order):

- **The server waits where the recording shows it waiting.** A recorded server frame goes out
  once every client message recorded before it has been received from the client; the frames
  in between go out at once, in order (or at their recorded pace, below). Client messages
  may arrive early: each is matched against the next client entry of the recording.
- **Client messages match by type and key fields**, never by bytes (see
  :mod:`realtime_proto.cassette._match`): ids, event ids, timestamps, audio and session
  settings are free to differ. A binary message matches a recorded binary message; a close
  matches a recorded close, or the end of the recording's client messages.
- **Audio appends match as runs.** The client entries of the recording that are appends with
  no other client message between them form one run, and the client's appends, however it
  chunks them, are matched against the run by the audio they carry: a server frame recorded
  inside or after the run goes out once the client has sent as many bytes of audio as the
  recording's appends before that frame (a cut append counts its ``truncated_from``). Appends
  beyond the run's audio are absorbed by it; the run ends when the client sends anything else,
  which must follow at least one append. An append where the recording has no run diverges.
- **Pacing** (``pace=True``): each server frame is due at its recorded ``at`` on the
  recording's clock, shifted so that the start of the connection is the recorded request's
  ``at``; whenever a client message arrives later than the recording shows (a run: the last
  recorded append its audio has reached), the shift grows by as much, so that the server never
  answers sooner than it did. Without pacing, ``now`` is not read.
- **A divergence ends the replay**: nothing more is sent; the caller closes the connection.
  The handshake is answered at once, with the recorded response (a plain 101 if there is none).
"""

from __future__ import annotations

import bisect
import itertools
from typing import Final, TypeAlias

import attrs

from .._dialects import wire_dialect
from .._errors import LocalProtocolError, RealtimeError
from .._options import Dialect
from .._record import Record
from ._entries import (
    BinaryFrame,
    Cassette,
    CloseFrame,
    Direction,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    TextFrame,
)
from ._match import ClientMessage, difference
from ._read import CassetteError

__all__ = ["Divergence", "DivergenceError", "Replay", "ReplayStep", "ServerFrame"]

ServerFrame: TypeAlias = TextFrame | BinaryFrame | CloseFrame

_FIRST_ENTRY_LINE: Final = 2  # the header is line 1
_BINARY: Final = "a binary message"
_CLOSE: Final = "the close"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Divergence(Record):
    """Where a client left the recording: the cassette entry it was matched against
    (``index`` in ``Cassette.entries``; ``line`` in the file, the header being line 1), what
    the recording has there and what the client sent (a message type, ``"a binary message"``,
    ``"the close"``), or, when ``field`` is set, that key field's value on each side.
    ``at_end``: the recording had no more client messages (``index`` is then the number of
    entries). ``str()`` gives the whole story in one line."""

    index: int
    expected: str
    got: str
    field: str | None = None
    message_type: str | None = None
    at_end: bool = False

    @property
    def line(self) -> int:
        return self.index + _FIRST_ENTRY_LINE

    @property
    def message(self) -> str:
        if self.at_end:
            where = f"cassette line {self.line} (after the last entry)"
        else:
            where = f"cassette line {self.line} (entry {self.index})"
        if self.field is not None:
            return (
                f"{where}: {self.message_type} differs in {self.field}: the client sent "
                f"{self.got}, the recording has {self.expected}"
            )
        return f"{where}: the client sent {self.got}, the recording has {self.expected}"

    def __str__(self) -> str:
        return self.message


class DivergenceError(RealtimeError, AssertionError):
    """Clients left the recording (raised by a strict replay server when it closes); the
    message lists every divergence, and ``divergences`` holds them."""

    def __init__(self, divergences: list[Divergence]) -> None:
        lines = "\n".join(f"- {divergence}" for divergence in divergences)
        count = len(divergences)
        super().__init__(f"{count} replayed session{'s' if count != 1 else ''} diverged:\n{lines}")
        self.divergences = divergences


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ReplayStep(Record):
    """What the server does now: send ``frames`` (in order); call
    :meth:`Replay.handle_timer` at ``next_due`` (pacing; ``None``: nothing is due until the
    client sends more, or the replay is over); and, when ``divergence`` is set, stop."""

    frames: tuple[ServerFrame, ...] = ()
    next_due: float | None = None
    divergence: Divergence | None = None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class _Expected(Record):
    """A client message (or run of appends) of the recording, to be matched."""

    index: int  # the entry; a run's first append
    at: float
    kind: str  # "text", "binary", "close" or "run"
    message: ClientMessage | None = None  # a text's; a run's first append
    run_ats: tuple[float, ...] = ()  # a run's appends: when each was sent
    run_ends: tuple[int, ...] = ()  # and the bytes of audio up to the end of each

    @property
    def described(self) -> str:
        if self.message is not None:
            return self.message.described
        return _BINARY if self.kind == "binary" else _CLOSE


@attrs.frozen(kw_only=True, repr=False, eq=False)
class _Outgoing(Record):
    """A recorded server frame, and what it waits for: every expected message before
    ``after``; and when it follows appends of the run ``after``, an append of it and
    ``audio`` bytes of audio in all."""

    frame: ServerFrame
    index: int  # the entry
    after: int
    audio: int | None  # None: not after an append


def _script(cassette: Cassette, type_key: str) -> tuple[list[_Expected], list[_Outgoing]]:
    expected: list[_Expected] = []
    outgoing: list[_Outgoing] = []
    run: list[tuple[int, float, ClientMessage]] = []  # the open run's appends
    audio: int | None = None

    def end_run() -> None:
        nonlocal audio
        if run:
            first_index, first_at, first = run[0]
            ends = itertools.accumulate(message.audio_size for _, _, message in run)
            expected.append(
                _Expected(
                    index=first_index,
                    at=first_at,
                    kind="run",
                    message=first,
                    run_ats=tuple(at for _, at, _ in run),
                    run_ends=tuple(ends),
                )
            )
            run.clear()
            audio = None

    for index, entry in enumerate(cassette.entries):
        if isinstance(entry, (HandshakeRequest, HandshakeResponse)):
            continue
        if entry.direction is Direction.SERVER:
            outgoing.append(_Outgoing(frame=entry, index=index, after=len(expected), audio=audio))
            continue
        if isinstance(entry, TextFrame):
            message = ClientMessage.parse(entry.text, type_key, entry.truncated_from)
            if message.is_append:
                run.append((index, entry.at, message))
                audio = (audio or 0) + message.audio_size
                continue
            end_run()
            expected.append(_Expected(index=index, at=entry.at, kind="text", message=message))
            continue
        end_run()
        kind = "binary" if isinstance(entry, BinaryFrame) else "close"
        expected.append(_Expected(index=index, at=entry.at, kind=kind))
    end_run()
    return expected, outgoing


class Replay:
    """The server side of ``cassette``, for one client: see the module's rule.

    ``pace``: send the server frames at their recorded pace (:meth:`handle_timer` at
    ``next_due``) instead of as soon as the client allows. Raises :class:`CassetteError` for a
    recorded handshake answer that cannot be replayed (neither 101 nor 400-599).
    """

    def __init__(self, cassette: Cassette, *, pace: bool = False) -> None:
        self.cassette = cassette
        self.pace = pace
        self.dialect = Dialect(cassette.header.dialect)
        self.type_key = wire_dialect(self.dialect).type_key
        self.handshake = HandshakeResponse(at=0.0, status=101)
        self._request_at: float | None = None
        self._read_handshake(cassette.entries)
        self._expected, self._outgoing = _script(cassette, self.type_key)
        self._next = 0  # the expected message matched next
        self._audio = 0  # bytes of audio received into the current run
        self._appends = 0  # appends received into the current run
        self._sent = 0  # server frames sent
        self._offset: float | None = None  # now - recorded at; set at the start
        self.divergence: Divergence | None = None

    def __repr__(self) -> str:
        return (
            f"<Replay of {len(self.cassette.entries)} entries: {self._sent} of "
            f"{len(self._outgoing)} frames sent, {self._next} of {len(self._expected)} "
            f"client messages matched>"
        )

    def _read_handshake(self, entries: tuple[Entry, ...]) -> None:
        for index, entry in enumerate(entries):
            if isinstance(entry, HandshakeRequest) and self._request_at is None:
                self._request_at = entry.at
            if isinstance(entry, HandshakeResponse):
                if entry.status != 101 and not 400 <= entry.status <= 599:
                    raise CassetteError(
                        index + _FIRST_ENTRY_LINE,
                        f"a handshake answered with HTTP {entry.status} cannot be replayed "
                        "(only 101 or 400-599 can)",
                    )
                self.handshake = entry
                return

    # -- state --------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._offset is not None

    @property
    def complete(self) -> bool:
        """Every recorded server frame was sent and every recorded client message received
        (a last run of appends: as much audio as it had)."""
        if self._sent < len(self._outgoing):
            return False
        left = self._expected[self._next :]
        return not left or (len(left) == 1 and self._in_run() and self._run_heard(left[0]))

    @property
    def position(self) -> int | None:
        """The entry (an index in ``Cassette.entries``) the replay has not played yet: the
        first of the next recorded client message (a run: its first append) and the next
        recorded server frame; ``None`` once :attr:`complete`."""
        if self.complete:
            return None
        waiting = [self._expected[self._next].index] if self._next < len(self._expected) else []
        if self._sent < len(self._outgoing):
            waiting.append(self._outgoing[self._sent].index)
        return min(waiting)

    def next_deadline(self) -> float | None:
        """When the next server frame is due (pacing), if the client has sent all it waits
        for; ``None`` otherwise."""
        if not self.pace or self._offset is None or self.divergence is not None:
            return None
        if self._sent == len(self._outgoing) or not self._allowed(self._outgoing[self._sent]):
            return None
        return self._outgoing[self._sent].frame.at + self._offset

    # -- what the client does -----------------------------------------------------------------

    def start(self, now: float) -> ReplayStep:
        """The client's opening handshake arrived (answer it with :attr:`handshake`): the
        frames the server sends first. Raises :class:`LocalProtocolError` when called twice."""
        if self._offset is not None:
            raise LocalProtocolError("the replay has started already")
        self._offset = now - (self._request_at if self._request_at is not None else 0.0)
        return self._step(now)

    def receive_text(self, text: str, now: float) -> ReplayStep:
        """A text message from the client, received at ``now``."""
        self._require_started()
        if self.divergence is not None:
            return ReplayStep()
        got = ClientMessage.parse(text, self.type_key)
        if got.is_append and self._in_run():
            self._audio += got.audio_size
            self._appends += 1
            run = self._expected[self._next]
            heard = bisect.bisect_right(run.run_ends, self._audio)
            if heard:
                self._anchor(now, run.run_ats[heard - 1])
            return self._step(now)
        return self._match(got.described, now, got)

    def receive_binary(self, now: float) -> ReplayStep:
        """A binary message from the client (the recording must have one there)."""
        self._require_started()
        if self.divergence is not None:
            return ReplayStep()
        return self._match(_BINARY, now)

    def receive_close(self, now: float) -> ReplayStep:
        """The client closed the connection, or it ended. Not a divergence where the
        recording has the client's close, or no more client messages (nor more than the audio
        of a last run of appends); what the server had not sent by then stays unsent (see
        :attr:`complete`)."""
        self._require_started()
        if self.divergence is not None:
            return ReplayStep()
        if self._next == len(self._expected) or (
            self._next == len(self._expected) - 1 and self._in_run() and self._appends
        ):
            return ReplayStep()
        return self._match(_CLOSE, now)

    def handle_timer(self, now: float) -> ReplayStep:
        """The frames that came due by ``now`` (pacing)."""
        self._require_started()
        return self._step(now)

    # -- plumbing -----------------------------------------------------------------------------

    def _require_started(self) -> None:
        if self._offset is None:
            raise LocalProtocolError("the replay has not started: call start() first")

    def _in_run(self) -> bool:
        return self._next < len(self._expected) and self._expected[self._next].kind == "run"

    def _run_heard(self, run: _Expected) -> bool:
        return self._audio >= run.run_ends[-1]

    def _match(self, described: str, now: float, got: ClientMessage | None = None) -> ReplayStep:
        """Match a message other than an append (``got``; ``None`` for a binary message or
        the close) against the next expected one, ending the current run first."""
        if self._in_run():
            if not self._appends:  # a run ends only after at least one append
                return self._diverge(self._expected[self._next], described)
            self._next += 1
            self._audio = self._appends = 0
        if self._next == len(self._expected):
            return self._diverge(None, described)
        expected = self._expected[self._next]
        if got is None or expected.message is None:
            if expected.described != described:
                return self._diverge(expected, described)
        else:
            found = difference(expected.message, got)
            if found is not None:
                self.divergence = Divergence(
                    index=expected.index,
                    expected=found.expected,
                    got=found.got,
                    field=found.field,
                    message_type=expected.message.type if found.field is not None else None,
                )
                return ReplayStep(divergence=self.divergence)
        self._next += 1
        self._anchor(now, expected.at)
        return self._step(now)

    def _diverge(self, expected: _Expected | None, got: str) -> ReplayStep:
        if expected is None:
            index = len(self.cassette.entries)
            self.divergence = Divergence(
                index=index, expected="no more client messages", got=got, at_end=True
            )
        else:
            self.divergence = Divergence(index=expected.index, expected=expected.described, got=got)
        return ReplayStep(divergence=self.divergence)

    def _anchor(self, now: float, recorded_at: float) -> None:
        """The client sent, at ``now``, what the recording has at ``recorded_at``: the
        recording's clock moves later if the client is later than the recording was."""
        assert self._offset is not None
        self._offset = max(self._offset, now - recorded_at)

    def _allowed(self, outgoing: _Outgoing) -> bool:
        if self._next != outgoing.after:
            return self._next > outgoing.after
        return outgoing.audio is None or (self._appends > 0 and self._audio >= outgoing.audio)

    def _step(self, now: float) -> ReplayStep:
        frames: list[ServerFrame] = []
        while self.divergence is None and self._sent < len(self._outgoing):
            outgoing = self._outgoing[self._sent]
            if not self._allowed(outgoing):
                break
            due = self.next_deadline()
            if due is not None and due > now:
                break
            frames.append(outgoing.frame)
            self._sent += 1
        return ReplayStep(frames=tuple(frames), next_due=self.next_deadline())
