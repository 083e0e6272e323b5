"""Resume in memory: which ends a resumable conversation carries over a new connection, what
its messages and sends do meanwhile, what the new connection sends (the last configuration,
the history as items) and the ``Resumed`` it delivers; the policy and the history."""

from __future__ import annotations

import pytest

import realtime_proto as rp
from realtime_proto.client import (
    RESUMING,
    ClientConversation,
    ConversationHistory,
    ResumeInProgress,
    ResumePolicy,
    Resumption,
)
from realtime_proto.client._resume import merged_options
from tests.core.client_link import Link, session
from tests.helpers import messages

POLICY = ResumePolicy(attempts=2, backoff=0.1)


def message(
    item_id: str, role: str, part: rp.ContentPart, status: str = "completed"
) -> rp.ConversationItem:
    return rp.ConversationItem(
        type="message", id=item_id, role=role, status=status, content=(part,)
    )


USER = message("item_u", "user", rp.ContentPart(type="input_text", text="hello"))
SPOKEN = message("item_a", "user", rp.ContentPart(type="input_audio"))
ANSWER = message("item_r", "assistant", rp.ContentPart(type="output_audio", transcript="hi there"))
CALL = rp.ConversationItem(
    type="function_call",
    id="item_c",
    status="completed",
    call_id="call_1",
    name="get_weather",
    arguments='{"city": "Paris"}',
)
OUTPUT = rp.ConversationItem(
    type="function_call_output", id="item_o", call_id="call_1", output="sunny"
)


def started(options: rp.ConversationOptions | None = None) -> Link:
    link = Link(options, resume=POLICY)
    link.start()
    messages(link.conversation)
    return link


def lose(link: Link) -> ClientConversation:
    """The server's side of the socket goes away without a close frame."""
    conversation = link.conversation
    conversation.receive_data(b"")
    return conversation


def reconnect(link: Link) -> tuple[Link, ClientConversation]:
    """A new connection carrying on ``link``'s conversation, started."""
    resumption = link.conversation.resumption
    assert resumption is not None
    second = Link()
    second.conversation = link.settings.start(None, resume_from=resumption)
    second.start(rp.Session(id="sess_2", model="m"))
    return second, second.conversation


def test_a_lost_connection_is_resumed_its_messages_end_with_resuming() -> None:
    link = started()
    link.serve([rp.ItemAdded(item=USER)])
    conversation = lose(link)
    assert conversation.ended
    assert conversation.resume_pending
    got = [conversation.take_message(iterating=True) for _ in range(2)]
    assert isinstance(got[0], rp.ItemAdded)
    assert got[1] is RESUMING
    assert repr(RESUMING) == "RESUMING"
    with pytest.raises(ResumeInProgress):
        conversation.send(rp.SendText(text="meanwhile"))
    resumption = conversation.resumption
    assert resumption is not None
    assert resumption.reason.startswith("the connection was lost: the connection is closed")
    assert repr(resumption) == "<Resumption attempts=0 items=1>"


def test_the_new_connection_restores_and_says_resumed_in_place_of_its_start() -> None:
    options = rp.ConversationOptions(system_message="Be brief.", voice="alloy")
    link = started(options)
    link.conversation.send(rp.UpdateSession(options=rp.ConversationOptions(voice="verse")))
    link.serve(
        [
            rp.ItemAdded(item=USER),
            rp.OutputItemDone(response_id="r1", output_index=0, item=ANSWER),
            rp.ItemAdded(item=SPOKEN),
        ]
    )
    lose(link)
    old_turn = rp.Turn(response_id="r0", status="completed", text="earlier")
    link.conversation._delivered_turn = old_turn
    second, conversation = reconnect(link)
    update, *creates = [c for c in second.commands if isinstance(c, rp.Command)]
    assert isinstance(update, rp.UpdateSession)
    assert update.options.system_message == "Be brief."
    assert update.options.voice == "verse"  # the last configuration sent
    assert [c.item.id for c in creates] == ["item_u", "item_r"]
    assert creates[1].item.content[0].text == "hi there"  # the transcript for the audio
    connected, resumed = messages(conversation)
    assert isinstance(connected, rp.Connected)
    assert isinstance(resumed, rp.Resumed)
    assert resumed.kind is rp.MessageKind.RESUMED
    assert resumed.new_session_id == "sess_2"
    assert resumed.old_session_id == "sess_1"
    assert resumed.attempts == 0
    assert [i.id for i in resumed.restored] == ["item_u", "item_r"]
    assert [i.id for i in resumed.not_restored] == ["item_a"]  # audio with no transcript
    assert conversation.last_turn is None
    conversation.carry_on_from(link.conversation)
    assert conversation.last_turn is old_turn
    conversation.carry_on_from(started().conversation)  # what it had stays
    assert conversation.last_turn is old_turn
    assert not conversation.resume_pending


