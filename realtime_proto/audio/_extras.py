"""The optional extras, imported on first use only: numpy alone costs a connection about
15 MiB of memory, and most never convert audio."""

from __future__ import annotations

import functools
import importlib
from typing import Any

__all__ = ["numpy", "soxr"]


@functools.cache
def _optional(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - depends on the installed extras
        return None


def numpy() -> Any | None:
    """numpy, for vectorised sample math, if installed (the ``audio`` extra brings it)."""
    return _optional("numpy")


def soxr() -> Any | None:
    """libsoxr's binding, for resampling, if installed (the ``audio`` extra)."""
    return _optional("soxr")
