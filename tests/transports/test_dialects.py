"""The same conversation in both wire dialects, on both transports, against the embedded
simulator: text, speech found by server VAD with its transcript, a tool call answered, and
the turn accumulated."""

from __future__ import annotations

import json

import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from tests.transports import scenarios

HELLO = scenarios.AUDIO_DIR / "audio_hello_world.wav"
OPTIONS = rp.ConversationOptions(
    tools=(rp.ToolDefinition(name="get_weather", description="The weather in a city."),),
    transcribe_input=rp.InputTranscription(),
)
DIALECTS = pytest.mark.parametrize(
    "dialect", [rp.Dialect.GA, rp.Dialect.BETA, rp.Dialect.PREVIEW], ids=str
)


def check_text(messages: list[rp.Event], conversation: object) -> None:
    assert isinstance(messages[-1], rp.TurnFinished)
    assert conversation.last_turn_full_response_text == "You said: ping"
    assert conversation.last_turn_full_response_audio
    # the words stream as deltas: text deltas (preview) or output transcript deltas (GA audio)
    assert any(isinstance(m, (rp.TextDelta, rp.OutputTranscriptDelta)) for m in messages)


def check_audio(messages: list[rp.Event], conversation: object) -> None:
    (started,) = [m for m in messages if isinstance(m, rp.SpeechStarted)]
    assert started.audio_sample_index is not None
    (transcribed,) = [m for m in messages if isinstance(m, rp.InputTranscriptionCompleted)]
    assert transcribed.audio_transcript.endswith("ms of speech)")
    text = conversation.last_turn_full_response_text
    assert text.startswith("I heard ")
    assert conversation.last_turn_full_response_audio


@pytest.mark.anyio
@DIALECTS
async def test_conversation_on_anyio(dialect: rp.Dialect) -> None:
    client = realtime_anyio.ConversationClient(dialect=dialect)
    async with client.start_conversation(OPTIONS) as conversation:

        async def turn() -> list[rp.Event]:
            seen = []
            async for message in conversation.receive_messages():
                seen.append(message)
                if isinstance(message, rp.TurnFinished):
                    return seen
            raise AssertionError(seen)

        await conversation.send_text("ping")
        await conversation.finish_turn()
        check_text(await turn(), conversation)

        await conversation.send_text("What is the weather in Paris?")
        await conversation.finish_turn()
        (call,) = (await turn())[-1].turn.tool_calls
        assert (call.name, json.loads(call.arguments)) == (
            "get_weather",
            {"input": "What is the weather in Paris?"},
        )
        await conversation.send_tool_response(call.call_id, '{"sky": "sunny"}')
        await conversation.finish_turn()
        await turn()
        assert conversation.last_turn_full_response_text == (
            'The tool answered: get_weather returned {"sky": "sunny"}.'
        )

        await conversation.send_audio(HELLO)  # converted from A-law, then the turn ends
        check_audio(await turn(), conversation)


@DIALECTS
def test_conversation_on_blocking(dialect: rp.Dialect) -> None:
    client = realtime_blocking.ConversationClient(dialect=dialect)
    with client.start_conversation(OPTIONS) as conversation:

        def turn() -> list[rp.Event]:
            seen = []
            for message in conversation.receive_messages():
                seen.append(message)
                if isinstance(message, rp.TurnFinished):
                    return seen
            raise AssertionError(seen)

        conversation.send_text("ping")
        conversation.finish_turn()
        check_text(turn(), conversation)

        conversation.send_text("What is the weather in Paris?")
        conversation.finish_turn()
        (call,) = turn()[-1].turn.tool_calls
        assert call.name == "get_weather"
        conversation.send_tool_response(call.call_id, '{"sky": "sunny"}')
        conversation.finish_turn()
        turn()
        assert conversation.last_turn_full_response_text == (
            'The tool answered: get_weather returned {"sky": "sunny"}.'
        )

        conversation.send_audio(HELLO)
        check_audio(turn(), conversation)


@pytest.mark.parametrize("dialect", ["ga", "preview"])
def test_the_command_speaks_either_dialect(
    dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from realtime_cli import main

    assert main(["converse", "--dialect", dialect, "--text", "ping"], {}) == 0
    printed = capsys.readouterr().out
    assert "full text: You said: ping" in printed
