"""What ClientConversation plans for the caller: audio send plans (chunks, due times,
conversion), tool runs (sync and async handlers, failures) and single appends."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Generator
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from realtime_proto.client import PlannedSend, PreparedToolCall, ToolRun, single_append
from tests.core.client_link import ALAW, PCM16, Link

# -- audio plans --------------------------------------------------------------------------------


def test_realtime_due_times_are_the_start_plus_the_audio_before() -> None:
    link = Link()
    plan = link.conversation.plan_audio(realtime=True, now=50.0)
    assert plan.audio_format is PCM16
    audio = bytes(16_800)  # 350 ms of PCM16 at 24 kHz
    steps = plan.feed(audio[:1000]) + plan.feed(audio[1000:9999]) + plan.feed(audio[9999:])
    steps += plan.finish()
    appends = [s.command.audio for s in steps[:-1]]
    assert [len(a) for a in appends] == [4800, 4800, 4800, 2400]
    assert b"".join(appends) == audio
    assert [s.due for s in steps[:-1]] == pytest.approx([50.0, 50.1, 50.2, 50.3])
    assert steps[-1] == PlannedSend(rp.FinishTurn())


def test_without_realtime_nothing_waits_and_finish_false_sends_no_finish_turn() -> None:
    link = Link()
    plan = link.conversation.plan_audio(chunk_ms=50, finish=False, now=0.0)
    steps = plan.feed(bytes(6000)) + plan.finish()
    assert [len(s.command.audio) for s in steps] == [2400, 2400, 1200]
    assert all(isinstance(s.command, rp.AppendAudio) and s.due is None for s in steps)
    empty = link.conversation.plan_audio(now=0.0)
    assert empty.finish() == [PlannedSend(rp.FinishTurn())]


def test_a_wav_in_another_format_is_converted(caplog: pytest.LogCaptureFixture) -> None:
    link = Link(rp.ConversationOptions(input_audio_format=ALAW))
    plan = link.conversation.plan_audio(now=0.0)
    assert plan.audio_format is ALAW
    wav = wav_bytes(bytes(9600), PCM16)  # 200 ms at 24 kHz
    with caplog.at_level(logging.INFO, logger="realtime_proto"):
        steps = plan.feed(wav[:30]) + plan.feed(wav[30:]) + plan.finish()
    assert [len(s.command.audio) for s in steps[:-1]] == [800, 800]  # 100 ms of A-law at 8 kHz
    assert all(set(s.command.audio) <= {0x55, 0xD5} for s in steps[:-1])  # A-law's two zeros
    assert isinstance(steps[-1].command, rp.FinishTurn)
    assert caplog.records  # the conversion was told


# -- tool runs ----------------------------------------------------------------------------------


def tool_turn(*calls: tuple[str, str, str]) -> rp.Turn:
    return rp.Turn(
        response_id="resp_1",
        status="completed",
        tool_calls=tuple(rp.ToolCall(call_id=c, name=n, arguments=a) for c, n, a in calls),
    )


def test_a_sync_handler_gives_its_output_at_once() -> None:
    turn = tool_turn(("c1", "weather", '{"city": "Oslo"}'), ("c2", "echo", '{"text": "hi"}'))
    run = ToolRun(
        turn, {"weather": lambda city: {"city": city, "c": 3}, "echo": lambda text: text.upper()}
    )
    first, second = run.calls
    started = run.start(first)
    assert isinstance(started, str)
    assert json.loads(started) == {"city": "Oslo", "c": 3}
    assert run.start_blocking(second) == "HI"
    outputs = [run.start_blocking(prepared) for prepared in run.calls]
    commands = run.commands(outputs)
    assert commands[:2] == [
        rp.SendToolResponse(tool_call_id="c1", output=outputs[0]),
        rp.SendToolResponse(tool_call_id="c2", output="HI"),
    ]
    assert isinstance(commands[2], rp.CreateResponse)
    assert len(commands) == 3


def test_an_async_handler_returns_an_awaitable() -> None:
    async def lookup(key: str) -> dict[str, str]:
        await asyncio.sleep(0)
        return {"key": key}

    async def broken() -> None:
        raise KeyError("gone")

    run = ToolRun(tool_turn(("c1", "lookup", '{"key": "k"}'), ("c2", "broken", "")), {
        "lookup": lookup,
        "broken": broken,
    })  # fmt: skip
    ok, failing = run.calls

    async def answer(prepared: PreparedToolCall) -> str:
        started = run.start(prepared)
        assert not isinstance(started, str)
        try:
            return run.output_of(await started)
        except Exception as exc:
            return run.failure_of(exc)

    assert json.loads(asyncio.run(answer(ok))) == {"key": "k"}
    assert "KeyError" in json.loads(asyncio.run(answer(failing)))["error"]


def test_a_failing_or_missing_handler_gives_an_error_output() -> None:
    def explode() -> None:
        raise ValueError("no weather today")

    turn = tool_turn(("c1", "explode", "{}"), ("c2", "missing", "{}"), ("c3", "explode", "[1]"))
    run = ToolRun(turn, {"explode": explode})
    failed, missing, bad = (json.loads(run.start_blocking(p))["error"] for p in run.calls)
    assert failed == "ValueError: no weather today"
    assert "missing" in missing
    assert "object" in bad
    assert run.start(run.calls[1]) == run.start_blocking(run.calls[1])


def test_start_blocking_refuses_a_coroutine_and_closes_it() -> None:
    made: list[Any] = []

    async def slow() -> str:
        return "never"

    def tracked() -> Any:
        made.append(slow())
        return made[-1]

    run = ToolRun(tool_turn(("c1", "slow", "{}")), {"slow": tracked})
    output = run.start_blocking(run.calls[0])
    assert "TypeError" in json.loads(output)["error"]
    assert inspect.getcoroutinestate(made[0]) == inspect.CORO_CLOSED  # no "never awaited"


class BareAwaitable:
    """An awaitable without a ``close`` method."""

    def __await__(self) -> Generator[None, None, str]:
        return "done"
        yield  # pragma: no cover


def test_start_blocking_refuses_any_awaitable() -> None:
    run = ToolRun(tool_turn(("c1", "bare", "{}")), {"bare": BareAwaitable})
    assert "TypeError" in run.start_blocking(run.calls[0])


def test_no_calls_make_no_commands() -> None:
    run = ToolRun(None, {"x": print})
    assert run.calls == ()
    assert run.commands([]) == []
    assert ToolRun(rp.Turn(response_id="r", status="completed"), {}).commands([]) == []


# -- single appends -----------------------------------------------------------------------------


def test_single_append_takes_raw_bytes_but_not_a_wav() -> None:
    for raw in (b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02")):
        assert single_append(raw) == rp.AppendAudio(audio=b"\x01\x02")
    assert single_append(wav_bytes(bytes(480), PCM16)) is None
    assert single_append([b"\x01\x02"]) is None  # pieces: planned, not one append
    assert single_append("not audio") is None
