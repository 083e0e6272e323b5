"""``realtime-proto replay``: a cassette served on a local port, to every client that connects."""

from __future__ import annotations

import itertools
import sys

from realtime_blocking import ReplayServer
from realtime_blocking._replay import load_cassette

from realtime_proto import Dialect
from realtime_proto.cassette import Cassette, CassetteError, ReplaySession

from ._errors import CommandError, UsageError
from ._serve import _cannot_listen as cannot_listen

__all__ = ["replay"]

PROG = "realtime-proto"


def replay(path: str, host: str, port: int, *, pace: bool = False) -> int:
    """Serve the cassette at ``path`` until interrupted (``KeyboardInterrupt`` propagates once
    the server is closed). Each session that ends is told in one line: on stdout when the
    client followed the recording, on stderr when it left it (the divergence: where, and how).
    Raises :class:`UsageError` for a file that cannot be read or replayed, and
    :class:`CommandError` when it cannot listen there."""
    cassette = _load(path)
    numbers = itertools.count(1)

    def ended(session: ReplaySession) -> None:
        number = next(numbers)
        if session.divergence is not None:
            print(
                f"{PROG}: session {number} diverged at {session.divergence}",
                file=sys.stderr,
                flush=True,
            )
        elif session.replay.complete:
            print(f"session {number}: the client followed the whole recording", flush=True)
        else:
            print(f"session {number}: the client left before the end of the recording", flush=True)

    try:
        server = ReplayServer(cassette, host, port, pace=pace, on_session_end=ended)
    except CassetteError as exc:
        raise UsageError(f"{path}: {exc}; it cannot be replayed") from None
    except OSError as exc:
        raise CommandError(cannot_listen(host, port, exc)) from None
    try:
        entries = len(cassette.entries)
        paced = ", at its recorded pace" if pace else ""
        print(
            f"replaying {path} ({entries} entries, {server.dialect.value} dialect{paced}) "
            f"on {server.url}",
            flush=True,
        )
        if server.dialect is Dialect.GA:
            print(
                f"openai package: AsyncOpenAI(websocket_base_url={server.base_url!r})", flush=True
            )
        print(f"talk to it: realtime-proto converse --url '{server.url}'", flush=True)
        server.serve_forever()
    finally:
        server.close()
    return 0  # serve_forever returns only once the server was closed


def _load(path: str) -> Cassette:
    try:
        return load_cassette(path)
    except CassetteError as exc:
        raise UsageError(f"{path}: {exc}; is it a cassette?") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