def test_a_session_expired_error_closes_and_is_resumed() -> None:
    link = started()
    link.serve([rp.ServerError(error=rp.ErrorDetail(code="session_expired", message="expired"))])
    link.up()
    closed = link.commands[-1]  # the client closes at once
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.reason == "session expired"
    link.down()  # the server's answer to the close
    assert link.conversation.ended
    assert link.conversation.resume_pending
    assert link.conversation.resumption is not None
    assert link.conversation.resumption.reason == "the session expired"


def test_session_expired_after_the_callers_close_adds_no_close() -> None:
    link = started()
    link.conversation.close()
    link.serve([rp.ServerError(error=rp.ErrorDetail(code="session_expired", message="bye"))])
    link.up()
    closes = [c for c in link.commands if isinstance(c, rp.ConnectionClosed)]
    assert [c.reason for c in closes] == [""]  # the caller's only
    link.down()
    assert link.conversation.ended
    assert not link.conversation.resume_pending


@pytest.mark.parametrize("code", [1001, 1011, 4000])
def test_a_close_other_than_normal_is_resumed(code: int) -> None:
    link = started()
    link.serve([rp.Close(code=code)])
    assert link.conversation.resume_pending


def test_a_normal_close_by_the_server_is_not_resumed() -> None:
    link = started()
    link.serve([rp.Close(code=1000)])
    link.up()
    conversation = link.conversation
    assert conversation.ended
    assert not conversation.resume_pending
    assert isinstance(messages(conversation)[-1], rp.ConnectionClosed)


def test_the_callers_close_is_not_resumed() -> None:
    link = started()
    link.conversation.close()
    link.up()
    link.down()
    link.conversation.receive_data(b"")
    assert link.conversation.ended
    assert not link.conversation.resume_pending


def test_a_drop_before_the_session_started_is_not_resumed() -> None:
    link = Link(resume=POLICY)
    link.accept()
    conversation = lose(link)
    assert conversation.ended
    assert not conversation.resume_pending


def test_a_lost_socket_is_resumed_a_failure_of_ours_is_not() -> None:
    lost = started()
    lost.conversation.fail(rp.ConnectionClosedError(1006, "the connection was lost", "error"))
    assert lost.conversation.resume_pending
    assert lost.conversation.resumption is not None
    assert lost.conversation.resumption.reason.startswith("the connection was lost: ")
    ours = started()
    ours.conversation.fail(RuntimeError("a bug"))
    assert not ours.conversation.resume_pending


def test_giving_up_ends_the_messages_with_the_close_then_the_failure() -> None:
    link = started()
    conversation = lose(link)
    resumption = conversation.resumption
    assert resumption is not None
    assert resumption.next_delay() == 0.0
    resumption.attempt_failed(rp.ConnectError("refused"))
    assert resumption.next_delay() == 0.1
    assert resumption.next_delay() is None
    failure = resumption.failure()
    conversation.stop_resuming(failure)
    conversation.stop_resuming(failure)  # once is enough
    assert isinstance(conversation.take_message(iterating=True), rp.ConnectionClosed)
    with pytest.raises(rp.ResumeFailed) as raised:
        conversation.take_message(iterating=True)
    assert raised.value is failure
    assert raised.value.attempts == 2
    assert raised.value.__cause__ is resumption.last_error
    assert str(raised.value).startswith("the conversation could not be resumed (the connection")
    assert str(raised.value).endswith("after 2 attempts: refused")
    with pytest.raises(rp.ResumeFailed):
        conversation.send(rp.SendText(text="too late"))


def test_stopping_without_an_error_ends_with_the_close() -> None:
    link = started()
    conversation = lose(link)
    conversation.stop_resuming()
    assert isinstance(conversation.take_message(iterating=True), rp.ConnectionClosed)
    with pytest.raises(rp.ConnectionClosedError):
        conversation.take_message(iterating=True)


def test_the_attempts_start_over_once_a_response_completes() -> None:
    link = started()
    lose(link)
    resumption = link.conversation.resumption
    assert resumption is not None
    assert resumption.next_delay() == 0.0
    resumption.attempt_failed(rp.ConnectError("refused"))
    assert resumption.next_delay() == 0.1
    second, conversation = reconnect(link)
    resumed = messages(conversation)[-1]
    assert isinstance(resumed, rp.Resumed)
    assert resumed.attempts == 2
    assert resumption.session_id == "sess_2"
    # a new session that completes no response does not count as working
    lose(second)
    assert resumption.next_delay() is None
    third, conversation = reconnect(link)
    messages(conversation)
    third.serve([rp.TurnFinished(response=rp.ResponseInfo(id="r2", status="cancelled"))])
    assert resumption.attempts == 2
    third.serve([rp.TurnFinished(response=rp.ResponseInfo(id="r", status="completed"))])
    assert resumption.attempts == 0
    assert resumption.last_error is None


