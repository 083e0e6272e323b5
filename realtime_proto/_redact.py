"""Safe, bounded reprs for payloads that may be large or secret."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

__all__ = [
    "bytes_summary",
    "credentials_in",
    "is_credential_name",
    "raw_summary",
    "safe_text_summary",
    "scrub_headers",
    "scrub_secrets",
    "secret_summary",
    "text_summary",
]

# Key shapes a service may echo back (OpenAI answers 401 with part of the key it was sent).
_KEY_SHAPES = re.compile(r"\b(?:(?:sk|sess|ek)-|ek_)[A-Za-z0-9_\-*.]{6,}")
_KEY_PREFIXES = ("sk-", "sess-", "ek-", "ek_")

# The parts of a name: words split at punctuation and at camelCase humps ("X-Goog-Api-Key",
# "api_key", "accessToken", "APIKEY").
_NAME_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# A part that names a credential, alone or fused with a common qualifier ("apikey").
_CREDENTIAL_PART = re.compile(
    r"(?:api|access|app|auth|bearer|client|id|master|private|refresh|secret|security|session"
    r"|subscription)?"
    r"(?:key|token|secrets?|signature|sig|password|passwd|pwd|authorization|auth|cookies?"
    r"|credentials?)"
)
# Cheap test that a text may hold a credential-named pair or an authorization scheme: every
# credential word and scheme contains one of these (compared with the text lowercased).
_HINTS = ("key", "tok", "secret", "sig", "pass", "pwd", "auth", "cookie", "cred", "bearer", "basic")
# ``name=value``, ``name: value``, ``"name": "value"`` (also JSON-in-JSON ``\"name\"``): the name
# and separator. The look-behind starts a name only where a run of name characters starts, so
# a long run is scanned once: linear time.
_PAIR_NAME = re.compile(r"""(?<![\w.\-])(?P<name>[\w.\-]+)\\?["']?[ \t]*[:=][ \t]*""")
# The value after it: a quoted string up to its closing quote, or one bare token (after any
# authorization schemes, which are kept: "Bearer Bearer <token>" is a common mistake).
_PAIR_VALUE = re.compile(
    r"""\\?["'](?P<quoted>(?:[^"'\\\r\n]|\\/)*)"""
    r"""|(?:(?i:bearer|basic|token)[ \t]+)*(?P<bare><redacted>|[^\s"'\\&,;<>(){}\[\]]+)"""
)
# ``Bearer <token>`` / ``Basic <token>`` (RFC 6750 / 7617 token68; the scheme perhaps doubled),
# unless an auth-param of a challenge follows (``Bearer realm="api"``, RFC 6750 / 7617's
# names); and the browsers' key subprotocol.
_SCHEME_TOKEN = re.compile(
    r"""(?P<scheme>\b(?:(?i:bearer|basic)[ \t]+)+"""
    r"""(?!(?i:realm|scope|error|error_description|error_uri|charset)=)"""
    r"""|\bopenai-insecure-api-key\.)(?:<redacted>|[A-Za-z0-9\-._~+/]+=*)"""
)
_REDACTED = "<redacted>"

_TEXT_PREVIEW = 60
_SCRUB_SPAN = 4096  # the head of a long text that is scrubbed before its preview is cut
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


@functools.lru_cache(maxsize=512)
def is_credential_name(name: str) -> bool:
    """Whether a header, query parameter or field called ``name`` carries a credential: one
    of its word parts says key, token, secret, signature (sig), password (passwd, pwd),
    authorization (auth), cookie or credential, in any case."""
    # Sec-WebSocket-Key is a per-handshake nonce that the WebSocket library makes, not a secret.
    if name[:14].lower() == "sec-websocket-":
        return False
    return any(_CREDENTIAL_PART.fullmatch(part.lower()) for part in _NAME_PARTS.findall(name))


