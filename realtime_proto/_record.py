"""One ``repr``, equality and hash for the package's value classes, written once.

attrs writes these three methods for every class it decorates, and compiling them took about
half a millisecond per class when the package was imported: with more than a hundred classes,
a third of the import time. A class that subclasses :class:`Record` and is decorated with
``repr=False, eq=False`` gets them from here instead. They read the class's attrs fields, so a
field's ``repr=`` (a function, or ``False`` to hide it) and ``eq=False`` mean what they mean in
attrs; a field that did not choose its repr gets a bounded one when it holds text or a container,
so that no server-sized value, and nothing shaped like a credential, lands whole in a repr or a
log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._redact import bounded_repr, safe_text_summary

__all__ = ["Record"]

Shown = Callable[[Any], str]


class Record:
    """Base of the package's attrs classes: field-wise ``repr``, ``==`` and ``hash``."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={show(getattr(self, name))}" for name, show in _shown(self))
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash((type(self), _compared(self)))


# Per class, worked out on first use from its attrs fields.
_SHOWN: dict[type, tuple[tuple[str, Shown], ...]] = {}
_COMPARED: dict[type, tuple[str, ...]] = {}


def _shown(record: object) -> tuple[tuple[str, Shown], ...]:
    """Each field in the repr, with the function that shows its value."""
    cls = type(record)
    if cls not in _SHOWN:
        _SHOWN[cls] = tuple((f.name, _show(f)) for f in _fields(cls) if f.repr is not False)
    return _SHOWN[cls]


def _show(field: attrs.Attribute[Any]) -> Shown:
    if callable(field.repr):
        return field.repr
    kind = _spelled(field.type)
    if kind in ("str", "str | None"):
        return safe_text_summary
    if "Mapping" in kind or "tuple" in kind or "dict" in kind:
        return bounded_repr
    return repr


def _spelled(annotation: Any) -> str:
    """An annotation as written, whether still a string or resolved (``attrs.resolve_types``)."""
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def _compared(record: object) -> tuple[Any, ...]:
    cls = type(record)
    if cls not in _COMPARED:
        _COMPARED[cls] = tuple(field.name for field in _fields(cls) if field.eq)
    return tuple(getattr(record, name) for name in _COMPARED[cls])


def _fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    return tuple(attrs.fields(cls))
