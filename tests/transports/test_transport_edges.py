"""Transport edges: misuse, a socket lost under a send, file sources, backpressure on anyio,
and a TLS handshake that never comes."""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path

import anyio
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from realtime_proto.simulator import Simulator
from tests.transports import scenarios
from tests.transports.server import Peer, TestServer

QUICK_CLOSE = rp.Timeouts(close_timeout=0.2)


@pytest.mark.anyio
async def test_anyio_misuse_and_a_close_before_start() -> None:
    conversation = realtime_anyio.ConversationClient("ws://127.0.0.1:9/x").start_conversation()
    with pytest.raises(RuntimeError, match="async with"):
        _ = conversation.session
    await conversation.aclose()  # never started: nothing to close


def test_blocking_misuse_and_a_close_before_start() -> None:
    conversation = realtime_blocking.ConversationClient("ws://127.0.0.1:9/x").start_conversation()
    with pytest.raises(RuntimeError, match="'with'"):
        _ = conversation.session
    conversation.close()


@pytest.mark.anyio
async def test_anyio_a_socket_lost_under_a_send() -> None:
    with TestServer(scenarios.AudioSink()) as server:
        client = realtime_anyio.ConversationClient(server.url, timeouts=QUICK_CLOSE)
        async with client.start_conversation() as conversation:
            assert conversation._pump is not None
            await conversation._pump.stream.aclose()
            with pytest.raises(rp.ConnectionClosedError):
                await conversation.send_text("lost")


class AsyncSource:
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, size: int) -> bytes:
        piece, self._data = self._data[:size], self._data[size:]
        return piece


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["async file", "disk file"])
async def test_anyio_file_sources_and_a_paced_tail(kind: str, tmp_path: Path) -> None:
    wav = wav_bytes(b"\x01\x00" * (24 * 130), rp.AudioFormat.PCM16)  # 130 ms
    path = tmp_path / "a.wav"
    path.write_bytes(wav)
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        async with realtime_anyio.ConversationClient(server.url).start_conversation() as conv:
            if kind == "async file":
                await conv.send_audio(AsyncSource(wav), realtime=True, finish=False)
            else:
                with path.open("rb") as file:
                    await conv.send_audio(file, realtime=True, finish=False)
        assert sink.closed.wait(5)
    assert sink.audio() == b"\x01\x00" * (24 * 130)  # 100 ms, then a paced 30 ms tail


@pytest.mark.anyio
async def test_anyio_backpressure_holds_the_reader() -> None:
    burst = 400

    def handler(peer: Peer) -> None:
        peer.accept()
        for n in range(burst):
            peer.send(rp.TextDelta(response_id="r", item_id="i", output_index=0,
                                   content_index=0, text=str(n)))  # fmt: skip
        scenarios.ignore_everything(peer)

    with TestServer(handler) as server:
        client = realtime_anyio.ConversationClient(
            server.url, max_queued_messages=5, timeouts=QUICK_CLOSE
        )
        async with client.start_conversation() as conversation:
            await anyio.sleep(0.2)
            got: list[str | None] = []
            while len(got) < burst:
                message = await conversation.receive()
                if isinstance(message, rp.TextDelta):
                    got.append(message.text)
    assert got == [str(n) for n in range(burst)]


@pytest.mark.anyio
async def test_anyio_a_tls_handshake_that_never_comes(client_tls: ssl.SSLContext) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    with listener:
        port = listener.getsockname()[1]
        client = realtime_anyio.ConversationClient(
            f"wss://127.0.0.1:{port}/v1/realtime", ssl_context=client_tls, connect_timeout=0.3
        )
        started = time.monotonic()
        with pytest.raises(rp.ConnectTimeout):
            async with client.start_conversation():
                pass  # pragma: no cover
        assert time.monotonic() - started < 2


def test_the_simulator_server_paced_and_expiring_and_its_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def paced() -> Simulator:
        return Simulator(pace_audio=True, session_duration=0.5)

    with realtime_blocking.SimulatorServer(simulator=paced) as server:
        assert repr(server).startswith("<SimulatorServer ws://127.0.0.1:")
        assert server.url_for(rp.Dialect.PREVIEW).endswith("&dialect=preview")
        client = realtime_blocking.ConversationClient(server.url)
        with client.start_conversation() as conversation:
            conversation.send_text("tell me")
            conversation.generate()
            messages = list(conversation.receive_messages())  # paced, then the expiry
        codes = [m.code for m in messages if isinstance(m, rp.ServerError)]
        assert codes == ["session_expired"]
        assert any(isinstance(m, rp.AudioDelta) for m in messages)

    class Broken(Simulator):
        def receive_data(self, data: bytes) -> None:
            raise rp.LocalProtocolError("a simulated fault")

    with realtime_blocking.SimulatorServer(simulator=Broken) as server:
        client = realtime_blocking.ConversationClient(
            server.url, timeouts=rp.Timeouts(open_timeout=0.3)
        )
        with pytest.raises(rp.TransportError):
            client.start_conversation().__enter__()
    assert "the simulated session ended on an error" in caplog.text
