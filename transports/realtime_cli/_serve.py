"""``realtime-proto serve``: the simulator on a local port."""

from __future__ import annotations

import errno
import socket

from realtime_blocking import SimulatorServer

from realtime_proto import Dialect
from realtime_proto.simulator import Simulator

from ._errors import CommandError

__all__ = ["serve"]


def serve(
    host: str,
    port: int,
    *,
    pace_audio: bool = False,
    session_duration: float | None = None,
    dialect: Dialect = Dialect.GA,
) -> int:
    """Run the simulator on a local port until interrupted (``KeyboardInterrupt`` propagates
    once the server is closed). ``dialect``: what it speaks to clients that ask for none.
    Raises :class:`CommandError` when it cannot listen there."""

    def simulator() -> Simulator:
        return Simulator(
            pace_audio=pace_audio, session_duration=session_duration, default_dialect=dialect
        )

    try:
        server = SimulatorServer(host, port, simulator=simulator)
    except OSError as exc:
        raise CommandError(_cannot_listen(host, port, exc)) from None
    try:
        url = server.url_for(dialect)
        print(f"simulator listening on {url}", flush=True)
        if dialect is Dialect.GA:
            print(
                f"openai package: AsyncOpenAI(websocket_base_url={server.base_url!r})", flush=True
            )
        else:
            print(
                f"it speaks {dialect.value} to clients whose URL names no dialect "
                "(dialect=ga, beta or preview in the query chooses)",
                flush=True,
            )
        print(f"talk to it: realtime-proto converse --url '{url}'", flush=True)
        server.serve_forever()
    finally:
        server.close()
    return 0  # serve_forever returns only once the server was closed


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    where = f"cannot listen on {host}:{port}"
    if isinstance(error, socket.gaierror):
        return f"{where}: {error.strerror}; check --host"
    if error.errno == errno.EADDRINUSE:
        return f"{where}: the port is in use; pick another --port (0: any free one)"
    if error.errno == errno.EACCES:
        return f"{where}: permission denied; use a --port above 1023 (0: any free one)"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{where}: no interface of this machine has that address; check --host"
    return f"{where}: {error.strerror or error}"
