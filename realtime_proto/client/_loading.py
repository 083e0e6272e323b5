"""Names a transport package imports only when first asked for (its servers: heavier, and
seldom used)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["loaded_when_named"]


def loaded_when_named(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` in ``modules`` is imported from the
    (relative) module it maps to the first time it is asked for; any other name is an
    ``AttributeError``, as without it. The transports load their servers so: most programs
    never start one (the embedded simulator's, the replay's, the proxy), and importing them
    would cost every program time and memory."""

    def __getattr__(name: str) -> Any:
        if name in modules:
            return getattr(importlib.import_module(modules[name], package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
