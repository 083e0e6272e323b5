"""The anyio transport over real sockets on 127.0.0.1, on asyncio and on trio."""

from __future__ import annotations

import io
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
from realtime_anyio import Conversation, ConversationClient
from realtime_blocking import SimulatorServer

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from tests.transports import scenarios
from tests.transports.server import TestServer

pytestmark = pytest.mark.anyio

FAST = rp.Timeouts(close_timeout=0.5, open_timeout=0.5)


async def until(conversation: Conversation, kind: type[rp.Event]) -> list[rp.Event]:
    """Messages up to and including the first ``kind``."""
    seen: list[rp.Event] = []
    async for message in conversation.receive_messages():
        seen.append(message)
        if isinstance(message, kind):
            return seen
    raise AssertionError(f"the stream ended before {kind.__name__}: {seen}")


async def collect(conversation: Conversation, into: list[rp.Event]) -> None:
    async for message in conversation.receive_messages():
        into.append(message)


async def run_full_conversation(client: ConversationClient) -> None:
    audio = scenarios.wav_samples(scenarios.WEATHER_WAV)
    async with client.start_conversation(scenarios.OPTIONS) as conversation:
        assert conversation.session is not None
        await conversation.send_audio(scenarios.WEATHER_WAV)
        seen = await until(conversation, rp.TurnFinished)
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
        await conversation.send_tool_response(call.call_id, json.dumps({"sky": "sunny"}))
        await conversation.generate()
        await until(conversation, rp.TextDelta)
        await conversation.cancel_response()
        finished = (await until(conversation, rp.TurnFinished))[-1]
        assert finished.turn.status == "cancelled"
        assert finished.finish_reason == "client_cancelled"
    # What arrived before the close is still there; then the iteration ends normally.
    rest = [message async for message in conversation.receive_messages()]
    assert isinstance(rest[-1], rp.ConnectionClosed)
    assert (rest[-1].code, rest[-1].initiator) == (1000, "local")
    with pytest.raises(rp.ConnectionClosedError) as closed:
        await conversation.receive()
    assert closed.value.code == 1000


async def test_full_conversation() -> None:
    with TestServer(scenarios.full_conversation) as server:
        await run_full_conversation(ConversationClient(server.url))


