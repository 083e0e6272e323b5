"""ClientConversation: the start, the inbox, the output queue, timers, failures, the close,
the caller's view, and the audio and tool plans. In memory, with time passed in."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Generator, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from tests.helpers import LOCAL_URL, drain, messages, response_events, split_at, written

SECRET = "sk-proj-abcdefghijklmnop0123"
PREVIEW = rp.Dialect.PREVIEW
ALAW = rp.AudioFormat.G711_ALAW
ULAW = rp.AudioFormat.G711_ULAW
PCM16 = rp.AudioFormat.PCM16
AT: dict[str, Any] = {"response_id": "r", "item_id": "i", "output_index": 0, "content_index": 0}


def session(fmt: rp.AudioFormat | None = None) -> rp.Session:
    options = rp.ConversationOptions(input_audio_format=fmt)
    return rp.Session(id="sess_1", model="m", options=options)


class Link:
    """A ClientConversation and a SERVER connection, wired in memory. Bytes move only when
    a test says so, and the conversation's messages stay in its inbox until read."""

    def __init__(
        self,
        options: rp.ConversationOptions | None = None,
        *,
        dialect: rp.Dialect = rp.Dialect.GA,
        api_key: str | None = None,
        **client_settings: Any,
    ) -> None:
        target = rp.ServiceTarget.url(LOCAL_URL, dialect=dialect, api_key=api_key)
        self.settings = rp.ClientSettings(target=target, **client_settings)
        self.conversation = self.settings.start(options)
        self.server = rp.Connection.server(dialect=dialect)
        self.commands: list[Any] = []

    def up(self) -> None:
        """What the conversation wrote, to the server."""
        data = written(self.conversation)
        if data:
            self.server.receive_data(data)
        self.commands += drain(self.server)

    def down(self) -> None:
        """What the server wrote, to the conversation, in one read."""
        data = self.server.data_to_send()
        if data:
            self.conversation.receive_data(data)

    def accept(self) -> None:
        self.up()
        self.server.send(rp.AcceptConnection())
        self.down()

    def start(self, created: rp.Session | None = None) -> None:
        """Accept, announce the session, and carry the options the conversation sends."""
        self.accept()
        self.serve([rp.SessionCreated(session=created or session())])
        self.up()

    def serve(self, events: Iterable[rp.Event | rp.Command]) -> None:
        for event in events:
            self.server.send(event)
        self.down()

    def updates(self) -> list[rp.UpdateSession]:
        return [c for c in self.commands if isinstance(c, rp.UpdateSession)]


def noise(count: int, size: int = 0) -> list[rp.SendRaw]:
    """Messages the client decodes as unknown events, each with ``size`` bytes of padding."""
    return [
        rp.SendRaw(message={"type": "x.noise", "n": i, "pad": "p" * size}) for i in range(count)
    ]


def feed_while_wanted(conversation: rp.ClientConversation, data: bytes) -> bytes:
    """A reader that respects ``wants_data``: one byte per read; returns what is left."""
    pos = 0
    while pos < len(data) and conversation.wants_data:
        conversation.receive_data(data[pos : pos + 1])
        pos += 1
    return data[pos:]


def types(events: Iterable[object]) -> list[type]:
    return [type(event) for event in events]


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
    assert conversation.wants_data
    while rest:
        rest = feed_while_wanted(conversation, rest)
        assert conversation.queued_messages <= 4
        got.append(conversation.next_message())
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
    assert conversation.output_backlog >= rp.OUTPUT_HIGH_WATER
    taken = []
    while conversation.has_output:
        taken.append(conversation.take_output())
    assert not conversation.may_send  # in flight still counts
    for piece in taken:
        conversation.output_written(len(piece))
        if conversation.output_backlog < rp.OUTPUT_HIGH_WATER:
            assert conversation.may_send
        else:
            assert not conversation.may_send
    assert conversation.may_send
    assert conversation.output_backlog == 0
    assert not conversation.output_finished  # still open


# -- failures -----------------------------------------------------------------------------------


