"""Turn accumulation: fed typed events through a real client connection."""

from __future__ import annotations

from typing import Any

import realtime_proto as rp
from tests.helpers import ConnectionPair, response_events

RID = "resp_1"
KEYS: dict[str, Any] = {"response_id": RID, "item_id": "m1", "output_index": 0, "content_index": 0}


def started(rid: str = RID) -> rp.TurnStarted:
    return rp.TurnStarted(response=rp.ResponseInfo(id=rid, conversation_id="conv"))


def done(rid: str = RID, **fields: Any) -> rp.TurnFinished:
    return rp.TurnFinished(response=rp.ResponseInfo(id=rid, status="completed", **fields))


def test_deltas_after_the_response_is_done_are_delivered_but_not_accumulated() -> None:
    pair = ConnectionPair()
    pair.serve([started(), rp.TextDelta(**KEYS, text="kept"), done()])
    got = pair.serve(
        [
            rp.TextDelta(**KEYS, text="late"),
            rp.AudioDelta(**KEYS, audio_bytes=b"late"),
            rp.OutputTranscriptDelta(**KEYS, delta="late"),
        ]
    )
    assert len(got) == 3
    assert pair.client.last_turn is not None
    assert pair.client.last_turn.text == "kept"
    assert pair.client.last_turn.audio == b""


def test_deltas_before_response_created_still_count() -> None:
    pair = ConnectionPair()
    pair.serve([rp.TextDelta(**KEYS, text="early "), started(), rp.TextDelta(**KEYS, text="on")])
    pair.serve([done()])
    assert pair.client.last_turn_full_response_text == "early on"


def test_audio_accumulation_off_keeps_nothing_and_warns_not() -> None:
    pair = ConnectionPair(limits=rp.Limits(accumulate_audio=False))
    got = pair.serve([started(), rp.AudioDelta(**KEYS, audio_bytes=b"\x00" * 100), done()])
    assert not any(isinstance(e, rp.AccumulationLimitExceeded) for e in got)
    turn = pair.client.last_turn
    assert turn is not None
    assert (turn.audio, turn.audio_truncated) == (b"", True)


def test_a_done_without_deltas_takes_the_final_content_from_the_output() -> None:
    pair = ConnectionPair()
    output = (
        rp.ConversationItem(
            type="message",
            id="m1",
            role="assistant",
            content=(rp.ContentPart(type="output_audio", transcript="spoken"),),
        ),
        rp.ConversationItem(
            type="function_call", id="fc1", call_id="c1", name="f", arguments='{"a":1}'
        ),
        rp.ConversationItem(type="message", content=(rp.ContentPart(type="text", text="t"),)),
    )
    pair.serve([done(output=output)])
    turn = pair.client.last_turn
    assert turn is not None
    assert turn.audio_transcript == "spoken"
    assert turn.text == "t"
    assert [(c.call_id, c.name, c.arguments) for c in turn.tool_calls] == [("c1", "f", '{"a":1}')]


def test_content_part_done_supplies_final_text_and_transcript() -> None:
    pair = ConnectionPair()
    part = rp.ContentPart(type="text", text="from part", transcript="said")
    pair.serve([started(), rp.ContentPartDone(**KEYS, part=part), done()])
    turn = pair.client.last_turn
    assert turn is not None
    assert (turn.text, turn.audio_transcript) == ("from part", "said")


def test_output_item_done_completes_a_call_without_argument_events() -> None:
    pair = ConnectionPair()
    call = rp.ConversationItem(type="function_call", id="fc", call_id="c9", name="g")
    final = rp.ConversationItem(
        type="function_call", id="fc", call_id="c9", name="g", arguments="{}", status="completed"
    )
    pair.serve(
        [
            started(),
            rp.OutputItemAdded(response_id=RID, output_index=0, item=call),
            rp.OutputItemDone(response_id=RID, output_index=0, item=final),
            done(),
        ]
    )
    turn = pair.client.last_turn
    assert turn is not None
    assert [(c.call_id, c.name, c.arguments) for c in turn.tool_calls] == [("c9", "g", "{}")]
    assert turn.item_ids == ("fc",)


def test_a_user_text_item_is_the_input_of_the_next_turn() -> None:
    pair = ConnectionPair()
    item = rp.ConversationItem(type="message", id="u7", role="user")
    pair.serve([rp.ItemAdded(item=item), *response_events(response_id="r7", text_deltas=["x"])])
    assert pair.client.last_turn is not None
    assert pair.client.last_turn.input_item_id == "u7"


def test_tracking_is_bounded() -> None:
    pair = ConnectionPair(limits=rp.Limits(max_tracked_items=2))
    for n in range(4):
        pair.serve([rp.InputTranscriptionCompleted(item_id=f"u{n}", audio_transcript=str(n))])
        pair.serve([started(f"r{n}"), done(f"r{n}")])
    assert pair.client.input_transcripts == {"u2": "2", "u3": "3"}
    # r0 was forgotten: a replay of it counts as a new (empty) turn, r3's does not
    [again] = pair.serve([done("r0")])
    assert again.turn is not None
    [replayed] = pair.serve([done("r3")])
    assert replayed.turn is None
