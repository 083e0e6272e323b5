"""Many concurrent sessions against the simulator, and one long session for memory growth.

A simulator server runs in its own process on anyio (asyncio), one task per connection, so a
thousand connections are cheap. A load client in another process opens ``--sessions``
conversations with our anyio transport on asyncio; every session connects (with manual turns
and a ``get_weather`` tool), sends one second of a 440 Hz tone in 100 ms appends and finishes
the turn, asks about the weather in Paris, answers the tool call and waits for the answer, then
closes. Connections are ramped in (at most ``CONNECTING`` at once) and every session waits
until all are open, so they are all open together; the client's RSS is read before connecting
and when all sessions are open and idle. The same load then runs through the openai package's
realtime client, in a fresh process. Last, a soak: one session does ``--soak-turns`` text turns
with audio accumulation off while ``tracemalloc`` watches its memory (``--soak-turns 10000``
for ten thousand). Prints figures and ratios; asserts nothing.

    python benchmarks/bench_sessions.py [--sessions 1000] [--soak-turns 2000]
                                        [--seconds-limit 120] [--json]
"""

from __future__ import annotations

# Client processes run this file too, so the modules imported here count in their RSS: the
# heavier ones (anyio, the clients) are imported only where they are used.
import argparse
import json
import math
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import anyio.abc
    import realtime_anyio
    from openai.resources.realtime.realtime import AsyncRealtimeConnection

    import realtime_proto as rp

CLIENTS = ("ours", "openai")
CONNECTING = 200  # connections being opened at once, at most
SETTLE_SECONDS = 0.5  # after the last connection opens, before the idle RSS is read
CLOSE_MARGIN = 15.0  # a child's sessions give up this long before the phase limit
WARMUP_TURNS = 200
SOAK_TARGET_MIB = 2.0
MODEL = "simulated-realtime"
RATE = 24_000
CHUNK_MS = 100
TONE_HZ = 440.0
QUESTION = "what is the weather in Paris?"
TOOL_OUTPUT = '{"sky":"sunny"}'
READ_SIZE = 65536