def test_fail_ends_with_the_given_exception_and_discards_output() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    link.serve(response_events(text_deltas=["kept"]))
    conversation.send(rp.SendText(text="never written"))
    assert conversation.has_output
    lost = OSError("the socket is gone")
    conversation.fail(lost)
    assert conversation.error is lost
    assert conversation.end_error is lost
    assert not conversation.has_output
    assert conversation.output_finished
    assert conversation.may_send  # senders stop waiting: the next send raises
    assert not conversation.wants_data
    assert conversation.next_deadline() is None
    with pytest.raises(OSError, match="gone"):
        conversation.send(rp.SendText(text="late"))
    conversation.fail(ValueError("second"))  # idempotent: the first failure stays
    conversation.abort("too late")
    conversation.receive_data(b"ignored")
    conversation.handle_timer(1e9)
    assert conversation.error is lost
    got = messages(conversation)
    assert types(got[:3]) == [rp.Connected, rp.SessionCreated, rp.TurnStarted]
    assert isinstance(got[-2], rp.TurnFinished)  # earlier messages are still delivered
    assert (got[-1].code, got[-1].initiator) == (1006, "error")
    assert "the socket is gone" in got[-1].reason
    assert conversation.last_turn_full_response_text == "kept"
    assert conversation.exhausted


def test_fail_with_a_silent_exception_names_it_and_takes_the_code() -> None:
    link = Link()
    link.start()
    link.conversation.fail(TimeoutError(), code=1011)
    closed = messages(link.conversation)[-1]
    assert (closed.code, closed.reason) == (1011, "TimeoutError")


def test_abort_ends_abnormally_and_discards_output() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    conversation.send(rp.SendText(text="never written"))
    conversation.abort("the close handshake could not finish")
    error = conversation.end_error
    assert isinstance(error, rp.ConnectionClosedError)
    assert (error.code, error.initiator) == (1006, "error")
    assert conversation.output_finished
    conversation.abort("again")
    assert conversation.error is error


def test_a_limit_hit_while_answering_pings_becomes_the_failure() -> None:
    link = Link(limits=rp.Limits(max_pending_output=4096))
    link.start()
    conversation = link.conversation
    ping = b"\x89\x7d" + b"p" * 125  # an unmasked server ping with 125 bytes of payload
    conversation.receive_data(ping * 100)  # one read; the pongs are never taken
    assert isinstance(conversation.error, rp.LimitExceeded)
    assert conversation.end_error is conversation.error
    assert conversation.output_finished
    assert types(messages(conversation))[-1] is rp.ConnectionClosed


def test_pongs_piling_up_over_many_reads_hit_the_output_bound() -> None:
    link = Link(limits=rp.Limits(max_pending_output=4096))
    link.start()
    conversation = link.conversation
    ping = b"\x89\x7d" + b"p" * 125
    for _ in range(100):  # each read is small; the writer takes nothing
        conversation.receive_data(ping)
    assert isinstance(conversation.error, rp.LimitExceeded)
    assert "not reading" in str(conversation.error)
    assert conversation.output_backlog == 0
    with pytest.raises(rp.LimitExceeded):
        conversation.send(rp.SendText(text="late"))


def test_a_send_past_the_output_bound_raises_at_once() -> None:
    link = Link(limits=rp.Limits(max_pending_output=4096))
    link.start()
    link.conversation.send(rp.AppendAudio(audio=bytes(1000)))  # each fits the connection's
    link.conversation.send(rp.AppendAudio(audio=bytes(1000)))  # own bound; all three do not
    with pytest.raises(rp.LimitExceeded):
        link.conversation.send(rp.AppendAudio(audio=bytes(1000)))
    assert link.conversation.ended


def test_a_protocol_failure_still_sends_its_close() -> None:
    link = Link(limits=rp.Limits(max_message_size=4000))
    link.start()
    link.serve([rp.SendRaw(message={"type": "x.big", "pad": "p" * 5000})])
    conversation = link.conversation
    closed = types(messages(conversation))
    assert closed[-1] is rp.ConnectionClosed
    assert conversation.has_output  # the Close 1009 the RFC asks for
    assert conversation.error.code == 1009


def test_the_end_of_the_stream_is_an_abnormal_close() -> None:
    link = Link()
    link.start()
    link.conversation.receive_data(b"")
    error = link.conversation.end_error
    assert isinstance(error, rp.ConnectionClosedError)
    assert error.code == 1006
    assert link.conversation.output_finished


# -- the close ----------------------------------------------------------------------------------


def test_close_when_open_sends_a_close_and_ends_normally() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    conversation.close()
    assert conversation.closed_by_caller
    assert not conversation.ended
    with pytest.raises(rp.ConnectionClosedError, match="closing"):
        conversation.send(rp.SendText(text="late"))
    conversation.close()  # idempotent: nothing more to write
    link.up()
    assert types(link.commands)[-1] is rp.ConnectionClosed
    assert not conversation.ended
    link.down()  # the server's answering close
    assert conversation.ended
    error = conversation.error
    assert isinstance(error, rp.ConnectionClosedError)
    assert (error.code, error.initiator) == (1000, "local")
    assert conversation.end_error is None
    assert types(messages(conversation))[-1] is rp.ConnectionClosed
    assert conversation.output_finished
    conversation.close()
    assert conversation.closed_by_caller
    with pytest.raises(rp.ConnectionClosedError):
        conversation.send(rp.SendText(text="late"))


