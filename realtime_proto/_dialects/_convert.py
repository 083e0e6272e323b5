"""The cattrs converter shared by the dialects: strict primitives, base64 bytes, value objects.

Structuring raises only :class:`WireError` (or a cattrs error wrapping one); the dialect turns
either into an ``InvalidMessage`` event.
"""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_origin

import cattrs

from .._codec import encode_object
from .._values import ContentPart, ConversationItem, ErrorDetail, RateLimit, ResponseInfo, Usage

__all__ = [
    "WireError",
    "b64decode",
    "b64encode",
    "converter",
    "decode_base64",
    "item_to_wire",
    "part_to_wire",
]

T = TypeVar("T")


class WireError(ValueError):
    """Internal: a field of the wrong type or shape. Never leaves the core."""


def _stdlib_b64decode(value: str) -> bytes:
    if sys.version_info >= (3, 11):
        return binascii.a2b_base64(value, strict_mode=True)
    return base64.b64decode(value, validate=True)  # pragma: no cover - Python 3.10


def _stdlib_b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


try:
    # The optional "speedups" extra: SIMD base64, an order of magnitude faster on audio.
    import pybase64
except ImportError:  # pragma: no cover - depends on the installed extras
    b64decode, b64encode = _stdlib_b64decode, _stdlib_b64encode
else:

    def b64decode(value: str) -> bytes:
        return pybase64.b64decode(value, validate=True)

    def b64encode(value: bytes) -> str:
        return pybase64.b64encode_as_string(value)


def _expect(kind: type[T], name: str) -> Callable[[Any, Any], T]:
    def check(value: Any, _: Any) -> T:
        if type(value) is kind:  # what json produces: the common case, and the cheapest test
            return value
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        raise WireError(f"expected {name}, got {type(value).__name__}")

    return check