async def test_full_conversation_over_tls(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    with TestServer(scenarios.full_conversation, ssl_context=server_tls) as server:
        assert server.url.startswith("wss://")
        await run_full_conversation(ConversationClient(server.url, ssl_context=client_tls))


async def test_the_simulator_answers_text() -> None:
    with SimulatorServer() as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            await conversation.send_text("ping")
            await conversation.finish_turn()
            await until(conversation, rp.TurnFinished)
            assert conversation.last_turn_full_response_text == "You said: ping"
            assert conversation.last_turn_full_response_audio


async def test_tls_refuses_an_unknown_certificate(server_tls: ssl.SSLContext) -> None:
    with (
        TestServer(scenarios.full_conversation, ssl_context=server_tls) as server,
        pytest.raises(rp.TLSError, match="certificate verify failed"),
    ):
        async with ConversationClient(server.url).start_conversation():
            pass  # pragma: no cover


async def test_handshake_rejected_without_the_key() -> None:
    with TestServer(scenarios.reject_with_key_echo) as server:
        client = ConversationClient.for_url(server.url, api_key=scenarios.SECRET)
        with pytest.raises(rp.HandshakeError) as rejected:
            async with client.start_conversation():
                pass  # pragma: no cover
    error = rejected.value
    assert error.status_code == 401
    assert "invalid_api_key" in error.body
    for text in (str(error), error.body, repr(error), repr(client)):
        assert scenarios.SECRET not in text
        assert "SECRETKEY" not in text


async def test_a_rejection_split_across_tls_reads_keeps_its_status_and_body(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    with TestServer(scenarios.reject_in_two_reads, ssl_context=server_tls) as server:
        client = ConversationClient.for_url(
            server.url, api_key=scenarios.SECRET, ssl_context=client_tls
        )
        with pytest.raises(rp.HandshakeError) as rejected:
            async with client.start_conversation():
                pass  # pragma: no cover
    error = rejected.value
    assert error.status_code == 429
    assert '"code": "rate"' in error.body
    assert ("retry-after", "2") in error.headers
    for text in (str(error), error.body, repr(error), repr(error.headers)):
        assert scenarios.SECRET not in text


@pytest.mark.parametrize("handler", [scenarios.close_mid_response, scenarios.drop_mid_response])
async def test_server_ends_mid_response(handler: scenarios.Handler) -> None:
    with TestServer(handler) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            await conversation.generate()
            seen: list[rp.Event] = []
            with pytest.raises(rp.ConnectionClosedError) as ended:
                await collect(conversation, seen)
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
        await conversation.send_text("too late")


async def test_close_returns_within_the_close_timeout() -> None:
    with TestServer(scenarios.never_answer_close) as server:
        client = ConversationClient(server.url, timeouts=FAST)
        async with client.start_conversation() as conversation:
            started = time.monotonic()
        elapsed = time.monotonic() - started
    assert elapsed < FAST.close_timeout + 1.0
    with pytest.raises(rp.ConnectionClosedError) as closed:
        async for _ in conversation.receive_messages():
            pass
    assert closed.value.initiator == "error"


async def test_no_session_created_is_a_timeout() -> None:
    with TestServer(scenarios.never_create_session) as server:
        started = time.monotonic()
        with pytest.raises(rp.ConnectTimeout, match=r"session\.created"):
            async with ConversationClient(server.url, timeouts=FAST).start_conversation():
                pass  # pragma: no cover
    assert time.monotonic() - started < 5


async def test_unanswered_pings_end_the_connection() -> None:
    timeouts = rp.Timeouts(keepalive_interval=0.1, keepalive_timeout=0.2, close_timeout=0.2)
    with TestServer(scenarios.never_answer_pings) as server:
        async with ConversationClient(server.url, timeouts=timeouts).start_conversation() as conv:
            with pytest.raises(rp.ConnectionClosedError, match="keepalive"):
                async for _ in conv.receive_messages():
                    pass


async def test_connection_refused() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = ConversationClient(f"ws://127.0.0.1:{port}/v1/realtime")
    with pytest.raises(rp.ConnectError, match="cannot connect"):
        async with client.start_conversation():
            pass  # pragma: no cover


async def test_a_cancelled_receive_loses_no_message() -> None:
    events, handler = scenarios.slow_events(40, 0.005)
    received: list[str | None] = []
    with TestServer(handler) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            while True:
                with anyio.move_on_after(0.001):
                    message = await conversation.receive()
                    if isinstance(message, rp.ConnectionClosed):
                        break
                    if isinstance(message, rp.TextDelta):
                        received.append(message.text)
    assert received == [event.text for event in events]


async def test_leaving_on_cancellation_still_closes_the_socket() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        with anyio.CancelScope() as scope:
            async with ConversationClient(server.url).start_conversation() as conversation:
                scope.cancel()
                await anyio.sleep(10)
        assert sink.closed.wait(5)
    assert scope.cancelled_caught
    with pytest.raises(rp.ConnectionClosedError):
        await conversation.send_text("after close")


async def test_concurrent_senders_never_interleave_frames() -> None:
    sink = scenarios.AudioSink()
    chunks = [bytes([n]) * 70_000 for n in range(1, 13)]
    with TestServer(sink) as server:
        async with (
            ConversationClient(server.url).start_conversation() as conversation,
            anyio.create_task_group() as senders,
        ):
            for chunk in chunks:
                for _ in range(5):
                    senders.start_soon(conversation.send_audio, chunk)
        assert sink.closed.wait(5)
    appended = [c.audio for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert sorted(appended) == sorted(chunk for chunk in chunks for _ in range(5))


async def _pieces(data: bytes) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), 1000):
        yield data[offset : offset + 1000]


@pytest.mark.parametrize("form", ["path", "file", "iterable", "async iterable"])
async def test_send_audio_streams_any_source(form: str) -> None:
    samples = scenarios.wav_samples(scenarios.WEATHER_WAV)
    wav = scenarios.WEATHER_WAV.read_bytes()
    sources: dict[str, Callable[[], Any]] = {
        "path": lambda: str(scenarios.WEATHER_WAV),
        "file": lambda: io.BytesIO(wav),
        "iterable": lambda: [wav[:777], wav[777:5000], wav[5000:]],
        "async iterable": lambda: _pieces(wav),
    }
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            await conversation.send_audio(sources[form]())
        assert sink.closed.wait(5)
    assert sink.audio() == samples
    appends = [c for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert {len(c.audio) for c in appends[:-1]} == {4800}  # 100 ms of 24 kHz PCM16
    assert sink.kinds()[len(appends) :] == [rp.CommitAudio, rp.CreateResponse]


async def test_every_verb_reaches_the_wire() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            await conversation.send_audio(b"\x00\x01" * 10)
            await conversation.commit_audio()
            await conversation.clear_audio()
            await conversation.send_text("hi")
            await conversation.reconfigure(rp.ConversationOptions(voice="ash"))
            await conversation.send_message({"type": "conversation.item.retrieve", "item_id": "x"})
            await conversation.truncate("item_a1", 1500)
            await conversation.delete_item("item_a1")
            await conversation.cancel_response()
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


async def test_azure_token_provider_is_called_on_every_connect() -> None:
    tokens = iter(["token-1", "token-2"])

    async def provider() -> str:
        return next(tokens)

    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = ConversationClient.azure(
            endpoint=f"http://127.0.0.1:{server.port}", deployment="gpt-rt", token_provider=provider
        )
        for _ in range(2):
            async with client.start_conversation():
                pass
    auth = [{k.lower(): v for k, v in r.headers}["authorization"] for r in sink.requests]
    assert auth == ["Bearer token-1", "Bearer token-2"]
    assert sink.requests[0].target == "/openai/v1/realtime?model=gpt-rt"
    assert "token-" not in repr(client)


async def test_azure_legacy_url_with_api_key() -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = ConversationClient.azure(
            endpoint=f"http://127.0.0.1:{server.port}",
            deployment="gpt-rt",
            api_key=scenarios.SECRET,
            api_version="2024-10-01-preview",
        )
        async with client.start_conversation() as conversation:
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


async def test_with_no_target_the_embedded_simulator_answers() -> None:
    client = ConversationClient()
    assert repr(client) == "<ConversationClient the embedded simulator>"
    async with client.start_conversation() as conversation:
        await conversation.send_text("ping")
        await conversation.generate()
        await until(conversation, rp.TurnFinished)
        assert conversation.last_turn_full_response_text == "You said: ping"


async def test_an_a_law_wav_is_converted_heard_and_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    hello = scenarios.AUDIO_DIR / "audio_hello_world.wav"
    async with ConversationClient().start_conversation() as conversation:
        await conversation.send_audio(hello, finish=False)
        await conversation.send_audio(bytes(48_000))  # a second of silence ends the turn
        seen = await until(conversation, rp.TurnFinished)
    (started,) = [m for m in seen if isinstance(m, rp.SpeechStarted)]
    assert started.audio_start_ms < 300
    assert any(isinstance(m, rp.InputAudioCommitted) for m in seen)
    assert conversation.last_turn_full_response_audio
    assert "converting the WAV's G.711 A-law, 8000 Hz" in caplog.text


async def test_realtime_pacing_takes_the_audio_s_duration() -> None:
    wav = wav_bytes(bytes(48 * 400), rp.AudioFormat.PCM16)  # 400 ms
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            started = time.monotonic()
            await conversation.send_audio(wav, chunk_ms=50, realtime=True, finish=False)
            elapsed = time.monotonic() - started
        assert sink.closed.wait(5)
    assert 0.3 <= elapsed < 1.5  # 8 appends, the last sent 350 ms after the first
    appends = [c for c in sink.commands if isinstance(c, rp.AppendAudio)]
    assert [len(c.audio) for c in appends] == [2400] * 8


async def test_run_tools_answers_every_call_then_asks_once() -> None:
    calls: list[dict[str, object]] = []

    async def get_weather(input: str) -> dict[str, str]:
        calls.append({"input": input})
        return {"sky": "sunny"}

    options = rp.ConversationOptions(
        tools=(rp.ToolDefinition(name="get_weather"), rp.ToolDefinition(name="lookup")),
        tool_choice="auto",
    )
    async with ConversationClient().start_conversation(options) as conversation:
        await conversation.send_text("weather please")
        await conversation.generate()
        await until(conversation, rp.TurnFinished)
        assert await conversation.run_tools({"get_weather": get_weather}) == 1
        await until(conversation, rp.TurnFinished)
        assert conversation.last_turn_full_response_text == (
            'The tool answered: get_weather returned {"sky": "sunny"}.'
        )
        assert calls == [{"input": "weather please"}]
        assert await conversation.run_tools({}) == 0  # the last turn called nothing: no request


async def test_run_tools_reports_failures_to_the_model() -> None:
    def broken(**_: object) -> str:
        raise ValueError("the sky fell")

    options = rp.ConversationOptions(tools=(rp.ToolDefinition(name="get_weather"),))
    async with ConversationClient().start_conversation(options) as conversation:
        await conversation.send_text("weather?")
        await conversation.generate()
        await until(conversation, rp.TurnFinished)
        await conversation.run_tools({"get_weather": broken})
        await until(conversation, rp.TurnFinished)
        assert "ValueError: the sky fell" in conversation.last_turn_full_response_text