def test_close_while_connecting_aborts() -> None:
    link = Link()
    conversation = link.conversation
    assert conversation.has_output  # the opening handshake, not yet written
    conversation.close()
    assert conversation.closed_by_caller
    assert conversation.ended
    assert not conversation.has_output
    assert isinstance(conversation.end_error, rp.ConnectionClosedError)
    assert "before the connection was open" in str(conversation.end_error)
    assert types(messages(conversation)) == [rp.ConnectionClosed]


def test_the_output_of_a_normal_close_is_still_written() -> None:
    link = Link()
    link.start()
    link.server.send(rp.Close(code=1001, reason="going away"))
    link.down()
    conversation = link.conversation
    assert conversation.ended
    assert conversation.end_error is None  # 1001 ends iteration quietly
    assert conversation.has_output  # the answering close frame
    assert not conversation.output_finished
    written(conversation)
    assert conversation.output_finished


def test_an_abnormal_close_is_the_end_error_without_the_secret() -> None:
    link = Link(api_key=SECRET)
    link.start()
    link.server.send(rp.Close(code=1011, reason=f"bad key {SECRET}"))
    link.down()
    error = link.conversation.end_error
    assert isinstance(error, rp.ConnectionClosedError)
    assert (error.code, error.initiator) == (1011, "remote")
    assert SECRET not in str(error)
    assert "<redacted>" in error.reason


@pytest.mark.parametrize("padding", [0, 400])
def test_a_rejection_is_a_handshake_error_without_the_secret(padding: int) -> None:
    link = Link(api_key=SECRET)
    link.up()
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {SECRET}"}})
    body += "x" * padding
    link.server.send(rp.RejectConnection(status_code=401, body=body.encode()))
    link.down()
    conversation = link.conversation
    error = conversation.error
    assert isinstance(error, rp.HandshakeError)
    assert conversation.end_error is error
    assert error.status_code == 401
    assert SECRET not in str(error)
    assert "<redacted>" in error.body
    assert error.body.endswith("...") == (padding > 0)
    assert len(error.body) <= 303
    assert conversation.started
    assert types(messages(conversation)) == [rp.HandshakeRejected]
    with pytest.raises(rp.HandshakeError):
        conversation.send(rp.SendText(text="hi"))


def test_after_a_normal_close_reads_raise_and_iteration_just_stops() -> None:
    link = Link()
    link.start()
    link.conversation.close()
    link.up()
    link.down()
    conversation = link.conversation
    messages(conversation)
    assert conversation.exhausted
    error = conversation.end_for(iterating=False)
    assert isinstance(error, rp.ConnectionClosedError)
    assert error.code == 1000
    assert conversation.end_for(iterating=True) is None
    assert conversation.end_for(iterating=True) is None
    assert conversation.end_for(iterating=False) is error


def test_after_an_abnormal_close_iteration_raises_the_end_once() -> None:
    link = Link()
    link.start()
    link.server.send(rp.Close(code=1011, reason="boom"))
    link.down()
    conversation = link.conversation
    messages(conversation)
    error = conversation.end_error
    assert isinstance(error, rp.ConnectionClosedError)
    assert conversation.end_for(iterating=True) is error
    assert conversation.end_for(iterating=True) is None  # told once: then iteration stops
    assert conversation.end_for(iterating=False) is error  # a read always raises it


def test_take_message_hands_out_waits_then_ends() -> None:
    link = Link()
    link.start()
    conversation = link.conversation
    assert isinstance(conversation.take_message(iterating=True), rp.Connected)
    assert isinstance(conversation.take_message(iterating=True), rp.SessionCreated)
    assert conversation.take_message(iterating=True) is rp.NEED_DATA  # nothing yet
    link.server.send(rp.Close(code=1011, reason="boom"))
    link.down()
    assert isinstance(conversation.take_message(iterating=True), rp.ConnectionClosed)
    with pytest.raises(rp.ConnectionClosedError, match="1011"):
        conversation.take_message(iterating=True)
    assert conversation.take_message(iterating=True) is None  # the iteration stops
    with pytest.raises(rp.ConnectionClosedError):
        conversation.take_message(iterating=False)


