"""Opening the byte stream to an endpoint, with every failure as a typed error."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio
import anyio.abc

from realtime_proto import ConnectError, ConnectTimeout, Endpoint, TLSError, describe_tls_error

if TYPE_CHECKING:
    import ssl

__all__ = ["open_stream"]

_log = logging.getLogger("realtime_anyio")


async def open_stream(
    endpoint: Endpoint, ssl_context: ssl.SSLContext | None, timeout: float
) -> anyio.abc.ByteStream:
    """A TCP (and, for ``wss://``, TLS) stream to ``endpoint``; raises :class:`ConnectError`."""
    where = f"{endpoint.host}:{endpoint.port}"
    _log.info("connecting to %s", endpoint.safe_url)
    try:
        with anyio.fail_after(timeout):
            if not endpoint.secure:
                return await anyio.connect_tcp(endpoint.host, endpoint.port)
            import ssl  # only here: loading OpenSSL's TLS library costs memory

            try:
                return await anyio.connect_tcp(
                    endpoint.host,
                    endpoint.port,
                    ssl_context=ssl_context or ssl.create_default_context(),
                    tls_hostname=endpoint.host,
                    # the WebSocket closing handshake already guards against truncation
                    tls_standard_compatible=False,
                )
            except ssl.SSLError as exc:
                raise TLSError(f"TLS with {where} failed: {describe_tls_error(exc)}") from exc
    except TimeoutError:
        raise ConnectTimeout(f"connecting to {where} took longer than {timeout} s") from None
    except (OSError, anyio.BrokenResourceError) as exc:
        if exc.__cause__ is not None and type(exc.__cause__).__module__ == "ssl":
            raise TLSError(f"TLS with {where} failed: {describe_tls_error(exc.__cause__)}") from exc
        raise ConnectError(f"cannot connect to {where}: {exc}") from exc
