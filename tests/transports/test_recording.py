"""Recording from any client, over real sockets: a conversation with the simulator (a text
turn, an audio turn that server VAD ends, a tool round and a cancelled response) recorded on
threads, asyncio and trio, then read back: the handshake, every server message in the order
the client received it, the client's messages, the close, and never the key. Then where the
recording goes: a path or a file object, a connection that fails, a file that cannot be
written, a cancelled conversation."""

from __future__ import annotations

import base64
import io
import json
import math
import os
import socket
import struct
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
import realtime_anyio
import realtime_blocking
from realtime_blocking import SimulatorServer

import realtime_proto as rp
from realtime_proto.cassette import (
    CloseFrame,
    Direction,
    HandshakeRequest,
    HandshakeResponse,
    TextFrame,
    read_cassette,
)
from realtime_proto.simulator import EchoPolicy, Reply, ReplyContext, Simulator
from tests.transports import scenarios
from tests.transports.listening import Heard, HeardAsync
from tests.transports.server import TestServer

KEY = "sk-proj-RecordingTestKey0123456789"
REDACTED = "<redacted>"
AUDIO_KEPT = 1000
SHORT_REPLY = bytes(2400)  # 50 ms: every reply but the cancelled one is over at once
LONG_REPLY = bytes(24_000 * 2 * 5)  # 5 s, paced: cancelled after its first delta
OPTIONS = rp.ConversationOptions(
    turn_detection=rp.ServerVad(),
    tools=(rp.ToolDefinition(name="get_weather", description="The weather"),),
)
FAST = rp.Timeouts(close_timeout=1.0, open_timeout=2.0)
WEATHER = '{"sky": "sunny"}'


def speech() -> bytes:
    """600 ms of a loud tone, then 800 ms of silence: server VAD hears a turn and its end."""
    tone = [int(8000 * math.sin(2 * math.pi * 220 * n / 24_000)) for n in range(24 * 600)]
    return struct.pack(f"<{len(tone)}h", *tone) + bytes(2 * 24 * 800)


def short_replies(context: ReplyContext) -> Reply:
    reply = EchoPolicy()(context)
    user = context.user
    long = user is not None and user.text is not None and "long" in user.text
    return attrs.evolve(reply, audio=LONG_REPLY if long else SHORT_REPLY)


def paced_simulator() -> Simulator:
    return Simulator(pace_audio=True, policy=short_replies)


def refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"ws://127.0.0.1:{port}/v1/realtime?model=m"


# -- what a recording must hold ------------------------------------------------------------------


def frames_received(messages: list[rp.Event]) -> list[str]:
    """The server's messages, in the order the client received them (one frame may make more
    than one event, each with that frame as ``raw``)."""
    frames: list[str] = []
    for message in messages:
        if message.raw and (not frames or frames[-1] != message.raw):
            frames.append(message.raw)
    return frames


def assert_recorded_as_received(entry: TextFrame, raw: str) -> None:
    expected = json.loads(raw.replace(KEY, REDACTED))
    got = json.loads(entry.text)
    if entry.truncated_from is None:
        assert got == expected
        return
    sent = base64.b64decode(expected["delta"])
    assert entry.truncated_from == len(sent)
    assert base64.b64decode(got["delta"]) == sent[:AUDIO_KEPT]
    assert {**got, "delta": ""} == {**expected, "delta": ""}


def check_cassette(data: bytes, received: list[rp.Event]) -> None:
    assert KEY.encode() not in data
    cassette = read_cassette(data)
    assert cassette.header.dialect == "ga"
    entries = cassette.entries
    request, response = entries[:2]
    assert isinstance(request, HandshakeRequest)
    assert request.target.startswith("/v1/realtime?")
    headers = dict(request.headers)
    assert headers["Authorization"] == REDACTED
    assert headers["Host"].startswith("127.0.0.1:")
    assert isinstance(response, HandshakeResponse)
    assert (response.status, dict(response.headers)["Upgrade"]) == (101, "websocket")
    offsets = [entry.at for entry in entries]
    assert offsets == sorted(offsets)

    texts = [entry for entry in entries if isinstance(entry, TextFrame)]
    from_server = [entry for entry in texts if entry.direction is Direction.SERVER]
    frames = frames_received(received)
    assert len(from_server) == len(frames)
    for entry, raw in zip(from_server, frames, strict=True):
        assert_recorded_as_received(entry, raw)
    assert any(entry.truncated for entry in from_server)  # the audio was cut

    from_client = [json.loads(e.text) for e in texts if e.direction is Direction.CLIENT]
    kinds = [message["type"] for message in from_client]
    assert kinds[0] == "session.update"
    for kind in ("input_audio_buffer.append", "response.create", "response.cancel"):
        assert kind in kinds
    said = [m for m in from_client if m["type"] == "conversation.item.create"]
    assert said[0]["item"]["content"][0]["text"] == f"Hello, my key is {REDACTED}"
    assert said[2]["item"] == {"type": "function_call_output", "call_id": ANY_ID, "output": WEATHER}
    (append,) = [e for e in texts if e.direction is Direction.CLIENT and e.truncated]
    assert append.truncated_from == len(speech())

    closes = [(e.direction, e.code) for e in entries[-2:] if isinstance(e, CloseFrame)]
    assert closes == [(Direction.CLIENT, 1000), (Direction.SERVER, 1000)]


