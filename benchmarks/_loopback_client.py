"""One client of ``bench_loopback.py``, run alone in a fresh process against its server.

This module imports only what its clients share (``sys``, ``time``, ``json``, ``resource``);
each client imports its own library when it runs, so the process loads only what that client
needs and its peak RSS is the client's own. Prints the client's figures as one JSON line.

    python benchmarks/_loopback_client.py NAME PORT
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable

READ_SIZE = 65536
AUDIO_DELTA = "response.output_audio.delta"


def max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Probe:
    """Wall time and peak RSS around one connection, started after the imports."""

    def __init__(self) -> None:
        self.baseline_kib = 0
        self.started = self.stopped = 0.0
        self.first = 0.0  # when the first event reached the caller

    def start(self) -> None:
        self.baseline_kib = max_rss_kib()
        self.started = time.perf_counter()

    def event(self) -> None:
        if not self.first:
            self.first = time.perf_counter()

    def stop(self) -> None:
        self.stopped = time.perf_counter()


def run_anyio(port: int, probe: Probe, backend: str) -> tuple[int, int]:
    import importlib

    import anyio
    import realtime_anyio

    importlib.import_module(backend)  # anyio imports its backend lazily: before the baseline
    client = realtime_anyio.ConversationClient(f"ws://127.0.0.1:{port}/v1/realtime?model=m")

    async def main() -> tuple[int, int]:
        events = messages = 0
        probe.start()
        async with client.start_conversation() as conversation:
            async for event in conversation.receive_messages():
                probe.event()
                events += 1
                messages += bool(event.raw)
        probe.stop()
        return events, messages

    return anyio.run(main, backend=backend)


def run_blocking(port: int, probe: Probe) -> tuple[int, int]:
    import realtime_blocking

    client = realtime_blocking.ConversationClient(f"ws://127.0.0.1:{port}/v1/realtime?model=m")
    events = messages = 0
    probe.start()
    with client.start_conversation() as conversation:
        for event in conversation.receive_messages():
            probe.event()
            events += 1
            messages += bool(event.raw)
    probe.stop()
    return events, messages


def run_openai(port: int, probe: Probe) -> tuple[int, int]:
    import asyncio

    from openai import AsyncOpenAI
    from websockets.exceptions import ConnectionClosed

    client = AsyncOpenAI(api_key="sk-dummy", websocket_base_url=f"ws://127.0.0.1:{port}/v1")

    async def main() -> int:
        count = 0
        probe.start()
        try:
            async with client.realtime.connect(model="gpt-realtime") as connection:
                async for _event in connection:
                    probe.event()
                    count += 1
        except ConnectionClosed:
            pass  # the end of the stream, however the connection reports it
        probe.stop()
        return count

    count = asyncio.run(main())
    return count, count


def run_websockets(port: int, probe: Probe, decode: bool) -> tuple[int, int]:
    """A bare asyncio ``websockets`` client. With ``decode``, ``json.loads`` of each message
    and base64 of audio; without, it only receives each message: the floor."""
    import asyncio
    import base64

    from websockets.asyncio.client import connect

    async def main() -> int:
        count = 0
        probe.start()
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime", max_size=None) as websocket:
            async for text in websocket:
                if decode:
                    message = json.loads(text)
                    if message["type"] == AUDIO_DELTA:
                        base64.b64decode(message["delta"])
                probe.event()
                count += 1
        probe.stop()
        return count

    count = asyncio.run(main())
    return count, count


def run_wsproto_frames(port: int, probe: Probe) -> tuple[int, int]:
    """A blocking socket and a bare ``wsproto`` connection that only assemble each message."""
    import socket

    from wsproto import ConnectionType, WSConnection
    from wsproto.events import CloseConnection, Request, TextMessage

    count = 0
    parts: list[str] = []
    probe.start()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        connection = WSConnection(ConnectionType.CLIENT)
        request = Request(host=f"127.0.0.1:{port}", target="/v1/realtime?model=m")
        sock.sendall(connection.send(request))
        closing = False
        while not closing:
            data = sock.recv(READ_SIZE)
            connection.receive_data(data or None)
            for event in connection.events():
                if isinstance(event, TextMessage):
                    parts.append(event.data)
                    if event.message_finished:
                        "".join(parts)
                        parts.clear()
                        probe.event()
                        count += 1
                elif isinstance(event, CloseConnection):
                    if data:  # the server's close frame: answer it
                        sock.sendall(connection.send(event.response()))
                    closing = True
        while sock.recv(READ_SIZE):  # until the server closes TCP, as the other clients wait
            pass
    probe.stop()
    return count, count


RUNNERS: dict[str, Callable[[int, Probe], tuple[int, int]]] = {
    "anyio-asyncio": lambda port, probe: run_anyio(port, probe, "asyncio"),
    "anyio-trio": lambda port, probe: run_anyio(port, probe, "trio"),
    "blocking": run_blocking,
    "openai": run_openai,
    "websockets+json+base64": lambda port, probe: run_websockets(port, probe, decode=True),
    "websockets-frames": lambda port, probe: run_websockets(port, probe, decode=False),
    "wsproto-frames": run_wsproto_frames,
}


def run_client(name: str, port: int) -> None:
    """Run one client and print its figures as one JSON line."""
    probe = Probe()
    events, messages = RUNNERS[name](port, probe)
    figures = {
        "events": events,
        "messages": messages,
        "seconds": probe.stopped - probe.started,
        "first_ms": (probe.first - probe.started) * 1000,
        "baseline_kib": probe.baseline_kib,
        "peak_kib": max_rss_kib(),
    }
    print(json.dumps(figures))


def main(argv: list[str]) -> None:
    """``NAME PORT``: run that client against the server on that port."""
    if len(argv) != 2 or argv[0] not in RUNNERS or not argv[1].isdigit():
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(RUNNERS)}}} PORT")
    run_client(argv[0], int(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
