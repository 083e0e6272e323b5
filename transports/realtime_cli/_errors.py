"""The command's failures, each told in one line that says what to do about it."""

from __future__ import annotations

from realtime_proto import (
    ConnectError,
    ConnectionClosedError,
    ConnectTimeout,
    HandshakeError,
    TLSError,
    TransportError,
)

__all__ = ["CommandError", "UsageError", "describe_failure", "one_line"]

_BODY_SHOWN = 200  # characters of a refusal's body worth a line


class CommandError(Exception):
    """A failure while running (unreachable, refused, cut off): one line, exit status 1."""

    exit_code = 1


class UsageError(CommandError):
    """The command line or the environment asks for what cannot work; found before any
    connection is made. One line, exit status 2, as for the argument parser's own errors."""

    exit_code = 2


def one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line (whitespace runs become one space), cut at ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def describe_failure(error: TransportError, where: str, *, reach_hint: str, key_hint: str) -> str:
    """What went wrong talking to ``where`` (a description free of credentials), and what to
    do: ``reach_hint`` when it cannot be reached, ``key_hint`` when it refuses the key."""
    if isinstance(error, HandshakeError):
        status = error.status_code
        body = one_line(error.body, _BODY_SHOWN)
        said = f"{where} refused the connection: HTTP {status}" + (f" {body}" if body else "")
        if status in (401, 403):
            return f"{said}; {key_hint}"
        if status == 429:
            return f"{said}; too many requests or no quota left: wait and retry, or check the plan"
        if status == 404:
            return f"{said}; check the URL and the model or deployment name"
        return said
    if isinstance(error, TLSError):
        return (
            f"{error}; check that the server speaks TLS (ws:// for a plain one) with a "
            "certificate this machine trusts"
        )
    if isinstance(error, ConnectTimeout):
        return f"{error}; {reach_hint}, or allow more time with --timeout"
    if isinstance(error, ConnectError):
        return f"{error}; {reach_hint}"
    if isinstance(error, ConnectionClosedError):
        return f"the conversation ended before the reply was complete: {error}"
    return str(error)
