"""The public strategies of every server event and client command, through the wire: what one
end sends, the other decodes back, in every dialect, unknown keys and all."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.testing import client_messages, server_messages
from tests.helpers import PAYLOAD_FIELDS, ConnectionPair

TYPE_KEYED = pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA], ids=str)
EVERY_DIALECT = pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)


def client_receives(dialect: rp.Dialect, texts: tuple[str, ...]) -> list[rp.Event]:
    pair = ConnectionPair(dialect=dialect)
    for text in texts:
        pair.server.send(rp.SendRaw(message=text))
    return pair.pump()[0]


def server_receives(dialect: rp.Dialect, texts: tuple[str, ...]) -> list[rp.Command]:
    pair = ConnectionPair(dialect=dialect)
    for text in texts:
        pair.client.send(rp.SendRaw(message=text))
    return pair.pump()[1]


def without_turn(event: rp.Event) -> rp.Event:
    return attrs.evolve(event, turn=None) if isinstance(event, rp.TurnFinished) else event


@TYPE_KEYED
@given(data=st.data())
def test_a_client_decodes_every_server_event_as_drawn(
    dialect: rp.Dialect, data: st.DataObject
) -> None:
    message = data.draw(server_messages(dialect, extension=True))
    got = client_receives(dialect, message.texts)
    assert [without_turn(event) for event in got] == [message.event]
    assert [event.raw for event in got] == list(message.texts)


# What the preview dialect decodes an event as, where it is not the class sent: the model's
# speech arrives as its text.
PREVIEW_AS: dict[type[rp.Event], type[rp.Event]] = {rp.OutputTranscriptDelta: rp.TextDelta}


@given(message=server_messages(rp.Dialect.PREVIEW, extension=True))
def test_a_preview_client_decodes_every_server_event_to_its_meaning(
    message: rp.testing.EncodedEvent,
) -> None:
    got = client_receives(rp.Dialect.PREVIEW, message.texts)
    # A turn's first message starts it; a call's end also says its arguments are complete.
    meant = got[-1]
    assert not [
        e for e in got[:-1] if not isinstance(e, (rp.TurnStarted, rp.ToolCallArgumentsDone))
    ]
    assert type(meant) is PREVIEW_AS.get(type(message.event), type(message.event))
    sent = {name: getattr(message.event, name) for name in PAYLOAD_FIELDS}
    if isinstance(message.event, rp.OutputTranscriptDelta):
        sent["text"], sent["audio_transcript"] = sent["audio_transcript"], None
    assert {name: getattr(meant, name) for name in PAYLOAD_FIELDS} == sent


@EVERY_DIALECT
@given(data=st.data())
def test_a_server_decodes_every_client_command_as_drawn(
    dialect: rp.Dialect, data: st.DataObject
) -> None:
    message = data.draw(client_messages(dialect))
    expected = message.command
    if isinstance(expected, rp.FinishTurn) and dialect is not rp.Dialect.PREVIEW:
        expected = expected.response or rp.CreateResponse()  # what GA and beta send for it
    got = server_receives(dialect, message.texts)
    if expected.event_id is None:  # the client numbers the response requests it sends
        got = [attrs.evolve(command, event_id=None) for command in got]
    assert got == [expected]
