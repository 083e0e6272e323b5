"""Events per second decoding a realistic, audio-heavy server stream.

Three decoders read the same messages: our CLIENT core (WebSocket frames in 64 KiB reads,
``receive_data`` + ``next_event``, audio decoded into ``AudioDelta.audio_bytes``); the floor
(``json.loads`` and ``base64.b64decode`` of each message text, no framing); and the openai
package's own parsing (``construct_type_unchecked`` into ``RealtimeServerEvent``, as its realtime
connection does, plus the base64 decode a player needs). Prints figures and ratios; asserts
nothing.

    python benchmarks/bench_parse.py [--minutes 10] [--seed 7] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stream import open_pair, server_stream

import realtime_proto as rp
from realtime_proto._dialects import _convert

READ_SIZE = 65536


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


def best_of(
    repeat: int, run: Callable[[], tuple[int, int]], setup: Callable[[], None] | None = None
) -> tuple[float, int, int]:
    best = float("inf")
    count = audio = 0
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        count, audio = run()
        best = min(best, time.perf_counter() - start)
    return best, count, audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument(
        "--stdlib-base64",
        action="store_true",
        help="decode base64 with the standard library even if pybase64 is installed",
    )
    args = parser.parse_args()
    if args.stdlib_base64:
        _convert.b64decode = _convert._stdlib_b64decode
    base64_impl = "pybase64" if _convert.b64decode is not _convert._stdlib_b64decode else "stdlib"

    frames = server_stream(args.minutes, args.seed)
    texts = texts_of(frames)
    fresh: list[rp.Connection] = []

    def new_client() -> None:  # the handshake is not timed
        fresh[:] = [open_pair()[0]]

    runs: dict[str, Callable[[], tuple[int, int]]] = {
        "realtime_proto": lambda: run_ours(fresh[0], frames),
        "json+base64 floor": lambda: run_floor(texts),
    }
    openai_run = openai_runner()
    if openai_run is not None:
        runs["openai"] = lambda: openai_run(texts)

    results: dict[str, dict[str, float]] = {}
    expected: tuple[int, int] | None = None
    for name, run in runs.items():
        setup = new_client if name == "realtime_proto" else None
        seconds, count, audio = best_of(args.repeat, run, setup)
        if expected is None:
            expected = (count, audio)
        elif (count, audio) != expected:
            raise SystemExit(f"{name} decoded {count} events / {audio} audio bytes, not {expected}")
        results[name] = {
            "seconds": seconds,
            "events_per_second": count / seconds,
            "us_per_event": seconds / count * 1e6,
            "audio_mb_per_second": audio / seconds / 1e6,
        }
    ours = results["realtime_proto"]
    ratios = {"time_vs_floor": ours["seconds"] / results["json+base64 floor"]["seconds"]}
    if "openai" in results:
        ratios["speed_vs_openai"] = (
            ours["events_per_second"] / results["openai"]["events_per_second"]
        )
    assert expected is not None
    summary = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "base64": base64_impl,
        "minutes": args.minutes,
        "seed": args.seed,
        "events": expected[0],
        "audio_bytes": expected[1],
        "wire_bytes": len(frames),
        "results": results,
        "ratios": ratios,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"Python {summary['python']} on {summary['platform']}; base64: {base64_impl}")
    print(
        f"stream: {args.minutes:g} min (seed {args.seed}), {expected[0]} events, "
        f"{expected[1] / 1e6:.1f} MB of audio, {len(frames) / 1e6:.1f} MB on the wire"
    )
    print(f"{'decoder':<20}{'events/s':>12}{'us/event':>11}{'audio MB/s':>12}")
    for name, figures in results.items():
        print(
            f"{name:<20}{figures['events_per_second']:>12,.0f}{figures['us_per_event']:>11.2f}"
            f"{figures['audio_mb_per_second']:>12.1f}"
        )
    print(f"our time / floor time:  {ratios['time_vs_floor']:.2f}x  (target <= 1.3x)")
    if "speed_vs_openai" in ratios:
        print(f"our speed / openai's:   {ratios['speed_vs_openai']:.2f}x  (target >= 5x)")


if __name__ == "__main__":
    main()
