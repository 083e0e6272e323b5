"""The scripted server: a script becomes a cassette, played by the pure replay, and its
verdict names steps (the served form is tested by tests/test_pytest_plugin.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto.cassette import CloseFrame, Direction, Replay, TextFrame
from realtime_proto.testing import (
    Script,
    ScriptError,
    Step,
    encode_command,
    expect,
    expect_close,
    send,
    send_close,
)

CREATED = rp.SessionCreated(session=rp.Session(id="sess_1"))
DONE = {"type": "response.done", "response": {"id": "resp_1"}}


def played(script: Script, *commands: rp.Command, close: bool = False) -> Replay:
    replay = Replay(script.cassette())
    replay.start(0.0)
    for command in commands:
        for text in encode_command(command, script.dialect):
            replay.receive_text(text, 0.0)
    if close:
        replay.receive_close(0.0)
    return replay


def test_a_script_becomes_a_cassette_of_its_steps_in_order() -> None:
    script = Script(
        [
            send(CREATED),
            expect(rp.SendText(text="Hi")),
            expect({"type": "response.create"}),
            send(DONE),
            send("not json"),
            expect('{"type":"input_audio_buffer.clear"}'),
            expect_close(),
            send_close(4000, "bye"),
        ]
    )
    entries = script.cassette().entries
    assert [entry.direction for entry in entries] == [
        Direction.SERVER,
        Direction.CLIENT,
        Direction.CLIENT,
        Direction.SERVER,
        Direction.SERVER,
        Direction.CLIENT,
        Direction.CLIENT,
        Direction.SERVER,
    ]
    texts = [entry.text for entry in entries if isinstance(entry, TextFrame)]
    assert json.loads(texts[0])["type"] == "session.created"
    assert json.loads(texts[1])["item"]["content"][0]["text"] == "Hi"
    assert texts[2:] == [
        '{"type":"response.create"}',
        json.dumps(DONE, separators=(",", ":")),
        "not json",
        '{"type":"input_audio_buffer.clear"}',
    ]
    closes = [entry for entry in entries if isinstance(entry, CloseFrame)]
    assert [(close.code, close.reason) for close in closes] == [(1000, ""), (4000, "bye")]
    assert script.cassette().header.dialect == "ga"


def test_typed_messages_are_encoded_in_the_script_s_dialect() -> None:
    script = Script([send(CREATED), expect(rp.SendText(text="Hi"))], dialect="preview")
    assert script.dialect is rp.Dialect.PREVIEW
    first, second = (json.loads(entry.text) for entry in script.cassette().entries)
    assert "event" in first
    assert second["event"] == "add_item"


@pytest.mark.parametrize(
    ("step", "described"),
    [
        (send(CREATED), "send(SessionCreated)"),
        (expect(rp.CommitAudio()), "expect(CommitAudio)"),
        (send("{}"), "send(a text)"),
        (expect({"type": "response.create"}), "expect(response.create)"),
        (expect({"event": "generate"}), "expect(generate)"),
        (send({"delta": "x"}), "send(a message)"),
        (send_close(1001), "send(close 1001)"),
        (expect_close(), "expect(close)"),
    ],
)
def test_each_step_is_named_by_what_it_does(step: Step, described: str) -> None:
    assert step.described == described


@pytest.mark.parametrize(
    ("make", "message"),
    [(send, rp.CommitAudio()), (send, 3), (expect, CREATED), (expect, None)],
)
def test_a_step_refuses_what_the_other_side_sends(make: Any, message: Any) -> None:
    with pytest.raises(TypeError, match=r"takes an? \w+, a dict or a text"):
        make(message)


def test_a_script_holds_steps_only() -> None:
    with pytest.raises(TypeError, match="a script holds steps"):
        Script([{"type": "session.created"}])  # type: ignore[list-item]


def test_a_client_that_follows_the_script_passes() -> None:
    script = Script([send(CREATED), expect(rp.SendText(text="Hi")), send(DONE)])
    replay = played(script, rp.SendText(text="Hi"), close=True)
    assert replay.position is None
    assert script.problems([replay]) == []
    script.check([replay])


def test_a_key_field_that_differs_names_the_step_and_the_field() -> None:
    script = Script([send(CREATED), expect(rp.SendText(text="Hello")), send(DONE)])
    replay = played(script, rp.SendText(text="Hola"))
    with pytest.raises(ScriptError) as raised:
        script.check([replay])
    assert raised.value.problems == [
        "at step 2 of 3, expect(SendText): conversation.item.create differs in "
        "item.content[0].text: the client sent 'Hola', the script has 'Hello'"
    ]
    assert "the client did not follow the script:\nat step 2 of 3" in str(raised.value)


def test_another_message_names_the_step_and_both_types() -> None:
    script = Script([expect(rp.CommitAudio())])
    replay = played(script, rp.ClearAudio())
    assert script.problems([replay]) == [
        "at step 1 of 1, expect(CommitAudio): the client sent input_audio_buffer.clear, the "
        "script has input_audio_buffer.commit"
    ]


def test_a_message_after_the_last_step_is_a_divergence_after_it() -> None:
    script = Script([send(CREATED)])
    replay = played(script, rp.CommitAudio())
    assert script.problems([replay]) == [
        "after the last step: the client sent input_audio_buffer.commit, the script has no "
        "more client messages"
    ]


def test_a_client_that_leaves_early_names_the_first_step_not_played() -> None:
    script = Script([send(CREATED), expect(rp.CommitAudio()), send(DONE)])
    waiting = played(script)  # the client sent nothing yet: it waits at step 2
    assert waiting.position == 1
    assert script.problems([waiting]) == [
        "the connection ended at step 2 of 3, expect(CommitAudio), which was never played"
    ]
    expected_last = Script([send(CREATED), expect(rp.CommitAudio()), expect(rp.ClearAudio())])
    assert played(expected_last, rp.CommitAudio()).position == 2
    sent_last = Script([expect(rp.CommitAudio()), send(DONE)])
    replay = Replay(sent_last.cassette())
    assert replay.position == 0  # not started: nothing played
    replay.start(0.0)
    replay.receive_text(encode_command(rp.CommitAudio())[0], 0.0)
    assert replay.position is None


def test_with_several_clients_each_is_numbered_and_no_client_is_a_problem() -> None:
    script = Script([expect(rp.CommitAudio())])
    good, bad = played(script, rp.CommitAudio()), played(script, rp.ClearAudio())
    problems = script.problems([good, bad])
    assert len(problems) == 1
    assert problems[0].startswith("client 2: at step 1 of 1, expect(CommitAudio)")
    assert script.problems([]) == ["no client connected to the scripted server"]


def test_audio_expected_as_a_command_matches_any_chunking() -> None:
    script = Script([expect(rp.AppendAudio(audio=bytes(100))), expect(rp.CommitAudio())])
    chunks = [rp.AppendAudio(audio=bytes(40)), rp.AppendAudio(audio=bytes(60))]
    assert script.problems([played(script, *chunks, rp.CommitAudio())]) == []
