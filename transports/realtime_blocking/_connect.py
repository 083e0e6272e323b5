"""Opening a :class:`Channel`: TCP, then TLS for ``wss://``."""

from __future__ import annotations

import logging
import socket
import time
from typing import TYPE_CHECKING

from realtime_proto import ConnectError, ConnectTimeout, Endpoint, TLSError, describe_tls_error

from ._channel import Channel

if TYPE_CHECKING:
    import ssl

__all__ = ["open_channel"]

_log = logging.getLogger("realtime_blocking")


def open_channel(endpoint: Endpoint, context: ssl.SSLContext | None, timeout: float) -> Channel:
    """Connect to ``endpoint`` (TLS for ``wss://``) within ``timeout`` seconds; raises
    :class:`ConnectError`, :class:`ConnectTimeout` or :class:`TLSError`."""
    where = f"{endpoint.host}:{endpoint.port}"
    _log.info("connecting to %s", endpoint.safe_url)
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout)
    except TimeoutError:
        raise ConnectTimeout(f"connecting to {where} took longer than {timeout} s") from None
    except OSError as exc:
        raise ConnectError(f"cannot connect to {where}: {exc}") from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not endpoint.secure:
        return Channel(sock)
    import ssl  # only here: loading OpenSSL's TLS library costs memory

    from ._tls import TlsChannel

    channel = TlsChannel(sock, context or ssl.create_default_context(), endpoint.host)
    try:
        channel.handshake(deadline)
    except TimeoutError:
        channel.close()
        raise ConnectTimeout(f"the TLS handshake with {where} took over {timeout} s") from None
    except ssl.SSLError as exc:
        channel.close()
        raise TLSError(f"TLS with {where} failed: {describe_tls_error(exc)}") from exc
    except OSError as exc:
        channel.close()
        raise ConnectError(f"cannot connect to {where}: {exc}") from exc
    return channel
