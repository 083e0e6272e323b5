"""Events per second decoding a realistic, audio-heavy server stream.

Three decoders read the same messages: our CLIENT core (WebSocket frames in 64 KiB reads,
``receive_data`` + ``next_event``, audio decoded into ``AudioDelta.audio_bytes``); the floor
(``json.loads`` and ``base64.b64decode`` of each message text, no framing); and the openai
package's own parsing (``construct_type_unchecked`` into ``RealtimeServerEvent``, as its realtime
connection does, plus the base64 decode a player needs). Our core is measured twice: with the
"speedups" extra (``pybase64`` and ``orjson``) if it is installed, and with the standard library
alone, in a child process that blocks both (``sys.modules["pybase64"] = None``) before it imports
``realtime_proto``, as if the extra were absent. Prints figures and ratios; asserts nothing.

    python benchmarks/bench_parse.py [--minutes 10] [--seed 7] [--repeat 5] [--json]
    python benchmarks/bench_parse.py --no-speedups  # everything as if the extra were absent
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stream import open_pair, server_stream

import realtime_proto as rp
from realtime_proto import _codec
from realtime_proto._dialects import _convert

READ_SIZE = 65536
FLOOR_TARGET = 0.6  # our time over the floor's, with speedups: at most
OPENAI_TARGET = 5.0  # the openai package's time over ours: at least


def texts_of(frames: bytes) -> list[str]:
    """The message texts, for the decoders that do no framing."""
    client, _ = open_pair()
    client.receive_data(frames)
    texts = []
    while (event := client.next_event()) is not rp.NEED_DATA:
        if isinstance(event, rp.Event) and event.raw:
            texts.append(event.raw)
    return texts


def run_ours(client: rp.Connection, frames: bytes) -> tuple[int, int]:
    view = memoryview(frames)
    count = audio = 0
    for offset in range(0, len(frames), READ_SIZE):
        client.receive_data(bytes(view[offset : offset + READ_SIZE]))
        while (event := client.next_event()) is not rp.NEED_DATA:
            count += 1
            if type(event) is rp.AudioDelta:
                audio += len(event.audio_bytes)
    return count, audio


def run_floor(texts: list[str]) -> tuple[int, int]:
    audio = 0
    for text in texts:
        message = json.loads(text)
        if message["type"] == "response.output_audio.delta":
            audio += len(base64.b64decode(message["delta"]))
    return len(texts), audio


def openai_runner() -> Callable[[list[str]], tuple[int, int]] | None:
    try:
        from openai._models import construct_type_unchecked
        from openai.types.realtime import RealtimeServerEvent
    except ImportError:
        return None

    def run(texts: list[str]) -> tuple[int, int]:
        audio = 0
        for text in texts:
            event: Any = construct_type_unchecked(
                value=json.loads(text), type_=cast(Any, RealtimeServerEvent)
            )
            if event.type == "response.output_audio.delta":
                audio += len(base64.b64decode(event.delta))
        return len(texts), audio

    return run


Run = Callable[[], tuple[int, int]]


def best_of(
    repeat: int, runs: dict[str, tuple[Run, Callable[[], None] | None]]
) -> dict[str, tuple[float, int, int]]:
    """Each decoder's best time, count and audio bytes over ``repeat`` rounds. The decoders
    take turns within each round, so a slow spell of the machine hits them alike."""
    best = {name: (float("inf"), 0, 0) for name in runs}
    for _ in range(repeat):
        for name, (run, setup) in runs.items():
            if setup is not None:
                setup()
            start = time.perf_counter()
            count, audio = run()
            best[name] = (min(best[name][0], time.perf_counter() - start), count, audio)
    return best


def uses_speedups() -> bool:
    """Whether our core decodes with the "speedups" extra (``pybase64`` and ``orjson``) here."""
    return (
        _convert.b64decode is not _convert._stdlib_b64decode
        and _codec._decode is not _codec._decode_stdlib
    )


def ours_name(speedups: bool) -> str:
    return f"realtime_proto ({'speedups' if speedups else 'stdlib'})"


def figures_of(seconds: float, count: int, audio: int) -> dict[str, float]:
    return {
        "seconds": seconds,
        "events_per_second": count / seconds,
        "us_per_event": seconds / count * 1e6,
        "audio_mb_per_second": audio / seconds / 1e6,
    }


def ours(frames: bytes) -> tuple[Run, Callable[[], None]]:
    """Our core's run, and its setup: a fresh client each time (the handshake is not timed)."""
    fresh: list[rp.Connection] = []

    def new_client() -> None:
        fresh[:] = [open_pair()[0]]

    return (lambda: run_ours(fresh[0], frames)), new_client


