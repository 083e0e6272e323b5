"""The cattrs converter shared by the dialects: strict primitives, base64 bytes, value objects.

Structuring raises only :class:`WireError` (or a cattrs error wrapping one); the dialect turns
either into an ``InvalidMessage`` event.
"""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar, get_origin

import cattrs

from .._codec import encode_object
from .._options import Dialect
from .._values import (
    ContentPart,
    ConversationItem,
    ErrorDetail,
    FieldProblem,
    RateLimit,
    ResponseInfo,
    Usage,
)

__all__ = [
    "WireError",
    "b64decode",
    "b64encode",
    "collecting_problems",
    "converter",
    "decode_base64",
    "item_to_wire",
    "note_problem",
    "part_to_wire",
]

T = TypeVar("T")


class WireError(ValueError):
    """Internal: a field of the wrong type or shape. Never leaves the core."""


# Problems with descriptive fields found while one message is structured. A context variable,
# not a global: conversations in different threads decode at the same time.
_PROBLEMS: ContextVar[list[FieldProblem] | None] = ContextVar("field_problems", default=None)


def note_problem(field: str, problem: str) -> None:
    """Record that a descriptive field was unusable and left unset."""
    found = _PROBLEMS.get()
    if found is not None:
        found.append(FieldProblem(field=field, problem=problem))


def collecting_problems(structure: Callable[[], T]) -> tuple[T, list[FieldProblem]]:
    """Run ``structure`` and return its result with the problems it noted."""
    found: list[FieldProblem] = []
    token = _PROBLEMS.set(found)
    try:
        return structure(), found
    finally:
        _PROBLEMS.reset(token)


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


def _required(source: Mapping[str, Any], key: str, kind: type, name: str) -> Any:
    value = source.get(key)
    if value is None:
        raise WireError(f"required field {key!r} is missing")
    try:
        return _expect(kind, name)(value, None)
    except WireError as exc:
        raise WireError(f"{key!r}: {exc}") from None


def _opt(source: Mapping[str, Any], key: str, kind: type, name: str) -> Any:
    value = source.get(key)
    if value is None:
        return None
    return _expect(kind, name)(value, None)


# -- lenient reads of descriptive fields: an unusable value is noted and left unset ----------


def _loose(source: Mapping[str, Any], key: str, kind: type, name: str, where: str) -> Any:
    try:
        return _opt(source, key, kind, name)
    except WireError as exc:
        note_problem(f"{where}.{key}", str(exc))
        return None


