"""The package's one credential rule (:mod:`realtime_proto._redact`) applied to what a cassette
keeps: URLs, request targets, headers, JSON messages and bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

from .._codec import DecodeFailure, decode_object, encode_object
from .._redact import credentials_in, is_credential_name, scrub_secrets

__all__ = [
    "MIN_SECRET",
    "REDACTED",
    "handshake_credentials",
    "redact_target",
    "redact_url",
    "replace_secrets",
    "scrub_bytes",
    "scrub_message",
    "scrub_text",
    "shown_headers",
    "url_credentials",
]

REDACTED: Final = "<redacted>"
_REPR_LIMIT: Final = 200
MIN_SECRET: Final = 4  # scrub_secrets ignores shorter secrets: they would match by chance
# Where a message nests deeper than this, the walk below stops (so that it cannot exhaust the
# stack): what lies deeper is kept whole if the rule finds nothing in it, else redacted whole.
_MAX_DEPTH: Final = 64


def redact_target(target: str) -> str:
    """``target`` with the value of every credential-named query parameter redacted; the very
    same text when it has none."""
    path, _, query = target.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_credential_name(name) for name, _ in pairs):
        return target
    shown = [(name, REDACTED if is_credential_name(name) else value) for name, value in pairs]
    return f"{path}?{urlencode(shown, safe='<>')}"


def redact_url(url: str) -> str:
    """``url`` without credentials: no user information, credential-named query values
    redacted; the very same text when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unparsable URL: what the text rule leaves of it
        return scrub_secrets(url, ())
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    shown = redact_target(target)
    if netloc == parts.netloc and shown == target:
        return url
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{netloc}{shown}{fragment}"


def url_credentials(url: str) -> list[str]:
    """The secrets a URL carries: its password and its credential-named query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    password = [parts.password] if parts.password else []
    return [*password, *credentials_in((), target=f"?{parts.query}")]


def handshake_credentials(headers: Iterable[tuple[str, str]], target: str = "") -> list[str]:
    """The secrets a recorded handshake carries (see :func:`credentials_in`), so that an echo
    of them is redacted too."""
    headers = tuple(headers)
    offered = [
        protocol.strip()
        for name, value in headers
        if name.lower() == "sec-websocket-protocol"
        for protocol in value.split(",")
    ]
    return list(credentials_in(headers, offered, target))


def shown_headers(headers: tuple[tuple[str, str], ...]) -> str:
    """Repr of headers: credential-named values redacted, the rest scrubbed, all bounded."""
    pairs = tuple((name, REDACTED if is_credential_name(name) else v) for name, v in headers)
    shown = scrub_secrets(repr(pairs), ())
    return shown if len(shown) <= _REPR_LIMIT else f"{shown[:_REPR_LIMIT]}... ({len(shown)} chars)"


def replace_secrets(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every occurrence of a secret redacted, and nothing else (the secrets are
    at least :data:`MIN_SECRET` long)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def scrub_bytes(data: bytes, secrets: Sequence[str]) -> bytes:
    """``data`` with every occurrence of a secret's UTF-8 bytes redacted (the secrets are at
    least :data:`MIN_SECRET` long)."""
    for secret in sorted(secrets, key=len, reverse=True):
        data = data.replace(secret.encode("utf-8"), REDACTED.encode("ascii"))
    return data


def scrub_text(text: str, secrets: Sequence[str]) -> str:
    """A text message with every credential redacted by the package's rule
    (:func:`~realtime_proto._redact.scrub_secrets`). When the rule finds something in a JSON
    message, it is applied to the message's strings instead (:func:`scrub_message`), so that
    the message stays valid JSON that means the same; when that finds nothing (the text rule
    read a pair across JSON syntax), the text is kept as it was."""
    scrubbed = scrub_secrets(text, secrets)
    if scrubbed == text:
        return text
    try:
        message = decode_object(text)
    except DecodeFailure:
        return scrubbed
    cleaned = _scrub_object(message, secrets, 0)
    return text if cleaned == message else encode_object(cleaned)


def scrub_message(message: dict[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """A decoded JSON message as :func:`scrub_text` leaves its text: the message itself when
    the rule finds nothing in its JSON text; else a copy with the rule applied to every string
    in it, and the value of every credential-named member redacted when it is a string or a
    number (as the rule does to ``"api_key": "..."`` in text; a container there is walked)."""
    text = encode_object(message)
    if scrub_secrets(text, secrets) == text:
        return message
    return _scrub_object(message, secrets, 0)


def _scrub_object(value: dict[str, Any], secrets: Sequence[str], depth: int) -> dict[str, Any]:
    return {
        scrub_secrets(name, secrets): (
            REDACTED if _is_secret_member(name, member) else _scrub(member, secrets, depth + 1)
        )
        for name, member in value.items()
    }


def _is_secret_member(name: str, value: Any) -> bool:
    scalar = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return scalar and value != "" and is_credential_name(name)


def _scrub(value: Any, secrets: Sequence[str], depth: int) -> Any:
    if isinstance(value, str):
        return scrub_secrets(value, secrets)
    if not isinstance(value, (dict, list)):
        return value
    if depth > _MAX_DEPTH:  # too deep to walk: kept whole if the rule finds nothing in it
        text = json.dumps(value, ensure_ascii=False)
        return value if scrub_secrets(text, secrets) == text else REDACTED
    if isinstance(value, dict):
        return _scrub_object(value, secrets, depth)
    return [_scrub(item, secrets, depth + 1) for item in value]
