"""Feeding any split of a byte stream yields exactly the events of feeding it whole."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from tests.helpers import ConnectionPair, drain, response_events, split_at

DIALECTS = pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.PREVIEW], ids=str)


@cache
def recorded_session(dialect: rp.Dialect = rp.Dialect.GA) -> bytes:
    """The frames a server sends over a conversation: every kind of event, several turns."""
    pair = ConnectionPair(dialect=dialect)
    start = len(pair.client_bytes)
    session = rp.Session(id="sess_1", model="m", options=rp.ConversationOptions(voice="alloy"))
    pair.serve([rp.SessionCreated(session=session)])
    pair.serve(
        [
            rp.SpeechStarted(audio_start_ms=120, item_id="item_u1"),
            rp.SpeechStopped(audio_end_ms=1500, item_id="item_u1"),
            rp.InputAudioCommitted(item_id="item_u1"),
        ]
    )
    pair.serve(
        response_events(
            response_id="resp_1",
            audio_deltas=[bytes(range(256)) * 19, b"\x00\x01" * 4800, b"\xff" * 3],
            transcript_deltas=["Hé", "llo ", "wörld ", "🎉"],
        )
    )
    key = "event" if dialect is rp.Dialect.PREVIEW else "type"
    wrong = "add_content" if dialect is rp.Dialect.PREVIEW else "response.output_text.delta"
    pair.server.send(rp.SendRaw(message=f'{{"{key}":"future.event","x":[1,2,{{"y":null}}]}}'))
    pair.server.send(rp.SendRaw(message=f'{{"{key}":"{wrong}","item_id":5}}'))
    pair.server.send(rp.SendRaw(message="{not json"))
    pair.serve(
        response_events(
            response_id="resp_2",
            text_deltas=["日本語", " text"],
            tool_calls=[("call_9", "lookup", ['{"q":', '"x"}'])],
        )
    )
    pair.serve([rp.InputTranscriptionCompleted(item_id="item_u1", audio_transcript="late")])
    pair.server.send(rp.Close(code=1001, reason="going away"))
    pair.pump()
    return bytes(pair.client_bytes[start:])


def replay(
    chunks: list[bytes], dialect: rp.Dialect = rp.Dialect.GA
) -> tuple[list[tuple[rp.Event, str]], rp.Turn | None]:
    pair = ConnectionPair(dialect=dialect)
    client = pair.client
    events: list[rp.Event] = []
    for chunk in chunks:
        client.receive_data(chunk)
        events.extend(drain(client))
    client.receive_eof()
    events.extend(drain(client))
    return [(event, event.raw) for event in events], client.last_turn


def whole(dialect: rp.Dialect) -> tuple[list[tuple[rp.Event, str]], rp.Turn | None]:
    return replay([recorded_session(dialect)], dialect)


@DIALECTS
def test_the_recording_covers_the_interesting_events(dialect: rp.Dialect) -> None:
    events, turn = whole(dialect)
    kinds = {type(event) for event, _ in events}
    assert {rp.AudioDelta, rp.UnknownEvent, rp.InvalidMessage, rp.ToolCallArgumentsDone} <= kinds
    assert isinstance(events[-1][0], rp.ConnectionClosed)
    assert events[-1][0].code == 1001
    assert turn is not None
    assert turn.text == "日本語 text"


@DIALECTS
def test_byte_at_a_time_is_identical(dialect: rp.Dialect) -> None:
    data = recorded_session(dialect)  # every byte, not a sample
    assert replay([data[n : n + 1] for n in range(len(data))], dialect) == whole(dialect)


@DIALECTS
@given(cuts=st.lists(st.integers(min_value=0, max_value=10**9), max_size=40))
def test_any_partition_is_identical(dialect: rp.Dialect, cuts: list[int]) -> None:
    data = recorded_session(dialect)
    assert replay(split_at(data, cuts), dialect) == whole(dialect)