class View(rp.ConversationView):
    def __init__(self, conversation: rp.ClientConversation) -> None:
        self.conversation = conversation

    @property
    def _view(self) -> rp.ClientConversation:
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


# -- audio plans --------------------------------------------------------------------------------


def test_realtime_due_times_are_the_start_plus_the_audio_before() -> None:
    link = Link()
    plan = link.conversation.plan_audio(realtime=True, now=50.0)
    assert plan.audio_format is PCM16
    audio = bytes(16_800)  # 350 ms of PCM16 at 24 kHz
    steps = plan.feed(audio[:1000]) + plan.feed(audio[1000:9999]) + plan.feed(audio[9999:])
    steps += plan.finish()
    appends = [s.command.audio for s in steps[:-1]]
    assert [len(a) for a in appends] == [4800, 4800, 4800, 2400]
    assert b"".join(appends) == audio
    assert [s.due for s in steps[:-1]] == pytest.approx([50.0, 50.1, 50.2, 50.3])
    assert steps[-1] == rp.PlannedSend(rp.FinishTurn())


def test_without_realtime_nothing_waits_and_finish_false_sends_no_finish_turn() -> None:
    link = Link()
    plan = link.conversation.plan_audio(chunk_ms=50, finish=False, now=0.0)
    steps = plan.feed(bytes(6000)) + plan.finish()
    assert [len(s.command.audio) for s in steps] == [2400, 2400, 1200]
    assert all(isinstance(s.command, rp.AppendAudio) and s.due is None for s in steps)
    empty = link.conversation.plan_audio(now=0.0)
    assert empty.finish() == [rp.PlannedSend(rp.FinishTurn())]


def test_a_wav_in_another_format_is_converted(caplog: pytest.LogCaptureFixture) -> None:
    link = Link(rp.ConversationOptions(input_audio_format=ALAW))
    plan = link.conversation.plan_audio(now=0.0)
    assert plan.audio_format is ALAW
    wav = rp.wav_bytes(bytes(9600), PCM16)  # 200 ms at 24 kHz
    with caplog.at_level(logging.INFO, logger="realtime_proto"):
        steps = plan.feed(wav[:30]) + plan.feed(wav[30:]) + plan.finish()
    assert [len(s.command.audio) for s in steps[:-1]] == [800, 800]  # 100 ms of A-law at 8 kHz
    assert all(set(s.command.audio) <= {0x55, 0xD5} for s in steps[:-1])  # A-law's two zeros
    assert isinstance(steps[-1].command, rp.FinishTurn)
    assert caplog.records  # the conversion was told


# -- tool runs ----------------------------------------------------------------------------------


def tool_turn(*calls: tuple[str, str, str]) -> rp.Turn:
    return rp.Turn(
        response_id="resp_1",
        status="completed",
        tool_calls=tuple(rp.ToolCall(call_id=c, name=n, arguments=a) for c, n, a in calls),
    )


def test_a_sync_handler_gives_its_output_at_once() -> None:
    turn = tool_turn(("c1", "weather", '{"city": "Oslo"}'), ("c2", "echo", '{"text": "hi"}'))
    run = rp.ToolRun(
        turn, {"weather": lambda city: {"city": city, "c": 3}, "echo": lambda text: text.upper()}
    )
    first, second = run.calls
    started = run.start(first)
    assert isinstance(started, str)
    assert json.loads(started) == {"city": "Oslo", "c": 3}
    assert run.start_blocking(second) == "HI"
    outputs = [run.start_blocking(prepared) for prepared in run.calls]
    commands = run.commands(outputs)
    assert commands[:2] == [
        rp.SendToolResponse(tool_call_id="c1", output=outputs[0]),
        rp.SendToolResponse(tool_call_id="c2", output="HI"),
    ]
    assert isinstance(commands[2], rp.CreateResponse)
    assert len(commands) == 3


def test_an_async_handler_returns_an_awaitable() -> None:
    async def lookup(key: str) -> dict[str, str]:
        await asyncio.sleep(0)
        return {"key": key}

    async def broken() -> None:
        raise KeyError("gone")

    run = rp.ToolRun(tool_turn(("c1", "lookup", '{"key": "k"}'), ("c2", "broken", "")), {
        "lookup": lookup,
        "broken": broken,
    })  # fmt: skip
    ok, failing = run.calls

    async def answer(prepared: rp.PreparedToolCall) -> str:
        started = run.start(prepared)
        assert not isinstance(started, str)
        try:
            return run.output_of(await started)
        except Exception as exc:
            return run.failure_of(exc)

    assert json.loads(asyncio.run(answer(ok))) == {"key": "k"}
    assert "KeyError" in json.loads(asyncio.run(answer(failing)))["error"]


