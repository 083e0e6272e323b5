"""realtime_conformance: the conformance battery of ``realtime_proto.testing.conformance``
on sockets.

:class:`ConformanceServer` serves every case on a local port (``ws://host:port/case/<id>``)
for a client in any language; :func:`run_battery` drives a Python client through it with an
adapter (:func:`load_adapter`: ``blocking``, ``anyio``, ``trio``, ``openai`` or
``package.module:attribute``) and judges each case. From the command line:
``realtime-proto conformance serve`` and ``realtime-proto conformance run``.
"""

from ._adapters import AnyioAdapter, BlockingAdapter, OpenAIAdapter, load_adapter
from ._run import run_battery
from ._server import ConformanceServer

__all__ = [
    "AnyioAdapter",
    "BlockingAdapter",
    "ConformanceServer",
    "OpenAIAdapter",
    "load_adapter",
    "run_battery",
]
