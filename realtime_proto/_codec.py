"""JSON text <-> dict, with every failure turned into a reason string instead of an exception."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "DecodeFailure",
    "decode_object",
    "encode_object",
    "excerpt",
    "split_last_string",
    "string_field",
]

_EXCERPT = 200
# A \uD800-\uDFFF escape may be half of a surrogate pair (fine) or a lone surrogate (invalid
# text); only messages that contain one pay for the full check.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class DecodeFailure(Exception):
    """Internal: a message that is not a JSON object. Never leaves the core."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every message: ``json.loads`` with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _decode_stdlib(text: str) -> Any:
    value = _parse_stdlib(text)
    if "\\" in text and _SURROGATE_ESCAPE.search(text):
        _check_text(value)  # raises UnicodeEncodeError for a lone surrogate
    return value


def _parse_stdlib(text: str) -> Any:
    # raw_decode skips the whitespace scans of decode(); the rare padded message takes decode().
    if not text or text[0] in _JSON_SPACE:
        return _DECODER.decode(text)
    value, end = _DECODER.raw_decode(text)
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return _DECODER.decode(text)  # raises "Extra data" as json.loads does
    return value


_JSON_SPACE = " \t\n\r"


def _holds_float(container: Any) -> bool:
    """Whether a parsed dict or list holds a float, at any depth."""
    for value in container.values() if type(container) is dict else container:
        kind = type(value)
        if kind is float or ((kind is dict or kind is list) and _holds_float(value)):
            return True
    return False


try:
    # The optional "speedups" extra: a JSON parser twice as fast on audio messages.
    import orjson
except ImportError:  # pragma: no cover - depends on the installed extras
    _decode = _decode_stdlib
else:

    def _decode(text: str) -> Any:
        """The standard library's result, faster. orjson refuses what the standard library
        reads differently (lone surrogates, ``NaN``, numbers past a double's range), and reads
        integers past 64 bits as floats: then, and on any failure, the standard library decides
        (and words the reason). What orjson accepts holds no lone surrogate."""
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return _decode_stdlib(text)
        kind = type(value)
        if kind is float or ((kind is dict or kind is list) and _holds_float(value)):
            return _decode_stdlib(text)
        return value


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def decode_object(text: str) -> dict[str, Any]:
    """Parse one message; raises :class:`DecodeFailure` with a reason when it is not an object."""
    try:
        value = _decode(text)
    except RecursionError:
        raise DecodeFailure("JSON nested too deeply") from None
    except UnicodeEncodeError:
        raise DecodeFailure("JSON string holds a lone surrogate") from None
    except ValueError as exc:
        raise DecodeFailure(f"malformed JSON: {exc}") from None
    if not isinstance(value, dict):
        raise DecodeFailure(f"expected a JSON object, got {type(value).__name__}")
    return value


def split_last_string(text: str, key: str) -> dict[str, Any] | None:
    """An object whose last member is ``"key":"..."``, read without scanning that string as
    JSON: the object, with the string under ``key`` as written. ``None`` for any other shape,
    for a string with an escape, or for a text that does not parse, all of which
    :func:`decode_object` reads (or refuses).

    The string is not checked for control characters, which JSON forbids unescaped: the
    caller must refuse them (a strict base64 decode does).
    """
    if not text.endswith('"}'):
        return None
    start = text.rfind('"', 0, len(text) - 2)  # the string's opening quote: it holds none
    member = start - len(key) - 4  # where ',"key":' begins
    if member < 1 or text[member : start + 1] != f',"{key}":"':
        return None
    value = text[start + 1 : -2]
    head = text[:member]
    if "\\" in value or head.rstrip(_JSON_SPACE).endswith("{"):
        return None  # an escape to read, or a comma with no member before it
    try:
        wire: dict[str, Any] = _decode(head + "}")  # a valid text that ends in } is an object
    except Exception:  # malformed: the whole text is, and decode_object says why
        return None
    wire[key] = value
    return wire


def encode_object(value: Mapping[str, Any]) -> str:
    """Compact JSON; non-ASCII text is sent as UTF-8, not as escapes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def excerpt(text: str) -> str:
    """A bounded prefix of a message, for diagnostics."""
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


def string_field(wire: dict[str, Any], key: str) -> str | None:
    """``wire[key]`` if it is a string, else ``None``."""
    value = wire.get(key)
    return value if isinstance(value, str) else None
