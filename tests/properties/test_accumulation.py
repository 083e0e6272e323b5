"""Accumulation equals the concatenation of the deltas, whatever their split and interleaving."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from tests.helpers import ConnectionPair, split_at

cut_lists = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@given(
    text_a=st.text(max_size=60),
    text_b=st.text(max_size=60),
    audio=st.binary(max_size=400),
    transcript=st.text(max_size=40),
    arguments=st.text(max_size=40),
    cuts=st.tuples(cut_lists, cut_lists, cut_lists, cut_lists, cut_lists),
    seed=st.randoms(use_true_random=False),
    unknown=st.integers(min_value=0, max_value=5),
)
def test_turn_equals_concatenated_deltas(
    text_a: str,
    text_b: str,
    audio: bytes,
    transcript: str,
    arguments: str,
    cuts: tuple[list[int], ...],
    seed: object,
    unknown: int,
) -> None:
    import random

    assert isinstance(seed, random.Random)
    rid = "resp_1"
    # two text parts of one message item, and an audio part of a second item, and a call
    streams: list[list[rp.Event]] = [
        [
            rp.TextDelta(response_id=rid, item_id="m1", output_index=0, content_index=0, text=t)
            for t in split_at(text_a, cuts[0])
        ],
        [
            rp.TextDelta(response_id=rid, item_id="m1", output_index=0, content_index=1, text=t)
            for t in split_at(text_b, cuts[1])
        ],
        [
            rp.AudioDelta(
                response_id=rid, item_id="m2", output_index=1, content_index=0, audio_bytes=b
            )
            for b in split_at(audio, cuts[2])
        ],
        [
            rp.OutputTranscriptDelta(
                response_id=rid, item_id="m2", output_index=1, content_index=0, delta=t
            )
            for t in split_at(transcript, cuts[3])
        ],
        [
            rp.ToolCallArgumentsDelta(
                response_id=rid, item_id="fc", output_index=2, tool_call_id="c1", delta=t
            )
            for t in split_at(arguments, cuts[4])
        ],
        [rp.RateLimitsUpdated(rate_limits=()) for _ in range(unknown)],
    ]
    # interleave the streams at random, keeping each stream's own order
    merged: list[rp.Event] = []
    while any(streams):
        stream = seed.choice([s for s in streams if s])
        merged.append(stream.pop(0))
    pair = ConnectionPair()
    pair.serve([rp.TurnStarted(response=rp.ResponseInfo(id=rid, conversation_id="c"))])
    for event in merged:
        pair.server.send(event)
        if seed.random() < 0.2:
            pair.server.send(rp.SendRaw(message='{"type":"some.future.event"}'))
    pair.serve(
        [
            rp.ToolCallArgumentsDone(
                response_id=rid,
                item_id="fc",
                output_index=2,
                tool_call_id="c1",
                tool_name="f",
                tool_arguments=arguments,
            ),
            rp.TurnFinished(response=rp.ResponseInfo(id=rid, status="completed")),
        ]
    )
    turn = pair.client.last_turn
    assert turn is not None
    assert turn.text == text_a + text_b
    assert turn.audio == audio
    assert turn.audio_transcript == transcript
    assert [(c.call_id, c.name, c.arguments) for c in turn.tool_calls] == [("c1", "f", arguments)]


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
