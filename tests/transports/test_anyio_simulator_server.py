"""The anyio SimulatorServer over real sockets on 127.0.0.1, on asyncio and on trio.

The client here is the core's CLIENT connection over a bare anyio socket, so these tests
depend on the server alone.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

import anyio
import anyio.abc
import pytest
from realtime_anyio import SimulatorServer

import realtime_proto as rp
from realtime_proto.simulator import Simulator

pytestmark = pytest.mark.anyio

HANDSHAKE_START = b"GET /v1/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\n"


class Client:
    """A minimal realtime client: bytes between the socket and a CLIENT connection."""

    def __init__(self, stream: anyio.abc.SocketStream, connection: rp.Connection) -> None:
        self.stream = stream
        self.connection = connection
        self._write_lock = anyio.Lock()

    async def send(self, *commands: rp.Command) -> None:
        for command in commands:
            self.connection.send(command)
        await self._flush()

    async def _flush(self) -> None:
        async with self._write_lock:
            out = self.connection.data_to_send()
            if out:
                await self.stream.send(out)

    async def next_event(self) -> rp.Event:
        while True:
            event = self.connection.next_event()
            if event is not rp.NEED_DATA:
                assert isinstance(event, rp.Event)
                return event
            try:
                self.connection.receive_data(await self.stream.receive())
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                self.connection.receive_eof()
            await self._flush()  # the answer to a close

    async def until(self, kind: type[rp.Event]) -> list[rp.Event]:
        """Events up to and including the first ``kind``."""
        seen = [await self.next_event()]
        while not isinstance(seen[-1], kind):
            if isinstance(seen[-1], (rp.ConnectionClosed, rp.HandshakeRejected)):
                raise AssertionError(f"the connection ended before {kind.__name__}: {seen}")
            seen.append(await self.next_event())
        return seen


@asynccontextmanager
async def connect(url: str, dialect: rp.Dialect = rp.Dialect.GA) -> AsyncIterator[Client]:
    """A client whose session has been created."""
    endpoint = rp.Endpoint.from_url(url, dialect=dialect)
    async with await anyio.connect_tcp(endpoint.host, endpoint.port) as stream:
        client = Client(stream, rp.Connection.client(endpoint))
        await client.send()  # the opening handshake
        assert isinstance((await client.until(rp.SessionCreated))[0], rp.Connected)
        yield client


async def converse(client: Client, text: str = "hi") -> None:
    """One text turn, then the closing handshake, after which the server hangs up."""
    await client.send(rp.SendText(text=text), rp.CreateResponse())
    await client.until(rp.TurnFinished)
    assert client.connection.last_turn_full_response_text == f"You said: {text}"
    assert client.connection.last_turn_full_response_audio
    await client.send(rp.Close())
    closed = (await client.until(rp.ConnectionClosed))[-1]
    assert (closed.code, closed.initiator) == (1000, "local")
    with pytest.raises(anyio.EndOfStream):
        await client.stream.receive()


async def read_all(stream: anyio.abc.SocketStream) -> bytes:
    data = b""
    while True:
        try:
            data += await stream.receive()
        except anyio.EndOfStream:
            return data


async def test_a_whole_conversation() -> None:
    with anyio.fail_after(5):
        async with SimulatorServer() as server:
            assert server.port != 0
            assert repr(server) == f"<SimulatorServer {server.url}>"
            assert server.base_url == f"ws://127.0.0.1:{server.port}/v1"
            assert server.url == f"{server.base_url}/realtime?model=simulated-realtime"
            assert server.url_for(rp.Dialect.GA) == server.url
            async with connect(server.url) as client:
                assert client.connection.session.model == "simulated-realtime"
                await converse(client)


async def test_the_preview_dialect() -> None:
    with anyio.fail_after(5):
        async with SimulatorServer() as server:
            url = server.url_for(rp.Dialect.PREVIEW)
            assert url == server.url + "&dialect=preview"
            async with connect(url, rp.Dialect.PREVIEW) as client:
                await converse(client, "in preview")


async def test_the_url_of_an_ipv6_host() -> None:
    server = SimulatorServer("::1", 8000)
    assert server.base_url == "ws://[::1]:8000/v1"


async def test_serve_forever_reports_the_bound_server() -> None:
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            server = await group.start(SimulatorServer().serve_forever)
            assert isinstance(server, SimulatorServer)
            async with connect(server.url) as client:
                await converse(client)
            group.cancel_scope.cancel()


async def test_timers_run_while_data_keeps_arriving() -> None:
    def paced() -> Simulator:
        return Simulator(pace_audio=True, session_duration=0.5)

    with anyio.fail_after(5):
        async with SimulatorServer(simulator=paced) as server, connect(server.url) as client:
            await client.send(rp.SendText(text="tell me"), rp.CreateResponse())

            async def chatter() -> None:
                with suppress(anyio.BrokenResourceError):  # the server hung up meanwhile
                    while client.connection.can_send:
                        await client.send(rp.SendRaw(message={"type": "noop"}))
                        await anyio.sleep(0.01)

            async with anyio.create_task_group() as group:
                group.start_soon(chatter)
                seen = await client.until(rp.ConnectionClosed)
                group.cancel_scope.cancel()
    assert any(isinstance(m, rp.AudioDelta) for m in seen)  # paced reply audio
    codes = [m.code for m in seen if isinstance(m, rp.ServerError)]
    assert "session_expired" in codes
    assert seen[-1].initiator == "remote"


async def test_a_client_that_vanishes_leaves_the_server_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="realtime_anyio")
    with anyio.fail_after(5):
        async with SimulatorServer() as server:
            async with await anyio.connect_tcp("127.0.0.1", server.port) as stream:
                await stream.send(HANDSHAKE_START)  # half a request, then a plain close
            # A reset instead of a close: the server's next read fails.
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                raw.sendall(HANDSHAKE_START)
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            while "a simulator client went away" not in caplog.text:
                await anyio.sleep(0.01)
            async with connect(server.url) as client:
                await converse(client)


async def test_leaving_returns_promptly_with_clients_connected() -> None:
    with anyio.fail_after(5):
        async with AsyncExitStack() as stack:
            async with SimulatorServer() as server:
                client = await stack.enter_async_context(connect(server.url))
                idle = await anyio.connect_tcp("127.0.0.1", server.port)
                stack.push_async_callback(idle.aclose)
                started = anyio.current_time()
            assert anyio.current_time() - started < 1
            closed = (await client.until(rp.ConnectionClosed))[-1]
            assert closed.code == 1006  # hung up on, without a closing handshake
            with suppress(anyio.BrokenResourceError):  # reset if it was never accepted
                assert await read_all(idle) == b""
            with pytest.raises(OSError, match="connection attempts failed"):
                await anyio.connect_tcp("127.0.0.1", server.port)


async def test_garbage_gets_a_400_and_the_connection_ends() -> None:
    with anyio.fail_after(5):
        async with (
            SimulatorServer() as server,
            await anyio.connect_tcp("127.0.0.1", server.port) as stream,
        ):
            await stream.send(b"\x00\xffnot http at all\r\n\r\n")
            assert (await read_all(stream)).startswith(b"HTTP/1.1 400")


async def test_a_protocol_error_ends_that_connection_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults = iter([True])

    class Faulty(Simulator):
        def __init__(self) -> None:
            super().__init__()
            self.broken = next(faults, False)

        def receive_data(self, data: bytes) -> None:
            if self.broken:
                raise rp.LocalProtocolError("a simulated fault")
            super().receive_data(data)

    with anyio.fail_after(5):
        async with SimulatorServer(simulator=Faulty) as server:
            async with await anyio.connect_tcp("127.0.0.1", server.port) as stream:
                await stream.send(HANDSHAKE_START + b"\r\n")
                assert await read_all(stream) == b""
            assert "the simulated session ended on an error" in caplog.text
            assert "a simulated fault" in caplog.text
            async with connect(server.url) as client:
                await converse(client)
