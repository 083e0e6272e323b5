"""The blocking transport over real sockets on 127.0.0.1, with threads."""

from __future__ import annotations

import io
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from realtime_blocking import Conversation, ConversationClient, SimulatorServer

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from tests.transports import scenarios
from tests.transports.server import TestServer

FAST = rp.Timeouts(close_timeout=0.5, open_timeout=0.5)


def until(conversation: Conversation, kind: type[rp.Event]) -> list[rp.Event]:
    """Messages up to and including the first ``kind``."""
    seen: list[rp.Event] = []
    for message in conversation.receive_messages():
        seen.append(message)
        if isinstance(message, kind):
            return seen
    raise AssertionError(f"the stream ended before {kind.__name__}: {seen}")


def run_full_conversation(client: ConversationClient) -> None:
    audio = scenarios.wav_samples(scenarios.WEATHER_WAV)
    with client.start_conversation(scenarios.OPTIONS) as conversation:
        assert conversation.session is not None
        conversation.send_audio(scenarios.WEATHER_WAV)
        seen = until(conversation, rp.TurnFinished)
        kinds = [m.kind for m in seen]
        assert kinds[:3] == [
            rp.MessageKind.CONNECTED,
            rp.MessageKind.SESSION_STARTED,
            rp.MessageKind.SESSION_UPDATED,
        ]
        transcribed = next(m for m in seen if isinstance(m, rp.InputTranscriptionCompleted))
        assert transcribed.audio_transcript == f"{len(audio)} bytes heard"
        assert conversation.last_turn_full_response_audio == b"".join(scenarios.AUDIO_REPLY)
        assert conversation.last_turn_full_response_text == "".join(scenarios.TRANSCRIPT)
        turn = conversation.last_turn
        assert turn is not None
        assert turn.finish_reason == "completed"
        (call,) = turn.tool_calls
        assert (call.name, call.arguments) == ("get_weather", "".join(scenarios.TOOL_ARGS))
        conversation.send_tool_response(call.call_id, json.dumps({"sky": "sunny"}))
        conversation.generate()
        until(conversation, rp.TextDelta)
        conversation.cancel_response()
        finished = (until(conversation, rp.TurnFinished))[-1]
        assert finished.turn.status == "cancelled"
        assert finished.finish_reason == "client_cancelled"
    # What arrived before the close is still there; then the iteration ends normally.
    rest = list(conversation.receive_messages())
    assert isinstance(rest[-1], rp.ConnectionClosed)
    assert (rest[-1].code, rest[-1].initiator) == (1000, "local")
    with pytest.raises(rp.ConnectionClosedError) as closed:
        conversation.receive()
    assert closed.value.code == 1000


def test_full_conversation() -> None:
    with TestServer(scenarios.full_conversation) as server:
        run_full_conversation(ConversationClient(server.url))