def test_a_failing_or_missing_handler_gives_an_error_output() -> None:
    def explode() -> None:
        raise ValueError("no weather today")

    turn = tool_turn(("c1", "explode", "{}"), ("c2", "missing", "{}"), ("c3", "explode", "[1]"))
    run = rp.ToolRun(turn, {"explode": explode})
    failed, missing, bad = (json.loads(run.start_blocking(p))["error"] for p in run.calls)
    assert failed == "ValueError: no weather today"
    assert "missing" in missing
    assert "object" in bad
    assert run.start(run.calls[1]) == run.start_blocking(run.calls[1])


def test_start_blocking_refuses_a_coroutine_and_closes_it() -> None:
    made: list[Any] = []

    async def slow() -> str:
        return "never"

    def tracked() -> Any:
        made.append(slow())
        return made[-1]

    run = rp.ToolRun(tool_turn(("c1", "slow", "{}")), {"slow": tracked})
    output = run.start_blocking(run.calls[0])
    assert "TypeError" in json.loads(output)["error"]
    assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED  # no "never awaited"


class BareAwaitable:
    """An awaitable without a ``close`` method."""

    def __await__(self) -> Generator[None, None, str]:
        return "done"
        yield  # pragma: no cover


def test_start_blocking_refuses_any_awaitable() -> None:
    run = rp.ToolRun(tool_turn(("c1", "bare", "{}")), {"bare": BareAwaitable})
    assert "TypeError" in run.start_blocking(run.calls[0])


def test_no_calls_make_no_commands() -> None:
    run = rp.ToolRun(None, {"x": print})
    assert run.calls == ()
    assert run.commands([]) == []
    assert rp.ToolRun(rp.Turn(response_id="r", status="completed"), {}).commands([]) == []


# -- single appends -----------------------------------------------------------------------------


def test_single_append_takes_raw_bytes_but_not_a_wav() -> None:
    for raw in (b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02")):
        assert rp.single_append(raw) == rp.AppendAudio(audio=b"\x01\x02")
    assert rp.single_append(rp.wav_bytes(bytes(480), PCM16)) is None
    assert rp.single_append([b"\x01\x02"]) is None  # pieces: planned, not one append
    assert rp.single_append("not audio") is None


# -- the caller receives the same whatever the reads --------------------------------------------


def served(conversation: rp.ClientConversation, events: Iterable[rp.Event]) -> bytes:
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
    target = rp.ServiceTarget.url(LOCAL_URL)
    reference = rp.ClientSettings(target=target).start(None)
    reference.receive_data(served(reference, events))
    expected = messages(reference)

    conversation = rp.ClientSettings(target=target, max_queued_messages=bound).start(None)
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


def test_a_close_that_times_out_does_not_first_decode_the_backlog() -> None:
    # The caller closed: the close bound matters more than what arrived after it.
    link = Link(
        timeouts=rp.Timeouts(close_timeout=1.0, keepalive_interval=None), max_queued_messages=5
    )
    link.start()
    conversation = link.conversation
    messages(conversation)
    link.serve(noise(50))  # one read: five decoded, the rest waits for room
    conversation.close()
    conversation.handle_timer(10.0)  # arms the close timeout
    conversation.handle_timer(11.0)  # the peer never answered
    got = messages(conversation)
    assert types(got)[-1] is rp.ConnectionClosed
    assert len(got) - 1 < 50  # the backlog was dropped with the connection
    assert conversation.error.code == 1006


def test_a_timeout_while_open_decodes_the_backlog_first() -> None:
    link = Link(
        timeouts=rp.Timeouts(keepalive_interval=1.0, keepalive_timeout=1.0),
        max_queued_messages=5,
    )
    link.start()
    conversation = link.conversation
    messages(conversation)
    conversation.handle_timer(0.0)  # arms keepalive
    link.serve(noise(50))
    conversation.handle_timer(1.0)  # a ping goes out; the server never answers
    conversation.handle_timer(2.5)
    got = messages(conversation)
    assert types(got) == [*[rp.UnknownEvent] * 50, rp.ConnectionClosed]


def test_the_close_wait_is_the_close_timeout_and_a_small_slack() -> None:
    link = Link(timeouts=rp.Timeouts(close_timeout=2.0))
    assert 2.0 < link.conversation.close_wait <= 2.5
