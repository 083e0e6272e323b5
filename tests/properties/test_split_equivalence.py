"""Feeding any split of a byte stream yields exactly the events of feeding it whole."""

from __future__ import annotations

from functools import cache

from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from tests.helpers import ConnectionPair, drain, response_events, split_at


@cache
def recorded_session() -> bytes:
    """The frames a server sends over a conversation: every kind of event, several turns."""
    pair = ConnectionPair()
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
    pair.server.send(rp.SendRaw(message='{"type":"future.event","x":[1,2,{"y":null}]}'))
    pair.server.send(rp.SendRaw(message='{"type":"response.output_text.delta","delta":5}'))
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


def replay(chunks: list[bytes]) -> tuple[list[tuple[rp.Event, str]], rp.Turn | None]:
    pair = ConnectionPair()
    client = pair.client
    events: list[rp.Event] = []
    for chunk in chunks:
        client.receive_data(chunk)
        events.extend(drain(client))
    client.receive_eof()
    events.extend(drain(client))
    return [(event, event.raw) for event in events], client.last_turn


def whole() -> tuple[list[tuple[rp.Event, str]], rp.Turn | None]:
    return replay([recorded_session()])


def test_the_recording_covers_the_interesting_events() -> None:
    events, turn = whole()
    kinds = {type(event) for event, _ in events}
    assert {rp.AudioDelta, rp.UnknownEvent, rp.InvalidMessage, rp.ToolCallArgumentsDone} <= kinds
    assert isinstance(events[-1][0], rp.ConnectionClosed)
    assert events[-1][0].code == 1001
    assert turn is not None
    assert turn.text == "日本語 text"


def test_byte_at_a_time_is_identical() -> None:
    data = recorded_session()
    assert replay([data[n : n + 1] for n in range(len(data))]) == whole()


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40))
def test_any_partition_is_identical(cuts: list[int]) -> None:
    data = recorded_session()
    assert replay(split_at(data, cuts)) == whole()
