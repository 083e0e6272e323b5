"""Wall time and peak memory receiving a realistic server stream over a loopback socket.

A server process replays the WebSocket frames of a seeded, audio-heavy session (``server_stream``)
as fast as it can, then closes the connection. Each client runs alone in a fresh process, so its
peak RSS is its own: our anyio transport on asyncio and on trio, our blocking transport, the
openai package's realtime connection, and the floor, a bare ``websockets`` client that only
``json.loads`` each message. Also the time from connecting to the first event, and the import
time of each client's package. Prints figures and ratios; asserts nothing.

    python benchmarks/bench_loopback.py [--minutes 30] [--seed 1] [--repeat 3] [--json]
"""

from __future__ import annotations

# Client processes run this file too, so the modules imported here count in their RSS: the
# heavier ones (asyncio, hashlib) are imported only where they are used.
import argparse
import contextlib
import importlib
import json
import os
import platform
import resource
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

CLIENTS = ("anyio-asyncio", "anyio-trio", "blocking", "openai", "websockets-floor")
OURS = CLIENTS[:3]
CHILD_TIMEOUT = 300.0
DRAIN_TIMEOUT = 10.0
RSS_TARGET_MIB = 30.0
SPEED_TARGET = 4.0
CLOSE_FRAME = b"\x88\x02\x03\xe8"  # unmasked close frame, code 1000
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# -- the server --------------------------------------------------------------------------------


def read_request(sock: socket.socket) -> str | None:
    """The opening HTTP request up to its blank line; ``None`` if the client went away."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            return None
        buffer += data
    return buffer.partition(b"\r\n\r\n")[0].decode("latin-1")


def handshake_response(request: str) -> bytes:
    """The ``101 Switching Protocols`` answer to ``request``."""
    import base64
    import hashlib

    key = ""
    for line in request.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key.encode() + ACCEPT_GUID).digest()).decode()
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
    ).encode()


def discard(sock: socket.socket) -> None:
    """Read and drop what the client sends until it closes (or the socket is shut down)."""
    with contextlib.suppress(OSError):
        while sock.recv(65536):
            pass


def serve_one(sock: socket.socket, frames: bytes) -> None:
    """Handshake, the frames, a close frame; then wait for the client to close."""
    request = read_request(sock)
    if request is None:
        return
    sock.sendall(handshake_response(request))
    drain = threading.Thread(target=discard, args=(sock,), daemon=True)
    drain.start()
    with contextlib.suppress(OSError):  # the client may be gone
        sock.sendall(frames)
        sock.sendall(CLOSE_FRAME)
        # websockets clients wait for the server to close TCP first (RFC 6455, 7.1.1); the
        # half-close tells them nothing more comes, so they do not sit out their close timeout.
        sock.shutdown(socket.SHUT_WR)
    drain.join(DRAIN_TIMEOUT)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes the drain thread if it still waits
    drain.join()


def count_messages(frames: bytes) -> int:
    """Complete messages in a stream of unmasked frames (FIN set on a data frame)."""
    count = offset = 0
    while offset < len(frames):
        first, length = frames[offset], frames[offset + 1] & 0x7F
        offset += 2
        if length >= 126:
            size = 2 if length == 126 else 8
            length = int.from_bytes(frames[offset : offset + size], "big")
            offset += size
        offset += length
        count += first & 0x80 != 0 and first & 0x0F < 3
    return count


def serve(minutes: float, seed: int) -> None:
    """Generate the stream, report the port, serve until the parent closes our stdin."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _stream import server_stream

    frames = server_stream(minutes, seed)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    print(json.dumps({"port": port, "bytes": len(frames), "messages": count_messages(frames)}))
    sys.stdout.flush()

    def exit_with_parent() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    while True:
        sock, _ = listener.accept()
        with sock:
            serve_one(sock, frames)


# -- the clients, each in its own process ------------------------------------------------------


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


def run_floor(port: int, probe: Probe) -> tuple[int, int]:
    import asyncio

    from websockets.asyncio.client import connect

    async def main() -> int:
        count = 0
        probe.start()
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime", max_size=None) as websocket:
            async for message in websocket:
                json.loads(message)
                probe.event()
                count += 1
        probe.stop()
        return count

    count = asyncio.run(main())
    return count, count


def run_client(name: str, port: int) -> None:
    """Run one client and print its figures as one JSON line."""
    probe = Probe()
    if name.startswith("anyio-"):
        events, messages = run_anyio(port, probe, name.removeprefix("anyio-"))
    elif name == "blocking":
        events, messages = run_blocking(port, probe)
    elif name == "openai":
        events, messages = run_openai(port, probe)
    else:
        events, messages = run_floor(port, probe)
    figures = {
        "events": events,
        "messages": messages,
        "seconds": probe.stopped - probe.started,
        "first_ms": (probe.first - probe.started) * 1000,
        "baseline_kib": probe.baseline_kib,
        "peak_kib": max_rss_kib(),
    }
    print(json.dumps(figures))


# -- the parent --------------------------------------------------------------------------------


