"""The embedded simulated service, driven by a real CLIENT connection in memory."""

from __future__ import annotations

import realtime_proto as rp
from realtime_proto._simulator import LocalConversation


def new_session() -> LocalConversation:
    conversation = LocalConversation()
    conversation.exchange()
    return conversation


def test_handshake_then_session_created() -> None:
    session = new_session()
    assert session.client.session is not None
    assert session.client.session.id == "sess_sim"


def test_misuse_gets_the_service_error_codes() -> None:
    session = new_session()
    [error] = session.exchange(rp.CommitAudio())
    assert isinstance(error, rp.ServerError)
    assert error.code == "input_audio_buffer_commit_empty"
    [error] = session.exchange(rp.CancelResponse(event_id="c1"))
    assert isinstance(error, rp.ServerError)
    assert (error.code, error.error.event_id) == ("response_cancel_not_active", "c1")


def test_clear_drops_pending_audio() -> None:
    session = new_session()
    got = session.exchange(rp.AppendAudio(audio=b"\x01\x00" * 100), rp.ClearAudio())
    assert [type(e) for e in got] == [rp.InputAudioCleared]
    [error] = session.exchange(rp.CommitAudio())
    assert isinstance(error, rp.ServerError)


def test_text_only_session_replies_in_text() -> None:
    session = new_session()
    session.exchange(rp.UpdateSession(options=rp.ConversationOptions(disable_audio=True)))
    got = session.exchange(rp.SendText(text="ping"), rp.CreateResponse())
    assert any(isinstance(e, rp.TextDelta) for e in got)
    assert not any(isinstance(e, rp.AudioDelta) for e in got)
    assert session.client.last_turn_full_response_text == "You said: ping"


def test_tool_output_is_acknowledged_in_the_next_reply() -> None:
    session = new_session()
    session.exchange(rp.UpdateSession(options=rp.ConversationOptions(disable_audio=True)))
    session.exchange(rp.SendToolResponse(tool_call_id="call_1", output='{"t": 3}'))
    session.exchange(rp.FinishTurn())
    assert session.client.last_turn_full_response_text == 'You said: the tool answered {"t": 3}'


def test_greeting_without_input_is_a_tone() -> None:
    session = new_session()
    session.exchange(rp.CreateResponse())
    turn = session.client.last_turn
    assert turn is not None
    assert turn.audio_transcript == "Hello! I am the simulated realtime model."
    assert len(turn.audio) == 48_000 * 600 // 1000


def test_eof_ends_the_simulated_session() -> None:
    session = new_session()
    session.simulator.receive_eof()
    assert session.simulator.data_to_send() == b""
