"""The exception hierarchy, as the code behaves.

Two families under :class:`RealtimeError`. :class:`LocalProtocolError`: the caller asked for
something the protocol or the current state forbids (raised by ``send`` and the verbs; the
state is unchanged). :class:`TransportError`: the connection could not be made or has ended
(raised by the transports). What the peer does wrong is never an exception on the receive path:
it arrives as a typed event (``InvalidMessage``, ``UnknownEvent``, ``ConnectionClosed``), and
no wsproto, json or cattrs exception escapes the core. Arguments of the wrong type or value
raise the built-in ``TypeError`` / ``ValueError`` where they are given.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._redact import scrub_headers, scrub_secrets

__all__ = [
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosedError",
    "HandshakeError",
    "LimitExceeded",
    "LocalProtocolError",
    "RealtimeError",
    "ResumeFailed",
    "TLSError",
    "TransportError",
    "WriteTimeout",
    "describe_tls_error",
]


class RealtimeError(Exception):
    """Base class of every error this library raises."""


class LocalProtocolError(RealtimeError):
    """The caller misused the API: a command that the current state or the protocol forbids.

    The connection's state is unchanged when this is raised.
    """


class LimitExceeded(LocalProtocolError):
    """A configured bound (pending output, message size, ...) would be exceeded by a local call."""


class TransportError(RealtimeError):
    """The connection could not be made, was refused, or has ended. Raised by the transports."""


class ConnectError(TransportError):
    """The server could not be reached: refused, unreachable, or its name did not resolve."""


class ConnectTimeout(ConnectError):
    """Connecting, the opening handshake or the wait for the session took too long."""


class TLSError(ConnectError):
    """The TLS handshake failed: most often the server's certificate did not verify."""


class HandshakeError(TransportError):
    """The server answered the WebSocket upgrade with an HTTP error.

    ``body`` is an excerpt of the response body and ``headers`` the response's headers, both
    with every credential scrubbed out: the given ``secrets`` and anything that looks like one
    (:func:`~realtime_proto._redact.scrub_secrets`, :func:`~realtime_proto._redact.scrub_headers`).
    """

    def __init__(
        self,
        status_code: int,
        body: str,
        headers: tuple[tuple[str, str], ...] = (),
        *,
        secrets: Iterable[str] = (),
    ):
        known = tuple(secrets)
        body = scrub_secrets(body, known)
        headers = scrub_headers(headers, known)
        detail = f": {body}" if body else ""
        super().__init__(f"the server rejected the connection with HTTP {status_code}{detail}")
        self.status_code = status_code
        self.body = body
        self.headers = headers


class ConnectionClosedError(TransportError):
    """The connection is closed: by the peer, by us, or by a failure (``initiator == "error"``).

    ``reason`` is scrubbed of the given ``secrets`` and of anything that looks like a credential.
    """

    def __init__(
        self,
        code: int,
        reason: str = "",
        initiator: str = "remote",
        *,
        secrets: Iterable[str] = (),
    ):
        reason = scrub_secrets(reason, secrets)
        detail = f" ({reason})" if reason else ""
        super().__init__(f"the connection is closed: code {code}{detail}, by {initiator}")
        self.code = code
        self.reason = reason
        self.initiator = initiator


class WriteTimeout(ConnectionClosedError):
    """The peer accepted no byte for ``Timeouts.write_timeout`` seconds: it stopped reading,
    or the network is gone. The connection was aborted."""

    def __init__(self, timeout: float):
        super().__init__(1006, f"no byte could be written for {timeout:g} s", "error")
        self.timeout = timeout


class ResumeFailed(TransportError):
    """A resumable conversation lost its connection and could not get a new one that works
    (that completes a response) within its policy's ``attempts``; ``last_error`` (also the
    ``__cause__``) is why the last attempt failed, if it failed to connect."""

    def __init__(self, reason: str, attempts: int, last_error: BaseException | None):
        tried = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        last = f": {last_error}" if last_error is not None else ""
        super().__init__(f"the conversation could not be resumed ({reason}) after {tried}{last}")
        self.reason = reason
        self.attempts = attempts
        self.last_error = last_error
        self.__cause__ = last_error


def describe_tls_error(error: BaseException) -> str:
    """A short description of an ``ssl.SSLError`` (the core does not import ``ssl``)."""
    verify = getattr(error, "verify_message", None)
    reason = getattr(error, "reason", None)
    if verify:
        return f"certificate verify failed: {verify}"
    return str(reason or error)


class RemoteProtocolError(RealtimeError):
    """Deprecated and never raised: the receive path reports a peer's mistakes as events."""