def start_server(minutes: float, seed: int) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """The server process, and what it reports: its port, the stream's size and messages.

    The stream is generated there rather than here because a child's ``ru_maxrss`` starts at
    its parent's peak: the parent must stay small.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    command += ["--minutes", str(minutes), "--seed", str(seed)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, json.loads(server.stdout.readline())


def stop_server(server: subprocess.Popen[str]) -> None:
    assert server.stdin is not None
    server.stdin.close()  # the server exits when its stdin ends
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_child(name: str, port: int) -> dict[str, Any]:
    """One client run in a fresh process, killed after ``CHILD_TIMEOUT``."""
    command = [sys.executable, str(Path(__file__).resolve()), "--client", name, "--port", str(port)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    if done.returncode != 0:
        return {"status": f"exit code {done.returncode}", "stderr": done.stderr}
    return {"status": "ok", **json.loads(done.stdout.splitlines()[-1])}


def measure(name: str, port: int, repeat: int, expected: int) -> dict[str, Any]:
    """The best wall time and the largest peak RSS over ``repeat`` runs."""
    runs = [run_child(name, port) for _ in range(repeat)]
    failed = [run for run in runs if run["status"] != "ok"]
    if failed:
        return failed[0]
    best = min(runs, key=lambda run: run["seconds"])
    wrong = sorted({run["messages"] for run in runs} - {expected})
    return {
        "status": "ok" if not wrong else f"got {wrong} of {expected} messages",
        "events": best["events"],
        "messages": best["messages"],
        "seconds": best["seconds"],
        "first_event_ms": sorted(run["first_ms"] for run in runs)[len(runs) // 2],
        "events_per_second": best["events"] / best["seconds"],
        "peak_rss_mib": max(run["peak_kib"] for run in runs) / 1024,
        "rss_growth_mib": max(run["peak_kib"] - run["baseline_kib"] for run in runs) / 1024,
    }


IMPORTED = ("realtime_proto", "realtime_anyio", "realtime_blocking", "openai", "websockets")
IMPORT_RUNS = 5


def import_ms(module: str) -> float:
    """The median time ``import module`` takes in a fresh interpreter."""
    probe = (
        "import time; started = time.perf_counter(); "
        f"import {module}; print((time.perf_counter() - started) * 1000)"
    )
    runs = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    )
    return runs[len(runs) // 2]


def ratios_of(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each of our transports: openai's time over ours, ours over the floor's, the RSS."""
    openai, floor = results["openai"].get("seconds"), results["websockets-floor"].get("seconds")
    ratios = {}
    for name in OURS:
        ours, peak = results[name].get("seconds"), results[name].get("peak_rss_mib")
        ratios[name] = {
            "openai_over_ours": openai / ours if ours and openai else None,
            "ours_over_floor": ours / floor if ours and floor else None,
            "peak_rss_within_target": peak <= RSS_TARGET_MIB if peak is not None else None,
        }
    return ratios


def times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def report(summary: dict[str, Any]) -> None:
    """The results as text."""
    stream, results = summary["stream"], summary["results"]
    print(f"Python {summary['python']} on {summary['platform']}")
    print(f"command: {summary['command']}")
    print(
        f"stream: {stream['minutes']:g} min (seed {stream['seed']}), "
        f"{stream['bytes'] / 1e6:.1f} MB, {stream['messages']:,} messages; "
        f"best of {summary['repeat']} runs, each in a fresh process"
    )
    print(
        f"{'client':<18}{'events':>8}{'wall s':>9}{'events/s':>10}{'peak MiB':>10}{'growth':>8}"
        f"{'first ms':>10}"
    )
    for name, row in results.items():
        if "seconds" not in row:
            print(f"{name:<18}  {row['status']}")
            continue
        print(
            f"{name:<18}{row['events']:>8,}{row['seconds']:>9.3f}{row['events_per_second']:>10,.0f}"
            f"{row['peak_rss_mib']:>10.1f}{row['rss_growth_mib']:>8.1f}"
            f"{row['first_event_ms']:>10.1f}"
            + ("" if row["status"] == "ok" else f"  {row['status']}")
        )
    print(
        f"\n{'transport':<18}{'openai/ours':>12}{'ours/floor':>12}  peak <= {RSS_TARGET_MIB:g} MiB"
    )
    for name, ratio in summary["ratios"].items():
        within = {True: "yes", False: "no", None: "-"}[ratio["peak_rss_within_target"]]
        print(
            f"{name:<18}{times(ratio['openai_over_ours']):>12}"
            f"{times(ratio['ours_over_floor']):>12}  {within}"
        )
    print(f"(target: openai/ours >= {SPEED_TARGET:g}x)")
    print("(first ms: from the start of the connect to the first event handed to the caller,")
    print(" median of the runs; each process's first connection, so one-time costs count)")
    print(f"\n{'import':<22}{'median ms':>10}  (of {IMPORT_RUNS} fresh processes)")
    for module, ms in summary["imports"].items():
        print(f"{module:<22}{ms:>10.1f}")
    for name, row in results.items():
        if row.get("stderr"):
            print(f"\n{name} ({row['status']}):\n{row['stderr'].rstrip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.minutes, args.seed)
        return
    if args.client:
        run_client(args.client, args.port)
        return

    server, stream = start_server(args.minutes, args.seed)
    try:
        results = {
            name: measure(name, stream["port"], args.repeat, stream["messages"]) for name in CLIENTS
        }
    finally:
        stop_server(server)
    summary = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "command": shlex.join(["python", *sys.argv]),
        "stream": {
            "minutes": args.minutes,
            "seed": args.seed,
            "bytes": stream["bytes"],
            "messages": stream["messages"],
        },
        "repeat": args.repeat,
        "results": results,
        "ratios": ratios_of(results),
        "imports": {module: import_ms(module) for module in IMPORTED},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report(summary)


if __name__ == "__main__":
    main()
