"""A CLIENT and a SERVER core hold a whole conversation in memory."""

from __future__ import annotations

import attrs
import pytest

import realtime_proto as rp
from tests.helpers import ConnectionPair, response_events


def test_whole_conversation() -> None:
    pair = ConnectionPair()
    client = pair.client

    # session.created first, then the client's options
    session = rp.Session(id="sess_1", model="test-model", options=rp.ConversationOptions())
    got = pair.serve([rp.SessionCreated(session=session)])
    assert [type(e) for e in got] == [rp.SessionCreated]
    assert got[0].kind is rp.MessageKind.SESSION_STARTED
    assert got[0].session.id == "sess_1"

    options = rp.ConversationOptions(
        system_message="Be brief.",
        voice="alloy",
        turn_detection=rp.NoTurnDetection(),
        tools=[rp.ToolDefinition(name="get_weather", description="Weather for a city")],
        transcribe_input=rp.InputTranscription(model="whisper-1"),
    )
    client.send(rp.UpdateSession(options=options))
    _, commands = pair.pump()
    assert len(commands) == 1
    update = commands[0]
    assert isinstance(update, rp.UpdateSession)
    assert update.options.system_message == "Be brief."
    assert update.options.voice == "alloy"
    assert update.options.turn_detection == rp.NoTurnDetection()
    assert update.options.tools is not None
    assert update.options.tools[0].name == "get_weather"
    got = pair.serve([rp.SessionUpdated(session=rp.Session(id="sess_1", options=update.options))])
    assert isinstance(got[0], rp.SessionUpdated)
    assert got[0].kind is rp.MessageKind.SESSION_UPDATED

    # audio appended and committed, then a response asked for: FinishTurn does both
    chunks = [bytes([n]) * 960 for n in range(5)]
    for chunk in chunks:
        client.send(rp.AppendAudio(audio=chunk))
    assert client.pending_input_audio == 4800
    client.send(rp.FinishTurn())
    _, commands = pair.pump()
    assert [type(c) for c in commands] == [rp.AppendAudio] * 5 + [
        rp.CommitAudio,
        rp.CreateResponse,
    ]
    assert b"".join(c.audio for c in commands[:5]) == b"".join(chunks)
    assert client.response_state is rp.ResponseState.REQUESTED

    got = pair.serve(
        [
            rp.InputAudioCommitted(item_id="item_u1"),
            rp.ItemAdded(
                item=rp.ConversationItem(
                    type="message",
                    id="item_u1",
                    role="user",
                    content=(rp.ContentPart(type="input_audio"),),
                )
            ),
        ]
    )
    assert [e.kind for e in got] == [
        rp.MessageKind.INPUT_AUDIO_COMMITTED,
        rp.MessageKind.ITEM_STARTED,
    ]
    assert client.pending_input_audio == 0

    # a response with text, audio and transcript deltas
    audio = [bytes(range(n, n + 48)) * 10 for n in range(4)]
    events = response_events(
        response_id="resp_1",
        audio_deltas=audio,
        transcript_deltas=["Hel", "lo ", "the", "re"],
    )
    got = pair.serve(events)
    assert [type(e) for e in got] == [type(e) for e in events]
    for sent, received in zip(events, got, strict=True):
        if isinstance(received, rp.TurnFinished):
            received = attrs.evolve(received, turn=None)  # the client adds the turn
        assert attrs.evolve(received, event_id=None) == sent, type(sent).__name__
    deltas = [e for e in got if isinstance(e, rp.AudioDelta)]
    assert [d.audio_bytes for d in deltas] == audio
    assert all(d.kind is rp.MessageKind.AUDIO_DELTA and d.text is None for d in deltas)
    finished = got[-1]
    assert isinstance(finished, rp.TurnFinished)
    assert finished.kind is rp.MessageKind.TURN_FINISHED
    assert finished.finish_reason == "completed"
    turn = finished.turn
    assert turn is not None
    assert turn.audio == b"".join(audio)
    assert turn.audio_transcript == "Hello there"
    assert turn.input_item_id == "item_u1"
    assert turn.usage == rp.Usage(total_tokens=30, input_tokens=10, output_tokens=20)
    assert client.last_turn == turn
    assert client.last_turn_full_response_audio == b"".join(audio)
    assert client.response_state is rp.ResponseState.IDLE

    # the input transcript arrives late and attaches to its own item
    got = pair.serve(
        [rp.InputTranscriptionCompleted(item_id="item_u1", audio_transcript="hi there")]
    )
    assert got[0].audio_transcript == "hi there"
    assert got[0].kind is rp.MessageKind.INPUT_TRANSCRIPTION_FINISHED
    assert client.input_transcripts == {"item_u1": "hi there"}

    # a text turn that calls a tool, answered with the tool's output
    client.send(rp.SendText(text="Weather in Oslo?"))
    client.send(rp.CreateResponse())
    _, commands = pair.pump()
    assert commands[0] == rp.SendText(text="Weather in Oslo?")
    assert isinstance(commands[1], rp.CreateResponse)
    events = response_events(
        response_id="resp_2",
        text_deltas=["Let me ", "check."],
        tool_calls=[("call_1", "get_weather", ['{"city":', ' "Oslo"}'])],
    )
    got = pair.serve(events)
    call = next(e for e in got if isinstance(e, rp.ToolCallArgumentsDone))
    assert call.kind is rp.MessageKind.TOOL_CALL
    assert (call.tool_call_id, call.tool_name, call.tool_arguments) == (
        "call_1",
        "get_weather",
        '{"city": "Oslo"}',
    )
    turn = client.last_turn
    assert turn is not None
    assert turn.text == "Let me check."
    assert client.last_turn_full_response_text == "Let me check."
    assert turn.tool_calls == (
        rp.ToolCall(
            call_id="call_1",
            name="get_weather",
            arguments='{"city": "Oslo"}',
            item_id="item_fc1",
            output_index=1,
        ),
    )
    client.send(rp.SendToolResponse(tool_call_id="call_1", output='{"temp_c": 3}'))
    client.send(rp.CreateResponse())
    _, commands = pair.pump()
    assert commands[0] == rp.SendToolResponse(tool_call_id="call_1", output='{"temp_c": 3}')
    assert isinstance(commands[1], rp.CreateResponse)

    # cancel: the response ends as cancelled with its partial output kept
    events = response_events(response_id="resp_3", text_deltas=["It is 3 degrees"])
    got = pair.serve(events[:4])
    client.send(rp.CancelResponse())
    _, commands = pair.pump()
    assert commands == [rp.CancelResponse()]
    done = rp.ResponseInfo(
        id="resp_3",
        status="cancelled",
        status_details={"type": "cancelled", "reason": "client_cancelled"},
    )
    got = pair.serve([rp.TurnFinished(response=done)])
    assert got[0].finish_reason == "client_cancelled"
    assert client.last_turn is not None
    assert client.last_turn.status == "cancelled"
    assert client.last_turn.text == "It is 3 degrees"

    # close handshake, started by the client
    client.send(rp.Close())
    got, server_got = pair.pump()
    assert isinstance(server_got[-1], rp.ConnectionClosed)
    assert server_got[-1].initiator == "remote"
    assert isinstance(got[-1], rp.ConnectionClosed)
    assert (got[-1].code, got[-1].initiator) == (1000, "local")
    assert client.state is rp.ConnectionState.CLOSED
    with pytest.raises(rp.LocalProtocolError):
        client.send(rp.SendText(text="too late"))