class _AnyId:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)


ANY_ID: Any = _AnyId()


# -- the conversation, on threads -----------------------------------------------------------------


def talk(conversation: realtime_blocking.Conversation) -> list[rp.Event]:
    heard = Heard(conversation)
    until, received = heard.until, heard.messages

    conversation.send_text(f"Hello, my key is {KEY}")
    conversation.generate()
    until(rp.TurnFinished)
    conversation.send_audio(speech())
    until(rp.SpeechStopped)
    until(rp.TurnFinished)
    conversation.send_text("What is the weather in Paris?")
    conversation.generate()
    assert until(rp.TurnFinished).turn.tool_calls
    assert conversation.run_tools({"get_weather": lambda **_: WEATHER}) == 1
    until(rp.TurnFinished)
    conversation.send_text("Now say something long")
    conversation.generate()
    until(rp.AudioDelta)
    conversation.cancel_response()
    assert until(rp.TurnFinished).turn.status == "cancelled"
    return received


def test_a_blocking_conversation_is_recorded() -> None:
    out = io.BytesIO()
    with SimulatorServer(simulator=paced_simulator) as server:
        client = realtime_blocking.ConversationClient.for_url(
            server.url, api_key=KEY, record_to=out, record_audio_bytes=AUDIO_KEPT, timeouts=FAST
        )
        with client.start_conversation(OPTIONS) as conversation:
            received = talk(conversation)
        received += list(conversation.receive_messages())
    assert not out.closed  # the caller's file: flushed, left open
    check_cassette(out.getvalue(), received)


# -- the same conversation, on asyncio and trio ----------------------------------------------------


async def talk_async(conversation: realtime_anyio.Conversation) -> list[rp.Event]:
    heard = HeardAsync(conversation)
    until, received = heard.until, heard.messages

    await conversation.send_text(f"Hello, my key is {KEY}")
    await conversation.generate()
    await until(rp.TurnFinished)
    await conversation.send_audio(speech())
    await until(rp.SpeechStopped)
    await until(rp.TurnFinished)
    await conversation.send_text("What is the weather in Paris?")
    await conversation.generate()
    assert (await until(rp.TurnFinished)).turn.tool_calls
    assert await conversation.run_tools({"get_weather": lambda **_: WEATHER}) == 1
    await until(rp.TurnFinished)
    await conversation.send_text("Now say something long")
    await conversation.generate()
    await until(rp.AudioDelta)
    await conversation.cancel_response()
    assert (await until(rp.TurnFinished)).turn.status == "cancelled"
    return received


@pytest.mark.anyio
async def test_an_anyio_conversation_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "conversation.jsonl"
    with SimulatorServer(simulator=paced_simulator) as server:
        client = realtime_anyio.ConversationClient.for_url(
            server.url, api_key=KEY, record_to=path, record_audio_bytes=AUDIO_KEPT, timeouts=FAST
        )
        async with client.start_conversation(OPTIONS) as conversation:
            received = await talk_async(conversation)
        received += [message async for message in conversation.receive_messages()]
    check_cassette(path.read_bytes(), received)  # opened by the client, closed: all written


# -- where a recording goes ----------------------------------------------------------------------


