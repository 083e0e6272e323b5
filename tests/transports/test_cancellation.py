"""Cancellation at each checkpoint, on asyncio and trio: each public async method is cancelled
after k scheduling points, for k = 0, 1, 2, ... until it completes. No message is lost, no
frame is cut (the server decodes every command whole), and the conversation goes on."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel
import pytest
from realtime_anyio import Conversation, ConversationClient

import realtime_proto as rp
from tests.transports import scenarios
from tests.transports.server import Peer, TestServer

pytestmark = pytest.mark.anyio

MAX_CHECKPOINTS = 40


async def cancelled_after(k: int, operation: Callable[[], Awaitable[object]]) -> bool:
    """Run ``operation``, cancelling it after ``k`` checkpoints; whether it completed."""
    completed = False
    async with anyio.create_task_group() as tasks:
        scope = anyio.CancelScope()

        async def run() -> None:
            nonlocal completed
            with scope:
                await operation()
                completed = True

        async def cancel() -> None:
            for _ in range(k):
                await anyio.lowlevel.checkpoint()
            scope.cancel()

        tasks.start_soon(run)
        tasks.start_soon(cancel)
    return completed


VERBS: dict[str, Callable[[Conversation, int], Awaitable[object]]] = {
    "send_text": lambda c, k: c.send_text(f"text {k}"),
    "send_audio": lambda c, k: c.send_audio(bytes([k % 256]) * 9_600),
    "send_audio_stream": lambda c, k: c.send_audio([bytes(4_800)] * 3, finish=False),
    "send_tool_response": lambda c, k: c.send_tool_response(f"call_{k}", "{}"),
    "generate": lambda c, k: c.generate(),
    "finish_turn": lambda c, k: c.finish_turn(),
    "commit_audio": lambda c, k: c.commit_audio(),
    "clear_audio": lambda c, k: c.clear_audio(),
    "reconfigure": lambda c, k: c.reconfigure(rp.ConversationOptions(voice="ash")),
    "send_message": lambda c, k: c.send_message({"type": "x.y", "n": k}),
    "cancel_response": lambda c, k: c.cancel_response(),
    "truncate": lambda c, k: c.truncate("item", 10),
    "delete_item": lambda c, k: c.delete_item("item"),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
async def test_a_cancelled_send_cuts_no_frame_and_the_conversation_goes_on(verb: str) -> None:
    sink = scenarios.AudioSink()
    markers = 0
    with TestServer(sink) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            for k in range(MAX_CHECKPOINTS):
                done = await cancelled_after(k, functools.partial(VERBS[verb], conversation, k))
                await conversation.send_text(f"marker {k}")  # still usable
                markers += 1
                if done:
                    break
            else:  # pragma: no cover - every verb finishes within a few checkpoints
                raise AssertionError(f"{verb} never completed")
        assert sink.closed.wait(5)
    texts = [c.text for c in sink.commands if isinstance(c, rp.SendText)]
    assert [t for t in texts if t.startswith("marker")] == [f"marker {k}" for k in range(markers)]
    assert not [c for c in sink.commands if isinstance(c, rp.InvalidMessage)]  # all whole


async def test_a_cancelled_receive_loses_nothing_at_any_checkpoint() -> None:
    count = 30

    def handler(peer: Peer) -> None:
        peer.accept()
        for n in range(count):
            peer.send(rp.TextDelta(response_id="r", item_id="i", output_index=0,
                                   content_index=0, text=str(n)))  # fmt: skip
        peer.close()
        peer.finish()

    received: list[str | None] = []
    with TestServer(handler) as server:
        async with ConversationClient(server.url).start_conversation() as conversation:
            k = 0
            while len(received) < count:
                got: list[rp.Event] = []

                async def receive_one() -> None:
                    got.append(await conversation.receive())  # noqa: B023

                await cancelled_after(k % 5, receive_one)
                received += [m.text for m in got if isinstance(m, rp.TextDelta)]
                k += 1
    assert received == [str(n) for n in range(count)]


async def test_aclose_closes_even_when_cancelled_at_any_checkpoint() -> None:
    for k in range(8):
        sink = scenarios.AudioSink()
        with TestServer(sink) as server:
            conversation = ConversationClient(server.url).start_conversation()
            async with conversation:
                await cancelled_after(k, conversation.aclose)
            assert sink.closed.wait(5), k
        with pytest.raises(rp.ConnectionClosedError):
            await conversation.send_text("after")
