"""ClientConversation: how it ends. Failures, aborts, bounds hit, the close and its timeouts,
and what reads do after the end. In memory, with time passed in."""

from __future__ import annotations

import json

import pytest

import realtime_proto as rp
from tests.core.client_link import SECRET, Link, noise, types
from tests.helpers import messages, response_events, written

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


# -- close timeouts --------------------------------------------------------------------------------


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
