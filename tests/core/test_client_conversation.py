"""ClientConversation: the start, timers, the inbox, the caller's view, the input format and
the output queue; and the same messages whatever the reads. In memory, with time passed in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.client import (
    OUTPUT_HIGH_WATER,
    ClientConversation,
    ClientSettings,
    ConversationView,
    ServiceTarget,
)
from tests.core.client_link import (
    ALAW,
    AT,
    PCM16,
    PREVIEW,
    ULAW,
    Link,
    feed_while_wanted,
    noise,
    session,
    types,
)
from tests.helpers import LOCAL_URL, drain, messages, response_events, split_at, written

# -- the start ----------------------------------------------------------------------------------


def test_ready_only_after_session_created_and_the_options_are_sent_once() -> None:
    link = Link(rp.ConversationOptions(system_message="be brief"))
    conversation = link.conversation
    assert not conversation.ready
    assert not conversation.started
    assert "ready=False" in repr(conversation)
    link.accept()
    link.up()
    assert not conversation.ready
    assert not conversation.started
    assert link.updates() == []  # nothing before the session exists
    link.serve([rp.SessionCreated(session=session())])
    assert conversation.ready
    assert conversation.started
    assert "ready=True" in repr(conversation)
    link.up()
    (update,) = link.updates()
    assert update.options.system_message == "be brief"
    link.serve([rp.SessionCreated(session=session())])  # a second one sends nothing more
    link.up()
    assert len(link.updates()) == 1
    assert types(messages(conversation)) == [rp.Connected, rp.SessionCreated, rp.SessionCreated]


def test_without_options_the_session_is_ready_and_nothing_is_sent() -> None:
    link = Link()
    link.start()
    assert link.conversation.ready
    assert link.updates() == []
    assert not link.conversation.has_output


def test_options_that_cannot_be_encoded_fail_the_start() -> None:
    bad = rp.ConversationOptions()
    object.__setattr__(bad, "tools", ({"type": "function", "name": "x"},))  # past the checks
    link = Link(bad)
    link.accept()
    link.serve([rp.SessionCreated(session=session())])
    conversation = link.conversation
    error = conversation.error
    assert isinstance(error, AttributeError)  # what encoding a dict as a tool raised
    assert conversation.end_error is error
    assert conversation.started
    assert not conversation.ready
    assert conversation.ended
    assert conversation.output_finished  # nothing is written after the failure
    got = messages(conversation)
    assert types(got) == [rp.Connected, rp.SessionCreated, rp.ConnectionClosed]
    assert (got[-1].code, got[-1].initiator) == (1011, "error")
    assert conversation.exhausted
    with pytest.raises(AttributeError):
        conversation.send(rp.SendText(text="hi"))
    link.up()
    assert link.updates() == []


# -- timers -------------------------------------------------------------------------------------


def test_no_session_created_within_the_open_timeout_is_a_connect_timeout() -> None:
    link = Link(timeouts=rp.Timeouts(open_timeout=2.0, keepalive_interval=None))
    link.accept()
    conversation = link.conversation
    assert conversation.next_deadline() == float("-inf")  # arm at once
    conversation.handle_timer(100.0)
    assert conversation.next_deadline() == 102.0
    conversation.handle_timer(101.9)
    assert not conversation.ended
    conversation.handle_timer(102.0)
    assert isinstance(conversation.error, rp.ConnectTimeout)
    assert conversation.end_error is conversation.error
    assert "session.created" in str(conversation.error)
    assert conversation.started
    assert not conversation.ready
    assert types(messages(conversation)) == [rp.Connected, rp.ConnectionClosed]
    assert conversation.next_deadline() is None
    conversation.handle_timer(200.0)  # nothing happens once ended
    assert conversation.exhausted


def test_a_flood_of_other_events_does_not_hold_off_the_open_timeout() -> None:
    link = Link(
        timeouts=rp.Timeouts(open_timeout=5.0, keepalive_interval=None), max_queued_messages=20
    )
    link.accept()
    conversation = link.conversation
    conversation.handle_timer(0.0)
    flood = noise(50)
    link.serve(flood)  # one read brings all of them
    assert not conversation.wants_data  # the inbox is over its bound
    conversation.handle_timer(4.0)
    assert not conversation.ended
    conversation.handle_timer(5.0)
    assert isinstance(conversation.error, rp.ConnectTimeout)
    got = messages(conversation)
    assert types(got) == [rp.Connected, *[rp.UnknownEvent] * 50, rp.ConnectionClosed]
    assert [json.loads(e.raw)["n"] for e in got[1:-1]] == list(range(50))


def test_an_opening_handshake_without_an_answer_is_a_connect_timeout() -> None:
    link = Link(timeouts=rp.Timeouts(open_timeout=1.0))
    conversation = link.conversation
    conversation.handle_timer(0.0)
    assert conversation.next_deadline() == 1.0
    conversation.handle_timer(1.0)
    assert isinstance(conversation.error, rp.ConnectTimeout)
    assert types(messages(conversation)) == [rp.ConnectionClosed]
    assert not conversation.has_output  # the unwritten request is dropped


def test_the_session_deadline_does_not_hide_an_earlier_keepalive() -> None:
    link = Link(timeouts=rp.Timeouts(open_timeout=10.0, keepalive_interval=1.0))
    link.accept()
    conversation = link.conversation
    conversation.handle_timer(0.0)
    assert conversation.next_deadline() == 1.0  # the ping comes before the session deadline
    link.serve([rp.SessionCreated(session=session())])
    assert conversation.next_deadline() == 1.0  # ready: only the connection's timers
    conversation.handle_timer(1.0)
    assert conversation.has_output  # the ping


def test_a_ready_conversation_without_keepalive_has_no_deadline() -> None:
    link = Link(timeouts=rp.Timeouts(keepalive_interval=None))
    link.start()
    link.conversation.handle_timer(0.0)
    assert link.conversation.next_deadline() is None


def test_a_fault_in_the_connection_timer_becomes_the_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fault injection: no Limits value makes the keepalive ping overflow (the conversation
    # empties the connection's buffer after every call), so a raising timer is a bug.
    link = Link()
    link.start()
    conversation = link.conversation
    fault = RuntimeError("timer bug")

    def broken(now: float) -> None:
        raise fault

    monkeypatch.setattr(conversation.connection, "handle_timer", broken)
    conversation.handle_timer(0.0)
    assert conversation.error is fault
    assert types(messages(conversation))[-1] is rp.ConnectionClosed


# -- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_is_bounded_by_count_and_reading_makes_room() -> None:
    link = Link(max_queued_messages=4)
    link.start()
    conversation = link.conversation
    assert messages(conversation)[-1].kind is rp.MessageKind.SESSION_STARTED
    for event in noise(10):
        link.server.send(event)
    rest = feed_while_wanted(conversation, link.server.data_to_send())
    assert rest
    assert not conversation.wants_data
    assert conversation.queued_messages == 4
    got = [conversation.next_message()]
    assert not conversation.wants_data  # the caller catches up with its inbox first
    while rest:
        while not conversation.wants_data:
            got.append(conversation.next_message())
        rest = feed_while_wanted(conversation, rest)
        assert conversation.queued_messages <= 4
    got += messages(conversation)
    assert conversation.next_message() is None
    assert not conversation.has_message
    assert [json.loads(e.raw)["n"] for e in got] == list(range(10))  # nothing lost, in order
    assert conversation.queued_bytes == 0


def test_the_inbox_is_bounded_by_bytes_and_reading_makes_room() -> None:
    link = Link(max_queued_bytes=2000)
    link.start()
    conversation = link.conversation
    messages(conversation)
    for event in noise(10, size=300):
        link.server.send(event)
    rest = feed_while_wanted(conversation, link.server.data_to_send())
    assert not conversation.wants_data
    count = conversation.queued_messages
    assert 0 < count < 10
    queued = [m for _ in range(count) if (m := conversation.next_message()) is not None]
    assert len(queued) == count
    assert sum(len(e.raw) for e in queued) + 64 * count >= 2000
    assert conversation.queued_bytes == 0
    assert conversation.wants_data
    rest = feed_while_wanted(conversation, rest)
    assert rest == b""
    got = queued + messages(conversation)
    assert [json.loads(e.raw)["n"] for e in got] == list(range(10))


def test_audio_counts_against_the_byte_bound() -> None:
    link = Link()
    link.start()
    messages(link.conversation)
    link.serve([rp.AudioDelta(audio_bytes=b"\x01" * 1000, **AT)])
    queued = link.conversation.queued_bytes
    delta = link.conversation.next_message()
    assert isinstance(delta, rp.AudioDelta)
    assert queued == len(delta.raw) + 1000 + 64


# -- the caller's view --------------------------------------------------------------------------


def test_last_turn_is_the_last_turn_the_caller_received() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    messages(conversation)
    first = response_events(response_id="resp_1", item_id="item_1", text_deltas=["one"])
    second = response_events(response_id="resp_2", item_id="item_2", text_deltas=["two"])
    link.serve([*first, *second])  # both complete before the caller reads
    assert conversation.last_turn is None
    assert conversation.last_turn_full_response_text == ""
    assert conversation.last_turn_full_response_audio == b""
    while not isinstance(conversation.next_message(), rp.TurnFinished):
        assert conversation.last_turn is None
    assert conversation.last_turn is not None
    assert conversation.last_turn.response_id == "resp_1"
    assert conversation.last_turn_full_response_text == "one"
    rest = messages(conversation)
    assert isinstance(rest[-1], rp.TurnFinished)
    assert conversation.last_turn.response_id == "resp_2"
    assert conversation.last_turn_full_response_text == "two"


def test_a_replayed_response_done_keeps_the_last_turn() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    events = response_events(text_deltas=["hello"])
    link.serve(events)
    messages(conversation)
    turn = conversation.last_turn
    assert turn is not None
    link.serve([events[-1]])  # response.done again: no turn of its own
    (replayed,) = messages(conversation)
    assert isinstance(replayed, rp.TurnFinished)
    assert replayed.turn is None
    assert conversation.last_turn is turn


def test_an_audio_turn_gives_its_transcript_and_audio() -> None:
    link = Link()
    link.start()
    link.serve(response_events(audio_deltas=[b"\x01\x02", b"\x03\x04"], transcript_deltas=["hi"]))
    messages(link.conversation)
    assert link.conversation.last_turn_full_response_text == "hi"
    assert link.conversation.last_turn_full_response_audio == b"\x01\x02\x03\x04"


def test_tool_run_defaults_to_the_delivered_turn() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    link.serve(response_events(tool_calls=[("call_1", "add", ['{"a": 1, ', '"b": 2}'])]))
    assert conversation.tool_run({"add": lambda a, b: a + b}).calls == ()  # not delivered yet
    messages(conversation)
    run = conversation.tool_run({"add": lambda a, b: a + b})
    (prepared,) = run.calls
    assert prepared.call.call_id == "call_1"
    assert prepared.arguments == {"a": 1, "b": 2}
    assert run.start(prepared) == "3"
    other = rp.Turn(response_id="r9", status="completed")
    assert conversation.tool_run({}, other).calls == ()  # an explicit turn wins


class View(ConversationView[Any]):
    def __init__(self, conversation: ClientConversation) -> None:
        self.conversation = conversation

    @property
    def _view(self) -> ClientConversation:
        return self.conversation


def test_a_view_shows_the_session_and_the_delivered_turn() -> None:
    link = Link()
    view = View(link.conversation)
    assert view.session is None
    assert view.last_turn is None
    link.start(session(ULAW))
    link.serve(response_events(audio_deltas=[b"\x05\x06"], transcript_deltas=["said"]))
    assert view.session is not None
    assert view.session.options.input_audio_format is ULAW
    assert view.last_turn is None  # received, not yet delivered
    messages(link.conversation)
    assert view.last_turn is link.conversation.last_turn
    assert view.last_turn_full_response_text == "said"
    assert view.last_turn_full_response_audio == b"\x05\x06"


# -- input_format -------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, PREVIEW])
def test_input_format_is_the_last_configuration_sent(dialect: rp.Dialect) -> None:
    link = Link(rp.ConversationOptions(input_audio_format=ALAW), dialect=dialect)
    conversation = link.conversation
    assert conversation.input_format is ALAW  # before any session exists
    link.start(session(PCM16))  # the session still reports the default
    assert conversation.input_format is ALAW
    (update,) = link.updates()
    assert update.options.input_audio_format is ALAW
    conversation.send(rp.UpdateSession(options=rp.ConversationOptions(input_audio_format=PCM16)))
    assert conversation.input_format is PCM16  # at once, before the server confirms
    conversation.send(rp.UpdateSession(options=rp.ConversationOptions(voice="echo")))
    assert conversation.input_format is PCM16  # a configuration without a format keeps it
    if dialect is rp.Dialect.GA:
        link.serve([rp.SessionUpdated(session=session(ULAW))])
        assert conversation.input_format is PCM16  # the last sent wins over a stale report


def test_without_a_format_sent_input_format_is_the_sessions() -> None:
    link = Link(rp.ConversationOptions(system_message="hi"))
    conversation = link.conversation
    assert conversation.input_format is PCM16
    link.start(session(ULAW))
    assert conversation.input_format is ULAW
    link.serve([rp.SessionUpdated(session=session(ALAW))])
    assert conversation.input_format is ALAW
    link.serve([rp.SessionUpdated(session=session())])
    assert conversation.input_format is PCM16  # a session without a format


def test_preview_options_without_a_format_mean_pcm16() -> None:
    link = Link(rp.ConversationOptions(voice="echo"), dialect=PREVIEW)
    link.start()
    assert link.conversation.ready
    assert link.conversation.input_format is PCM16
    (update,) = link.updates()
    assert update.options.voice == "echo"


# -- output -------------------------------------------------------------------------------------


def test_a_large_append_is_taken_in_64_kib_pieces() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    audio = bytes(range(256)) * 800  # 200 KB
    conversation.send(rp.AppendAudio(audio=audio))
    backlog = conversation.output_backlog
    assert backlog > len(audio)
    pieces = []
    while conversation.has_output:
        pieces.append(conversation.take_output())
        assert conversation.output_backlog == backlog  # taken, not yet written
    assert [len(p) for p in pieces[:-1]] == [65536] * (len(pieces) - 1)
    assert 0 < len(pieces[-1]) <= 65536
    assert sum(map(len, pieces)) == backlog
    for piece in pieces:
        conversation.output_written(len(piece))
    assert conversation.output_backlog == 0
    conversation.output_written(10)  # more than is in flight: no negative backlog
    assert conversation.output_backlog == 0
    link.server.receive_data(b"".join(pieces))
    (append,) = drain(link.server)
    assert append.audio == audio


def test_may_send_is_false_above_the_high_water_mark_until_written() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    audio = b"\x00" * 200_000
    while conversation.may_send:
        conversation.send(rp.AppendAudio(audio=audio))
    assert conversation.output_backlog >= OUTPUT_HIGH_WATER
    taken = []
    while conversation.has_output:
        taken.append(conversation.take_output())
    assert not conversation.may_send  # in flight still counts
    for piece in taken:
        conversation.output_written(len(piece))
        if conversation.output_backlog < OUTPUT_HIGH_WATER:
            assert conversation.may_send
        else:
            assert not conversation.may_send
    assert conversation.may_send
    assert conversation.output_backlog == 0
    assert not conversation.output_finished  # still open


# -- the caller receives the same whatever the reads --------------------------------------------


def served(conversation: ClientConversation, events: Iterable[rp.Event]) -> bytes:
    """Everything a server answers to ``conversation``'s handshake, then ``events``, then a
    close: the byte stream the conversation reads."""
    server = rp.Connection.server()
    server.receive_data(written(conversation))
    drain(server)
    server.send(rp.AcceptConnection())
    for event in events:
        server.send(event)
    server.send(rp.Close())
    return server.data_to_send()


TURNS = st.lists(
    st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=3), min_size=1, max_size=3
)


@settings(max_examples=50, deadline=None)
@given(
    turns=TURNS,
    cuts=st.lists(st.integers(min_value=0, max_value=100_000), max_size=25),
    reads=st.lists(st.integers(min_value=0, max_value=3), max_size=30),
    bound=st.integers(min_value=1, max_value=6),
)
def test_any_split_and_any_reads_deliver_the_same_messages(
    turns: list[list[str]], cuts: list[int], reads: list[int], bound: int
) -> None:
    events: list[rp.Event] = [rp.SessionCreated(session=session())]
    for index, deltas in enumerate(turns):
        events += response_events(
            response_id=f"resp_{index}", item_id=f"item_{index}", text_deltas=deltas
        )
    target = ServiceTarget.url(LOCAL_URL)
    reference = ClientSettings(target=target).start(None)
    reference.receive_data(served(reference, events))
    expected = messages(reference)

    conversation = ClientSettings(target=target, max_queued_messages=bound).start(None)
    pieces = [p for p in split_at(served(conversation, events), cuts) if p]  # b"" is the end
    planned = iter(reads)
    got: list[rp.Event] = []
    for piece in pieces:
        for _ in range(next(planned, 0)):
            if (message := conversation.next_message()) is not None:
                got.append(message)
        while not conversation.wants_data and conversation.has_message:
            got.append(conversation.next_message())  # type: ignore[arg-type]
        conversation.receive_data(piece)
    got += messages(conversation)

    assert got == expected
    assert types(got)[-1] is rp.ConnectionClosed
    assert conversation.exhausted
    assert conversation.end_error is None
    finished = [e for e in got if isinstance(e, rp.TurnFinished)]
    assert conversation.last_turn == finished[-1].turn
    assert conversation.last_turn is not None
    assert conversation.last_turn.text == "".join(turns[-1])
    assert conversation.last_turn_full_response_text == "".join(turns[-1])


def test_the_start_reaches_the_caller_before_the_rest_of_its_read_is_decoded() -> None:
    link = Link()
    link.accept()
    link.server.send(rp.SessionCreated(session=session()))
    for event in noise(5):
        link.server.send(event)
    link.down()  # the session's start and five more messages, in one read
    conversation = link.conversation
    assert conversation.ready
    assert conversation.queued_messages == 2  # the rest waits, undecoded, for the caller
    got = messages(conversation)
    assert types(got[:2]) == [rp.Connected, rp.SessionCreated]
    assert [json.loads(event.raw)["n"] for event in got[2:]] == list(range(5))


def test_a_failure_decodes_everything_read_even_past_the_start() -> None:
    link = Link(max_queued_messages=1)
    link.accept()
    link.server.send(rp.SessionCreated(session=session()))
    for event in noise(3):
        link.server.send(event)
    link.down()
    conversation = link.conversation
    assert not conversation.ready  # the inbox filled before the start was decoded
    conversation.fail(RuntimeError("the reader failed"))
    got = []
    while (message := conversation.next_message()) is not None:
        got.append(message)
    assert types(got[:2]) == [rp.Connected, rp.SessionCreated]
    assert [json.loads(event.raw)["n"] for event in got[2:5]] == [0, 1, 2]
    assert isinstance(got[-1], rp.ConnectionClosed)
