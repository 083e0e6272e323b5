"""Replaying a cassette as the server, message by message, in memory: the recorded server
frames go out in order, each once the client messages recorded before it have arrived; client
messages match by type and key fields; appends match as runs of audio; a divergence names its
line and its difference; pacing follows the recorded times."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto.cassette import (
    KEY_FIELDS,
    BinaryFrame,
    Cassette,
    CassetteError,
    CassetteHeader,
    CloseFrame,
    Divergence,
    DivergenceError,
    HandshakeRequest,
    HandshakeResponse,
    Replay,
    ReplayStep,
    TextFrame,
)
from tests.cassettes import (
    CLIENT,
    SERVER,
    STARTED,
    WEATHER_OUTPUT,
    Script,
    audio_turn,
    b64,
    server_texts,
    text_turn,
    tool_round,
)


def text(message: dict[str, Any]) -> str:
    return json.dumps(message)


def user_text(words: str, **extra: Any) -> str:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": words}]}
    return text({"type": "conversation.item.create", "event_id": "evt_ours", "item": item, **extra})


def append(size: int) -> str:
    return text({"type": "input_audio_buffer.append", "audio": b64(bytes(size))})


RESPONSE_CREATE = text({"type": "response.create", "event_id": "evt_other"})


def texts(step: ReplayStep) -> list[str]:
    return [frame.text for frame in step.frames if isinstance(frame, TextFrame)]


def types(step: ReplayStep) -> list[str]:
    return [json.loads(t)["type"] for t in texts(step)]


def started(cassette: Cassette, **options: Any) -> tuple[Replay, ReplayStep]:
    replay = Replay(cassette, **options)
    return replay, replay.start(0.0)


# -- the conversations --------------------------------------------------------------------------


def test_a_text_turn_is_answered_once_its_messages_have_arrived() -> None:
    cassette = text_turn().cassette()
    replay, first = started(cassette)
    assert types(first) == ["session.created"]  # then it waits for the client
    assert first.next_due is None
    assert first.divergence is None
    assert replay.receive_text(user_text("Hello"), 1.0).frames == ()  # waits for the request
    answer = replay.receive_text(RESPONSE_CREATE, 1.0)
    assert types(answer)[:3] == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
    ]
    assert types(answer)[-1] == "response.done"
    assert [*texts(first), *texts(answer)] == server_texts(cassette)  # verbatim, in order
    assert replay.complete
    assert replay.divergence is None


def test_a_tool_round_matches_the_tools_output_and_its_call() -> None:
    cassette = tool_round().cassette()
    replay, _ = started(cassette)
    replay.receive_text(user_text("Weather in Paris?"), 1.0)
    first = replay.receive_text(RESPONSE_CREATE, 1.0)
    assert "response.function_call_arguments.done" in types(first)
    assert not replay.complete
    item = {"type": "function_call_output", "call_id": "call_other", "output": WEATHER_OUTPUT}
    assert replay.receive_text(text({"type": "conversation.item.create", "item": item}), 2.0) == (
        ReplayStep()
    )
    second = replay.receive_text(RESPONSE_CREATE, 2.0)
    assert types(second)[-1] == "response.done"
    assert replay.complete


def test_an_audio_turn_with_server_vad_answers_at_the_recorded_amount_of_audio() -> None:
    replay, _ = started(audio_turn(chunk=4800).cassette())
    heard = [types(replay.receive_text(append(3200), 1.0)) for _ in range(12)]  # 38,400 bytes
    # speech starts once 4,800 bytes have arrived, stops (and the answer comes) at 24,000
    assert heard[0] == []
    assert heard[1] == ["input_audio_buffer.speech_started"]
    assert heard[6] == []
    assert heard[7][:2] == ["input_audio_buffer.speech_stopped", "input_audio_buffer.committed"]
    assert heard[7][-1] == "response.done"
    assert all(step == [] for step in heard[8:])  # appends beyond the run are absorbed
    assert replay.complete


def test_appends_cut_by_the_recording_count_the_audio_they_had() -> None:
    cassette = audio_turn(chunk=9600).cassette(max_audio_bytes=32)
    cut = [e for e in cassette.entries if isinstance(e, TextFrame) and e.direction is CLIENT]
    assert cut
    assert all(e.truncated_from == 9600 for e in cut)
    replay, _ = started(cassette)
    # recorded in appends of 9,600 bytes: speech starts after the first, stops after the third
    assert replay.receive_text(append(9598), 1.0).frames == ()
    assert types(replay.receive_text(append(2), 1.0)) == ["input_audio_buffer.speech_started"]
    assert replay.receive_text(append(19_198), 1.0).frames == ()
    assert types(replay.receive_text(append(2), 1.0))[-1] == "response.done"


def test_a_run_ends_with_the_next_message_which_releases_the_rest_of_it() -> None:
    script = Script().command(rp.AppendAudio(audio=bytes(4800)), rp.AppendAudio(audio=bytes(480)))
    script.events(rp.InputAudioCommitted(item_id="item_1")).command(rp.CommitAudio())
    script.events(rp.InputAudioCleared())
    replay, _ = started(script.cassette())
    assert replay.receive_text(append(100), 1.0).frames == ()  # less audio than recorded
    commit = replay.receive_text(text({"type": "input_audio_buffer.commit"}), 1.0)
    assert types(commit) == ["input_audio_buffer.committed", "input_audio_buffer.cleared"]


def test_client_messages_may_arrive_before_the_server_frames_they_follow() -> None:
    script = Script().events(rp.SessionCreated(session=rp.Session(id="s")))
    script.command(rp.SendText(text="one")).events(rp.InputAudioCleared())
    script.command(rp.SendText(text="two")).events(rp.InputAudioCleared())
    replay = Replay(script.cassette())
    first = replay.start(0.0)
    assert types(first) == ["session.created"]
    assert types(replay.receive_text(user_text("one"), 0.1)) == ["input_audio_buffer.cleared"]
    assert types(replay.receive_text(user_text("two"), 0.1)) == ["input_audio_buffer.cleared"]


def test_binary_messages_and_closes_match_their_kind() -> None:
    script = Script()
    script.entries += [
        BinaryFrame(at=1.0, direction=CLIENT, data=b"\x00\x01"),
        BinaryFrame(at=1.1, direction=SERVER, data=b"\xff"),
        CloseFrame(at=2.0, direction=CLIENT, code=1000),
        CloseFrame(at=2.0, direction=SERVER, code=1000),
    ]
    replay, _ = started(script.cassette())
    assert replay.receive_binary(1.0).frames == (
        BinaryFrame(at=1.1, direction=SERVER, data=b"\xff"),
    )
    assert replay.receive_close(2.0).frames == (CloseFrame(at=2.0, direction=SERVER, code=1000),)
    assert replay.complete


def test_a_close_after_the_last_client_message_or_within_a_last_run_is_no_divergence() -> None:
    replay, _ = started(text_turn().cassette())
    replay.receive_text(user_text("Hello"), 1.0)
    replay.receive_text(RESPONSE_CREATE, 1.0)
    assert replay.receive_close(2.0) == ReplayStep()
    replay, _ = started(audio_turn().cassette())
    replay.receive_text(append(4800), 1.0)
    assert replay.receive_close(2.0) == ReplayStep()  # what it had not heard stays unsent
    assert replay.divergence is None
    assert not replay.complete


# -- divergences ----------------------------------------------------------------------------------


def diverged(step: ReplayStep) -> Divergence:
    assert step.frames == ()
    assert step.divergence is not None
    return step.divergence


def test_a_different_text_names_the_line_the_field_and_both_values() -> None:
    replay, _ = started(text_turn().cassette())
    found = diverged(replay.receive_text(user_text("Hola"), 1.0))
    assert found == Divergence(
        index=3,
        expected="'Hello'",
        got="'Hola'",
        field="item.content[0].text",
        message_type="conversation.item.create",
    )
    assert found.line == 5
    assert str(found) == (
        "cassette line 5 (entry 3): conversation.item.create differs in item.content[0].text: "
        "the client sent 'Hola', the recording has 'Hello'"
    )
    assert replay.divergence is found
    # the replay is over: nothing more is sent, whatever comes
    assert replay.receive_text(RESPONSE_CREATE, 2.0) == ReplayStep()
    assert replay.receive_binary(2.0) == ReplayStep()
    assert replay.receive_close(2.0) == ReplayStep()
    assert replay.handle_timer(2.0) == ReplayStep()
    assert not replay.complete


@pytest.mark.parametrize(
    ("sent", "field", "expected", "got"),
    [
        (user_text("Hello", item_id="x"), None, None, None),  # ids and extra members: free
        (user_text("Hello").replace('"role": "user"', '"role": "system"'), "item.role", "'user'",
         "'system'"),
        (user_text("Hello").replace('"text": "Hello"}', '"text": "Hello"}, {"type": "input_text"}'),
         "item.content[1].type", "absent", "'input_text'"),
        (user_text("Hello").replace('"input_text", "text": "Hello"', '"input_text"'),
         "item.content[0].text", "'Hello'", "absent"),
    ],
)  # fmt: skip
def test_key_fields_are_compared_and_nothing_else(
    sent: str, field: str | None, expected: str | None, got: str | None
) -> None:
    replay, _ = started(text_turn().cassette())
    step = replay.receive_text(sent, 1.0)
    if field is None:
        assert step == ReplayStep()
        return
    found = diverged(step)
    assert (found.field, found.expected, found.got) == (field, expected, got)


def test_numbers_differ_from_booleans_and_floats_and_are_shown_as_json() -> None:
    truncate = {"type": "conversation.item.truncate", "item_id": "i", "content_index": 0}
    replay, _ = started(Script().client(truncate).cassette())
    found = diverged(replay.receive_text(text({**truncate, "content_index": False}), 1.0))
    assert (found.field, found.expected, found.got) == ("content_index", "0", "false")
    replay, _ = started(Script().client(truncate).cassette())
    assert replay.receive_text(text({**truncate, "item_id": "j", "audio_end_ms": 9}), 1.0) == (
        ReplayStep()
    )


def test_a_different_type_or_kind_is_named() -> None:
    replay, _ = started(text_turn().cassette())
    found = diverged(replay.receive_text(RESPONSE_CREATE, 1.0))
    assert (found.expected, found.got, found.field, found.message_type) == (
        "conversation.item.create",
        "response.create",
        None,
        None,
    )
    assert str(found) == (
        "cassette line 5 (entry 3): the client sent response.create, the recording has "
        "conversation.item.create"
    )
    replay, _ = started(text_turn().cassette())
    assert diverged(replay.receive_binary(1.0)).got == "a binary message"
    replay, _ = started(text_turn().cassette())
    assert diverged(replay.receive_close(1.0)).got == "the close"
    script = Script()
    script.entries.append(CloseFrame(at=1.0, direction=CLIENT, code=1000))
    replay, _ = started(script.cassette())
    assert diverged(replay.receive_text(RESPONSE_CREATE, 1.0)).expected == "the close"
    script.entries[-1] = BinaryFrame(at=1.0, direction=CLIENT, data=b"")
    replay, _ = started(script.cassette())
    assert diverged(replay.receive_close(1.0)).expected == "a binary message"


def test_a_message_after_the_recordings_last_is_a_divergence_at_its_end() -> None:
    replay, _ = started(Script().cassette())
    found = diverged(replay.receive_text(RESPONSE_CREATE, 1.0))
    assert found.at_end
    assert found.index == 2
    assert found.line == 4
    assert str(found) == (
        "cassette line 4 (after the last entry): the client sent response.create, the "
        "recording has no more client messages"
    )


def test_an_append_where_the_recording_has_none_or_no_append_where_it_has_some() -> None:
    replay, _ = started(text_turn().cassette())
    found = diverged(replay.receive_text(append(10), 1.0))
    assert (found.expected, found.got) == ("conversation.item.create", "input_audio_buffer.append")
    replay, _ = started(audio_turn().cassette())
    found = diverged(replay.receive_text(RESPONSE_CREATE, 1.0))
    assert (found.index, found.expected, found.got) == (3, "input_audio_buffer.append",
                                                        "response.create")  # fmt: skip
    replay, _ = started(audio_turn().cassette())
    assert diverged(replay.receive_close(1.0)).expected == "input_audio_buffer.append"


def test_text_without_a_type_is_compared_whole() -> None:
    script = Script().client({"note": "no type"})
    script.entries.append(TextFrame(at=1.0, direction=CLIENT, text="not json"))
    script.events(rp.InputAudioCleared())
    replay, _ = started(script.cassette())
    assert replay.receive_text('{"note": "no type"}', 1.0) == ReplayStep()
    assert types(replay.receive_text("not json", 1.0)) == ["input_audio_buffer.cleared"]
    replay, _ = started(script.cassette())
    found = diverged(replay.receive_text('{"type": 7}', 1.0))
    assert found.expected == 'the untyped text \'{"note": "no type"}\''
    assert found.got == "the untyped text '{\"type\": 7}'"
    replay, _ = started(script.cassette())
    assert diverged(replay.receive_text(RESPONSE_CREATE, 1.0)).got == "response.create"


def test_the_preview_dialect_matches_its_event_key_and_fields() -> None:
    script = Script(rp.Dialect.PREVIEW)
    script.command(rp.SendText(text="Hello"), rp.AppendAudio(audio=bytes(960)))
    script.events(rp.InputAudioCleared()).command(rp.FinishTurn())
    replay, _ = started(script.cassette())
    assert replay.type_key == "event"
    add_item = {"event": "add_item", "type": "message", "role": "user"}
    parts = [{"type": "text", "text": "Hello"}]
    assert replay.receive_text(text({**add_item, "content": parts}), 1.0) == ReplayStep()
    assert replay.receive_text(text({"event": "add_user_audio", "audio": b64(bytes(960))}), 1.0)
    finish = replay.receive_text(text({"event": "client_turn_finished"}), 1.0)
    assert finish.divergence is None
    replay, _ = started(script.cassette())
    found = diverged(replay.receive_text(text({**add_item, "content": "Hola"}), 1.0))
    assert (found.field, found.expected, found.got) == ("content[0].type", "'text'", "absent")
    replay, _ = started(Script(rp.Dialect.PREVIEW).command(rp.SendText(text="Hi")).cassette())
    found = diverged(replay.receive_text(text({**add_item, "content": "Hi"}), 1.0))
    assert (found.field, found.expected, found.got) == ("content[0].type", "'text'", "absent")
    tool = {"event": "add_item", "type": "tool_response", "tool_call_id": "c"}
    replay, _ = started(Script(rp.Dialect.PREVIEW).client({**tool, "content": "42"}).cassette())
    found = diverged(replay.receive_text(text({**tool, "tool_call_id": "d", "content": "7"}), 1.0))
    assert (found.field, found.expected, found.got) == ("content", "'42'", "'7'")


def test_the_key_fields_are_documented_per_type_and_ids_are_never_among_them() -> None:
    assert KEY_FIELDS["conversation.item.create"][:2] == ("item.type", "item.role")
    for fields in KEY_FIELDS.values():
        assert not [f for f in fields if f.endswith("id") or "event_id" in f]
    assert "response.create" not in KEY_FIELDS
    assert "session.update" not in KEY_FIELDS


def test_an_append_without_audio_counts_none() -> None:
    script = Script().client({"type": "input_audio_buffer.append"}).events(rp.InputAudioCleared())
    replay, _ = started(script.cassette())
    assert types(replay.receive_text(text({"type": "input_audio_buffer.append"}), 1.0)) == [
        "input_audio_buffer.cleared"
    ]


def test_a_divergence_error_lists_every_divergence() -> None:
    one = Divergence(index=3, expected="a", got="b")
    assert str(DivergenceError([one])) == (
        "1 replayed session diverged:\n- cassette line 5 (entry 3): the client sent b, the "
        "recording has a"
    )
    error = DivergenceError([one, one])
    assert str(error).startswith("2 replayed sessions diverged:\n")
    assert error.divergences == [one, one]
    assert isinstance(error, AssertionError)
    assert isinstance(error, rp.RealtimeError)


# -- pacing -------------------------------------------------------------------------------------


def test_pacing_follows_the_recorded_times_from_the_start() -> None:
    script = Script(step=0.5).events(rp.SessionCreated(session=rp.Session()))
    script.events(rp.InputAudioCleared(), rp.InputAudioCleared())  # at 0.5, 1.0 and 1.5
    replay = Replay(script.cassette(), pace=True)
    assert replay.next_deadline() is None  # not started
    step = replay.start(100.0)
    assert step.frames == ()
    assert step.next_due == 100.5
    assert replay.handle_timer(100.4) == ReplayStep(next_due=100.5)
    assert len(replay.handle_timer(101.2).frames) == 2
    assert replay.next_deadline() == 101.5
    assert len(replay.handle_timer(101.5).frames) == 1
    assert replay.next_deadline() is None
    assert replay.complete


def test_a_late_client_moves_the_recordings_clock_an_early_one_does_not() -> None:
    script = Script(step=1.0)  # the handshake at 0.0 and 0.05
    script.command(rp.SendText(text="a")).events(rp.InputAudioCleared())  # 1.0, 2.0
    script.command(rp.SendText(text="b")).events(rp.InputAudioCleared())  # 3.0, 4.0
    replay, _ = started(script.cassette(), pace=True)
    assert replay.receive_text(user_text("a"), 5.0).next_due == 6.0  # late by 4 s
    assert replay.handle_timer(6.0).frames
    assert replay.receive_text(user_text("b"), 6.5).next_due == 8.0  # early: 4.0 + 4 s
    assert replay.next_deadline() == 8.0


def test_within_a_run_the_clock_moves_with_the_last_recorded_append_reached() -> None:
    script = Script(step=1.0).command(*(rp.AppendAudio(audio=bytes(960)) for _ in range(3)))
    script.events(rp.InputAudioCleared())  # appends at 1, 2, 3; the answer at 4
    replay, _ = started(script.cassette(), pace=True)
    assert replay.receive_text(append(480), 10.0).next_due is None  # no recorded append yet
    assert replay.receive_text(append(960 * 3 - 480), 10.0).next_due == 11.0  # 3 reached at 10
    assert replay.next_deadline() == 11.0


def test_without_pacing_the_time_is_not_read() -> None:
    replay, first = started(Script(step=100.0).events(rp.InputAudioCleared()).cassette())
    assert len(first.frames) == 1
    assert replay.next_deadline() is None


# -- what can be replayed, and misuse --------------------------------------------------------------


def test_the_handshake_answer_is_the_recorded_one_or_a_plain_101() -> None:
    assert Replay(text_turn().cassette()).handshake.headers[-1] == ("x-request-id", "req_recorded")
    header = CassetteHeader(dialect=rp.Dialect.BETA, url="ws://x/", started_at=STARTED)
    bare = Replay(Cassette(header=header))
    assert (bare.handshake.status, bare.handshake.headers, bare.dialect) == (
        101,
        (),
        rp.Dialect.BETA,
    )
    refused = HandshakeResponse(at=0.1, status=429, body="slow down")
    request = HandshakeRequest(at=0.0, target="/")
    assert Replay(Cassette(header=header, entries=[request, refused])).handshake is refused


def test_a_handshake_answer_that_cannot_be_replayed_is_refused_naming_its_line() -> None:
    header = CassetteHeader(dialect=rp.Dialect.GA, url="ws://x/", started_at=STARTED)
    moved = HandshakeResponse(at=0.1, status=302)
    with pytest.raises(CassetteError, match=r"cassette line 3: .* HTTP 302 cannot be replayed"):
        Replay(Cassette(header=header, entries=[HandshakeRequest(at=0, target="/"), moved]))


def test_the_replay_starts_once_and_before_anything_else() -> None:
    replay = Replay(text_turn().cassette())
    calls: list[Callable[[], object]] = [
        lambda: replay.receive_text("{}", 0.0),
        lambda: replay.receive_binary(0.0),
        lambda: replay.receive_close(0.0),
        lambda: replay.handle_timer(0.0),
    ]
    for call in calls:
        with pytest.raises(rp.LocalProtocolError, match="call start"):
            call()
    assert not replay.started
    replay.start(0.0)
    assert replay.started
    with pytest.raises(rp.LocalProtocolError, match="started already"):
        replay.start(1.0)
    assert repr(replay) == (
        "<Replay of 15 entries: 1 of 11 frames sent, 0 of 2 client messages matched>"
    )
