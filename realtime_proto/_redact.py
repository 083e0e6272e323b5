"""Safe, bounded reprs for payloads that may be large or secret."""

from __future__ import annotations

__all__ = ["bytes_summary", "secret_summary", "text_summary"]

_TEXT_PREVIEW = 60
_BYTES_PREVIEW = 8


def text_summary(value: str | None) -> str:
    """Repr of a possibly huge string: short ones verbatim, long ones as length and prefix."""
    if value is None or len(value) <= _TEXT_PREVIEW:
        return repr(value)
    return f"<{len(value)} chars: {value[:_TEXT_PREVIEW]!r}...>"


def bytes_summary(value: bytes | None) -> str:
    """Repr of binary payloads: their length and the first few bytes in hex."""
    if value is None:
        return "None"
    prefix = value[:_BYTES_PREVIEW].hex()
    more = "..." if len(value) > _BYTES_PREVIEW else ""
    return f"<{len(value)} bytes: {prefix}{more}>"


def secret_summary(value: object) -> str:
    """Repr of a credential: never any part of it."""
    return "<redacted>" if value else repr(value)
