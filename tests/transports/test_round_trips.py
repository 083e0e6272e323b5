"""Record, then replay: in each dialect, a conversation with the paced simulator (a tool round
in text, an audio turn that server VAD ends, a response cancelled mid-audio) is recorded on
threads, then replayed to the same conversation on threads, asyncio and trio: every
replay gives the same events and the same turns as the original run, and no divergence."""

from __future__ import annotations

import io

import anyio
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto.cassette import Cassette, read_cassette
from tests.cassettes import comparable, turns
from tests.transports.listening import Heard, HeardAsync
from tests.transports.test_recording import OPTIONS, WEATHER, paced_simulator, speech

DIALECTS = [rp.Dialect.GA, rp.Dialect.BETA, rp.Dialect.PREVIEW]
TOOLS = {"get_weather": lambda **_: WEATHER}


def talk(conversation: realtime_blocking.Conversation) -> list[rp.Event]:
    heard = Heard(conversation)
    until, got = heard.until, heard.messages

    conversation.send_text("What is the weather in Paris?")
    conversation.generate()
    assert until(rp.TurnFinished).turn.tool_calls
    conversation.run_tools(TOOLS)
    until(rp.TurnFinished)
    conversation.send_audio(speech())
    until(rp.TurnFinished)
    conversation.send_text("Now say something long")
    conversation.generate()
    until(rp.AudioDelta)
    conversation.cancel_response()
    assert until(rp.TurnFinished).turn.status == "cancelled"
    return got


async def talk_async(conversation: realtime_anyio.Conversation) -> list[rp.Event]:
    heard = HeardAsync(conversation)
    until, got = heard.until, heard.messages

    await conversation.send_text("What is the weather in Paris?")
    await conversation.generate()
    assert (await until(rp.TurnFinished)).turn.tool_calls
    await conversation.run_tools(TOOLS)
    await until(rp.TurnFinished)
    await conversation.send_audio(speech())
    await until(rp.TurnFinished)
    await conversation.send_text("Now say something long")
    await conversation.generate()
    await until(rp.AudioDelta)
    await conversation.cancel_response()
    assert (await until(rp.TurnFinished)).turn.status == "cancelled"
    return got


_RECORDED: dict[rp.Dialect, tuple[Cassette, list[rp.Event]]] = {}


def recorded(dialect: rp.Dialect) -> tuple[Cassette, list[rp.Event]]:
    """The cassette of the conversation with the simulator in ``dialect``, and its events
    (recorded once per test process)."""
    if dialect not in _RECORDED:
        out = io.BytesIO()
        with realtime_blocking.SimulatorServer(simulator=paced_simulator) as server:
            url = server.url_for(dialect)
            client = realtime_blocking.ConversationClient(url, dialect=dialect, record_to=out)
            with client.start_conversation(OPTIONS) as conversation:
                events = talk(conversation)
        _RECORDED[dialect] = read_cassette(out.getvalue()), events
    return _RECORDED[dialect]


def assert_same_run(original: list[rp.Event], replayed: list[rp.Event]) -> None:
    assert comparable(replayed) == comparable(original)
    assert turns(replayed) == turns(original)
    assert [turn.status for turn in turns(original)] == ["completed"] * 3 + ["cancelled"]


@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
def test_a_recording_replayed_on_threads_gives_the_same_run(dialect: rp.Dialect) -> None:
    cassette, original = recorded(dialect)
    with realtime_blocking.ReplayServer(cassette, strict=True) as server:
        client = realtime_blocking.ConversationClient(server.url, dialect=dialect)
        with client.start_conversation(OPTIONS) as conversation:
            replayed = talk(conversation)
    assert_same_run(original, replayed)


@pytest.mark.anyio
@pytest.mark.parametrize("dialect", DIALECTS, ids=str)
async def test_a_recording_replayed_on_anyio_gives_the_same_run(dialect: rp.Dialect) -> None:
    cassette, original = recorded(dialect)
    with anyio.fail_after(20):
        async with realtime_anyio.ReplayServer(cassette, strict=True) as server:
            client = realtime_anyio.ConversationClient(server.url, dialect=dialect)
            async with client.start_conversation(OPTIONS) as conversation:
                replayed = await talk_async(conversation)
    assert_same_run(original, replayed)
