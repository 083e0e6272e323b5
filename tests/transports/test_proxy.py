"""The recording proxy over real sockets on 127.0.0.1: our client and the openai package's
converse through it with the embedded simulator, what it recorded replays to the same client
without divergence, a service that cannot be reached or does not answer is a 502 or a 504, a
client that never asks is hung up on, and closing the proxy closes its conversations."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import realtime_blocking
from realtime_blocking import ConversationClient, ProxyServer, SimulatorServer

import realtime_proto as rp
from realtime_proto.cassette import HandshakeRequest, read_cassette

KEY = "sk-service-key-0123456789"


def service(simulator: SimulatorServer) -> rp.Endpoint:
    return rp.Endpoint.from_url(simulator.url, headers=[("api-key", KEY)])


def one_turn(url: str) -> rp.TurnFinished:
    with ConversationClient(url).start_conversation() as conversation:
        conversation.send_text("Hello")
        conversation.generate()
        for message in conversation.receive_messages():
            if isinstance(message, rp.TurnFinished):
                return message
    raise AssertionError("no turn")


def test_our_client_converses_through_the_proxy_and_it_is_recorded(tmp_path: Path) -> None:
    record = tmp_path / "run.jsonl"
    ended: list[str] = []
    with (
        SimulatorServer() as simulator,
        ProxyServer(
            service(simulator), record_to=record, on_connection_end=lambda p: ended.append(str(p))
        ) as proxy,
    ):
        assert repr(proxy).startswith("<ProxyServer ws://127.0.0.1:")
        one_turn(proxy.url)
        one_turn(proxy.url)
        deadline = time.monotonic() + 10
        while len(ended) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert sorted(ended) == sorted([str(record), str(tmp_path / "run-2.jsonl")])
    text = record.read_text()
    assert KEY not in text
    cassette = read_cassette(io.BytesIO(text.encode()))
    request = cassette.entries[0]
    assert isinstance(request, HandshakeRequest)
    assert ("api-key", "<redacted>") in request.headers
    assert cassette.entries[-1].kind == "close"


def test_the_openai_client_converses_through_the_proxy_then_with_its_recording(
    tmp_path: Path,
) -> None:
    pytest.importorskip("openai")
    from openai import AsyncOpenAI

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

    record = tmp_path / "openai.jsonl"
    ended = threading.Event()
    with (
        SimulatorServer() as simulator,
        ProxyServer(
            service(simulator), record_to=record, on_connection_end=lambda _: ended.set()
        ) as proxy,
    ):
        proxied = asyncio.run(converse(proxy.base_url))
        assert ended.wait(10)
    assert "sk-x" not in record.read_text()
    assert KEY not in record.read_text()
    with realtime_blocking.ReplayServer(record, strict=True) as replay:
        replayed = asyncio.run(converse(replay.base_url))
    assert replay.divergences == []
    assert [e.type for e in replayed] == [e.type for e in proxied]
    assert replayed[-1].response.status == "completed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_service_that_cannot_be_reached_is_a_502() -> None:
    unreachable = rp.Endpoint.from_url(f"ws://127.0.0.1:{free_port()}/v1/realtime")
    with ProxyServer(unreachable) as proxy, pytest.raises(rp.HandshakeError) as caught:
        one_turn(proxy.url)
    assert caught.value.status_code == 502
    assert "cannot reach the service" in caught.value.body


def test_a_silent_service_is_a_504_and_a_silent_client_is_hung_up_on() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        endpoint = rp.Endpoint.from_url(f"ws://127.0.0.1:{port}/v1/realtime")
        with ProxyServer(endpoint, open_timeout=0.3, close_timeout=0.3) as proxy:
            with pytest.raises(rp.HandshakeError) as caught:
                one_turn(proxy.url)
            assert caught.value.status_code == 504
            with socket.create_connection((proxy.host, proxy.port), timeout=5) as idle:
                assert idle.recv(100) == b""


def test_closing_the_proxy_closes_its_conversations_with_going_away() -> None:
    with SimulatorServer() as simulator:
        proxy = ProxyServer(service(simulator), close_timeout=1.0)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        with ConversationClient(proxy.url).start_conversation() as conversation:
            conversation.send_text("Hello")
            closer = threading.Timer(0.2, proxy.close)
            closer.start()
            messages = list(conversation.receive_messages())
            closer.join()
    closed = messages[-1]
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.code == 1001
