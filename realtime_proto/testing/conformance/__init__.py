"""realtime_proto.testing.conformance: a conformance battery for realtime clients, in the
manner of the Autobahn|Testsuite.

Each :class:`Case` of :data:`BATTERY` (by id in :data:`CASES`: ``"1.1"``, ``"2.3"``, ...) is
a server behaviour seen in the wild or allowed by the protocol, with what a correct client
does about it. A :class:`CaseSession` plays the case its URL names (``/case/<id>``) over the
core's SERVER role and keeps a :class:`ClientRecord` of what the client sent; a
:class:`ClientAdapter` drives a client through a case and returns an :class:`Observation` of
what it understood; :func:`judge` gives the verdict (:class:`CaseResult`), and
:func:`render_text`, :func:`render_json` and :func:`render_html` report a run. The sockets
are ``realtime_conformance``'s (``realtime-proto conformance serve`` / ``run``).
"""

from ._battery import BATTERY, CASES
from ._case import Action, AwaitPong, Case, Close, Expect, Pings, Send
from ._checks import (
    AnsweredClose,
    Check,
    ClosedWith,
    ErrorMentions,
    NoError,
    NotReceived,
    PongTo,
    Received,
    ReceivedInOrder,
    SentNothing,
    SentTurn,
    TextIs,
)
from ._observation import ClientAdapter, ClientRecord, EventLog, Observation, TurnRequest
from ._report import CaseResult, judge, render_html, render_json, render_text
from ._session import CaseSession, case_path, fragmented

__all__ = [
    "BATTERY",
    "CASES",
    "Action",
    "AnsweredClose",
    "AwaitPong",
    "Case",
    "CaseResult",
    "CaseSession",
    "Check",
    "ClientAdapter",
    "ClientRecord",
    "Close",
    "ClosedWith",
    "ErrorMentions",
    "EventLog",
    "Expect",
    "NoError",
    "NotReceived",
    "Observation",
    "Pings",
    "PongTo",
    "Received",
    "ReceivedInOrder",
    "Send",
    "SentNothing",
    "SentTurn",
    "TextIs",
    "TurnRequest",
    "case_path",
    "fragmented",
    "judge",
    "render_html",
    "render_json",
    "render_text",
]
