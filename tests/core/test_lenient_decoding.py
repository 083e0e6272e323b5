"""The decoding rule: ids, indexes and payloads are strict; descriptive fields are lenient.

An unusable descriptive value is left unset and reported in ``problems``; no lifecycle event is
ever lost to one, and a response whose start or end cannot be decoded at all still starts and
ends its turn, so turn-taking never waits on a response that is over.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from tests.helpers import ConnectionPair

R1, R2 = "resp_1", "resp_2"


def part_keys(response_id: str, item_id: str) -> dict[str, Any]:
    return {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}


def response(response_id: str, status: str = "in_progress", **more: Any) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "realtime.response",
        "status": status,
        "status_details": None,
        "output": [],
        "conversation_id": "conv_1",
        "metadata": None,
        "usage": None,
        **more,
    }


def text_turn(response_id: str, item_id: str, words: list[str]) -> list[dict[str, Any]]:
    keys = part_keys(response_id, item_id)
    item = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress"}
    done_item = {
        **item,
        "status": "completed",
        "content": [{"type": "output_text", "text": "".join(words)}],
    }
    usage = {"total_tokens": 9, "input_tokens": 4, "output_tokens": 5}
    return [
        {"type": "response.created", "response": response(response_id)},
        {
            "type": "response.output_item.added",
            "response_id": response_id,
            "output_index": 0,
            "item": {**item, "content": []},
        },
        {"type": "conversation.item.added", "previous_item_id": None, "item": item},
        {"type": "response.content_part.added", **keys, "part": {"type": "output_text"}},
        *({"type": "response.output_text.delta", **keys, "delta": word} for word in words),
        {"type": "response.output_text.done", **keys, "text": "".join(words)},
        {
            "type": "response.content_part.done",
            **keys,
            "part": {"type": "output_text", "text": "".join(words)},
        },
        {
            "type": "response.output_item.done",
            "response_id": response_id,
            "output_index": 0,
            "item": done_item,
        },
        {
            "type": "response.done",
            "response": response(
                response_id,
                "completed",
                output=[done_item],
                usage=usage,
                status_details={"type": "completed"},
            ),
        },
        {
            "type": "rate_limits.updated",
            "rate_limits": [{"name": "tokens", "limit": 9, "remaining": 8, "reset_seconds": 1.5}],
        },
    ]


SESSION = [
    *text_turn(R1, "item_1", ["Hello", " there."]),
    *text_turn(R2, "item_2", ["Sunny", " in", " Paris."]),
]


def deliver(pair: ConnectionPair, message: str) -> bytes:
    """The server sends ``message``; the client reads it. Returns what the client then writes
    (not handed on: the scripted server would refuse a second response)."""
    pair.server.send(rp.SendRaw(message=message))
    pair.client.receive_data(pair.server.data_to_send())
    while pair.client.next_event() is not rp.NEED_DATA:
        pass
    return unmasked(pair.client.data_to_send())


def unmasked(data: bytes) -> bytes:
    """The payloads of the small masked frames a client writes."""
    out = bytearray()
    while data:
        length = data[1] & 0x7F
        assert length < 126
        mask, payload = data[2:6], data[6 : 6 + length]
        out += bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        data = data[6 + length :]
    return bytes(out)


def run(frames: list[dict[str, Any]]) -> tuple[ConnectionPair, list[rp.Event]]:
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.pump()
    for frame in frames:
        pair.server.send(rp.SendRaw(message=json.dumps(frame)))
    got, _ = pair.pump()
    return pair, got


def test_a_string_status_details_loses_no_turn() -> None:
    """As an OpenAI-compatible service sends it: ``"status_details": "unimplemented"``."""
    frames = copy.deepcopy(text_turn(R1, "item_1", ["Hi."]))
    frames[0]["response"]["status_details"] = "unimplemented"
    frames[-2]["response"]["status_details"] = "unimplemented"
    del frames[6]["part"]  # and a content_part.done without its part
    pair, got = run(frames)
    started = [e for e in got if isinstance(e, rp.TurnStarted)]
    finished = [e for e in got if isinstance(e, rp.TurnFinished)]
    assert [e.response.id for e in started] == [R1]
    assert [e.response.id for e in finished] == [R1]
    assert finished[0].problems == (
        rp.FieldProblem(field="response.status_details", problem="expected an object, got str"),
    )
    assert pair.client.last_turn is not None
    assert pair.client.last_turn.text == "Hi."
    assert not [e for e in got if isinstance(e, rp.InvalidMessage)]
    pair.client.send(rp.CreateResponse())  # the policy is not waiting on anything
    assert pair.client.deferred_response is None
    assert b"response.create" in unmasked(pair.client.data_to_send())


def test_an_undecodable_response_done_still_ends_the_turn() -> None:
    frames = copy.deepcopy(text_turn(R1, "item_1", ["Hi."]))
    frames[-2] = {
        "type": "response.done",
        "response": {"id": R1, "status": "completed", "output": 5},
    }
    frames[-2]["response"]["output"] = [{"type": "message", "id": 12}]  # a strict field broken
    frames[-2]["response"]["id"] = 12
    pair, got = run(frames)
    invalid = [e for e in got if isinstance(e, rp.InvalidMessage)]
    assert [e.event_type for e in invalid] == ["response.done"]
    [finished] = [e for e in got if isinstance(e, rp.TurnFinished)]
    assert got.index(invalid[0]) < got.index(finished)
    assert finished.response.id == R1  # the one response that was open
    assert finished.response.status == "completed"
    assert finished.turn is not None
    assert finished.turn.text == "Hi."
    assert finished.problems[0].field == "response"
    assert pair.client.response_state is rp.ResponseState.IDLE


def test_an_undecodable_response_created_still_starts_the_turn() -> None:
    frames = copy.deepcopy(text_turn(R1, "item_1", ["Hi."]))
    frames[0]["response"]["output"] = [{"type": 5}]  # descriptive: reported, not fatal
    frames[0]["response"]["id"] = R1
    frames.insert(1, {"type": "response.created", "response": {"id": R2, "status": []}})
    pair, got = run(frames)
    assert [p.field for p in got[0].problems] == ["response.output[0]"]
    # a start without a readable id: the policy counts it as active until a response ends
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.pump()
    pair.server.send(rp.SendRaw(message='{"type":"response.created","response":{"id":7}}'))
    got, _ = pair.pump()
    assert isinstance(got[0], rp.InvalidMessage)
    assert pair.client.response_state is rp.ResponseState.ACTIVE
    pair.client.send(rp.CreateResponse())  # deferred until the response ends
    assert pair.client.deferred_response is not None
    written = deliver(pair, '{"type":"response.done","response":{"id":"x"}}')
    assert pair.client.deferred_response is None
    assert b"response.create" in written


def test_an_undecodable_done_with_nothing_open_releases_the_policy() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.pump()
    pair.client.send(rp.CreateResponse())  # deferred: ours is requested
    written = deliver(pair, '{"type":"response.done","response":[]}')
    assert b"response.create" in written  # the deferred one went out


# -- a whole session with every descriptive field broken ------------------------------------

JUNK = st.one_of(
    st.integers(),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.floats(allow_nan=False, allow_infinity=False),
)

# Where each message type carries descriptive values (dotted paths; '*' is every list entry).
DESCRIPTIVE = {
    "response.created": [
        "response.status",
        "response.status_details",
        "response.conversation_id",
        "response.metadata",
        "response.usage",
        "response.output",
    ],
    "response.done": [
        "response.status",
        "response.status_details",
        "response.conversation_id",
        "response.metadata",
        "response.usage",
        "response.usage.total_tokens",
        "response.usage.input_tokens",
        "response.output",
        "response.output.*.status",
        "response.output.*.role",
        "response.output.*.content",
        "response.output.*.content.*",
    ],
    "response.output_item.added": ["item.status", "item.role", "item.content"],
    "response.output_item.done": ["item.status", "item.role", "item.content.*"],
    "conversation.item.added": ["previous_item_id", "item.status", "item.role"],
    "response.content_part.added": ["part"],
    "response.content_part.done": ["part", "part.text"],
    "rate_limits.updated": ["rate_limits", "rate_limits.*"],
}


def _paths(frame: dict[str, Any]) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(node: Any, path: list[str], prefix: tuple[str, ...]) -> None:
        if not path:
            found.append(prefix)
            return
        head, rest = path[0], path[1:]
        if head == "*":
            if isinstance(node, list):
                for index in range(len(node)):
                    walk(node[index], rest, (*prefix, str(index)))
        elif isinstance(node, dict) and head in node:
            walk(node[head], rest, (*prefix, head))

    for dotted in DESCRIPTIVE.get(frame["type"], []):
        walk(frame, dotted.split("."), ())
    return found


def _replace(frame: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node: Any = frame
    for key in path[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = path[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@st.composite
def broken_session(draw: st.DrawFn) -> list[dict[str, Any]]:
    frames = copy.deepcopy(SESSION)
    for frame in frames:
        for path in sorted(_paths(frame), key=len, reverse=True):  # children first
            if draw(st.booleans()):
                _replace(frame, path, draw(JUNK))
    return frames


@given(broken_session())
def test_every_turn_starts_and_finishes_whatever_the_descriptive_fields_hold(
    frames: list[dict[str, Any]],
) -> None:
    pair, got = run(frames)
    assert not [e for e in got if isinstance(e, rp.InvalidMessage)], "only descriptive fields"
    started = [e.response.id for e in got if isinstance(e, rp.TurnStarted)]
    finished = [e for e in got if isinstance(e, rp.TurnFinished)]
    assert started == [R1, R2]
    assert [e.response.id for e in finished] == [R1, R2]
    assert [e.turn.text for e in finished if e.turn is not None] == [
        "Hello there.",
        "Sunny in Paris.",
    ]
    assert pair.client.response_state is rp.ResponseState.IDLE
    assert len([e for e in got if isinstance(e, rp.RateLimitsUpdated)]) == 2
    for event in got:
        for problem in event.problems:
            assert problem.field
            assert problem.problem


def test_an_undecodable_start_with_a_readable_id_starts_that_turn() -> None:
    pair = ConnectionPair()
    frame = {"type": "response.created", "event_id": 5, "response": {"id": "r9"}}
    pair.server.send(rp.SendRaw(message=json.dumps(frame)))
    invalid, started = pair.pump()[0]
    assert isinstance(invalid, rp.InvalidMessage)
    assert "'event_id'" in invalid.reason
    assert isinstance(started, rp.TurnStarted)
    assert started.response.id == "r9"
    assert started.problems[0].field == "response"
    # its end, unreadable too and without an id, ends the response in flight
    pair.server.send(rp.SendRaw(message='{"type":"response.done","event_id":5,"response":[]}'))
    invalid, finished = pair.pump()[0]
    assert isinstance(finished, rp.TurnFinished)
    assert (finished.response.id, finished.response.status) == ("r9", "unknown")
    assert pair.client.response_state is rp.ResponseState.IDLE


def test_descriptive_values_inside_parts_and_sessions_are_reported() -> None:
    keys = part_keys("r", "i")
    part = {"type": "audio", "audio": "@@not base64", "transcript": "Hi."}
    session = {
        "id": "s",
        "temperature": True,
        "tools": [{"type": "function", "name": "f", "parameters": {"x": 1e400}}],
    }
    updated_text = json.dumps({"type": "session.updated", "session": session})
    updated_text = updated_text.replace("Infinity", "1e400")  # a number too large for a float
    pair, got = run([{"type": "response.content_part.done", **keys, "part": part}])
    pair.server.send(rp.SendRaw(message=updated_text))
    got += pair.pump()[0]
    done, updated = got
    assert isinstance(done, rp.ContentPartDone)
    assert done.part is not None
    assert (done.part.audio, done.part.transcript) == (None, "Hi.")
    assert [p.field for p in done.problems] == ["part.audio"]
    assert isinstance(updated, rp.SessionUpdated)
    assert updated.session.options.temperature is None
    assert updated.session.options.tools == ()
    assert [p.field for p in updated.problems] == ["session.tools"]


def test_the_dialect_is_chosen_before_the_connection_opens() -> None:
    pair = ConnectionPair()
    with pytest.raises(rp.LocalProtocolError, match="before the connection opens"):
        pair.server.dialect = rp.Dialect.PREVIEW
    assert pair.server.dialect is rp.Dialect.GA


def test_an_undecodable_end_with_a_readable_id_ends_that_turn() -> None:
    _, got = run(
        [
            {"type": "response.created", "response": response(R1)},
            {"type": "response.created", "response": response(R2)},
            {"type": "response.done", "event_id": 5, "response": {"id": R2, "status": "failed"}},
        ]
    )
    finished = got[-1]
    assert isinstance(finished, rp.TurnFinished)
    assert (finished.response.id, finished.response.status) == (R2, "failed")
