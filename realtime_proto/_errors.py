"""The exception hierarchy of the core.

Follows h11's split: :class:`LocalProtocolError` means the caller asked for something the
protocol or the current state forbids (raised by ``send`` and friends); :class:`RemoteProtocolError`
means the peer did (raised only on the receive path). No wsproto, json or cattrs exception ever
escapes the core.
"""

from __future__ import annotations

__all__ = [
    "LimitExceeded",
    "LocalProtocolError",
    "ProtocolError",
    "RemoteProtocolError",
]


class ProtocolError(Exception):
    """Base class of every error the core raises."""


class LocalProtocolError(ProtocolError):
    """The caller misused the API: a command that the current state or the protocol forbids.

    The connection's state is unchanged when this is raised.
    """


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol in a way the connection cannot recover from.

    ``close_code_hint`` is the WebSocket close code that describes the failure (1002 protocol
    error, 1007 invalid payload, 1009 message too big, ...).
    """

    def __init__(self, message: str, *, close_code_hint: int = 1002) -> None:
        super().__init__(message)
        self.close_code_hint = close_code_hint


class LimitExceeded(LocalProtocolError):
    """A configured bound (pending output, message size, ...) would be exceeded by a local call."""
