"""Both transports' ``ReplayServer`` over real sockets on 127.0.0.1 (threads, asyncio, trio):
our own clients hold the recorded conversations against it and get the events and the turns
that the cassette's server messages imply; a client that departs from the recording is told
(close 1008) and the server lists the divergence; the openai package's client is served too."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from realtime_proto.cassette import (
    Cassette,
    CassetteError,
    DivergenceError,
    HandshakeResponse,
    ReplaySession,
)
from tests.cassettes import (
    SILENCE,
    SPEECH,
    WEATHER_OUTPUT,
    Script,
    audio_turn,
    comparable,
    implied_events,
    session_created,
    text_turn,
    tool_round,
    turns,
    user_text_item,
)
from tests.core.simulated import silence, speechlike
from tests.helpers import response_events

WEATHER = {"get_weather": lambda city: WEATHER_OUTPUT}
SPOKEN = wav_bytes(SPEECH + SILENCE + SILENCE, rp.AudioFormat.PCM16)  # in 100 ms appends


def assert_same_as_recorded(got: list[rp.Event], cassette: Cassette) -> None:
    implied = implied_events(cassette)
    assert comparable(got) == comparable(implied)
    assert turns(got) == turns(implied)


# -- threads ------------------------------------------------------------------------------------


def blocking_turns(url: str, say: Callable[[Any], object], *, turns_wanted: int = 1) -> list[Any]:
    """Events of a conversation with ``url`` in which ``say(conversation)`` starts, until
    ``turns_wanted`` turns have finished (tool calls answered between them)."""
    got: list[Any] = []
    with realtime_blocking.ConversationClient(url).start_conversation() as conversation:
        say(conversation)
        for message in conversation.receive_messages():
            got.append(message)
            if isinstance(message, rp.TurnFinished):
                if len(turns(got)) == turns_wanted:
                    break
                conversation.run_tools(WEATHER)
    return got


def test_blocking_a_text_turn_as_recorded(tmp_path: Path) -> None:
    cassette = text_turn().cassette()
    path = tmp_path / "text.cassette.jsonl"
    path.write_bytes(b"".join(text_turn().lines()))
    ended: list[ReplaySession] = []
    with realtime_blocking.ReplayServer(path, strict=True, on_session_end=ended.append) as server:
        assert repr(server) == f"<ReplayServer {server.url}>"
        assert server.url.endswith("/v1/realtime?model=replay")
        got = blocking_turns(server.url, lambda c: (c.send_text("Hello"), c.generate()))
        assert server.cassette == cassette
    assert_same_as_recorded(got, cassette)
    assert [s.replay.complete for s in ended] == [True]
    assert server.divergences == []


def test_blocking_a_tool_round_as_recorded() -> None:
    cassette = tool_round().cassette()
    with realtime_blocking.ReplayServer(cassette, strict=True) as server:
        say = lambda c: (c.send_text("Weather in Paris?"), c.generate())  # noqa: E731
        got = blocking_turns(server.url, say, turns_wanted=2)
    assert_same_as_recorded(got, cassette)
    assert turns(got)[1].text == "Sunny, 21."


def test_blocking_an_audio_turn_chunked_otherwise_than_recorded() -> None:
    cassette = audio_turn(chunk=9600).cassette(max_audio_bytes=64)  # we send 4,800 at a time
    with realtime_blocking.ReplayServer(cassette, strict=True) as server:
        got = blocking_turns(server.url, lambda c: c.send_audio(SPOKEN, finish=False))
    assert_same_as_recorded(got, cassette)
    assert turns(got)[0].audio_transcript == "I heard you."


def test_blocking_the_preview_dialect_is_named_in_the_url() -> None:
    script = text_turn(Script(rp.Dialect.PREVIEW))
    with realtime_blocking.ReplayServer(script.cassette(), strict=True) as server:
        assert server.url.endswith("&dialect=preview")
        got: list[Any] = []
        client = realtime_blocking.ConversationClient(server.url, dialect=rp.Dialect.PREVIEW)
        with client.start_conversation() as conversation:
            conversation.send_text("Hello")
            conversation.generate()
            for message in conversation.receive_messages():
                got.append(message)
                if isinstance(message, rp.TurnFinished):
                    break
    assert_same_as_recorded(got, script.cassette())


def test_blocking_a_divergence_is_told_to_the_client_and_listed() -> None:
    server = realtime_blocking.ReplayServer(text_turn().cassette(), strict=True)
    with (  # noqa: PT012
        pytest.raises(DivergenceError, match=r"cassette line 5 \(entry 3\)") as failed,
        server,
    ):
        with realtime_blocking.ConversationClient(server.url).start_conversation() as c:
            c.send_text("Hola")
            with pytest.raises(rp.ConnectionClosedError) as closed:
                for _ in c.receive_messages():
                    pass
        assert closed.value.code == 1008
        assert "replay diverged: cassette line 5" in closed.value.reason
        assert [d.field for d in server.divergences] == ["item.content[0].text"]
    assert failed.value.divergences == server.divergences


def test_blocking_the_recorded_pace_is_kept() -> None:
    script = Script(step=0.05).events(rp.SessionCreated(session=rp.Session(id="s")))
    script.command(rp.SendText(text="Hello"), rp.CreateResponse())
    script.events(rp.InputAudioCleared(), rp.InputAudioCleared())  # at 0.2 and 0.25
    with realtime_blocking.ReplayServer(script.cassette(), pace=True, strict=True) as server:
        connecting = time.monotonic()  # before the server hears of the client
        with realtime_blocking.ConversationClient(server.url).start_conversation() as c:
            c.send_text("Hello")
            c.generate()
            arrived: list[float] = []
            while len(arrived) < 2:
                if isinstance(c.receive(timeout=5), rp.InputAudioCleared):
                    arrived.append(time.monotonic() - connecting)
    assert arrived[0] >= 0.2
    assert arrived[1] >= 0.25


def test_blocking_a_client_that_hangs_up_early_ends_its_session() -> None:
    ended: list[ReplaySession] = []
    with realtime_blocking.ReplayServer(text_turn().cassette(), on_session_end=ended.append) as s:
        with socket.create_connection((s.host, s.port)) as sock:
            sock.sendall(b"GET /v1/realtime HTTP/1.1\r\n")
        deadline = time.monotonic() + 5
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(ended) == 1
    assert not ended[0].replay.started


def test_blocking_a_cassette_that_cannot_be_read_or_replayed(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(FileNotFoundError):
        realtime_blocking.ReplayServer(missing)
    moved = Script()
    moved.entries[1] = HandshakeResponse(at=0.1, status=302)
    with pytest.raises(CassetteError, match="302"):
        realtime_blocking.ReplayServer(moved.cassette())


# -- asyncio and trio ---------------------------------------------------------------------------


async def anyio_turns(url: str, say: Any, *, turns_wanted: int = 1) -> list[Any]:
    got: list[Any] = []
    async with realtime_anyio.ConversationClient(url).start_conversation() as conversation:
        await say(conversation)
        async for message in conversation.receive_messages():
            got.append(message)
            if isinstance(message, rp.TurnFinished):
                if len(turns(got)) == turns_wanted:
                    break
                await conversation.run_tools(WEATHER)
    return got


async def say_hello(conversation: Any) -> None:
    await conversation.send_text("Hello")
    await conversation.generate()


async def ask_the_weather(conversation: Any) -> None:
    await conversation.send_text("Weather in Paris?")
    await conversation.generate()


async def speak(conversation: Any) -> None:
    await conversation.send_audio(SPOKEN, finish=False)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("script", "say", "turns_wanted", "strict"),
    [
        (text_turn, say_hello, 1, True),
        (tool_round, ask_the_weather, 2, True),
        (audio_turn, speak, 1, False),
    ],
)
async def test_anyio_conversations_as_recorded(
    script: Callable[[], Script], say: Any, turns_wanted: int, strict: bool
) -> None:
    cassette = script().cassette(max_audio_bytes=64)
    ended: list[ReplaySession] = []
    with anyio.fail_after(10):
        async with realtime_anyio.ReplayServer(
            cassette, strict=strict, on_session_end=ended.append
        ) as server:
            assert repr(server) == f"<ReplayServer {server.url}>"
            got = await anyio_turns(server.url, say, turns_wanted=turns_wanted)
    assert_same_as_recorded(got, cassette)
    assert server.divergences == []
    assert [session.replay.complete for session in ended] == [True]


@pytest.mark.anyio
async def test_anyio_a_divergence_is_told_and_a_strict_server_raises(tmp_path: Path) -> None:
    path = tmp_path / "text.jsonl"
    path.write_bytes(b"".join(text_turn().lines()))
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            server = await tasks.start(realtime_anyio.ReplayServer(path).serve_forever)
            client = realtime_anyio.ConversationClient(server.url)
            async with client.start_conversation() as conversation:
                await conversation.send_text("Hola")
                with pytest.raises(rp.ConnectionClosedError) as closed:
                    async for _ in conversation.receive_messages():
                        pass
            assert closed.value.code == 1008
            assert [d.line for d in server.divergences] == [5]
            tasks.cancel_scope.cancel()
        strict = realtime_anyio.ReplayServer(text_turn().cassette(), strict=True)
        with pytest.raises(DivergenceError, match="1 replayed session diverged"):  # noqa: PT012
            async with strict:
                client = realtime_anyio.ConversationClient(strict.url)
                async with client.start_conversation() as conversation:
                    await conversation.send_text("Hola")
                    with pytest.raises(rp.ConnectionClosedError):
                        async for _ in conversation.receive_messages():
                            pass


# -- the openai package's client ---------------------------------------------------------------


def test_the_openai_client_is_served_by_the_replay_server() -> None:
    pytest.importorskip("openai")
    from openai import AsyncOpenAI

    script = Script().events(session_created())
    script.client({"type": "session.update", "session": {"type": "realtime"}})
    script.events(rp.SessionUpdated(session=rp.Session(id="sess_1", model="gpt-realtime")))
    script.command(rp.SendText(text="Hello"), rp.CreateResponse())
    script.events(*user_text_item("item_u1", "Hello"))
    script.events(*response_events(response_id="resp_1", text_deltas=("Hi ", "there!")))

    async def converse(base_url: str) -> list[Any]:
        client = AsyncOpenAI(api_key="sk-x", websocket_base_url=base_url)
        events: list[Any] = []
        async with client.realtime.connect(model="gpt-realtime") as connection:
            await connection.session.update(session={"type": "realtime", "instructions": "x"})
            await connection.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Hello"}],
                }
            )
            await connection.response.create()
            async for event in connection:
                events.append(event)
                if event.type == "response.done":
                    break
        return events

    with realtime_blocking.ReplayServer(script.cassette(), strict=True) as server:
        events = asyncio.run(converse(server.base_url))
    types = [event.type for event in events]
    assert types[:3] == ["session.created", "session.updated", "conversation.item.added"]
    assert types.count("response.output_text.delta") == 2
    assert types[-1] == "response.done"
    assert events[-1].response.status == "completed"


# -- a recorded run, replayed ------------------------------------------------------------------

WEATHER_TOOL = rp.ToolDefinition(
    name="get_weather",
    description="The weather where the user asks",
    parameters={"type": "object", "properties": {"input": {"type": "string"}}},
)
OPTIONS = rp.ConversationOptions(tools=(WEATHER_TOOL,))
SPOKEN_TURN = wav_bytes(silence(300) + speechlike(900) + silence(900), rp.AudioFormat.PCM16)
ANSWER = {"get_weather": lambda **_: WEATHER_OUTPUT}


def blocking_run(url: str, **client: Any) -> list[Any]:
    """A tool round in text, then an audio turn found by server VAD."""
    got: list[Any] = []
    client_options = realtime_blocking.ConversationClient(url, **client)
    with client_options.start_conversation(OPTIONS) as conversation:
        conversation.send_text("What is the weather?")
        conversation.generate()
        for message in conversation.receive_messages():
            got.append(message)
            if isinstance(message, rp.TurnFinished):
                if message.turn is not None and message.turn.tool_calls:
                    conversation.run_tools(ANSWER)
                elif len(turns(got)) == 2:
                    conversation.send_audio(SPOKEN_TURN, finish=False)
                else:
                    break
    return got


async def anyio_run(url: str, **client: Any) -> list[Any]:
    got: list[Any] = []
    client_options = realtime_anyio.ConversationClient(url, **client)
    async with client_options.start_conversation(OPTIONS) as conversation:
        await conversation.send_text("What is the weather?")
        await conversation.generate()
        async for message in conversation.receive_messages():
            got.append(message)
            if isinstance(message, rp.TurnFinished):
                if message.turn is not None and message.turn.tool_calls:
                    await conversation.run_tools(ANSWER)
                elif len(turns(got)) == 2:
                    await conversation.send_audio(SPOKEN_TURN, finish=False)
                else:
                    break
    return got


def assert_same_run(original: list[Any], replayed: list[Any]) -> None:
    assert [type(e) for e in comparable(replayed)] == [type(e) for e in comparable(original)]
    assert comparable(replayed) == comparable(original)
    assert turns(replayed) == turns(original)
    assert [t.text or t.audio_transcript for t in turns(original)] == [
        "You said: What is the weather?",  # and the tool call
        f"The tool answered: get_weather returned {WEATHER_OUTPUT}.",
        "I heard 1200 ms of speech and played it back to you.",  # with its padding
    ]


def test_blocking_a_recorded_run_replayed_gives_the_same_events_and_turns(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    with realtime_blocking.SimulatorServer() as simulator:
        original = blocking_run(simulator.url, record_to=path)
    with realtime_blocking.ReplayServer(path, strict=True) as server:
        replayed = blocking_run(server.url)
    assert_same_run(original, replayed)


@pytest.mark.anyio
async def test_anyio_a_recorded_run_replayed_gives_the_same_events_and_turns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "run.jsonl"
    with anyio.fail_after(10):
        async with realtime_anyio.SimulatorServer() as simulator:
            original = await anyio_run(simulator.url, record_to=path)
        async with realtime_anyio.ReplayServer(path, strict=True) as server:
            replayed = await anyio_run(server.url)
    assert_same_run(original, replayed)
