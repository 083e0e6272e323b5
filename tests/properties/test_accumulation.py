"""Accumulation equals the concatenation of the deltas, whatever their split and interleaving:
the turns a client accumulates are those the public session strategy implies."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.testing import ExpectedTurn, server_sessions
from tests.helpers import ConnectionPair, drain, split_at

# A session is dozens of events: a third of the examples covers as much as the others do.
SESSIONS = settings(max_examples=max(1, settings.default.max_examples // 3))


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)
@SESSIONS
@given(data=st.data())
def test_accumulated_turns_are_the_turns_the_session_implies(
    dialect: rp.Dialect, data: st.DataObject
) -> None:
    """Whatever the interleaving of items and parts, the late transcripts, the pings, the
    unknown events and fields, and however the bytes are cut: every response's turn holds
    the concatenation of its deltas, and every user item its transcript."""
    session = data.draw(server_sessions(dialect), label="session")
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=10**6), max_size=8))
    pair = ConnectionPair(dialect=dialect)
    got: list[rp.Event] = []
    for chunk in split_at(session.data, cuts):
        pair.client.receive_data(chunk)
        got += drain(pair.client)
    finished = [event for event in got if isinstance(event, rp.TurnFinished)]
    assert [ExpectedTurn.of(event.turn) for event in finished if event.turn] == list(session.turns)
    assert pair.client.input_transcripts == dict(session.input_transcripts)
    if dialect is not rp.Dialect.PREVIEW:  # the same events as sent, in the same order
        sent = [message.event for message in session.messages if message.texts]
        assert [without_turn(event) for event in got] == sent


def without_turn(event: rp.Event) -> rp.Event:
    return attrs.evolve(event, turn=None) if isinstance(event, rp.TurnFinished) else event


@given(st.lists(st.binary(min_size=1, max_size=64), max_size=30), st.integers(1, 600))
def test_audio_limit_keeps_what_fits_and_reports_once(chunks: list[bytes], limit: int) -> None:
    pair = ConnectionPair(limits=rp.Limits(max_turn_audio_bytes=limit))
    rid = "r"
    events: list[rp.Event] = [rp.TurnStarted(response=rp.ResponseInfo(id=rid, conversation_id="c"))]
    events += [
        rp.AudioDelta(response_id=rid, item_id="i", output_index=0, content_index=0, audio_bytes=c)
        for c in chunks
    ]
    events.append(rp.TurnFinished(response=rp.ResponseInfo(id=rid, status="completed")))
    got = pair.serve(events)
    kept = b""
    for chunk in chunks:
        if len(kept) + len(chunk) > limit:
            break
        kept += chunk
    turn = pair.client.last_turn
    assert turn is not None
    assert turn.audio == kept
    overflow = len(kept) < sum(map(len, chunks))
    assert turn.audio_truncated is overflow
    warnings = [e for e in got if isinstance(e, rp.AccumulationLimitExceeded)]
    assert len(warnings) == (1 if overflow else 0)
    # every delta is still delivered
    assert [e.audio_bytes for e in got if isinstance(e, rp.AudioDelta)] == chunks
