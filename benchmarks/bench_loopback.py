"""Wall time and peak memory receiving a realistic server stream over a loopback socket.

A server process replays the WebSocket frames of a seeded, audio-heavy session (``server_stream``)
as fast as it can, then closes the connection. Each client runs alone in a fresh process
(``_loopback_client.py``) that imports only what that client needs, so its peak RSS is the
client's own: our anyio transport on asyncio and on trio, our blocking transport, the openai
package's realtime connection, and three bare clients:

- ``websockets-frames``, the floor every ratio is computed against: the asyncio ``websockets``
  client receiving every message, nothing more (no json, no base64). Asyncio rather than sync:
  on the 2-core machine the two were within the noise of each other, the asyncio one a little
  ahead (lower median and best time in two of three sessions of 15 to 30 runs each).
- ``wsproto-frames``: a blocking ``socket`` in 64 KiB reads and a bare ``wsproto`` client
  connection, assembling every message, nothing more.
- ``websockets+json+base64``: the asyncio ``websockets`` client, ``json.loads`` of every message
  and the standard library's base64 decode of its audio.

For each client: the consume time (connect to close, median of the runs) and its ratio to the
floor's, the peak RSS, the time from connecting to the first event, and the import time of its
package. Our transports are set against the goals (``RATIO_TARGET`` and below) with a pass or
miss for each. Prints figures and ratios; asserts nothing.

    python benchmarks/bench_loopback.py [--minutes 30] [--seed 1] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

CLIENTS = (
    "anyio-asyncio",
    "anyio-trio",
    "blocking",
    "openai",
    "websockets+json+base64",
    "websockets-frames",
    "wsproto-frames",
)
OURS = CLIENTS[:3]
FLOOR = "websockets-frames"  # the reference of every ratio
PACKAGE = {  # the package each client imports, whose import time the report shows
    "anyio-asyncio": "realtime_anyio",
    "anyio-trio": "realtime_anyio",
    "blocking": "realtime_blocking",
    "openai": "openai",
    "websockets+json+base64": "websockets",
    "websockets-frames": "websockets",
    "wsproto-frames": "wsproto",
}
IMPORTED = (
    "realtime_proto",
    "realtime_anyio",
    "realtime_blocking",
    "openai",
    "websockets",
    "wsproto",
)
IMPORT_RUNS = 5
# The goals for our transports; every one is an upper bound.
RATIO_TARGET = 2.0  # consume time over the floor's
RSS_TARGET_MIB = 30.0
FIRST_EVENT_TARGET_MS = 10.0
IMPORT_TARGETS_MS = {"realtime_proto": 80.0, "realtime_anyio": 150.0}
CHILD_TIMEOUT = 300.0
DRAIN_TIMEOUT = 10.0
CLIENT_SCRIPT = Path(__file__).resolve().with_name("_loopback_client.py")
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
    command = [sys.executable, str(CLIENT_SCRIPT), name, str(port)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=CHILD_ENV, timeout=CHILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    if done.returncode != 0:
        return {"status": f"exit code {done.returncode}", "stderr": done.stderr}
    return {"status": "ok", **json.loads(done.stdout.splitlines()[-1])}


def median(values: list[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_rounds(port: int, repeat: int) -> dict[str, list[dict[str, Any]]]:
    """``repeat`` rounds of every client, one after another in each round.

    Interleaving the clients spreads the machine's slow spells over all of them alike.
    """
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CLIENTS}
    for _ in range(repeat):
        for name in CLIENTS:
            runs[name].append(run_child(name, port))
    return runs


def summarize(runs: list[dict[str, Any]], expected: int) -> dict[str, Any]:
    """The median consume time and first event, the largest peak RSS, over one client's runs."""
    failed = [run for run in runs if run["status"] != "ok"]
    if failed:
        return failed[0]
    seconds = [run["seconds"] for run in runs]
    consume = median(seconds)
    events = runs[0]["events"]
    wrong = sorted({run["messages"] for run in runs} - {expected})
    return {
        "status": "ok" if not wrong else f"got {wrong} of {expected} messages",
        "events": events,
        "messages": runs[0]["messages"],
        "seconds": consume,
        "seconds_runs": seconds,
        "events_per_second": events / consume,
        "first_event_ms": median([run["first_ms"] for run in runs]),
        "first_event_ms_runs": [run["first_ms"] for run in runs],
        "peak_rss_mib": max(run["peak_kib"] for run in runs) / 1024,
        "rss_growth_mib": max(run["peak_kib"] - run["baseline_kib"] for run in runs) / 1024,
    }


# An installed package has its bytecode compiled (pip does it when it installs a wheel): the
# children may write it, whatever this environment says, and one import before the timed ones
# writes it.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def import_ms(module: str) -> float:
    """The median time ``import module`` takes in a fresh interpreter, bytecode compiled."""
    probe = (
        "import time; started = time.perf_counter(); "
        f"import {module}; print((time.perf_counter() - started) * 1000)"
    )
    command = [sys.executable, "-c", probe]
    subprocess.run(command, capture_output=True, env=CHILD_ENV, check=True)
    return median(
        [
            float(
                subprocess.run(
                    command, capture_output=True, text=True, env=CHILD_ENV, check=True
                ).stdout
            )
            for _ in range(IMPORT_RUNS)
        ]
    )


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