def test_a_conversation_without_resume_has_no_resumption() -> None:
    link = Link()
    link.start()
    assert link.conversation.resumption is None
    lose(link)
    assert not link.conversation.resume_pending


# -- the policy ------------------------------------------------------------------------------


def test_the_policy_doubles_its_backoff_up_to_the_cap() -> None:
    policy = ResumePolicy(attempts=6, backoff=0.5, max_backoff=2.0)
    assert [policy.delay(n) for n in range(5)] == [0.0, 0.5, 1.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (False, None), (True, ResumePolicy()), (POLICY, POLICY)],
)
def test_resume_takes_a_bool_or_a_policy(
    value: bool | ResumePolicy | None, expected: ResumePolicy | None
) -> None:
    assert ResumePolicy.of(value) == expected
    settings = rp.client.ClientSettings(
        target=rp.client.ServiceTarget.embedded_simulator(), resume=value
    )
    assert settings.resume == expected


def test_resume_refuses_anything_else() -> None:
    with pytest.raises(TypeError, match="resume must be a bool or a ResumePolicy, got 'yes'"):
        ResumePolicy.of("yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"attempts": 0}, "ResumePolicy.attempts must be a positive integer, got 0"),
        ({"attempts": True}, "ResumePolicy.attempts must be a positive integer, got True"),
        ({"backoff": -1}, r"ResumePolicy.backoff must be seconds in \[0, 3600\), got -1"),
        ({"max_backoff": "1"}, r"ResumePolicy.max_backoff must be seconds in \[0, 3600\)"),
    ],
)
def test_the_policy_checks_its_fields(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ResumePolicy(**fields)  # type: ignore[arg-type]


def test_configurations_merge_field_by_field() -> None:
    base = rp.ConversationOptions(voice="alloy", system_message="a", extra={"x": 1, "y": 2})
    update = rp.ConversationOptions(voice="verse", extra={"y": 3})
    merged = merged_options(base, update)
    assert merged.voice == "verse"
    assert merged.system_message == "a"
    assert merged.extra == {"x": 1, "y": 3}
    assert merged_options(None, update) is update
    resumption = Resumption(POLICY)
    resumption.configured(update)
    assert resumption.options is update


# -- the history -----------------------------------------------------------------------------


def test_the_history_restores_text_transcripts_and_tool_rounds_in_order() -> None:
    history = ConversationHistory()
    for event in [
        rp.ItemAdded(item=rp.ConversationItem(type="message", role="user")),  # no id: skipped
        rp.ItemAdded(item=message("s", "system", rp.ContentPart(type="input_text", text="rule"))),
        rp.ItemAdded(item=SPOKEN),
        rp.InputTranscriptionCompleted(item_id="item_a", audio_transcript="what is it"),
        rp.OutputItemAdded(response_id="r", output_index=0, item=CALL),
        rp.ItemDone(item=CALL),
        rp.ItemRetrieved(item=OUTPUT),
    ]:
        history.observe(event)
    restored, left = history.restorable()
    assert left == ()
    assert [(i.type, i.role, i.id) for i in restored] == [
        ("message", "system", "s"),
        ("message", "user", "item_a"),
        ("function_call", None, "item_c"),
        ("function_call_output", None, "item_o"),
    ]
    assert restored[1].content == (rp.ContentPart(type="input_text", text="what is it"),)
    assert restored[2].arguments == '{"city": "Paris"}'
    assert restored[3].output == "sunny"
    assert len(history) == 4
    assert repr(history) == "<ConversationHistory items=4>"


def test_a_finished_turns_text_stands_in_for_an_item_without_any() -> None:
    history = ConversationHistory()
    bare = rp.ConversationItem(type="message", id="m", role="assistant", status="completed")
    history.observe(rp.OutputItemDone(response_id="r", output_index=0, item=bare))
    turn = rp.Turn(response_id="r", status="completed", text="said it", item_ids=("m",))
    history.observe(rp.TurnFinished(response=rp.ResponseInfo(id="r"), turn=turn))
    restored, _ = history.restorable()
    assert restored[0].content == (rp.ContentPart(type="text", text="said it"),)


@pytest.mark.parametrize(
    "turn",
    [
        None,
        rp.Turn(response_id="r", status="interrupted", text="half", item_ids=("m",)),
        rp.Turn(response_id="r", status="completed", text="", item_ids=("m",)),
        rp.Turn(response_id="r", status="completed", text="two", item_ids=("m", "n")),
        rp.Turn(response_id="r", status="completed", text="gone", item_ids=("x",)),
    ],
)
def test_a_turns_text_is_used_only_when_it_is_one_finished_messages(turn: rp.Turn | None) -> None:
    history = ConversationHistory()
    for item_id in ("m", "n"):
        bare = rp.ConversationItem(type="message", id=item_id, role="assistant")
        history.observe(rp.ItemAdded(item=bare))
    history.observe(rp.TurnFinished(response=rp.ResponseInfo(id="r"), turn=turn))
    restored, left = history.restorable()
    assert restored == ()
    assert len(left) == 2


def test_what_cannot_be_restored_is_said() -> None:
    history = ConversationHistory()
    cut = message("cut", "assistant", rp.ContentPart(type="output_audio", transcript="unheard"))
    unfinished = message(
        "busy", "assistant", rp.ContentPart(type="text", text="hal"), "in_progress"
    )
    odd_role = message("odd", "critic", rp.ContentPart(type="input_text", text="hm"))
    nameless = rp.ConversationItem(type="function_call", id="f", call_id="c", arguments="{}")
    no_output = rp.ConversationItem(type="function_call_output", id="o", call_id="c")
    mcp = rp.ConversationItem(type="mcp_call", id="mcp")
    deleted = message("del", "user", rp.ContentPart(type="input_text", text="forget it"))
    for item in (cut, unfinished, odd_role, nameless, no_output, mcp, deleted):
        history.observe(rp.ItemAdded(item=item))
    history.observe(rp.ItemTruncated(item_id="cut", content_index=0, audio_end_ms=10))
    history.observe(rp.ItemTruncated(item_id="del", content_index=0, audio_end_ms=0))
    history.observe(rp.ItemDeleted(item_id="del"))
    history.observe(rp.ItemDeleted(item_id="never"))
    history.observe(rp.SpeechStarted(item_id="x", audio_start_ms=0))  # changes nothing
    restored, left = history.restorable()
    assert restored == ()
    assert [i.id for i in left] == ["cut", "busy", "odd", "f", "o", "mcp"]


def test_a_function_call_without_arguments_is_restored_with_empty_ones() -> None:
    history = ConversationHistory()
    call = rp.ConversationItem(type="function_call", id="f", call_id="c", name="now")
    history.observe(rp.ItemAdded(item=call))
    (restored,), _ = history.restorable()
    assert restored.arguments == "{}"


def test_restored_items_are_sent_in_each_dialect() -> None:
    for dialect in rp.Dialect:
        link = Link(dialect=dialect, resume=POLICY)
        link.start()
        resumption = link.conversation.resumption
        assert resumption is not None
        resumption.history.observe(rp.ItemAdded(item=USER))
        lose(link)
        second = Link(dialect=dialect)
        second.conversation = link.settings.start(None, resume_from=resumption)
        second.start(session())
        creates = [c for c in second.commands if isinstance(c, rp.CreateItem)]
        assert [c.item.content[0].text for c in creates] == ["hello"], dialect


def test_in_the_preview_dialect_the_history_keeps_what_the_client_added() -> None:
    link = started_in(rp.Dialect.PREVIEW)
    conversation = link.conversation
    conversation.send(rp.SendText(text="hello"))
    conversation.send(rp.SendToolResponse(tool_call_id="call_1", output="sunny"))
    conversation.send(rp.CreateItem(item=ANSWER))
    conversation.send(rp.CommitAudio())  # adds no item
    assert conversation.resumption is not None
    restored, left = conversation.resumption.history.restorable()
    assert left == ()
    assert [(i.type, i.role, i.id) for i in restored] == [
        ("message", "user", None),
        ("function_call_output", None, None),
        ("message", "assistant", None),
    ]
    assert restored[0].content[0].text == "hello"
    assert restored[1].output == "sunny"
    assert restored[2].content[0].text == "hi there"


def test_in_the_ga_dialect_the_history_waits_for_the_servers_word() -> None:
    conversation = started().conversation
    conversation.send(rp.SendText(text="hello"))
    assert conversation.resumption is not None
    assert len(conversation.resumption.history) == 0


def started_in(dialect: rp.Dialect) -> Link:
    link = Link(dialect=dialect, resume=POLICY)
    link.start()
    messages(link.conversation)
    return link
