"""Every close path, on asyncio, trio and the blocking transport, over real sockets: each ends
within ``close_timeout`` + 100 ms (measured on the wall clock), with a typed outcome, and
leaves no socket or task behind (a leaked socket is a ResourceWarning, an error here)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable

import pytest
import realtime_anyio
import realtime_blocking
import sniffio

import realtime_proto as rp
from tests.helpers import response_events
from tests.transports import scenarios
from tests.transports.server import Peer, TestServer

CLOSE_TIMEOUT = 0.3
TIMEOUTS = rp.Timeouts(close_timeout=CLOSE_TIMEOUT, open_timeout=CLOSE_TIMEOUT)
SLACK = 0.1


def answers(peer: Peer) -> None:
    peer.accept()
    peer.finish()


def closes_first(peer: Peer) -> None:
    peer.accept()
    peer.close(1001, "going away")
    peer.finish()


def closes_while_streaming(peer: Peer) -> None:
    peer.accept()
    peer.send(*response_events(text_deltas=("a", "b", "c"))[:5])
    peer.close(1000, "session expired")
    peer.finish()


def resets(peer: Peer) -> None:
    peer.accept()
    peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.drop()  # RST


def never_upgrades(peer: Peer) -> None:
    scenarios.ignore_everything(peer)


PATHS: dict[str, tuple[Callable[[Peer], None], bool]] = {
    # name: (server, whether the client closes first)
    "local": (answers, True),
    "remote": (closes_first, False),
    "remote-no-reply": (scenarios.never_answer_close, True),
    "eof-mid-message": (scenarios.drop_mid_response, False),
    "reset": (resets, False),
    "during-streaming": (closes_while_streaming, False),
}


def expected_end(name: str) -> tuple[int, ...]:
    return {
        "local": (1000,),
        "remote": (1001,),
        "remote-no-reply": (1006,),
        "eof-mid-message": (1006,),
        "reset": (1006,),
        "during-streaming": (1000,),
    }[name]


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(PATHS))
async def test_close_paths_on_anyio(name: str) -> None:
    handler, local_first = PATHS[name]
    tasks_before = _task_count()
    with TestServer(handler) as server:
        client = realtime_anyio.ConversationClient(server.url, timeouts=TIMEOUTS)
        async with client.start_conversation() as conversation:
            if name == "eof-mid-message":
                await conversation.generate()
            if local_first:
                started = time.monotonic()
                await conversation.aclose()
                assert time.monotonic() - started <= CLOSE_TIMEOUT + SLACK
            seen = [m async for m in _safe(conversation)]
        closed = seen[-1]
        assert isinstance(closed, rp.ConnectionClosed)
        assert closed.code in expected_end(name)
    assert _task_count() == tasks_before  # no task of ours is left running


async def _safe(conversation: realtime_anyio.Conversation):  # type: ignore[no-untyped-def]
    try:
        async for message in conversation.receive_messages():
            yield message
    except rp.ConnectionClosedError:
        return


def _task_count() -> int | None:
    if sniffio.current_async_library() != "asyncio":
        return None  # trio's nursery already forbids leaving a task behind
    return len(asyncio.all_tasks())


@pytest.mark.parametrize("name", sorted(PATHS))
def test_close_paths_on_blocking(name: str) -> None:
    handler, local_first = PATHS[name]
    with TestServer(handler) as server:
        client = realtime_blocking.ConversationClient(server.url, timeouts=TIMEOUTS)
        with client.start_conversation() as conversation:
            if name == "eof-mid-message":
                conversation.generate()
            if local_first:
                started = time.monotonic()
                conversation.close()
                assert time.monotonic() - started <= CLOSE_TIMEOUT + SLACK
            seen: list[rp.Event] = []
            with contextlib.suppress(rp.ConnectionClosedError):
                seen.extend(conversation.receive_messages())
        closed = seen[-1]
        assert isinstance(closed, rp.ConnectionClosed)
        assert closed.code in expected_end(name)
        assert not [t for t in threading.enumerate() if t.name.startswith("realtime-")]


@pytest.mark.anyio
async def test_close_during_the_handshake_on_anyio() -> None:
    with TestServer(never_upgrades) as server:
        started = time.monotonic()
        with pytest.raises(rp.ConnectTimeout):
            async with realtime_anyio.ConversationClient(
                server.url, timeouts=TIMEOUTS
            ).start_conversation():
                pass  # pragma: no cover
        assert time.monotonic() - started <= 2 * CLOSE_TIMEOUT + SLACK  # open, then close


def test_close_during_the_handshake_on_blocking() -> None:
    with TestServer(never_upgrades) as server:
        started = time.monotonic()
        with pytest.raises(rp.ConnectTimeout):  # noqa: SIM117
            with realtime_blocking.ConversationClient(
                server.url, timeouts=TIMEOUTS
            ).start_conversation():
                pass  # pragma: no cover
        assert time.monotonic() - started <= 2 * CLOSE_TIMEOUT + SLACK
