"""The replay's matching rule: a client message matches a recorded one when they have the same
type and the same key fields. Ids, event ids, timestamps, audio and session settings are never
compared: they differ from run to run without the conversation differing.

- The type is the message's ``type`` (``event`` in the preview dialect). A text that is not a
  JSON object with a string type is compared whole.
- The key fields of each type are in :data:`KEY_FIELDS`; a type not listed there is matched by
  its type alone (``session.update``, ``response.create``, ``input_audio_buffer.commit``, ...).
  Only strings, numbers, booleans and null are compared: a field that holds an object or a list
  is compared through the paths that walk into it (``item.content[].text``), never whole.
- Audio appends (``input_audio_buffer.append``, the preview's ``add_user_audio``) are matched
  by their type, and as runs by the amount of audio they carry (see :mod:`._replay`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import attrs

from .._codec import DecodeFailure, decode_object
from .._record import Record
from .._redact import safe_text_summary

__all__ = ["APPENDS", "KEY_FIELDS", "ClientMessage", "Difference", "audio_size", "difference"]

# Per client message type, the fields compared: dotted paths, "[]" walking every element of a
# list. Everything else in the message is free to differ.
KEY_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    # GA and beta
    "conversation.item.create": (
        "item.type",
        "item.role",
        "item.content[].type",
        "item.content[].text",
        "item.name",
        "item.arguments",
        "item.output",
    ),
    "conversation.item.truncate": ("content_index",),
    # the 2024 preview dialect ("content" is compared when it is a tool's output string)
    "add_item": ("type", "role", "name", "content", "content[].type", "content[].text"),
    "truncate_content": ("index",),
    "generate": ("conversation_label",),
    "create_conversation": ("label",),
    "delete_conversation": ("label",),
    "subscribe_to_user_audio": ("label",),
    "unsubscribe_from_user_audio": ("label",),
}

# The audio appends, and the members that hold their base64 audio (the first one present).
APPENDS: Final[Mapping[str, tuple[str, ...]]] = {
    "input_audio_buffer.append": ("audio",),
    "add_user_audio": ("data", "audio"),
}

_ABSENT: Final = "absent"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ClientMessage(Record):
    """A client's text message, parsed once: its type (``None`` when it has none), its key
    fields and, for an append, the bytes of audio it carried (``truncated_from`` when the
    recording cut them)."""

    text: str = attrs.field(repr=safe_text_summary)
    type: str | None
    fields: tuple[tuple[str, Any], ...] = attrs.field(repr=False)
    audio_size: int = 0  # for an append: the bytes of audio it carried

    @classmethod
    def parse(cls, text: str, type_key: str, truncated_from: int | None = None) -> ClientMessage:
        try:
            message = decode_object(text)
        except DecodeFailure:
            return cls(text=text, type=None, fields=())
        kind = message.get(type_key)
        if not isinstance(kind, str):
            return cls(text=text, type=None, fields=())
        fields: list[tuple[str, Any]] = []
        for path in KEY_FIELDS.get(kind, ()):
            _collect(message, path.split("."), "", fields)
        size = truncated_from if truncated_from is not None else audio_size(message, kind)
        return cls(text=text, type=kind, fields=tuple(fields), audio_size=size)

    @property
    def is_append(self) -> bool:
        return self.type in APPENDS

    @property
    def described(self) -> str:
        """The message as a divergence names it: its type, or a summary of its text."""
        return self.type if self.type is not None else f"the untyped text {self.summary}"

    @property
    def summary(self) -> str:
        return safe_text_summary(self.text)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Difference(Record):
    """How a client message differs from the recorded one: the ``field`` that differs (``None``
    when the type, or the untyped text, differs) and each side, as shown to a person."""

    expected: str
    got: str
    field: str | None = None


def audio_size(message: Mapping[str, Any], kind: str) -> int:
    """Bytes of audio an append carries, from the length of its base64 (0 for other types)."""
    for key in APPENDS.get(kind, ()):
        encoded = message.get(key)
        if isinstance(encoded, str):
            padding = len(encoded) - len(encoded.rstrip("="))
            return max(0, len(encoded) * 3 // 4 - padding)
    return 0


def difference(expected: ClientMessage, got: ClientMessage) -> Difference | None:
    """``None`` when ``got`` matches ``expected`` by the rule above, else the first difference:
    the type, then the key fields in the order of :data:`KEY_FIELDS`."""
    if expected.type is None or got.type is None:
        if expected.type == got.type and expected.text == got.text:
            return None
        return Difference(expected=expected.described, got=got.described)
    if expected.type != got.type:
        return Difference(expected=expected.type, got=got.type)
    theirs = dict(got.fields)
    ours = dict(expected.fields)
    for path in [*ours, *(path for path in theirs if path not in ours)]:
        want, have = ours.get(path, _Missing), theirs.get(path, _Missing)
        if want != have or type(want) is not type(have):  # 1 is not 1.0, nor True
            return Difference(expected=_shown(want), got=_shown(have), field=path)
    return None


class _Missing:
    """A field the message does not have."""


def _shown(value: Any) -> str:
    if value is _Missing:
        return _ABSENT
    if isinstance(value, str):
        return safe_text_summary(value)
    return json.dumps(value)  # a number, a boolean or null


def _collect(value: Any, steps: list[str], prefix: str, out: list[tuple[str, Any]]) -> None:
    """The scalars at the path ``steps`` in ``value``, each under its concrete path."""
    if not steps:
        if value is None or isinstance(value, (str, int, float, bool)):
            out.append((prefix, value))
        return
    step, rest = steps[0], steps[1:]
    name = step.removesuffix("[]")
    if not isinstance(value, dict) or name not in value:
        return
    where = f"{prefix}.{name}" if prefix else name
    if step == name:
        _collect(value[name], rest, where, out)
    elif isinstance(value[name], list):
        for index, item in enumerate(value[name]):
            _collect(item, rest, f"{where}[{index}]", out)
