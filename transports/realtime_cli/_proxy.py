"""``realtime-proto proxy``: a recording proxy on a local port, in front of a realtime service."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from realtime_blocking import ProxyServer

from realtime_proto import Dialect, Endpoint, InsecureCredentialsError

from ._errors import CommandError, UsageError
from ._serve import _cannot_listen as cannot_listen
from ._target import GOES_ONLY, dialect_asked, service_key

__all__ = ["proxy"]


def proxy(
    target: str,
    host: str,
    port: int,
    *,
    environ: Mapping[str, str],
    record_path: str | None = None,
    forward_credentials: bool = False,
    dialect: Dialect | None = None,
) -> int:
    """Relay every client that connects on ``host``:``port`` to ``target`` until interrupted
    (``KeyboardInterrupt`` propagates once the proxy is closed), recording each connection to
    ``record_path`` (numbered from the second on). The key for ``target`` comes from
    ``environ`` as ``converse --url`` chooses it. Raises :class:`UsageError` for a target or
    a record path that cannot work, :class:`CommandError` when it cannot listen there."""
    endpoint, sent = _upstream(target, environ, dialect)
    if record_path is not None and not os.path.isdir(os.path.dirname(record_path) or "."):
        raise UsageError(f"--record {record_path}: no such directory")
    numbers = itertools.count(1)

    def ended(path: str | None) -> None:
        recorded = f"; recorded to {path}" if path is not None else ""
        print(f"connection {next(numbers)} is over{recorded}", flush=True)

    try:
        server = ProxyServer(
            endpoint,
            host,
            port,
            record_to=record_path,
            forward_credentials=forward_credentials,
            on_connection_end=ended,
        )
    except OSError as exc:
        raise CommandError(cannot_listen(host, port, exc)) from None
    try:
        key = f"with {sent}" if sent else "no key: " + ", ".join(GOES_ONLY.values())
        clients = "the clients' credentials " + ("forwarded" if forward_credentials else "dropped")
        print(f"proxy listening on {server.url}", flush=True)
        print(f"relaying to {endpoint.safe_url} ({key}; {clients})", flush=True)
        if record_path is not None:
            print(f"recording to {record_path}", flush=True)
        print(f"openai package: AsyncOpenAI(websocket_base_url={server.base_url!r})", flush=True)
        server.serve_forever()
    finally:
        server.close()
    return 0  # serve_forever returns only once the server was closed


def _upstream(
    target: str, environ: Mapping[str, str], dialect: Dialect | None
) -> tuple[Endpoint, str]:
    try:
        host = (urlsplit(target).hostname or "").lower()
    except ValueError as exc:
        raise UsageError(f"--target is not a URL: {exc}") from None
    asked = dialect_asked(target, "--target")
    api_key, headers, sent = service_key(host, environ)
    try:
        endpoint = Endpoint.from_url(
            target, api_key=api_key, headers=headers, dialect=dialect or asked or Dialect.GA
        )
    except InsecureCredentialsError:
        raise UsageError(
            f"--target is plain ws:// to {host}, which would carry {sent} unencrypted: use wss://"
        ) from None
    except ValueError as exc:
        raise UsageError(f"--target: {exc}") from None
    return endpoint, sent
