"""The connection's log: ``realtime_proto.connection``. INFO for its lifecycle (upgrade
accepted or rejected, closed), DEBUG one line per frame in and out: role, direction, type, size
and ids, never a payload or a credential."""

from __future__ import annotations

import logging
from typing import Any, Final

from ._options import Role

__all__ = ["log_frame", "wire_log"]

wire_log = logging.getLogger("realtime_proto.connection")

_LOGGED_IDS: Final = ("event_id", "response_id", "item_id", "call_id")


def log_frame(role: Role, direction: str, wire: dict[str, Any], key: str, size: int) -> None:
    """One DEBUG line per frame: its type, size and ids; never a payload or a credential."""
    ids = " ".join(
        f"{name}={value}" for name in _LOGGED_IDS if isinstance(value := wire.get(name), str)
    )
    kind = wire.get(key)
    wire_log.debug(
        "%s %s %s (%d chars)%s",
        role.value,
        direction,
        kind if isinstance(kind, str) else "?",
        size,
        f" {ids}" if ids else "",
    )