def raise_fd_limit(needed: int | None = None) -> int:
    """Raise the soft limit on open files to ``needed`` (default: the hard limit), within the
    hard limit; returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if needed is None else needed
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    elif want == resource.RLIM_INFINITY:
        want = max(soft, 65536)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        return want
    return soft


def vm_rss_kib() -> int:
    """The resident set size of this process now, in KiB (0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile, ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def tone_chunks() -> list[bytes]:
    """One second of a 440 Hz PCM16 tone at 24 kHz, in 100 ms pieces."""
    import array

    samples = array.array(
        "h", (int(12_000 * math.sin(2 * math.pi * TONE_HZ * n / RATE)) for n in range(RATE))
    )
    if sys.byteorder == "big":
        samples.byteswap()
    pcm = samples.tobytes()
    size = RATE * CHUNK_MS // 1000 * 2
    return [pcm[offset : offset + size] for offset in range(0, len(pcm), size)]


# -- the server --------------------------------------------------------------------------------


class ServerStats:
    """What the server has seen since the parent last asked."""

    def __init__(self) -> None:
        self.open = self.peak = self.connections = self.errors = 0

    def snapshot(self) -> dict[str, int]:
        figures = {"connections": self.connections, "peak_open": self.peak, "errors": self.errors}
        self.connections = self.errors = 0
        self.peak = self.open
        return figures


def serve() -> None:
    """Serve a fresh simulator to every connection; report the port; answer ``stats`` lines on
    stdin with the figures; exit when stdin ends."""
    import anyio

    from realtime_proto.simulator import Simulator

    raise_fd_limit()
    stats = ServerStats()

    async def drive(stream: anyio.abc.SocketStream) -> None:
        simulator = Simulator()
        while not simulator.finished:
            deadline = simulator.next_deadline()
            wait = math.inf if deadline is None else deadline - anyio.current_time()
            data: bytes | None = None
            with anyio.move_on_after(wait):
                try:
                    data = await stream.receive(READ_SIZE)
                except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                    data = b""
            if data is None:
                simulator.handle_timer(anyio.current_time())
            elif data:
                simulator.receive_data(data)
            else:
                simulator.receive_eof()
            out = simulator.data_to_send()
            if out:
                try:
                    await stream.send(out)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    return
            if data == b"":
                return

    async def handle(stream: anyio.abc.SocketStream) -> None:
        stats.connections += 1
        stats.open += 1
        stats.peak = max(stats.peak, stats.open)
        try:
            async with stream:
                await drive(stream)
        except Exception:
            stats.errors += 1
            traceback.print_exc()  # to the parent's log of this process
        finally:
            stats.open -= 1

    async def main() -> None:
        listener = await anyio.create_tcp_listener(
            local_host="127.0.0.1", local_port=0, backlog=4096
        )
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        print(json.dumps({"port": port}), flush=True)
        await listener.serve(handle)

    def follow_parent() -> None:
        for line in sys.stdin:
            if line.strip() == "stats":
                print(json.dumps(stats.snapshot()), flush=True)
        os._exit(0)

    threading.Thread(target=follow_parent, daemon=True).start()
    anyio.run(main, backend="asyncio")


# -- the load clients, each in its own process -------------------------------------------------


class Gathering:
    """Counts sessions as they finish connecting (or fail to); ``all_in`` is set at the last."""

    def __init__(self, expected: int) -> None:
        import anyio

        self.expected = expected
        self.arrived = self.opened = 0
        self.all_in = anyio.Event()
        self.go = anyio.Event()

    def arrive(self, opened: bool) -> None:
        self.arrived += 1
        self.opened += opened
        if self.arrived >= self.expected:
            self.all_in.set()


class Load:
    """The figures of one load run."""

    def __init__(self) -> None:
        self.turn_ms: list[float] = []
        self.session_ms: list[float] = []
        self.connect_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.first_traceback = ""

    def failed(self, exc: BaseException) -> None:
        text = str(exc).splitlines()[0][:160] if str(exc) else ""
        self.errors[f"{type(exc).__name__}: {text}" if text else type(exc).__name__] += 1
        if not self.first_traceback:
            self.first_traceback = "".join(traceback.format_exception(exc))


SessionBody = Callable[[Load, Gathering, list[bytes]], Awaitable[None]]


class SessionFailure(Exception):
    """A session went wrong without an exception of its own: an error event, a bad turn."""


async def run_load(
    sessions: int, budget: float, session: SessionBody, load: Load, gathering: Gathering
) -> dict[str, Any]:
    """Start ``sessions`` copies of ``session(load, gathering, chunks)``; read the RSS before and
    once all are open; release them; wait for all to end."""
    import anyio

    chunks = tone_chunks()
    rss_before = vm_rss_kib()
    started = anyio.current_time()

    async def guarded() -> None:
        try:
            with anyio.fail_after(max(1.0, started + budget - anyio.current_time())):
                await session(load, gathering, chunks)
        except Exception as exc:
            load.failed(exc)

    async with anyio.create_task_group() as tasks:
        for _ in range(sessions):
            tasks.start_soon(guarded)
        await gathering.all_in.wait()
        connected = anyio.current_time()
        await anyio.sleep(SETTLE_SECONDS)
        rss_open = vm_rss_kib()
        gathering.go.set()
    wall = anyio.current_time() - started - SETTLE_SECONDS
    opened = gathering.opened
    return {
        "sessions": sessions,
        "opened": opened,
        "completed": len(load.session_ms),
        "errors": sum(load.errors.values()),
        "error_kinds": dict(load.errors.most_common(10)),
        "first_traceback": load.first_traceback,
        "turn_p50_ms": percentile(load.turn_ms, 0.5),
        "turn_p99_ms": percentile(load.turn_ms, 0.99),
        "session_p50_ms": percentile(load.session_ms, 0.5),
        "session_p99_ms": percentile(load.session_ms, 0.99),
        "connect_p50_ms": percentile(load.connect_ms, 0.5),
        "connect_p99_ms": percentile(load.connect_ms, 0.99),
        "connect_s": connected - started,
        "wall_s": wall,
        "sessions_per_s": sessions / wall if wall > 0 else None,
        "rss_before_kib": rss_before,
        "rss_open_kib": rss_open,
        "kib_per_idle_session": (rss_open - rss_before) / opened if opened else None,
    }


def run_ours(port: int, sessions: int, budget: float) -> dict[str, Any]:
    import anyio
    import realtime_anyio

    import realtime_proto as rp

    client = realtime_anyio.ConversationClient(f"ws://127.0.0.1:{port}/v1/realtime?model={MODEL}")
    options = rp.ConversationOptions(
        turn_detection=rp.NoTurnDetection(), tools=(rp.ToolDefinition(name="get_weather"),)
    )

    async def main() -> dict[str, Any]:
        load, gathering = Load(), Gathering(sessions)
        gate = anyio.Semaphore(CONNECTING)

        async def session(load: Load, gathering: Gathering, chunks: list[bytes]) -> None:
            from contextlib import AsyncExitStack

            async with AsyncExitStack() as stack:
                opened = False
                try:
                    async with gate:
                        began = anyio.current_time()
                        conversation = await stack.enter_async_context(
                            client.start_conversation(options)
                        )
                        connected = anyio.current_time()
                        opened = True
                finally:
                    gathering.arrive(opened)
                await gathering.go.wait()
                resumed = anyio.current_time()
                for chunk in chunks:
                    await conversation.send_audio(chunk)
                asked = anyio.current_time()
                await conversation.finish_turn()
                await next_turn(conversation)
                turn_ms = (anyio.current_time() - asked) * 1000
                await conversation.send_text(QUESTION)
                await conversation.generate()
                calls = (await next_turn(conversation)).tool_calls
                if not calls:
                    raise SessionFailure("no tool call in the turn")
                await conversation.send_tool_response(calls[0].call_id, TOOL_OUTPUT)
                await conversation.generate()
                await next_turn(conversation)
            closed = anyio.current_time()
            load.turn_ms.append(turn_ms)
            load.connect_ms.append((connected - began) * 1000)
            load.session_ms.append((connected - began + closed - resumed) * 1000)

        return await run_load(sessions, budget, session, load, gathering)

    return anyio.run(main, backend="asyncio")


async def next_turn(conversation: realtime_anyio.Conversation) -> rp.Turn:
    """The next finished turn; an error event or an unfinished turn is a failure."""
    import realtime_proto as rp

    while True:
        message = await conversation.receive()
        if isinstance(message, rp.ServerError):
            raise SessionFailure(f"error event {message.error.code}: {message.error.message}")
        if isinstance(message, rp.TurnFinished):
            turn = message.turn
            if turn is None or turn.status != "completed":
                raise SessionFailure(f"turn ended as {turn.status if turn else None}")
            return turn


def run_openai(port: int, sessions: int, budget: float) -> dict[str, Any]:
    import asyncio
    import base64

    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key="sk-dummy", websocket_base_url=f"ws://127.0.0.1:{port}/v1")

    async def main() -> dict[str, Any]:
        import anyio

        load, gathering = Load(), Gathering(sessions)
        gate = anyio.Semaphore(CONNECTING)

        async def session(load: Load, gathering: Gathering, chunks: list[bytes]) -> None:
            from contextlib import AsyncExitStack

            async with AsyncExitStack() as stack:
                opened = False
                try:
                    async with gate:
                        began = anyio.current_time()
                        connection = await stack.enter_async_context(
                            client.realtime.connect(model=MODEL)
                        )
                        await next_event(connection, "session.created")
                        await connection.session.update(
                            session={
                                "type": "realtime",
                                "audio": {"input": {"turn_detection": None}},
                                "tools": [
                                    {
                                        "type": "function",
                                        "name": "get_weather",
                                        "description": "",
                                        "parameters": {"type": "object", "properties": {}},
                                    }
                                ],
                            }
                        )
                        connected = anyio.current_time()
                        opened = True
                finally:
                    gathering.arrive(opened)
                await gathering.go.wait()
                resumed = anyio.current_time()
                for chunk in chunks:
                    await connection.input_audio_buffer.append(
                        audio=base64.b64encode(chunk).decode("ascii")
                    )
                asked = anyio.current_time()
                await connection.input_audio_buffer.commit()
                await connection.response.create()
                await next_event(connection, "response.done")
                turn_ms = (anyio.current_time() - asked) * 1000
                await connection.conversation.item.create(
                    item={
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": QUESTION}],
                    }
                )
                await connection.response.create()
                done = await next_event(connection, "response.done")
                output = done.response.output or []
                calls = [item.call_id for item in output if item.type == "function_call"]
                if not calls or calls[0] is None:
                    raise SessionFailure("no function_call in response.done")
                await connection.conversation.item.create(
                    item={
                        "type": "function_call_output",
                        "call_id": calls[0],
                        "output": TOOL_OUTPUT,
                    }
                )
                await connection.response.create()
                await next_event(connection, "response.done")
            closed = anyio.current_time()
            load.turn_ms.append(turn_ms)
            load.connect_ms.append((connected - began) * 1000)
            load.session_ms.append((connected - began + closed - resumed) * 1000)

        return await run_load(sessions, budget, session, load, gathering)

    return asyncio.run(main())


