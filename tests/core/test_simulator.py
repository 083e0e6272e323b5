"""The embedded simulated service, driven by a real CLIENT connection in memory."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

import realtime_proto as rp
import realtime_proto.simulator as rp_simulator
from realtime_proto.audio import WavAudio, WavFormat, to_session_format
from realtime_proto.simulator import (
    LocalConversation,
    Reply,
    ReplyContext,
    Simulator,
    ToolRequest,
    UserInput,
)
from tests.core.simulated import SimulatedSession, scripted_session, silence, speechlike

AUDIO_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
MANUAL = rp.ConversationOptions(turn_detection=rp.NoTurnDetection())
WEATHER = rp.ToolDefinition(name="get_weather", description="The weather in a city.")


def of(events: list[rp.Event], kind: type[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


# -- session ---------------------------------------------------------------------------------


def test_session_created_first_with_the_service_defaults() -> None:
    harness = SimulatedSession()
    connected, created = harness.events[:2]
    assert isinstance(connected, rp.Connected)
    assert isinstance(created, rp.SessionCreated)
    options = created.session.options
    assert options.turn_detection == rp.ServerVad()
    assert options.voice == "alloy"
    assert options.input_audio_format is rp.AudioFormat.PCM16
    assert options.output_audio_format is rp.AudioFormat.PCM16
    assert (options.tool_choice, options.max_output_tokens) == ("auto", "inf")
    assert created.session.model == "simulated-realtime"


def test_session_update_is_reflected() -> None:
    harness = SimulatedSession()
    (updated,) = harness.exchange(
        rp.UpdateSession(options=rp.ConversationOptions(voice="verse", system_message="Be terse."))
    )
    assert isinstance(updated, rp.SessionUpdated)
    assert updated.session.options.voice == "verse"
    assert updated.session.options.system_message == "Be terse."
    assert updated.session.options.turn_detection == rp.ServerVad()  # untouched keys stay


# -- manual turns and responses ----------------------------------------------------------------


def test_manual_turn_commit_transcription_and_an_echoed_reply() -> None:
    harness = SimulatedSession()
    options = rp.ConversationOptions(
        turn_detection=rp.NoTurnDetection(), transcribe_input=rp.InputTranscription()
    )
    harness.exchange(rp.UpdateSession(options=options))
    audio = speechlike(800)
    assert not of(harness.append(audio), rp.SpeechStarted)  # no VAD in manual mode
    got = harness.exchange(rp.CommitAudio())
    committed, added, done, delta, completed = got
    assert isinstance(committed, rp.InputAudioCommitted)
    assert isinstance(added, rp.ItemAdded)
    assert added.item.id == committed.item_id
    assert added.item.role == "user"
    assert isinstance(done, rp.ItemDone)
    assert isinstance(delta, rp.InputTranscriptionDelta)
    assert isinstance(completed, rp.InputTranscriptionCompleted)
    assert completed.audio_transcript == "(800 ms of speech)"
    got = harness.exchange(rp.CreateResponse())
    kinds = [type(e) for e in got]
    assert kinds[:5] == [
        rp.TurnStarted,
        rp.OutputItemAdded,
        rp.ItemAdded,
        rp.ContentPartAdded,
        rp.OutputTranscriptDelta,
    ]
    assert kinds[-6:] == [
        rp.AudioDone,
        rp.OutputTranscriptDone,
        rp.ContentPartDone,
        rp.OutputItemDone,
        rp.ItemDone,
        rp.TurnFinished,
    ]
    turn = harness.client.last_turn
    assert turn is not None
    assert turn.audio == audio  # the user's own speech, echoed
    assert turn.audio_transcript == "I heard 800 ms of speech and played it back to you."
    assert turn.usage is not None
    assert turn.usage.output_tokens == len(turn.audio_transcript.split())


def test_text_input_gets_a_text_reply_in_a_text_session() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.UpdateSession(options=rp.ConversationOptions(disable_audio=True)))
    got = harness.exchange(rp.SendText(text="ping"), rp.CreateResponse())
    assert of(got, rp.TextDelta)
    assert not of(got, rp.AudioDelta)
    assert harness.client.last_turn_full_response_text == "You said: ping"


def test_text_input_is_spoken_in_an_audio_session() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.SendText(text="ping"), rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    assert turn.audio_transcript == "You said: ping"
    assert len(turn.audio) == 48 * 600  # a 600 ms tone at 24 kHz


def test_a_custom_policy_decides_the_reply() -> None:
    seen: list[ReplyContext] = []

    def policy(context: ReplyContext) -> Reply:
        seen.append(context)
        return Reply(text="Custom words.", audio=b"\x00\x01" * 2400)

    harness = SimulatedSession(Simulator(policy=policy))
    harness.exchange(rp.SendText(text="hi"), rp.CreateResponse())
    assert seen[0].user == UserInput(text="hi")
    turn = harness.client.last_turn
    assert turn is not None
    assert (turn.audio_transcript, turn.audio) == ("Custom words.", b"\x00\x01" * 2400)


# -- function calls --------------------------------------------------------------------------


def test_a_named_tool_is_called_then_its_output_is_used() -> None:
    harness = SimulatedSession()
    tools = rp.ConversationOptions(tools=(WEATHER,), disable_audio=True)
    harness.exchange(rp.UpdateSession(options=tools))
    harness.exchange(rp.SendText(text="What is the weather in Paris?"), rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    (call,) = turn.tool_calls
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"input": "What is the weather in Paris?"}
    harness.exchange(rp.SendToolResponse(tool_call_id=call.call_id, output='{"sky": "sunny"}'))
    harness.exchange(rp.CreateResponse())
    text = harness.client.last_turn_full_response_text
    assert text == 'The tool answered: get_weather returned {"sky": "sunny"}.'


@pytest.mark.parametrize(("choice", "calls"), [("auto", 0), ("required", 1), ("none", 0)])
def test_tool_choice(choice: str, calls: int) -> None:
    harness = SimulatedSession()
    options = rp.ConversationOptions(tools=(WEATHER,), tool_choice=choice, disable_audio=True)
    harness.exchange(rp.UpdateSession(options=options))
    harness.exchange(rp.SendText(text="hello"), rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    assert len(turn.tool_calls) == calls


def test_a_policy_can_request_a_tool() -> None:
    def policy(context: ReplyContext) -> Reply:
        return Reply(text="", tool_call=ToolRequest(name="lookup", arguments={"q": 1}))

    harness = SimulatedSession(Simulator(policy=policy))
    harness.exchange(rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("lookup", '{"q":1}')]
    assert turn.item_ids  # the function call item


# -- the service's errors --------------------------------------------------------------------


def codes(events: list[rp.Event]) -> list[str | None]:
    return [e.code for e in of(events, rp.ServerError)]


def test_error_codes_for_misuse() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.UpdateSession(options=MANUAL))
    assert codes(harness.exchange(rp.CommitAudio())) == ["input_audio_buffer_commit_empty"]
    got = harness.exchange(rp.CancelResponse(event_id="c1"))
    assert codes(got) == ["response_cancel_not_active"]
    assert of(got, rp.ServerError)[0].error.event_id == "c1"
    assert codes(harness.exchange(rp.TruncateItem(item_id="nope", audio_end_ms=1))) == [
        "item_truncate_invalid_item_id"
    ]
    assert codes(harness.exchange(rp.DeleteItem(item_id="nope"))) == ["item_delete_invalid_item_id"]
    assert codes(harness.exchange(rp.RetrieveItem(item_id="nope"))) == [
        "item_retrieve_invalid_item_id"
    ]
    assert codes(harness.exchange(rp.SendRaw(message="{not json"))) == ["invalid_event"]
    unknown = harness.exchange(rp.SendRaw(message={"type": "no.such.event", "event_id": "e9"}))
    assert codes(unknown) == ["invalid_value"]
    assert (unknown[0].error.param, unknown[0].error.event_id) == ("type", "e9")
    wrong = harness.exchange(rp.SendRaw(message={"type": "input_audio_buffer.append"}))
    assert codes(wrong) == ["invalid_event"]


def test_truncation_past_the_audio_is_refused() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.SendText(text="hi"), rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    item_id = turn.item_ids[0]
    past = {"type": "conversation.item.truncate", "item_id": item_id, "content_index": 0}
    got = harness.exchange(rp.SendRaw(message={**past, "audio_end_ms": 601}))  # as sent raw
    assert codes(got) == ["invalid_value"]
    (truncated,) = harness.exchange(rp.TruncateItem(item_id=item_id, audio_end_ms=250))
    assert isinstance(truncated, rp.ItemTruncated)
    assert truncated.audio_end_ms == 250
    (retrieved,) = harness.exchange(rp.RetrieveItem(item_id=item_id))
    assert isinstance(retrieved, rp.ItemRetrieved)
    (deleted,) = harness.exchange(rp.DeleteItem(item_id=item_id))
    assert isinstance(deleted, rp.ItemDeleted)


def test_clear_drops_pending_audio() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.UpdateSession(options=MANUAL))
    got = harness.exchange(rp.AppendAudio(audio=b"\x01\x00" * 100), rp.ClearAudio())
    assert [type(e) for e in got] == [rp.InputAudioCleared]
    assert codes(harness.exchange(rp.CommitAudio())) == ["input_audio_buffer_commit_empty"]


# -- paced audio: active responses, cancel, a second request, barge-in -------------------------


def test_paced_audio_is_released_over_time_and_can_be_cancelled() -> None:
    harness = SimulatedSession(Simulator(pace_audio=True), now=0.0)
    got = harness.exchange(rp.SendText(text="a b c d e f"), rp.CreateResponse(), now=10.0)
    assert len(of(got, rp.AudioDelta)) == 1  # the first 100 ms, now; the rest later
    assert harness.simulator.next_deadline() == pytest.approx(10.1)
    more = harness.exchange(now=10.25)
    assert len(of(more, rp.AudioDelta)) == 2
    second = harness.exchange(rp.CreateResponse(event_id="r2"))
    assert codes(second) == ["conversation_already_has_active_response"]
    cancelled = harness.exchange(rp.CancelResponse())
    finished = of(cancelled, rp.TurnFinished)[-1]
    assert finished.response.status == "cancelled"
    assert finished.finish_reason == "client_cancelled"
    assert harness.simulator.next_deadline() is None
    assert codes(harness.exchange(rp.CancelResponse())) == ["response_cancel_not_active"]


def test_paced_audio_completes_when_its_time_has_passed() -> None:
    harness = SimulatedSession(Simulator(pace_audio=True), now=0.0)
    harness.exchange(rp.SendText(text="x"), rp.CreateResponse(), now=1.0)
    done = harness.exchange(now=1.7)
    assert of(done, rp.TurnFinished)[0].response.status == "completed"


def test_speech_over_a_paced_reply_interrupts_it() -> None:
    harness = SimulatedSession(Simulator(pace_audio=True), now=0.0)
    harness.exchange(rp.SendText(text="talk to me"), rp.CreateResponse(), now=1.0)
    got = harness.append(silence(300) + speechlike(400))
    assert of(got, rp.SpeechStarted)
    finished = of(got, rp.TurnFinished)[-1]
    assert (finished.response.status, finished.finish_reason) == ("cancelled", "turn_detected")


# -- server VAD ------------------------------------------------------------------------------


def test_server_vad_finds_the_speech_and_answers() -> None:
    harness = SimulatedSession()
    harness.exchange(
        rp.UpdateSession(options=rp.ConversationOptions(transcribe_input=rp.InputTranscription()))
    )
    got = harness.append(silence(1000) + speechlike(1200) + silence(1000))
    (started,) = of(got, rp.SpeechStarted)
    (stopped,) = of(got, rp.SpeechStopped)
    assert abs(started.audio_start_ms - (1000 - 300)) <= 40  # prefix padding included
    assert abs(stopped.audio_end_ms - 2200) <= 40
    (committed,) = of(got, rp.InputAudioCommitted)
    assert started.item_id == stopped.item_id == committed.item_id
    (transcribed,) = of(got, rp.InputTranscriptionCompleted)
    assert transcribed.audio_transcript.endswith("ms of speech)")
    assert of(got, rp.TurnFinished)  # create_response is on by default


def test_server_vad_without_create_response() -> None:
    harness = SimulatedSession()
    vad = rp.ServerVad(create_response=False, silence_duration_ms=300)
    harness.exchange(rp.UpdateSession(options=rp.ConversationOptions(turn_detection=vad)))
    got = harness.append(speechlike(600) + silence(600))
    assert of(got, rp.InputAudioCommitted)
    assert not of(got, rp.TurnStarted)


def test_silence_and_quiet_noise_are_not_speech() -> None:
    harness = SimulatedSession()
    got = harness.append(silence(2000) + speechlike(2000, level=20))
    assert not of(got, rp.SpeechStarted)


def wav_payload(path: Path) -> tuple[int, int, bytes]:
    """(format code, sample rate, samples) of a RIFF/WAVE file."""
    data = path.read_bytes()
    offset, fmt, rate = 12, 0, 0
    while offset + 8 <= len(data):
        chunk, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        if chunk == b"fmt ":
            fmt, _, rate = struct.unpack_from("<HHI", data, offset + 8)
        elif chunk == b"data":
            return fmt, rate, data[offset + 8 : offset + 8 + size]
        offset += 8 + size + (size & 1)
    raise AssertionError("no data chunk")


@pytest.mark.parametrize(
    ("name", "audio_format"),
    [
        ("whats_the_weather_pcm16_24khz_mono.wav", rp.AudioFormat.PCM16),
        ("audio_weather_alaw.wav", rp.AudioFormat.G711_ALAW),
        ("audio_hello_world.wav", rp.AudioFormat.G711_ALAW),
    ],
)
def test_server_vad_on_real_recordings(name: str, audio_format: rp.AudioFormat) -> None:
    _, rate, samples = wav_payload(AUDIO_DIR / name)
    assert rate == audio_format.sample_rate
    harness = SimulatedSession()
    options = rp.ConversationOptions(input_audio_format=audio_format, disable_audio=True)
    harness.exchange(rp.UpdateSession(options=options))
    pad = bytes([0xD5]) if audio_format is rp.AudioFormat.G711_ALAW else b"\x00\x00"
    trailing = pad * (rate * 1500 // 1000)
    got = harness.append(samples + trailing, chunk=rate // 10 * audio_format.bytes_per_sample)
    duration_ms = len(samples) * 1000 // (rate * audio_format.bytes_per_sample)
    (started,) = of(got, rp.SpeechStarted)[:1]
    stopped = of(got, rp.SpeechStopped)
    assert stopped
    assert 0 <= started.audio_start_ms < duration_ms
    assert started.audio_start_ms < stopped[-1].audio_end_ms <= duration_ms + 50
    assert of(got, rp.TurnFinished)


# -- expiry ----------------------------------------------------------------------------------


def test_the_session_expires() -> None:
    harness = SimulatedSession(Simulator(session_duration=120.0), now=5.0)
    harness.exchange(now=5.0)
    assert harness.simulator.next_deadline() == 125.0
    assert not harness.exchange(now=124.0)
    got = harness.exchange(now=125.0)
    assert codes(got) == ["session_expired"]
    assert isinstance(got[-1], rp.ConnectionClosed)
    assert harness.simulator.finished


def test_eof_ends_the_simulated_session() -> None:
    harness = SimulatedSession()
    harness.simulator.receive_eof()
    assert harness.simulator.data_to_send() == b""
    assert harness.simulator.finished
    harness.simulator.receive_data(b"\x81\x00")  # bytes after the end are ignored
    harness.simulator.receive_eof()
    assert harness.simulator.data_to_send() == b""


def test_local_conversation_in_memory() -> None:
    conversation = LocalConversation()
    assert any(isinstance(e, rp.SessionCreated) for e in conversation.exchange())
    conversation.exchange(rp.SendText(text="ping"), rp.CreateResponse())
    assert conversation.client.last_turn_full_response_text == "You said: ping"


# -- every event validates against the openai package's types --------------------------------


def test_every_event_the_simulator_sends_validates_against_the_openai_types() -> None:
    pydantic = pytest.importorskip("pydantic")
    from openai.types.realtime import RealtimeServerEvent

    strict = pydantic.TypeAdapter(RealtimeServerEvent)
    harness = scripted_session(rp.Dialect.GA)
    kinds = {type(e) for e in harness.events}
    assert {rp.SpeechStarted, rp.ToolCallArgumentsDone, rp.ItemTruncated, rp.TextDelta} <= kinds
    assert {rp.ItemRetrieved, rp.ItemDeleted, rp.InputAudioCleared, rp.ServerError} <= kinds
    assert {rp.InputTranscriptionCompleted, rp.AudioDelta, rp.SessionUpdated} <= kinds
    frames = [e.raw for e in harness.events if e.raw]
    assert len(frames) > 60
    for frame in frames:
        strict.validate_json(frame)


def test_the_client_clamps_a_truncation_to_the_audio_it_received() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.SendText(text="hi"), rp.CreateResponse())
    item_id = harness.client.last_turn.item_ids[0]
    (truncated,) = harness.exchange(rp.TruncateItem(item_id=item_id, audio_end_ms=5_000))
    assert isinstance(truncated, rp.ItemTruncated)
    assert truncated.audio_end_ms == 600  # all 600 ms that arrived, not a refused 5000


def test_the_echo_is_converted_to_the_output_format() -> None:
    harness = SimulatedSession()
    options = rp.ConversationOptions(
        turn_detection=rp.NoTurnDetection(), input_audio_format=rp.AudioFormat.G711_ALAW
    )
    harness.exchange(rp.UpdateSession(options=options))
    alaw = to_session_format(
        WavAudio(format=WavFormat.of(rp.AudioFormat.PCM16), data=speechlike(500)),
        rp.AudioFormat.G711_ALAW,
    )
    assert len(alaw) == 4000  # 500 ms at 8 kHz
    harness.exchange(rp.AppendAudio(audio=alaw), rp.CommitAudio(), rp.CreateResponse())
    turn = harness.client.last_turn
    assert turn is not None
    assert len(turn.audio) == 48 * 500  # the same 500 ms, as PCM16 at 24 kHz


def test_a_command_and_the_close_in_one_read() -> None:
    endpoint = rp.Endpoint.from_url("ws://127.0.0.1/v1/realtime?model=m")
    client = rp.Connection.client(endpoint)
    simulator = Simulator()
    simulator.receive_data(client.data_to_send())
    client.receive_data(simulator.data_to_send())
    while client.next_event() is not rp.NEED_DATA:
        pass  # connected, session created
    client.send(rp.SendText(text="hello"))
    client.send(rp.Close(code=1000))
    simulator.receive_data(client.data_to_send())  # both in one read: no reply, no error
    assert simulator.finished or not simulator.connection.can_send
    client.receive_data(simulator.data_to_send())
    events = []
    while (event := client.next_event()) is not rp.NEED_DATA:
        events.append(event)
        if isinstance(event, rp.ConnectionClosed):
            break
    assert isinstance(events[-1], rp.ConnectionClosed)
    assert events[-1].code == 1000


@pytest.mark.parametrize("law", [rp.AudioFormat.G711_ULAW, rp.AudioFormat.G711_ALAW])
def test_g711_sessions_hear_and_speak_g711(law: rp.AudioFormat) -> None:
    harness = SimulatedSession()
    options = rp.ConversationOptions(input_audio_format=law, output_audio_format=law)
    harness.exchange(rp.UpdateSession(options=options))  # server VAD hears G.711 too
    harness.exchange(rp.CreateResponse())  # nothing heard yet: a tone, in G.711
    assert len(harness.client.last_turn.audio) == 8 * 600
    pcm = speechlike(300)
    encoded = to_session_format(WavAudio(format=WavFormat.of(rp.AudioFormat.PCM16), data=pcm), law)
    harness.exchange(rp.AppendAudio(audio=encoded), rp.CommitAudio(), rp.CreateResponse())
    assert harness.client.last_turn.audio == encoded  # the same format: echoed as it came


def test_items_created_and_finish_turn_in_the_ga_simulator() -> None:
    harness = SimulatedSession()
    harness.exchange(rp.UpdateSession(options=MANUAL))
    item = rp.ConversationItem(type="message", role="system",
                               content=(rp.ContentPart(type="input_text", text="x"),))  # fmt: skip
    added, _done = harness.exchange(rp.CreateItem(item=item))
    assert isinstance(added, rp.ItemAdded)
    assert added.item.id is not None
    # a FinishTurn reaching the simulator raw (as the preview dialect sends it) answers once
    simulator = harness.simulator
    simulator._on_command(rp.FinishTurn())
    simulator._on_command(rp.FinishTurn())  # already answered: nothing more
    simulator._on_command(rp.CreateConversation(label="side"))  # one conversation: ignored
    assert harness.exchange()[-1].kind is rp.MessageKind.TURN_FINISHED


def test_local_conversation_closes() -> None:
    conversation = LocalConversation()
    conversation.exchange()
    conversation.send(rp.SendText(text="x"))
    got = conversation.exchange(rp.Close())
    assert isinstance(got[-1], rp.ConnectionClosed)
    assert conversation.simulator.finished


def test_clearing_the_input_resets_the_voice_activity_detector() -> None:
    from realtime_proto.simulator import LocalConversation

    conversation = LocalConversation()
    conversation.exchange()
    got = conversation.exchange(rp.AppendAudio(audio=bytes(4800)), rp.ClearAudio())
    assert any(isinstance(event, rp.InputAudioCleared) for event in got)


def test_a_close_read_with_messages_still_to_answer_ends_the_session_quietly() -> None:
    """An invalid message, an unknown one and a response request, then the client's close, all
    in one read: the simulator answers none of them after the close and raises nothing."""
    simulator = rp_simulator.Simulator()
    client = rp.Connection.client(rp.Endpoint.from_url("ws://127.0.0.1/v1/realtime?model=m"))
    simulator.receive_data(client.data_to_send())
    client.receive_data(simulator.data_to_send())
    while client.next_event() is not rp.NEED_DATA:
        pass
    client.send(rp.SendRaw(message="{not json"))
    client.send(rp.SendRaw(message={"type": "nonsense.thing"}))
    client.send(rp.CreateResponse())
    client.send(rp.Close())
    simulator.receive_data(client.data_to_send())  # raises nothing
    client.receive_data(simulator.data_to_send())
    events = []
    while (event := client.next_event()) is not rp.NEED_DATA:
        events.append(event)
        if isinstance(event, rp.ConnectionClosed):
            break
    assert isinstance(events[-1], rp.ConnectionClosed)
    assert events[-1].initiator == "local"


@pytest.mark.parametrize(
    ("query", "spoken"),
    [
        ("", rp.Dialect.BETA),
        ("&dialect=ga", rp.Dialect.GA),
        ("&dialect=preview", rp.Dialect.PREVIEW),
        ("&dialect=v9", rp.Dialect.BETA),
        ("&/preview", rp.Dialect.PREVIEW),
    ],
)
def test_a_client_gets_the_dialect_it_asks_for_else_the_default(
    query: str, spoken: rp.Dialect
) -> None:
    simulator = rp_simulator.Simulator(default_dialect=rp.Dialect.BETA)
    url = f"ws://127.0.0.1/v1/realtime?model=m{query}"
    if query == "&/preview":  # the preview dialect's own path
        url = "ws://127.0.0.1/v1/preview"
    endpoint = rp.Endpoint.from_url(url, dialect=spoken)
    client = rp.Connection.client(endpoint)
    simulator.receive_data(client.data_to_send())
    assert simulator.connection.dialect is spoken
    client.receive_data(simulator.data_to_send())
    assert isinstance(client.next_event(), rp.Connected)
    assert isinstance(client.next_event(), rp.SessionCreated)


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=lambda d: d.value)
def test_a_simulator_url_names_the_dialect_it_asks_for(dialect: rp.Dialect) -> None:
    address = rp_simulator.SimulatorAddress()
    address.host, address.port = "127.0.0.1", 8765
    asked = rp_simulator.requested_dialect(address.url_for(dialect))
    assert (asked or rp.Dialect.GA) is dialect
    assert rp_simulator.requested_dialect("ws://h/v1/preview") is rp.Dialect.PREVIEW
    assert rp_simulator.requested_dialect("ws://h/v1/realtime?dialect=v9") is None
    with pytest.raises(ValueError, match="dialect=v9, which is none of ga, beta, preview"):
        rp_simulator.requested_dialect("ws://h/v1/realtime?dialect=v9", strict=True)