def _float(value: Any, _: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise WireError(f"expected a number, got {type(value).__name__}")


def _bytes(value: Any, _: Any) -> bytes:
    if not isinstance(value, str):
        raise WireError(f"expected base64 text, got {type(value).__name__}")
    return decode_base64(value)


def decode_base64(value: str) -> bytes:
    """Strict base64; raises :class:`WireError` with the reason."""
    try:
        return b64decode(value)
    except (binascii.Error, ValueError) as exc:
        raise WireError(f"invalid base64: {exc}") from None


def _mapping(value: Any, _: Any) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    raise WireError(f"expected an object, got {type(value).__name__}")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(f"{what} must be an object, got {type(value).__name__}")
    return value


def _list_or_empty(source: Mapping[str, Any], key: str) -> list[Any]:
    value = source.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise WireError(f"{key!r} must be a list, got {type(value).__name__}")
    return value


def _opt(source: Mapping[str, Any], key: str, kind: type, name: str) -> Any:
    value = source.get(key)
    if value is None:
        return None
    return _expect(kind, name)(value, None)


_PART_KEYS = frozenset({"type", "text", "audio", "transcript", "id"})


def _part(value: Any, _: Any) -> ContentPart:
    wire = _object(value, "a content part")
    audio = wire.get("audio")
    return ContentPart(
        type=_expect(str, "a string")(wire.get("type"), None),
        text=_opt(wire, "text", str, "a string"),
        audio=None if audio is None else _bytes(audio, None),
        transcript=_opt(wire, "transcript", str, "a string"),
        id=_opt(wire, "id", str, "a string"),
        extra={k: v for k, v in wire.items() if k not in _PART_KEYS},
    )


_ITEM_KEYS = frozenset(
    {"type", "id", "object", "role", "status", "content", "call_id", "name", "arguments", "output"}
)


def _item(value: Any, _: Any) -> ConversationItem:
    wire = _object(value, "an item")
    content = _list_or_empty(wire, "content")
    return ConversationItem(
        type=_expect(str, "a string")(wire.get("type"), None),
        id=_opt(wire, "id", str, "a string"),
        role=_opt(wire, "role", str, "a string"),
        status=_opt(wire, "status", str, "a string"),
        content=tuple(_part(part, None) for part in content),
        call_id=_opt(wire, "call_id", str, "a string"),
        name=_opt(wire, "name", str, "a string"),
        arguments=_opt(wire, "arguments", str, "a string"),
        output=_opt(wire, "output", str, "a string"),
        extra={k: v for k, v in wire.items() if k not in _ITEM_KEYS},
    )


def _usage(value: Any, _: Any) -> Usage:
    wire = _object(value, "usage")
    details = {
        key: wire[key] if isinstance(wire.get(key), dict) else {}
        for key in ("input_token_details", "output_token_details")
    }
    return Usage(
        total_tokens=_opt(wire, "total_tokens", int, "an integer") or 0,
        input_tokens=_opt(wire, "input_tokens", int, "an integer") or 0,
        output_tokens=_opt(wire, "output_tokens", int, "an integer") or 0,
        input_token_details=details["input_token_details"],
        output_token_details=details["output_token_details"],
    )


_RESPONSE_KEYS = frozenset(
    {"id", "object", "status", "status_details", "output", "conversation_id", "metadata", "usage"}
)


def _response(value: Any, _: Any) -> ResponseInfo:
    wire = _object(value, "response")
    output = _list_or_empty(wire, "output")
    details = wire.get("status_details")
    if details is not None:
        _object(details, "status_details")
    metadata = wire.get("metadata")
    if metadata is not None:
        _object(metadata, "metadata")
    usage = wire.get("usage")
    return ResponseInfo(
        id=_expect(str, "a string")(wire.get("id"), None),
        status=_opt(wire, "status", str, "a string") or "in_progress",
        status_details=details,
        output=tuple(_item(item, None) for item in output),
        conversation_id=_opt(wire, "conversation_id", str, "a string"),
        metadata=metadata,
        usage=None if usage is None else _usage(usage, None),
        extra={k: v for k, v in wire.items() if k not in _RESPONSE_KEYS},
    )


def _loose_text(value: Any) -> str | None:
    """Best effort: servers have sent objects and numbers where a string belongs."""
    if value is None or isinstance(value, str):
        return value
    return encode_object(value) if isinstance(value, dict) else str(value)


def _error(value: Any, _: Any) -> ErrorDetail:
    if isinstance(value, str):  # some servers send the message alone
        return ErrorDetail(message=value)
    wire = _object(value, "error")
    return ErrorDetail(
        type=_loose_text(wire.get("type")) or "",
        code=_loose_text(wire.get("code")),
        message=_loose_text(wire.get("message")) or "",
        param=_loose_text(wire.get("param")),
        event_id=_loose_text(wire.get("event_id")),
    )


def _rate_limit(value: Any, _: Any) -> RateLimit:
    wire = _object(value, "a rate limit")
    return RateLimit(
        name=_expect(str, "a string")(wire.get("name"), None),
        limit=_expect(int, "an integer")(wire.get("limit"), None),
        remaining=_expect(int, "an integer")(wire.get("remaining"), None),
        reset_seconds=_float(wire.get("reset_seconds"), None),
    )


def part_to_wire(part: ContentPart) -> dict[str, Any]:
    wire: dict[str, Any] = {"type": part.type}
    if part.text is not None:
        wire["text"] = part.text
    if part.audio is not None:
        wire["audio"] = b64encode(part.audio)
    if part.transcript is not None:
        wire["transcript"] = part.transcript
    if part.id is not None:
        wire["id"] = part.id
    wire.update(part.extra)
    return wire


def item_to_wire(item: ConversationItem) -> dict[str, Any]:
    wire: dict[str, Any] = {"type": item.type}
    for key in ("id", "role", "status", "call_id", "name", "arguments", "output"):
        value = getattr(item, key)
        if value is not None:
            wire[key] = value
    if item.content or item.type == "message":
        wire["content"] = [part_to_wire(part) for part in item.content]
    wire.update(item.extra)
    return wire


def _usage_to_wire(usage: Usage) -> dict[str, Any]:
    return {
        "total_tokens": usage.total_tokens,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "input_token_details": dict(usage.input_token_details),
        "output_token_details": dict(usage.output_token_details),
    }


def _response_to_wire(response: ResponseInfo) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": response.id,
        "object": "realtime.response",
        "status": response.status,
        "status_details": None
        if response.status_details is None
        else dict(response.status_details),
        "output": [item_to_wire(item) for item in response.output],
        "conversation_id": response.conversation_id,
        "metadata": None if response.metadata is None else dict(response.metadata),
        "usage": None if response.usage is None else _usage_to_wire(response.usage),
    }
    wire.update(response.extra)
    return wire


def _error_to_wire(error: ErrorDetail) -> dict[str, Any]:
    return {
        "type": error.type,
        "code": error.code,
        "message": error.message,
        "param": error.param,
        "event_id": error.event_id,
    }


def _is_mapping(annotation: Any) -> bool:
    origin: Any = get_origin(annotation)
    return origin is Mapping


def _build() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False, prefer_attrib_converters=False)
    conv.register_structure_hook(str, _expect(str, "a string"))
    conv.register_structure_hook(int, _expect(int, "an integer"))
    conv.register_structure_hook(bool, _expect(bool, "a boolean"))
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(bytes, _bytes)
    conv.register_structure_hook_func(_is_mapping, _mapping)
    conv.register_structure_hook(ContentPart, _part)
    conv.register_structure_hook(ConversationItem, _item)
    conv.register_structure_hook(ResponseInfo, _response)
    conv.register_structure_hook(ErrorDetail, _error)
    conv.register_structure_hook(RateLimit, _rate_limit)
    conv.register_structure_hook(Usage, _usage)
    conv.register_unstructure_hook(bytes, b64encode)
    conv.register_unstructure_hook(ContentPart, part_to_wire)
    conv.register_unstructure_hook(ConversationItem, item_to_wire)
    conv.register_unstructure_hook(ResponseInfo, _response_to_wire)
    conv.register_unstructure_hook(ErrorDetail, _error_to_wire)
    conv.register_unstructure_hook(Usage, _usage_to_wire)
    return conv


converter = _build()