async def next_event(connection: AsyncRealtimeConnection, kind: str) -> Any:
    """The next event of type ``kind``; an error event or an unfinished response is a failure."""
    while True:
        event = await connection.recv()
        if event.type == "error":
            error = getattr(event, "error", None)
            raise SessionFailure(f"error event {getattr(error, 'code', None)}: {error}")
        if event.type == kind:
            status = getattr(getattr(event, "response", None), "status", "completed")
            if status != "completed":
                raise SessionFailure(f"response ended as {status}")
            return event


def run_load_client(name: str, port: int, sessions: int, seconds_limit: float) -> None:
    """Run one load client and print its figures as one JSON line."""
    raise_fd_limit(sessions + 256)
    budget = max(5.0, seconds_limit - CLOSE_MARGIN)
    figures = (run_ours if name == "ours" else run_openai)(port, sessions, budget)
    print(json.dumps(figures))


# -- the soak ----------------------------------------------------------------------------------


def run_soak(port: int, turns: int, seconds_limit: float) -> None:
    """One session of ``turns`` text turns; the traced memory's growth after the warm-up."""
    import gc
    import tracemalloc

    import anyio
    import realtime_anyio

    import realtime_proto as rp

    client = realtime_anyio.ConversationClient(
        f"ws://127.0.0.1:{port}/v1/realtime?model={MODEL}",
        limits=rp.Limits(accumulate_audio=False),
    )
    options = rp.ConversationOptions(turn_detection=rp.NoTurnDetection())
    warmup = min(WARMUP_TURNS, turns // 2)
    budget = max(5.0, seconds_limit - CLOSE_MARGIN)

    def traced() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    async def main() -> dict[str, Any]:
        done = 0
        at_warmup = at_end = rss_warmup = rss_end = 0
        error = ""
        tracemalloc.start()
        started = anyio.current_time()
        warmed = ended = started
        try:
            with anyio.move_on_after(budget):
                async with client.start_conversation(options) as conversation:
                    while done < turns:
                        await conversation.send_text(f"turn {done}")
                        await conversation.generate()
                        await next_turn(conversation)
                        done += 1
                        if done == warmup:
                            at_warmup, rss_warmup = traced(), vm_rss_kib()
                            warmed = anyio.current_time()
                    at_end, rss_end = traced(), vm_rss_kib()
                    ended = anyio.current_time()
        except Exception as exc:
            error = "".join(traceback.format_exception(exc))
        if at_end == 0:  # stopped early: measure where it stopped
            at_end, rss_end, ended = traced(), vm_rss_kib(), anyio.current_time()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        measured = done - warmup if done > warmup else 0
        return {
            "turns": turns,
            "done": done,
            "warmup": warmup,
            "growth_mib": (at_end - at_warmup) / 2**20 if measured else None,
            "growth_bytes_per_turn": (at_end - at_warmup) / measured if measured else None,
            "traced_peak_mib": peak / 2**20,
            "rss_growth_mib": (rss_end - rss_warmup) / 1024 if measured else None,
            "seconds": ended - started,
            "turns_per_s": measured / (ended - warmed) if measured and ended > warmed else None,
            "error": error,
        }

    print(json.dumps(anyio.run(main, backend="asyncio")))


# -- the parent --------------------------------------------------------------------------------


class Server:
    """The simulator server process; its stderr goes to ``log``."""

    def __init__(self, log: IO[str]) -> None:
        self.log = log
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True
        )
        self.port = int(json.loads(self.read_line())["port"])

    def read_line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulator server stopped:\n{self.stderr()}")
        return line

    def stats(self) -> dict[str, int]:
        """Connections, peak open connections and handler errors since the last call."""
        assert self.process.stdin is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self.read_line()))

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # the server exits when its stdin ends
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def summarize_log(text: str) -> dict[str, Any]:
    """A process's stderr, shortened: how many tracebacks, their last lines, the first one."""
    marker = "Traceback (most recent call last):"
    pieces = text.split(marker)
    finals: Counter[str] = Counter()
    for piece in pieces[1:]:
        lines = [line for line in piece.splitlines() if line and not line.startswith(" ")]
        if lines:
            finals[lines[-1][:200]] += 1
    first = marker + pieces[1] if len(pieces) > 1 else ""
    return {
        "tracebacks": len(pieces) - 1,
        "last_lines": dict(finals.most_common(10)),
        "first": first if len(pieces) > 1 else text[-4000:],
    }


