"""Where a served simulator is, and which dialect a URL asks it for."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from .._loopback import LoopbackAddress
from .._options import Dialect

__all__ = ["SimulatorAddress", "requested_dialect"]

_DIALECTS: Final = {dialect.value: dialect for dialect in Dialect}


class SimulatorAddress(LoopbackAddress):
    """The URLs of a simulator served at ``host``:``port`` (set by the server)."""

    @property
    def url(self) -> str:
        """The URL to point a client at."""
        return f"{self.base_url}/realtime?model=simulated-realtime"

    def url_for(self, dialect: Dialect) -> str:
        """The URL that makes the simulator speak ``dialect`` (preview and beta by a query)."""
        return self.url + ("" if dialect is Dialect.GA else f"&dialect={dialect.value}")


def requested_dialect(url: str, *, strict: bool = False) -> Dialect | None:
    """The dialect a simulator URL (or request target) asks for: ``?dialect=ga``, ``beta`` or
    ``preview``, or a ``/preview`` path; ``None`` when it names none. An unknown
    ``dialect=`` value counts as none, or raises ``ValueError`` if ``strict``."""
    parts = urlsplit(url)
    if parts.path.rstrip("/").endswith("/preview"):
        return Dialect.PREVIEW
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name != "dialect":
            continue
        if value in _DIALECTS:
            return _DIALECTS[value]
        if strict:
            raise ValueError(f"dialect={value}, which is none of {', '.join(_DIALECTS)}")
    return None