def ratios_of(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Each client's consume time over the floor's; for ours also openai's time over theirs."""
    floor, openai = results[FLOOR].get("seconds"), results["openai"].get("seconds")
    ratios: dict[str, dict[str, float | None]] = {}
    for name, row in results.items():
        ratios[name] = {"over_floor": ratio(row.get("seconds"), floor)}
        if name in OURS:
            ratios[name]["openai_over_ours"] = ratio(openai, row.get("seconds"))
    return ratios


def goal(figure: float | None, target: float) -> dict[str, Any]:
    """One figure against its (upper) target; ``met`` is ``None`` without a figure."""
    return {"figure": figure, "target": target, "met": None if figure is None else figure <= target}


def goals_of(
    results: dict[str, dict[str, Any]],
    ratios: dict[str, dict[str, float | None]],
    imports: dict[str, float],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each of our transports against each goal that applies to it (see ``GOALS``)."""
    goals = {}
    for name in OURS:
        row = results[name]
        mine = {
            "consume_ratio": goal(ratios[name]["over_floor"], RATIO_TARGET),
            "peak_rss_mib": goal(row.get("peak_rss_mib"), RSS_TARGET_MIB),
            "first_event_ms": goal(row.get("first_event_ms"), FIRST_EVENT_TARGET_MS),
        }
        for module in ("realtime_proto", PACKAGE[name]):
            if module in IMPORT_TARGETS_MS:
                mine[f"import_{module}_ms"] = goal(imports[module], IMPORT_TARGETS_MS[module])
        goals[name] = mine
    return goals


GOALS = {  # the goal rows of the report: key in goals_of, label, unit
    "consume_ratio": (f"consume <= {RATIO_TARGET:.1f}x {FLOOR}", "x"),
    "peak_rss_mib": (f"peak RSS <= {RSS_TARGET_MIB:g} MiB", " MiB"),
    "first_event_ms": (f"first event <= {FIRST_EVENT_TARGET_MS:g} ms", " ms"),
    **{
        f"import_{module}_ms": (f"import {module} <= {target:g} ms", " ms")
        for module, target in IMPORT_TARGETS_MS.items()
    },
}


def figure(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report_clients(summary: dict[str, Any]) -> None:
    """Every client's figures, with its consume time over the floor's."""
    results, ratios, imports = summary["results"], summary["ratios"], summary["imports"]
    print(
        f"{'client':<24}{'events':>8}{'consume s':>11}{'vs floor':>10}{'events/s':>10}"
        f"{'peak MiB':>10}{'growth':>8}{'first ms':>10}{'import ms':>11}  package"
    )
    for name, row in results.items():
        package = PACKAGE[name]
        if "seconds" not in row:
            print(f"{name:<24}  {row['status']}")
            continue
        over = ratios[name]["over_floor"]
        print(
            f"{name:<24}{row['events']:>8,}{row['seconds']:>11.3f}"
            f"{'-' if over is None else f'{over:.2f}x':>10}{row['events_per_second']:>10,.0f}"
            f"{row['peak_rss_mib']:>10.1f}{row['rss_growth_mib']:>8.1f}"
            f"{row['first_event_ms']:>10.1f}{imports[package]:>11.1f}  {package}"
            + ("" if row["status"] == "ok" else f"  {row['status']}")
        )


def report_goals(goals: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Our transports against the goals: the figure and pass or miss, a column per transport."""
    print(f"\n{'goal':<34}" + "".join(f"{name:>18}" for name in goals))
    for key, (label, unit) in GOALS.items():
        cells = []
        for mine in goals.values():
            if key not in mine:
                cells.append(f"{'-':>18}")
                continue
            value, met = mine[key]["figure"], mine[key]["met"]
            mark = {True: "pass", False: "miss", None: "-"}[met]
            digits = 2 if unit == "x" else 1
            cells.append(f"{figure(value, digits) + unit + ' ' + mark:>18}")
        print(f"{label:<34}" + "".join(cells))


def report(summary: dict[str, Any]) -> None:
    """The results as text."""
    stream, results = summary["stream"], summary["results"]
    print(f"Python {summary['python']} on {summary['platform']}")
    print(f"command: {summary['command']}")
    print(
        f"stream: {stream['minutes']:g} min (seed {stream['seed']}), "
        f"{stream['bytes'] / 1e6:.1f} MB, {stream['messages']:,} messages; "
        f"median of {summary['repeat']} runs, each in a fresh process"
    )
    print(f"floor: {FLOOR}; every ratio is a client's consume time over the floor's\n")
    report_clients(summary)
    report_goals(summary["goals"])
    print("\n(consume s: from the start of the connect to the end of the close, median of runs)")
    print("(first ms: from the start of the connect to the first event handed to the caller,")
    print(" median of the runs; each process's first connection, so one-time costs count)")
    print(f"\n{'import':<24}{'median ms':>10}  (of {IMPORT_RUNS} fresh processes)")
    for module, ms in summary["imports"].items():
        target = IMPORT_TARGETS_MS.get(module)
        print(f"{module:<24}{ms:>10.1f}" + ("" if target is None else f"  (target <= {target:g})"))
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
    args = parser.parse_args()
    if args.serve:
        serve(args.minutes, args.seed)
        return

    server, stream = start_server(args.minutes, args.seed)
    try:
        runs = run_rounds(stream["port"], args.repeat)
    finally:
        stop_server(server)
    results = {name: summarize(runs[name], stream["messages"]) for name in CLIENTS}
    for name, row in results.items():
        row["package"] = PACKAGE[name]
    imports = {module: import_ms(module) for module in IMPORTED}
    ratios = ratios_of(results)
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
        "floor": FLOOR,
        "results": results,
        "ratios": ratios,
        "imports": imports,
        "goals": goals_of(results, ratios, imports),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report(summary)


if __name__ == "__main__":
    main()