def test_the_embedded_simulator_is_recorded_to_a_path(tmp_path: Path) -> None:
    path = tmp_path / "simulated.jsonl"
    with realtime_blocking.ConversationClient(record_to=str(path)).start_conversation() as talk_:
        talk_.send_text("Hi")
        talk_.generate()
        for message in talk_.receive_messages():
            if isinstance(message, rp.TurnFinished):
                break
    cassette = read_cassette(path.read_bytes())
    assert "model=simulated-realtime" in cassette.header.url
    assert [e.kind for e in cassette.entries[-2:]] == ["close", "close"]
    assert not any(e.truncated for e in cassette.entries if isinstance(e, TextFrame))


def test_a_path_that_cannot_be_written_fails_before_connecting(tmp_path: Path) -> None:
    client = realtime_blocking.ConversationClient(record_to=tmp_path / "missing" / "x.jsonl")
    with pytest.raises(FileNotFoundError), client.start_conversation():
        pass


def test_a_connection_that_cannot_be_made_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "refused.jsonl"
    client = realtime_blocking.ConversationClient(refused_url(), record_to=path)
    with pytest.raises(rp.ConnectError), client.start_conversation():
        pass
    assert path.read_bytes() == b""


@pytest.mark.anyio
async def test_a_connection_that_cannot_be_made_records_nothing_on_anyio(tmp_path: Path) -> None:
    path = tmp_path / "refused.jsonl"
    client = realtime_anyio.ConversationClient(refused_url(), record_to=path)
    with pytest.raises(rp.ConnectError):
        async with client.start_conversation():
            pass
    assert path.read_bytes() == b""


def test_a_rejection_is_recorded_without_the_key_it_echoes() -> None:
    out = io.BytesIO()
    with TestServer(scenarios.reject_with_key_echo) as server:
        client = realtime_blocking.ConversationClient.for_url(
            server.url, api_key=scenarios.SECRET, record_to=out
        )
        with pytest.raises(rp.HandshakeError), client.start_conversation():
            pass
    assert scenarios.SECRET.encode() not in out.getvalue()
    request, response = read_cassette(out.getvalue()).entries
    assert isinstance(request, HandshakeRequest)
    assert isinstance(response, HandshakeResponse)
    assert response.status == 401
    assert json.loads(response.body)["error"]["message"].startswith(
        f"Incorrect API key provided: {REDACTED}"
    )


@pytest.mark.anyio
async def test_a_cancelled_conversation_is_recorded_to_its_close() -> None:
    out = io.BytesIO()
    with SimulatorServer() as server, anyio.move_on_after(0.3) as scope:
        client = realtime_anyio.ConversationClient(server.url, record_to=out)
        async with client.start_conversation() as conversation:
            await conversation.send_text("Hi")
            await anyio.sleep_forever()
    assert scope.cancelled_caught
    entries = read_cassette(out.getvalue()).entries
    assert [e.kind for e in entries[:2]] == ["request", "response"]
    assert [(e.kind, e.direction) for e in entries[-2:]] == [
        ("close", Direction.CLIENT),
        ("close", Direction.SERVER),
    ]


FULL = "/dev/full"  # every write to it fails: "No space left on device"
needs_dev_full = pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full here")


@needs_dev_full
def test_a_recording_that_cannot_be_written_is_raised_at_the_close() -> None:
    client = realtime_blocking.ConversationClient(record_to=FULL)
    with (  # noqa: PT012 - the close raises it
        pytest.raises(OSError, match="No space left") as failed,
        client.start_conversation() as talk_,
    ):
        talk_.send_text("Hi")
        talk_.generate()
        for message in talk_.receive_messages():  # the conversation goes on
            if isinstance(message, rp.TurnFinished):
                break
    assert failed.value.errno == 28


@needs_dev_full
@pytest.mark.anyio
async def test_a_recording_that_cannot_be_written_is_raised_at_the_close_on_anyio() -> None:
    with pytest.raises(OSError, match="No space left"):  # noqa: PT012
        async with realtime_anyio.ConversationClient(record_to=FULL).start_conversation() as talk_:
            await talk_.send_text("Hi")
            await talk_.generate()
            async for message in talk_.receive_messages():
                if isinstance(message, rp.TurnFinished):
                    break


class FlushFails(io.BytesIO):
    def flush(self) -> None:
        raise OSError(5, "Input/output error")


def test_a_file_that_cannot_be_flushed_is_raised_at_the_close() -> None:
    out = FlushFails()
    client = realtime_blocking.ConversationClient(record_to=out)
    with pytest.raises(OSError, match="Input/output error"), client.start_conversation():
        pass
    assert not out.closed  # the caller's: never closed
    assert read_cassette(out.getvalue()).entries[-1].kind == "close"