def test_second_response_is_deferred_until_the_first_is_done() -> None:
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse())
    pair.pump()
    pair.serve(response_events(response_id="resp_1", text_deltas=["a"])[:2])
    assert pair.client.response_state is rp.ResponseState.ACTIVE
    pair.client.send(rp.CreateResponse(instructions="second"))
    _, commands = pair.pump()
    assert commands == []  # held back: the server would refuse it
    assert pair.client.deferred_response is not None
    before = len(pair.server_events)
    pair.serve(response_events(response_id="resp_1", text_deltas=["a"])[2:])
    # the response.done released it: it went out while the bytes were pumped
    commands = pair.server_events[before:]
    assert [c.instructions for c in commands] == ["second"]
    assert pair.client.response_state is rp.ResponseState.REQUESTED


def test_raise_policy_refuses_a_second_response() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.RAISE)
    pair.client.send(rp.CreateResponse())
    with pytest.raises(rp.LocalProtocolError, match="conversation_already_has_active_response"):
        pair.client.send(rp.CreateResponse())


def test_server_refuses_a_second_response_with_the_service_error() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.SEND)
    pair.client.send(rp.CreateResponse())
    pair.client.send(rp.CreateResponse(event_id="second"))
    got, commands = pair.pump()
    assert len(commands) == 1
    assert isinstance(got[0], rp.ServerError)
    assert got[0].code == "conversation_already_has_active_response"
    assert got[0].error.event_id == "second"


def test_refusal_of_our_request_by_a_hidden_active_response_defers_it() -> None:
    # Server VAD started a response whose response.created the client has not read yet.
    pair = ConnectionPair()
    pair.client.send(rp.CreateResponse(event_id="mine"))
    pair.pump()
    error = rp.ErrorDetail(
        type="invalid_request_error",
        code="conversation_already_has_active_response",
        message="busy",
        event_id="mine",
    )
    pair.serve([rp.ServerError(error=error)])
    assert pair.client.response_state is rp.ResponseState.ACTIVE
    assert pair.client.deferred_response is not None
    before = len(pair.server_events)
    pair.serve([rp.TurnFinished(response=rp.ResponseInfo(id="resp_vad", status="completed"))])
    assert [c.event_id for c in pair.server_events[before:]] == ["mine"]