def _scrub_pairs(text: str) -> str:
    pieces: list[str] = []
    done = 0
    for pair in _PAIR_NAME.finditer(text):
        # a name inside a value just redacted still counts ('key: "key": "..."'); only a value
        # that would start inside the redacted span is skipped, so each value is scanned once
        if pair.end() <= done or not is_credential_name(pair["name"]):
            continue
        value = _PAIR_VALUE.match(text, pair.end())
        if value is None:
            continue
        group = "quoted" if value["quoted"] is not None else "bare"
        if not value[group]:
            continue
        pieces += (text[done : value.start(group)], _REDACTED)
        done = value.end(group)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def scrub_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every given secret redacted, and by pattern: the value of every pair whose
    name is a credential's (``api_key=...``, ``"access_token": "..."``, ``api-key: ...``),
    ``Bearer`` and ``Basic`` tokens, and anything shaped like an API key."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    lowered = text.lower()
    if any(hint in lowered for hint in _HINTS):
        if ":" in text or "=" in text:
            text = _scrub_pairs(text)
        text = _SCHEME_TOKEN.sub(r"\g<scheme><redacted>", text)
    if any(prefix in text for prefix in _KEY_PREFIXES):
        text = _KEY_SHAPES.sub(_REDACTED, text)
    return text


def scrub_headers(
    headers: Iterable[tuple[str, str]], secrets: Iterable[str]
) -> tuple[tuple[str, str], ...]:
    """``headers`` with the value of every credential-named header redacted, and the other
    values passed through :func:`scrub_secrets`."""
    known = tuple(secrets)
    return tuple(
        (name, _REDACTED if is_credential_name(name) else scrub_secrets(value, known))
        for name, value in headers
    )


def raw_summary(value: str) -> str:
    """Repr of a whole wire message: its size only, since it may carry anything."""
    return f"<{len(value)} chars>" if value else "''"


def safe_text_summary(value: str | None) -> str:
    """:func:`text_summary` of text that may echo a credential (error messages, close
    reasons): scrubbed by :func:`scrub_secrets`. Only the head of a long text is scrubbed, as
    only that is shown."""
    if value is None or len(value) <= _TEXT_PREVIEW:
        return text_summary(None if value is None else scrub_secrets(value, ()))
    head = scrub_secrets(value[:_SCRUB_SPAN], ())[:_TEXT_PREVIEW]
    return f"<{len(value)} chars: {head!r}...>"


_REPR_LIMIT = 200


def bounded_repr(value: object) -> str:
    """Repr of a container of server data: cut at a fixed length."""
    shown = repr(value)
    return shown if len(shown) <= _REPR_LIMIT else f"{shown[:_REPR_LIMIT]}... ({len(shown)} chars)"


INSECURE_SUBPROTOCOL = "openai-insecure-api-key."  # how browsers pass a key to the service
_SCHEMES = ("bearer", "basic", "token")


def credentials_in(
    headers: Iterable[tuple[str, str]], subprotocols: Iterable[str] = (), target: str = ""
) -> tuple[str, ...]:
    """The secret values a handshake sends, so that an echo of them can be redacted: the value
    of every credential-named header (and the token after its scheme, and each cookie's
    value), the key in an ``openai-insecure-api-key.`` subprotocol, and the value of every
    credential-named query parameter of ``target``."""
    found: list[str] = []
    for name, value in headers:
        if is_credential_name(name):
            found.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.lower() in _SCHEMES:
                found.append(token.strip())
            if "cookie" in name.lower():
                found.extend(cookie.partition("=")[2].strip() for cookie in value.split(";"))
    found.extend(
        protocol.removeprefix(INSECURE_SUBPROTOCOL)
        for protocol in subprotocols
        if protocol.startswith(INSECURE_SUBPROTOCOL)
    )
    found.extend(
        value
        for name, value in parse_qsl(target.partition("?")[2], keep_blank_values=True)
        if value and is_credential_name(name)
    )
    return tuple(found)
