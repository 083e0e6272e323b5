"""Wire dialects: each maps wire dicts to the shared typed events and commands, and back.

A connection holds one :class:`WireDialect`, made by :func:`wire_dialect` from the registry; it
never names a dialect itself. A new dialect is a class with this interface and a registry entry.
"""

from __future__ import annotations

from collections.abc import Callable

from .._options import Dialect
from ._interface import Lifecycle, WireDialect
from .ga import TypeKeyedDialect

__all__ = ["Lifecycle", "WireDialect", "wire_dialect"]


def _preview(_: Dialect) -> WireDialect:
    from .preview import PreviewDialect

    return PreviewDialect()


# The type-keyed dialect speaks GA, the default, so it is imported with the package: a first
# connection's first event should not wait for it. The preview dialect's modules are imported
# when a connection first speaks it, and only then.
_REGISTRY: dict[Dialect, Callable[[Dialect], WireDialect]] = {
    Dialect.GA: TypeKeyedDialect,
    Dialect.BETA: TypeKeyedDialect,
    Dialect.PREVIEW: _preview,
}


def wire_dialect(dialect: Dialect | None = None) -> WireDialect:
    """A new :class:`WireDialect` for one connection (some keep per-connection state); the
    GA dialect unless another is named."""
    chosen = dialect or Dialect.GA
    return _REGISTRY[chosen](chosen)
