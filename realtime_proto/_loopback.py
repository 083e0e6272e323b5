"""Where a server of this package listens: the URLs a client is pointed at."""

from __future__ import annotations

__all__ = ["LoopbackAddress"]


class LoopbackAddress:
    """A server at ``host``:``port`` (set by the server)."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        """The ``/v1`` base that the openai package's ``websocket_base_url`` takes."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/v1"
