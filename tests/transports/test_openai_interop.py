"""The openai package's own realtime client holds a conversation with the served simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("openai")

from openai import AsyncOpenAI
from pydantic import TypeAdapter
from realtime_blocking import SimulatorServer


async def converse(base_url: str) -> tuple[list[Any], str]:
    client = AsyncOpenAI(api_key="sk-test-not-a-key", websocket_base_url=base_url)
    events: list[Any] = []
    async with client.realtime.connect(model="simulated-realtime") as connection:
        await connection.session.update(
            session={"type": "realtime", "instructions": "Answer in one sentence."}
        )
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "ping"}],
            }
        )
        await connection.response.create()
        transcript = ""
        async for event in connection:
            events.append(event)
            if event.type == "response.output_audio_transcript.delta":
                transcript += event.delta
            if event.type == "response.done":
                break
    return events, transcript


def test_the_openai_client_converses_with_serve() -> None:
    from openai.types.realtime import RealtimeServerEvent

    with SimulatorServer() as server:
        events, transcript = asyncio.run(converse(server.base_url))
    types = [event.type for event in events]
    assert types[:2] == ["session.created", "session.updated"]
    assert "conversation.item.added" in types
    assert types[-1] == "response.done"
    assert "response.output_audio.delta" in types
    assert transcript == "You said: ping"
    assert events[-1].response.status == "completed"
    strict = TypeAdapter(RealtimeServerEvent)
    for event in events:  # what the client parsed leniently also validates strictly
        strict.validate_python(event.model_dump(mode="json", exclude_unset=True))


def test_the_serve_command_serves_the_simulator() -> None:
    import subprocess
    import sys

    from realtime_blocking import ConversationClient

    import realtime_proto as rp

    command = [sys.executable, "-m", "realtime_cli", "serve", "--port", "0", "--pace-audio"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("simulator listening on ws://127.0.0.1:")
            url = first.split(" on ", 1)[1].strip()
            with ConversationClient(url).start_conversation() as conversation:
                conversation.send_text("over the wire")
                conversation.finish_turn()
                for message in conversation.receive_messages():
                    if isinstance(message, rp.TurnFinished):
                        break
            assert conversation.last_turn_full_response_text == "You said: over the wire"
        finally:
            process.terminate()
            process.wait(10)