def _loose_object(source: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = source.get(key)
    if value is None or isinstance(value, dict):
        return value
    note_problem(f"{where}.{key}", f"expected an object, got {type(value).__name__}")
    return None


def _loose_list(source: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = source.get(key)
    if value is None or isinstance(value, list):
        return value or []
    note_problem(f"{where}.{key}", f"expected a list, got {type(value).__name__}")
    return []


def _loose_int(source: Mapping[str, Any], key: str, where: str) -> int:
    return _loose(source, key, int, "an integer", where) or 0


_PART_KEYS = frozenset({"type", "text", "audio", "transcript", "id"})


def _part(value: Any, _: Any) -> ContentPart:
    """A content part: its ``type`` is required; text, audio and transcript repeat what the
    deltas carried, so an unusable one is left unset."""
    wire = _object(value, "a content part")
    audio = wire.get("audio")
    if audio is not None:
        try:
            audio = _bytes(audio, None)
        except WireError as exc:
            note_problem("part.audio", str(exc))
            audio = None
    return ContentPart(
        type=_required(wire, "type", str, "a string"),
        text=_loose(wire, "text", str, "a string", "part"),
        audio=audio,
        transcript=_loose(wire, "transcript", str, "a string", "part"),
        id=_loose(wire, "id", str, "a string", "part"),
        extra={k: v for k, v in wire.items() if k not in _PART_KEYS},
    )


_ITEM_KEYS = frozenset(
    {"type", "id", "object", "role", "status", "content", "call_id", "name", "arguments", "output"}
)


def _item(value: Any, _: Any) -> ConversationItem:
    """An item: type, ids and the call's payload are strict; role, status and content parts
    are descriptive (an unusable part is left out)."""
    wire = _object(value, "an item")
    content = []
    for index, part in enumerate(_loose_list(wire, "content", "item")):
        try:
            content.append(_part(part, None))
        except WireError as exc:
            note_problem(f"item.content[{index}]", str(exc))
    return ConversationItem(
        type=_required(wire, "type", str, "a string"),
        id=_opt(wire, "id", str, "a string"),
        role=_loose(wire, "role", str, "a string", "item"),
        status=_loose(wire, "status", str, "a string", "item"),
        content=tuple(content),
        call_id=_opt(wire, "call_id", str, "a string"),
        name=_opt(wire, "name", str, "a string"),
        arguments=_opt(wire, "arguments", str, "a string"),
        output=_opt(wire, "output", str, "a string"),
        extra={k: v for k, v in wire.items() if k not in _ITEM_KEYS},
    )


def _usage_of(wire: Mapping[str, Any]) -> Usage:
    return Usage(
        total_tokens=_loose_int(wire, "total_tokens", "usage"),
        input_tokens=_loose_int(wire, "input_tokens", "usage"),
        output_tokens=_loose_int(wire, "output_tokens", "usage"),
        input_token_details=_loose_object(wire, "input_token_details", "usage") or {},
        output_token_details=_loose_object(wire, "output_token_details", "usage") or {},
    )


_RESPONSE_KEYS = frozenset(
    {"id", "object", "status", "status_details", "output", "conversation_id", "metadata", "usage"}
)


def _response(value: Any, _: Any) -> ResponseInfo:
    """A response object: only its ``id`` is strict. Status details, usage, metadata, the
    conversation id and the output items are descriptive."""
    wire = _object(value, "response")
    output = []
    for index, item in enumerate(_loose_list(wire, "output", "response")):
        try:
            output.append(_item(item, None))
        except WireError as exc:
            note_problem(f"response.output[{index}]", str(exc))
    usage = _loose_object(wire, "usage", "response")
    return ResponseInfo(
        id=_required(wire, "id", str, "a string"),
        status=_loose(wire, "status", str, "a string", "response") or "in_progress",
        status_details=_loose_object(wire, "status_details", "response"),
        output=tuple(output),
        conversation_id=_loose(wire, "conversation_id", str, "a string", "response"),
        metadata=_loose_object(wire, "metadata", "response"),
        usage=None if usage is None else _usage_of(usage),
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


def _rate_limits(value: Any, _: Any) -> tuple[RateLimit, ...]:
    """Rate limits are descriptive: an unusable entry is left out."""
    if not isinstance(value, list):
        note_problem("rate_limits", f"expected a list, got {type(value).__name__}")
        return ()
    limits = []
    for index, entry in enumerate(value):
        try:
            limits.append(_rate_limit(entry, None))
        except WireError as exc:
            note_problem(f"rate_limits[{index}]", str(exc))
    return tuple(limits)


# The content-part types that differ between the generations, as each one spells them in an
# item's content (assistant output); user and system parts are spelt the same in both.
_ITEM_PART_TYPES: dict[Dialect, dict[str, str]] = {
    Dialect.GA: {"text": "output_text", "audio": "output_audio"},
    Dialect.BETA: {"output_text": "text", "output_audio": "audio"},
}
# ``response.content_part.*`` events spell them ``text`` and ``audio`` in both generations.
_EVENT_PART_TYPES = _ITEM_PART_TYPES[Dialect.BETA]


def part_to_wire(
    part: ContentPart, dialect: Dialect | None = None, *, event: bool = False
) -> dict[str, Any]:
    """A content part as ``dialect`` spells it in an item (``None``: its type as it is);
    ``event`` spells it as the ``response.content_part`` events do."""
    if event:
        names = _EVENT_PART_TYPES
    else:
        names = {} if dialect is None else _ITEM_PART_TYPES.get(dialect, {})
    wire: dict[str, Any] = {"type": names.get(part.type, part.type)}
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


def item_to_wire(item: ConversationItem, dialect: Dialect | None = None) -> dict[str, Any]:
    """An item, its content parts spelt as ``dialect`` does (``None``: as they are)."""
    wire: dict[str, Any] = {"type": item.type}
    for key in ("id", "role", "status", "call_id", "name", "arguments", "output"):
        value = getattr(item, key)
        if value is not None:
            wire[key] = value
    if item.content or item.type == "message":
        wire["content"] = [part_to_wire(part, dialect) for part in item.content]
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


def _response_to_wire(response: ResponseInfo, dialect: Dialect | None = None) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": response.id,
        "object": "realtime.response",
        "status": response.status,
        "status_details": None
        if response.status_details is None
        else dict(response.status_details),
        "output": [item_to_wire(item, dialect) for item in response.output],
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
    conv.register_structure_hook_func(lambda t: t == tuple[RateLimit, ...], _rate_limits)
    conv.register_unstructure_hook(bytes, b64encode)
    conv.register_unstructure_hook(ContentPart, part_to_wire)
    conv.register_unstructure_hook(ConversationItem, item_to_wire)
    conv.register_unstructure_hook(ResponseInfo, _response_to_wire)
    conv.register_unstructure_hook(ErrorDetail, _error_to_wire)
    conv.register_unstructure_hook(Usage, _usage_to_wire)
    return conv


converter = _build()
