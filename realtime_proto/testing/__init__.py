"""realtime_proto.testing: hypothesis strategies for conformance tests of realtime clients.

A property test of any client is "feed this, expect that"::

    from hypothesis import given
    from realtime_proto.testing import ServerSession, server_sessions

    @given(server_sessions())
    def test_my_client_accumulates_turns(session: ServerSession) -> None:
        turns = my_client_replay(session.data)  # or session.texts
        assert turns == session.turns

Every strategy takes the wire dialect (``Dialect.GA`` unless named):

- :func:`server_event` / :func:`client_command`: the events or commands of one class, every
  field drawn, in shapes the dialect carries whole; :func:`server_events` /
  :func:`client_commands`: of every class the dialect sends (:func:`server_event_classes`,
  :func:`client_command_classes`; all of them in :data:`SERVER_EVENT_CLASSES` and
  :data:`CLIENT_COMMAND_CLASSES`); :func:`conversation_options`, :func:`conversation_items`.
- :func:`server_messages` / :func:`client_messages`: the same with their wire JSON
  (:class:`EncodedEvent`, :class:`EncodedCommand`), written by the package's own encoders (a
  connection of the sending role, in memory), perhaps with extension fields;
  :func:`encode_event`, :func:`encode_command`, :func:`with_extension_fields` and
  :func:`ping_frame` do it by hand.
- :func:`server_sessions`: whole server sessions that keep the protocol's rules, with the
  turns they imply (:class:`ServerSession`, :class:`ExpectedTurn`), worked out from what the
  server meant to say rather than by this package's accumulator.
- :class:`Script`: a scripted server, steps of :func:`send` (what the server sends) and
  :func:`expect` (what the client must send, matched by type and key fields), with
  :func:`send_close` and :func:`expect_close`; ``ReplayServer(script.cassette())`` of either
  transport serves it, and :meth:`Script.check` raises :class:`ScriptError` naming the first
  step where a client left it.

:mod:`realtime_proto.testing.conformance` is a conformance battery for realtime clients in any
language: numbered cases of server behaviour, their server side, and the verdicts.

The pytest plugin (the ``realtime_pytest`` module, active when the package is installed;
``-p no:realtime_proto`` turns it off) has fixtures for a simulator on loopback and for a
scripted server.

Needs the ``testing`` extra (``pip install "realtime-proto[testing]"``, which brings
hypothesis); ``import realtime_proto`` never imports this package.
"""

try:
    import hypothesis  # noqa: F401
except ImportError:
    raise ImportError(
        "realtime_proto.testing needs hypothesis: install the testing extra, "
        'pip install "realtime-proto[testing]"'
    ) from None

from ._command_strategies import (
    CLIENT_COMMAND_CLASSES,
    client_command,
    client_command_classes,
    client_commands,
)
from ._event_strategies import (
    SERVER_EVENT_CLASSES,
    server_event,
    server_event_classes,
    server_events,
)
from ._script import Script, ScriptError, Step, expect, expect_close, send, send_close
from ._session import ServerSession, server_sessions
from ._turns import ExpectedTurn
from ._values import conversation_items, conversation_options
from ._wire import (
    EncodedCommand,
    EncodedEvent,
    client_messages,
    encode_command,
    encode_event,
    ping_frame,
    server_messages,
    with_extension_fields,
)

__all__ = [
    "CLIENT_COMMAND_CLASSES",
    "SERVER_EVENT_CLASSES",
    "EncodedCommand",
    "EncodedEvent",
    "ExpectedTurn",
    "Script",
    "ScriptError",
    "ServerSession",
    "Step",
    "client_command",
    "client_command_classes",
    "client_commands",
    "client_messages",
    "conversation_items",
    "conversation_options",
    "encode_command",
    "encode_event",
    "expect",
    "expect_close",
    "ping_frame",
    "send",
    "send_close",
    "server_event",
    "server_event_classes",
    "server_events",
    "server_messages",
    "server_sessions",
    "with_extension_fields",
]
