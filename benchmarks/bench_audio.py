"""Audio conversion speed, as a multiple of real time, with and without the ``audio`` extra.

Converts seeded synthetic minutes of the usual inputs (44.1 kHz stereo PCM16, 22.05 kHz mono,
8 kHz G.711 A-law, 48 kHz float32) to the session formats, once with the pure-Python
resampler and once with libsoxr, and prints how many seconds of audio each converts per
second of CPU. Prints figures; asserts nothing.

    python benchmarks/bench_audio.py [--seconds 60] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import platform
import random
import struct
import sys
import time
from typing import Any

import realtime_proto as rp
from realtime_proto.audio import AudioChunker, WavAudio, read_wav
from realtime_proto.audio._g711 import encode_alaw

# numpy is switched off for the pure-Python runs, as it would be without the extra
_extras: Any = importlib.import_module("realtime_proto.audio._extras")

HAVE_SOXR = _extras.soxr() is not None


def speech_like(rate: int, seconds: float, seed: int) -> list[float]:
    """A voiced buzz in syllables with some noise: like speech to a resampler."""
    rng = random.Random(seed)
    count = int(rate * seconds)
    out = []
    for n in range(count):
        t = n / rate
        envelope = 0.5 + 0.5 * math.sin(2 * math.pi * 3.7 * t)
        voice = sum(math.sin(2 * math.pi * 130 * k * t) / k for k in range(1, 8))
        out.append(0.25 * envelope * voice + 0.01 * rng.uniform(-1, 1))
    return out


def wav_of(name: str, seconds: float, seed: int) -> bytes:
    if name == "PCM16 44.1 kHz stereo":
        mono = speech_like(44_100, seconds, seed)
        frames = struct.pack(f"<{2 * len(mono)}h", *(int(v * 32767) for v in mono for _ in (0, 1)))
        return _wav(1, 2, 44_100, 16, frames)
    if name == "PCM16 22.05 kHz mono":
        mono = speech_like(22_050, seconds, seed)
        return _wav(
            1, 1, 22_050, 16, struct.pack(f"<{len(mono)}h", *(int(v * 32767) for v in mono))
        )
    if name == "G.711 A-law 8 kHz":
        mono = speech_like(8_000, seconds, seed)
        pcm = struct.pack(f"<{len(mono)}h", *(int(v * 32767) for v in mono))
        return _wav(6, 1, 8_000, 8, encode_alaw(pcm))
    mono = speech_like(48_000, seconds, seed)
    return _wav(3, 1, 48_000, 32, struct.pack(f"<{len(mono)}f", *mono))


def _wav(code: int, channels: int, rate: int, bits: int, data: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * channels * bits // 8, 0, bits)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


INPUTS = (
    "PCM16 44.1 kHz stereo",
    "PCM16 22.05 kHz mono",
    "G.711 A-law 8 kHz",
    "float32 48 kHz mono",
)
TARGETS = (rp.AudioFormat.PCM16, rp.AudioFormat.G711_ULAW)


def measure(data: bytes, target: rp.AudioFormat, use_soxr: bool, repeat: int) -> float:
    """Seconds of audio converted per second of CPU (best of ``repeat``), streamed in 100 ms
    pieces as ``send_audio`` does."""
    wav = read_wav(data)
    best = math.inf
    vectorised = _extras.numpy
    if not use_soxr:
        _extras.numpy = lambda: None  # without the extra there is no numpy either
    try:
        for _ in range(repeat):
            best = min(best, _convert_once(data, wav, target, use_soxr))
    finally:
        _extras.numpy = vectorised
    return wav.duration_ms / 1000 / best


def _convert_once(data: bytes, wav: WavAudio, target: rp.AudioFormat, use_soxr: bool) -> float:
    started = time.process_time()
    chunker = AudioChunker(target, use_soxr=use_soxr)
    piece = max(1, int(wav.format.sample_rate * wav.format.frame_size / 10))
    for offset in range(0, len(data), piece):
        chunker.feed(data[offset : offset + piece])
    chunker.finish()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="audio per input")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args()
    engines = [("no extra (pure Python)", False)]
    engines += [("audio extra (libsoxr)", True)] if HAVE_SOXR else []
    results: list[dict[str, Any]] = []
    for name in INPUTS:
        data = wav_of(name, args.seconds, args.seed)
        for target in TARGETS:
            for engine, use_soxr in engines:
                speed = measure(data, target, use_soxr, args.repeat)
                results.append(
                    {"input": name, "target": target.value, "engine": engine, "x_realtime": speed}
                )
    if args.json:
        print(json.dumps({"seconds": args.seconds, "results": results}, indent=2))
        return
    print(f"Python {platform.python_version()} on {platform.platform()}")
    print("command: python " + " ".join(sys.argv))
    print(f"{args.seconds:g} s of audio per input, best of {args.repeat}, CPU time")
    print(f"{'input':24} {'to':10} {'engine':24} {'x real time':>12}")
    for row in results:
        print(
            f"{row['input']:24} {row['target']:10} {row['engine']:24} {row['x_realtime']:>12,.0f}"
        )
    if not HAVE_SOXR:
        print("(libsoxr is not installed: pip install 'realtime-proto[audio]')")


if __name__ == "__main__":
    main()
