"""Safe, bounded reprs for payloads that may be large or secret."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "bounded_reprs",
    "bytes_summary",
    "raw_summary",
    "safe_text_summary",
    "scrub_secrets",
    "secret_summary",
    "text_summary",
]

# Key shapes a service may echo back (OpenAI answers 401 with part of the key it was sent).
_KEY_SHAPES = re.compile(r"\b(?:sk|sess|ek)-[A-Za-z0-9_\-*.]{6,}")

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


def scrub_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every given secret, and anything shaped like an API key, redacted."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "<redacted>")
    return _KEY_SHAPES.sub("<redacted>", text)


def raw_summary(value: str) -> str:
    """Repr of a whole wire message: its size only, since it may carry anything."""
    return f"<{len(value)} chars>" if value else "''"


def safe_text_summary(value: str | None) -> str:
    """:func:`text_summary` of server text that may echo a credential (error messages)."""
    return text_summary(None if value is None else scrub_secrets(value, ()))


_REPR_LIMIT = 200


def bounded_repr(value: object) -> str:
    """Repr of a container of server data: cut at a fixed length."""
    shown = repr(value)
    return shown if len(shown) <= _REPR_LIMIT else f"{shown[:_REPR_LIMIT]}... ({len(shown)} chars)"


def bounded_reprs(cls: type, fields: list[Any]) -> list[Any]:
    """An attrs field transformer: every text or container field that did not choose its repr
    gets a bounded one, so that no server-sized value ever lands whole in a repr or a log."""
    out = []
    for field in fields:
        kind = str(field.type)
        if field.repr is True and kind in ("str", "str | None"):
            field = field.evolve(repr=text_summary)
        elif field.repr is True and ("Mapping" in kind or "tuple" in kind or "dict" in kind):
            field = field.evolve(repr=bounded_repr)
        out.append(field)
    return out
