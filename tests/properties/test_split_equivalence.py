"""Feeding any split of a byte stream yields exactly the events of feeding it whole: a recorded
session byte by byte, and any session the public strategy draws, cut anywhere."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.testing import server_sessions
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


# A session is dozens of messages: a third of the examples covers as much as the others do.
SESSIONS = settings(max_examples=max(1, settings.default.max_examples // 3))


@cache
def damaged_tail(dialect: rp.Dialect) -> bytes:
    """Frames that end any session: a message of a known type with a wrong-typed field, one
    that is not JSON, and the server's close."""
    pair = ConnectionPair(dialect=dialect)
    key = "event" if dialect is rp.Dialect.PREVIEW else "type"
    wrong = "add_content" if dialect is rp.Dialect.PREVIEW else "response.output_text.delta"
    pair.server.send(rp.SendRaw(message=f'{{"{key}":"{wrong}","item_id":5}}'))
    pair.server.send(rp.SendRaw(message="{not json"))
    pair.server.send(rp.Close(code=1001, reason="going away"))
    return pair.server.data_to_send()


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)
@SESSIONS
@given(data=st.data())
def test_any_partition_of_any_session_is_identical(
    dialect: rp.Dialect, data: st.DataObject
) -> None:
    session = data.draw(server_sessions(dialect), label="session")
    stream = session.data + damaged_tail(dialect)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40), label="cuts")
    whole_stream = replay([stream], dialect)
    assert replay(split_at(stream, cuts), dialect) == whole_stream
    events = [event for event, _ in whole_stream[0]]
    assert isinstance(events[-1], rp.ConnectionClosed)
    assert sum(isinstance(event, rp.InvalidMessage) for event in events) == 2