def run_child(arguments: list[str], seconds_limit: float) -> dict[str, Any]:
    """This file in a fresh process with ``arguments``; killed after ``seconds_limit``."""
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds_limit)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr or ""
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        return {"status": f"timeout after {seconds_limit:g} s (killed)", "stderr": stderr}
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        return {"status": f"exit code {done.returncode}", "stderr": done.stderr}
    figures = json.loads(done.stdout.splitlines()[-1])
    return {"status": "ok", "process_s": elapsed, **figures, "stderr": done.stderr}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


def ratios_of(results: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """openai's figures over ours (above 1: ours is faster or smaller)."""
    ours, openai = results["ours"], results["openai"]
    return {
        "turn_p50": ratio(openai.get("turn_p50_ms"), ours.get("turn_p50_ms")),
        "turn_p99": ratio(openai.get("turn_p99_ms"), ours.get("turn_p99_ms")),
        "wall": ratio(openai.get("wall_s"), ours.get("wall_s")),
        "kib_per_idle_session": ratio(
            openai.get("kib_per_idle_session"), ours.get("kib_per_idle_session")
        ),
    }


def number(value: float | None, spec: str, width: int) -> str:
    return f"{'-' if value is None else format(value, spec):>{width}}"


def report(summary: dict[str, Any]) -> None:
    """The results as text."""
    print(f"Python {summary['python']} on {summary['platform']}")
    print(f"command: {summary['command']}")
    print(
        f"{summary['sessions']:,} concurrent sessions each: connect, 1 s of audio in "
        f"{CHUNK_MS} ms appends + finish_turn, a tool call and its answer, close; "
        f"at most {CONNECTING} connecting at once; each client in a fresh process"
    )
    print(
        f"{'client':<8}{'sessions':>9}{'open':>6}{'errors':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'wall s':>8}{'sessions/s':>11}{'KiB/idle session':>17}{'peak open':>10}"
        f"{'server errors':>14}"
    )
    for name, row in summary["results"].items():
        if "wall_s" not in row:
            print(f"{name:<8}  {row['status']}")
            continue
        print(
            f"{name:<8}{row['sessions']:>9,}{row['opened']:>6,}{row['errors']:>7,}"
            + number(row["turn_p50_ms"], ".1f", 9)
            + number(row["turn_p99_ms"], ".1f", 9)
            + number(row["wall_s"], ".2f", 8)
            + number(row["sessions_per_s"], ",.0f", 11)
            + number(row["kib_per_idle_session"], ".1f", 17)
            + number(row.get("server", {}).get("peak_open"), ",", 10)
            + number(row.get("server", {}).get("errors"), ",", 14)
        )
    print(
        "(p50/p99: the audio turn, from finish_turn to its response.done; peak open and "
        "server errors: as the simulator server counted them)"
    )
    ratios = summary["ratios"]
    print(
        "openai/ours: "
        + ", ".join(
            f"{label} {'-' if ratios[key] is None else f'{ratios[key]:.2f}x'}"
            for key, label in (
                ("turn_p50", "turn p50"),
                ("turn_p99", "turn p99"),
                ("wall", "wall"),
                ("kib_per_idle_session", "KiB per idle session"),
            )
        )
    )
    soak = summary["soak"]
    if soak.get("status") != "ok":
        print(f"soak: {soak['status']}")
    else:
        growth = soak["growth_mib"]
        verdict = "-" if growth is None else ("yes" if growth < SOAK_TARGET_MIB else "no")
        print(
            f"soak: {soak['done']:,} of {soak['turns']:,} text turns, one session, "
            f"accumulate_audio=False; traced growth after turn {soak['warmup']}: "
            + ("-" if growth is None else f"{growth:.3f} MiB")
            + " ("
            + number(soak["growth_bytes_per_turn"], ".1f", 0)
            + f" B/turn; < {SOAK_TARGET_MIB:g} MiB: {verdict}); RSS growth "
            + number(soak["rss_growth_mib"], ".1f", 0)
            + " MiB; "
            + number(soak["turns_per_s"], ",.0f", 0)
            + " turns/s under tracemalloc"
        )
    for name, row in [*summary["results"].items(), ("soak", soak)]:
        if row.get("error_kinds"):
            print(f"\n{name} errors: {json.dumps(row['error_kinds'])}")
        if row.get("first_traceback"):
            print(f"{name}, first error:\n{row['first_traceback'].rstrip()}")
        if row.get("error"):
            print(f"\n{name} error:\n{row['error'].rstrip()}")
        if row.get("stderr", "").strip():
            print(f"\n{name} ({row.get('status')}), stderr:\n{row['stderr'].rstrip()}")
    log = summary["server_log"]
    if log["tracebacks"]:
        print(f"\nsimulator server: {log['tracebacks']:,} tracebacks; their last lines:")
        for line, count in log["last_lines"].items():
            print(f"{count:>7,}  {line}")
    if log["first"].strip():
        print(f"simulator server stderr (first traceback):\n{log['first'].rstrip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--soak-turns", type=int, default=2000)
    parser.add_argument(
        "--seconds-limit", type=float, default=120.0, help="each phase's time limit"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--soak", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.client:
        run_load_client(args.client, args.port, args.sessions, args.seconds_limit)
        return
    if args.soak:
        run_soak(args.port, args.soak_turns, args.seconds_limit)
        return

    limit = args.seconds_limit
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        server = Server(log)
        try:
            for name in CLIENTS:
                arguments = ["--client", name, "--port", str(server.port)]
                arguments += ["--sessions", str(args.sessions), "--seconds-limit", str(limit)]
                results[name] = run_child(arguments, limit)
                results[name]["server"] = server.stats()
            arguments = ["--soak", "--port", str(server.port), "--seconds-limit", str(limit)]
            soak = run_child([*arguments, "--soak-turns", str(args.soak_turns)], limit)
            soak["server"] = server.stats()
        finally:
            server.stop()
        server_stderr = server.stderr()
    summary = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "command": shlex.join(["python", *sys.argv]),
        "sessions": args.sessions,
        "connecting_at_once": CONNECTING,
        "seconds_limit": limit,
        "results": results,
        "ratios": ratios_of(results),
        "soak": soak,
        "server_log": summarize_log(server_stderr),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report(summary)


if __name__ == "__main__":
    main()
