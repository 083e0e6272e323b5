"""A deterministic stand-in for the realtime service: the SERVER role of the protocol plus a
model that answers by rule (echo, tools, energy VAD), in every dialect. No I/O: a transport
serves it on a socket; :class:`LocalConversation` runs it in memory."""

from ._local import LocalConversation
from ._policy import EchoPolicy, Reply, ReplyContext, ReplyPolicy, ToolRequest, UserInput
from ._served import ServedSession
from ._server import Simulator
from ._serving import SimulatorServing
from ._urls import SimulatorAddress, requested_dialect

__all__ = [
    "EchoPolicy",
    "LocalConversation",
    "Reply",
    "ReplyContext",
    "ReplyPolicy",
    "ServedSession",
    "Simulator",
    "SimulatorAddress",
    "SimulatorServing",
    "ToolRequest",
    "UserInput",
    "requested_dialect",
]