def test_full_conversation_over_tls(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    with TestServer(scenarios.full_conversation, ssl_context=server_tls) as server:
        assert server.url.startswith("wss://")
        run_full_conversation(ConversationClient(server.url, ssl_context=client_tls))


def test_the_simulator_answers_text() -> None:
    with (
        SimulatorServer() as server,
        ConversationClient(server.url).start_conversation() as conversation,
    ):
        conversation.send_text("ping")
        conversation.finish_turn()
        until(conversation, rp.TurnFinished)
        assert conversation.last_turn_full_response_text == "You said: ping"
        assert conversation.last_turn_full_response_audio


def test_tls_refuses_an_unknown_certificate(server_tls: ssl.SSLContext) -> None:
    with (
        TestServer(scenarios.full_conversation, ssl_context=server_tls) as server,
        pytest.raises(rp.TLSError, match="certificate verify failed"),
    ):
        ConversationClient(server.url).start_conversation().__enter__()


def test_handshake_rejected_without_the_key() -> None:
    with TestServer(scenarios.reject_with_key_echo) as server:
        client = ConversationClient.for_url(server.url, api_key=scenarios.SECRET)
        with pytest.raises(rp.HandshakeError) as rejected, client.start_conversation():
            pass  # pragma: no cover
    error = rejected.value
    assert error.status_code == 401
    assert "invalid_api_key" in error.body
    for text in (str(error), error.body, repr(error), repr(client)):
        assert scenarios.SECRET not in text
        assert "SECRETKEY" not in text


def test_a_rejection_split_across_tls_reads_keeps_its_status_and_body(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    with TestServer(scenarios.reject_in_two_reads, ssl_context=server_tls) as server:
        client = ConversationClient.for_url(
            server.url, api_key=scenarios.SECRET, ssl_context=client_tls
        )
        with pytest.raises(rp.HandshakeError) as rejected, client.start_conversation():
            pass  # pragma: no cover
    error = rejected.value
    assert error.status_code == 429
    assert '"code": "rate"' in error.body
    assert ("retry-after", "2") in error.headers
    for text in (str(error), error.body, repr(error), repr(error.headers)):
        assert scenarios.SECRET not in text


@pytest.mark.parametrize("handler", [scenarios.close_mid_response, scenarios.drop_mid_response])
def test_server_ends_mid_response(handler: scenarios.Handler) -> None:
    with (
        TestServer(handler) as server,
        ConversationClient(server.url).start_conversation() as conversation,
    ):
        conversation.generate()
        seen: list[rp.Event] = []
        with pytest.raises(rp.ConnectionClosedError) as ended:
            seen.extend(conversation.receive_messages())
    deltas = [m.text for m in seen if isinstance(m, rp.TextDelta)]
    assert deltas == ["one ", "two "]
    interrupted, closed = seen[-2:]
    assert isinstance(interrupted, rp.TurnFinished)
    assert interrupted.turn.text == "one two "
    assert interrupted.finish_reason == "interrupted"
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.code == ended.value.code
    assert ended.value.code in (1011, 1006)
    with pytest.raises(rp.ConnectionClosedError):
        conversation.send_text("too late")


def test_close_returns_within_the_close_timeout() -> None:
    with TestServer(scenarios.never_answer_close) as server:
        client = ConversationClient(server.url, timeouts=FAST)
        with client.start_conversation() as conversation:
            started = time.monotonic()
        elapsed = time.monotonic() - started
    assert elapsed < FAST.close_timeout + 1.0
    with pytest.raises(rp.ConnectionClosedError) as closed:
        for _ in conversation.receive_messages():
            pass
    assert closed.value.initiator == "error"


def test_no_session_created_is_a_timeout() -> None:
    with TestServer(scenarios.never_create_session) as server:
        started = time.monotonic()
        with (
            pytest.raises(rp.ConnectTimeout, match=r"session\.created"),
            ConversationClient(server.url, timeouts=FAST).start_conversation(),
        ):
            pass  # pragma: no cover
    assert time.monotonic() - started < 5


def test_unanswered_pings_end_the_connection() -> None:
    timeouts = rp.Timeouts(keepalive_interval=0.1, keepalive_timeout=0.2, close_timeout=0.2)
    with (
        TestServer(scenarios.never_answer_pings) as server,
        ConversationClient(server.url, timeouts=timeouts).start_conversation() as conv,
        pytest.raises(rp.ConnectionClosedError, match="keepalive"),
    ):
        list(conv.receive_messages())


def test_connection_refused() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = ConversationClient(f"ws://127.0.0.1:{port}/v1/realtime")
    with pytest.raises(rp.ConnectError, match="cannot connect"), client.start_conversation():
        pass  # pragma: no cover


def test_a_timed_out_receive_loses_no_message() -> None:
    events, handler = scenarios.slow_events(40, 0.005)
    received: list[str | None] = []
    timeouts = 0
    with (
        TestServer(handler) as server,
        ConversationClient(server.url).start_conversation() as conversation,
    ):
        while True:
            try:
                message = conversation.receive(timeout=0.001)
            except TimeoutError:
                timeouts += 1
                continue
            if isinstance(message, rp.ConnectionClosed):
                break
            if isinstance(message, rp.TextDelta):
                received.append(message.text)
    assert timeouts > 0
    assert received == [event.text for event in events]


def test_leaving_on_an_exception_still_closes_the_socket() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        with (
            pytest.raises(KeyboardInterrupt),
            ConversationClient(server.url).start_conversation() as conversation,
        ):
            raise KeyboardInterrupt
        assert sink.closed.wait(5)
    with pytest.raises(rp.ConnectionClosedError):
        conversation.send_text("after close")


def test_concurrent_senders_never_interleave_frames() -> None:
    sink = scenarios.AudioSink()
    chunks = [bytes([n]) * 70_000 for n in range(1, 13)]
    with TestServer(sink) as server:
        with ConversationClient(server.url).start_conversation() as conversation:
            senders = [
                threading.Thread(target=conversation.send_audio, args=(chunk,))
                for chunk in chunks
                for _ in range(5)
            ]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join(10)
        assert sink.closed.wait(5)
    appended = [c.audio for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert sorted(appended) == sorted(chunk for chunk in chunks for _ in range(5))


def test_send_from_a_thread_while_iterating() -> None:
    manual = rp.ConversationOptions(turn_detection=rp.NoTurnDetection())
    with (
        SimulatorServer() as server,
        ConversationClient(server.url).start_conversation(manual) as conversation,
    ):
        audio = scenarios.wav_samples(scenarios.WEATHER_WAV)
        sender = threading.Thread(target=conversation.send_audio, args=([audio],))
        sender.start()  # fire and forget: the appends and finish_turn run beside us
        seen = until(conversation, rp.TurnFinished)
        sender.join(10)
    assert any(isinstance(m, rp.InputAudioCommitted) for m in seen)
    assert conversation.last_turn_full_response_audio == audio


def _pieces(data: bytes) -> Iterator[bytes]:
    for offset in range(0, len(data), 1000):
        yield data[offset : offset + 1000]


@pytest.mark.parametrize("form", ["path", "file", "iterable", "generator"])
def test_send_audio_streams_any_source(form: str) -> None:
    samples = scenarios.wav_samples(scenarios.WEATHER_WAV)
    wav = scenarios.WEATHER_WAV.read_bytes()
    sources: dict[str, Callable[[], Any]] = {
        "path": lambda: str(scenarios.WEATHER_WAV),
        "file": lambda: io.BytesIO(wav),
        "iterable": lambda: [wav[:777], wav[777:5000], wav[5000:]],
        "generator": lambda: _pieces(wav),
    }
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        with ConversationClient(server.url).start_conversation() as conversation:
            conversation.send_audio(sources[form]())
        assert sink.closed.wait(5)
    assert sink.audio() == samples
    appends = [c for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert {len(c.audio) for c in appends[:-1]} == {4800}  # 100 ms of 24 kHz PCM16
    assert sink.kinds()[len(appends) :] == [rp.CommitAudio, rp.CreateResponse]


def test_every_verb_reaches_the_wire() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        with ConversationClient(server.url).start_conversation() as conversation:
            conversation.send_audio(b"\x00\x01" * 10)
            conversation.commit_audio()
            conversation.clear_audio()
            conversation.send_text("hi")
            conversation.reconfigure(rp.ConversationOptions(voice="ash"))
            conversation.send_message({"type": "conversation.item.retrieve", "item_id": "x"})
            conversation.truncate("item_a1", 1500)
            conversation.delete_item("item_a1")
            conversation.cancel_response()
        assert sink.closed.wait(5)
    assert sink.kinds() == [
        rp.AppendAudio,
        rp.CommitAudio,
        rp.ClearAudio,
        rp.SendText,
        rp.UpdateSession,
        rp.RetrieveItem,
        rp.TruncateItem,
        rp.DeleteItem,
        rp.CancelResponse,
    ]
    truncate = sink.commands[6]
    assert (truncate.item_id, truncate.audio_end_ms) == ("item_a1", 1500)


def test_azure_token_provider_is_called_on_every_connect() -> None:
    tokens = iter(["token-1", "token-2"])

    def provider() -> str:
        return next(tokens)

    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = ConversationClient.azure(
            endpoint=f"http://127.0.0.1:{server.port}", deployment="gpt-rt", token_provider=provider
        )
        for _ in range(2):
            with client.start_conversation():
                pass
    auth = [{k.lower(): v for k, v in r.headers}["authorization"] for r in sink.requests]
    assert auth == ["Bearer token-1", "Bearer token-2"]
    assert sink.requests[0].target == "/openai/v1/realtime?model=gpt-rt"
    assert "token-" not in repr(client)


def test_azure_legacy_url_with_api_key() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = ConversationClient.azure(
            endpoint=f"http://127.0.0.1:{server.port}",
            deployment="gpt-rt",
            api_key=scenarios.SECRET,
            api_version="2024-10-01-preview",
        )
        with client.start_conversation() as conversation:
            assert scenarios.SECRET not in repr(conversation)
    (request,) = sink.requests
    assert request.target == "/openai/realtime?api-version=2024-10-01-preview&deployment=gpt-rt"
    assert ("api-key", scenarios.SECRET) in [(k.lower(), v) for k, v in request.headers]
    assert scenarios.SECRET not in repr(client)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ConversationClient.for_url(
            "ws://example.com/v1/realtime", api_key=scenarios.SECRET
        ),
        lambda: ConversationClient.openai(
            api_key=scenarios.SECRET, model="m", base_url="ws://api.example.com/v1"
        ),
        lambda: ConversationClient.azure(
            endpoint="http://res.openai.azure.com", deployment="d", api_key=scenarios.SECRET
        ),
    ],
)
def test_credentials_over_plain_ws_to_a_remote_host_are_refused(make: Callable[[], Any]) -> None:
    with pytest.raises(rp.InsecureCredentialsError, match="wss://") as refused:
        make()  # before any connection is attempted
    assert scenarios.SECRET not in str(refused.value)


def test_with_no_target_the_embedded_simulator_answers() -> None:
    client = ConversationClient()
    assert repr(client) == "<ConversationClient the embedded simulator>"
    with client.start_conversation() as conversation:
        conversation.send_text("ping")
        conversation.generate()
        until(conversation, rp.TurnFinished)
        assert conversation.last_turn_full_response_text == "You said: ping"


def test_an_a_law_wav_is_converted_heard_and_answered(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    hello = scenarios.AUDIO_DIR / "audio_hello_world.wav"
    with ConversationClient().start_conversation() as conversation:
        conversation.send_audio(hello, finish=False)
        conversation.send_audio(bytes(48_000))  # a second of silence ends the turn
        seen = until(conversation, rp.TurnFinished)
    (started,) = [m for m in seen if isinstance(m, rp.SpeechStarted)]
    assert started.audio_start_ms < 300
    assert any(isinstance(m, rp.InputAudioCommitted) for m in seen)
    assert conversation.last_turn_full_response_audio
    assert "converting the WAV's G.711 A-law, 8000 Hz" in caplog.text


def test_realtime_pacing_takes_the_audio_s_duration() -> None:
    wav = wav_bytes(bytes(48 * 400), rp.AudioFormat.PCM16)  # 400 ms
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        with ConversationClient(server.url).start_conversation() as conversation:
            started = time.monotonic()
            conversation.send_audio(wav, chunk_ms=50, realtime=True, finish=False)
            elapsed = time.monotonic() - started
        assert sink.closed.wait(5)
    assert 0.3 <= elapsed < 1.5  # 8 appends, the last sent 350 ms after the first
    appends = [c for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert [len(c.audio) for c in appends] == [2400] * 8


def test_a_tls_handshake_that_never_comes_is_a_timeout(client_tls: ssl.SSLContext) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never speaks TLS
    with listener:
        port = listener.getsockname()[1]
        client = ConversationClient(
            f"wss://127.0.0.1:{port}/v1/realtime", ssl_context=client_tls, connect_timeout=0.3
        )
        with pytest.raises(rp.ConnectTimeout, match="TLS handshake"):
            client.start_conversation().__enter__()


def test_a_peer_that_hangs_up_during_the_tls_handshake(client_tls: ssl.SSLContext) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    with listener:
        port = listener.getsockname()[1]

        def hang_up() -> None:
            peer, _ = listener.accept()
            peer.recv(1024)
            peer.close()

        thread = threading.Thread(target=hang_up)
        thread.start()
        client = ConversationClient(f"wss://127.0.0.1:{port}/v1/realtime", ssl_context=client_tls)
        with pytest.raises(rp.ConnectError):
            client.start_conversation().__enter__()
        thread.join(5)


@pytest.mark.parametrize("handler", [scenarios.close_mid_response, scenarios.drop_mid_response])
def test_tls_sessions_that_end_mid_response(
    handler: scenarios.Handler, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    with (
        TestServer(handler, ssl_context=server_tls) as server,
        ConversationClient(server.url, ssl_context=client_tls).start_conversation() as conv,
    ):
        conv.generate()
        seen: list[rp.Event] = []
        with pytest.raises(rp.ConnectionClosedError):
            seen.extend(conv.receive_messages())
    assert [m.text for m in seen if isinstance(m, rp.TextDelta)] == ["one ", "two "]


def test_run_tools_answers_every_call_then_asks_once() -> None:
    calls: list[dict[str, object]] = []

    def get_weather(input: str) -> dict[str, str]:
        calls.append({"input": input})
        return {"sky": "sunny"}

    options = rp.ConversationOptions(
        tools=(rp.ToolDefinition(name="get_weather"), rp.ToolDefinition(name="lookup")),
        tool_choice="auto",
    )
    with ConversationClient().start_conversation(options) as conversation:
        conversation.send_text("weather please")
        conversation.generate()
        until(conversation, rp.TurnFinished)
        assert conversation.run_tools({"get_weather": get_weather}) == 1
        until(conversation, rp.TurnFinished)
        assert conversation.last_turn_full_response_text == (
            'The tool answered: get_weather returned {"sky": "sunny"}.'
        )
        assert calls == [{"input": "weather please"}]
        assert conversation.run_tools({}) == 0  # the last turn called nothing: no request


def test_run_tools_reports_failures_to_the_model() -> None:
    def broken(**_: object) -> str:
        raise ValueError("the sky fell")

    options = rp.ConversationOptions(tools=(rp.ToolDefinition(name="get_weather"),))
    with ConversationClient().start_conversation(options) as conversation:
        conversation.send_text("weather?")
        conversation.generate()
        until(conversation, rp.TurnFinished)
        conversation.run_tools({"get_weather": broken})
        until(conversation, rp.TurnFinished)
        assert "ValueError: the sky fell" in conversation.last_turn_full_response_text