def measure_ours(frames: bytes, repeat: int) -> tuple[float, int, int]:
    """Our core's best time over ``repeat`` fresh clients."""
    return best_of(repeat, {"ours": ours(frames)})["ours"]


# Run with ``python -c``: the script, with the extra's modules unimportable, as if it were absent.
WITHOUT_SPEEDUPS = (
    "import runpy, sys; sys.modules['pybase64'] = sys.modules['orjson'] = None; del sys.argv[0]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def without_speedups(arguments: list[str]) -> list[str]:
    """The command running this script with ``arguments`` and the extra's modules blocked."""
    return [sys.executable, "-c", WITHOUT_SPEEDUPS, str(Path(__file__).resolve()), *arguments]


def measure_ours_without_speedups(args: argparse.Namespace) -> dict[str, Any]:
    """Our core's best time, count and audio bytes, measured in a child without the extra."""
    arguments = ["--ours-only", "--minutes", str(args.minutes), "--seed", str(args.seed)]
    done = subprocess.run(
        without_speedups([*arguments, "--repeat", str(args.repeat)]),
        capture_output=True,
        text=True,
        check=True,
    )
    child: dict[str, Any] = json.loads(done.stdout)
    if child["speedups"]:
        raise SystemExit("the child process still decodes with the speedups")
    return child


def ratios_of(results: dict[str, dict[str, float]]) -> dict[str, dict[str, float | None]]:
    """For our core with and without speedups: its time over the floor's, openai's over its."""
    floor, openai = results["json+base64 floor"], results.get("openai")
    ratios: dict[str, dict[str, float | None]] = {}
    for speedups in (True, False):
        ours = results.get(ours_name(speedups))
        ratios["speedups" if speedups else "stdlib"] = {
            "ours_over_floor": ours["seconds"] / floor["seconds"] if ours else None,
            "openai_over_ours": openai["seconds"] / ours["seconds"] if ours and openai else None,
        }
    return ratios


def met(ratio: float | None, target: float, at_most: bool) -> bool | None:
    """Whether ``ratio`` is at most (or at least) ``target``; ``None`` without a ratio."""
    if ratio is None:
        return None
    return ratio <= target if at_most else ratio >= target


def goals_of(ratios: dict[str, dict[str, float | None]]) -> dict[str, dict[str, bool | None]]:
    """Whether each ratio meets its target: the floor's with speedups only, openai's both ways."""
    fast, slow = ratios["speedups"], ratios["stdlib"]
    return {
        "speedups": {
            "ours_over_floor": met(fast["ours_over_floor"], FLOOR_TARGET, at_most=True),
            "openai_over_ours": met(fast["openai_over_ours"], OPENAI_TARGET, at_most=False),
        },
        "stdlib": {
            "openai_over_ours": met(slow["openai_over_ours"], OPENAI_TARGET, at_most=False),
        },
    }


def cell(summary: dict[str, Any], base64_by: str, ratio: str) -> str:
    """A ratio and, when it has a target, ``pass`` or ``miss``."""
    value = summary["ratios"][base64_by][ratio]
    if value is None:
        return "-"
    mark = summary["goals"][base64_by].get(ratio)
    return f"{value:.2f}x" + {True: " pass", False: " miss", None: ""}[mark]


def report(summary: dict[str, Any]) -> None:
    """The results as text."""
    events, audio, wire = summary["events"], summary["audio_bytes"], summary["wire_bytes"]
    print(f"Python {summary['python']} on {summary['platform']}")
    print(
        f"stream: {summary['minutes']:g} min (seed {summary['seed']}), {events} events, "
        f"{audio / 1e6:.1f} MB of audio, {wire / 1e6:.1f} MB on the wire; best of "
        f"{summary['repeat']}"
    )
    print(f"{'decoder':<28}{'events/s':>12}{'us/event':>11}{'audio MB/s':>12}")
    for name, figures in summary["results"].items():
        print(
            f"{name:<28}{figures['events_per_second']:>12,.0f}{figures['us_per_event']:>11.2f}"
            f"{figures['audio_mb_per_second']:>12.1f}"
        )
    print(f"\n{'ratio':<28}{'with speedups':>16}{'stdlib only':>16}  target")
    for ratio, label, target in (
        ("ours_over_floor", "our time / floor time", f"<= {FLOOR_TARGET:g}x, with speedups"),
        ("openai_over_ours", "openai time / our time", f">= {OPENAI_TARGET:g}x"),
    ):
        fast, slow = cell(summary, "speedups", ratio), cell(summary, "stdlib", ratio)
        print(f"{label:<28}{fast:>16}{slow:>16}  {target}")
    if not summary["speedups"]:
        print("(no speedups here, not installed or blocked by --no-speedups: no speedups figure)")


def print_ours_only(args: argparse.Namespace) -> None:
    """The child's part: our core alone, as one JSON line."""
    seconds, count, audio = measure_ours(server_stream(args.minutes, args.seed), args.repeat)
    child = {"speedups": uses_speedups(), "seconds": seconds, "count": count, "audio": audio}
    print(json.dumps(child))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument(
        "--no-speedups",
        action="store_true",
        help="run everything as if the extra were absent (by default our core runs both ways)",
    )
    parser.add_argument("--ours-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_speedups and uses_speedups():
        arguments = [argument for argument in sys.argv[1:] if argument != "--no-speedups"]
        raise SystemExit(subprocess.run(without_speedups(arguments)).returncode)
    if args.ours_only:
        print_ours_only(args)
        return

    speedups = uses_speedups()
    frames = server_stream(args.minutes, args.seed)
    texts = texts_of(frames)
    runs: dict[str, tuple[Run, Callable[[], None] | None]] = {
        ours_name(speedups): ours(frames),
        "json+base64 floor": (lambda: run_floor(texts), None),
    }
    openai_run = openai_runner()
    if openai_run is not None:
        runs["openai"] = (lambda: openai_run(texts)), None
    best = best_of(args.repeat, runs)
    expected = best[ours_name(speedups)][1:]
    results = {}
    for name, (seconds, count, audio) in best.items():
        if (count, audio) != expected:
            raise SystemExit(f"{name} decoded {count} events / {audio} audio bytes, not {expected}")
        results[name] = figures_of(seconds, count, audio)
    if speedups:
        child = measure_ours_without_speedups(args)
        if (child["count"], child["audio"]) != expected:
            raise SystemExit(f"without speedups: {child['count']} events, not {expected}")
        results[ours_name(False)] = figures_of(child["seconds"], *expected)
    ratios = ratios_of(results)
    summary = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "speedups": speedups,
        "minutes": args.minutes,
        "seed": args.seed,
        "repeat": args.repeat,
        "events": expected[0],
        "audio_bytes": expected[1],
        "wire_bytes": len(frames),
        "results": results,
        "ratios": ratios,
        "goals": goals_of(ratios),
        "targets": {"ours_over_floor": FLOOR_TARGET, "openai_over_ours": OPENAI_TARGET},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        report(summary)


if __name__ == "__main__":
    main()
