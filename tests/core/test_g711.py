"""G.711 A-law and mu-law conversion to and from 16-bit PCM."""

from __future__ import annotations

import bisect
import math
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from realtime_proto.audio._g711 import decode_alaw, decode_ulaw, encode_alaw, encode_ulaw

AUDIO_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
ALAW_FILES = ("audio_hello_world.wav", "audio_weather_alaw.wav")
ALL_CODES = bytes(range(256))


def read_wav(name: str) -> tuple[int, bytes]:
    """The sample rate and 16-bit PCM of a mono PCM16 or A-law WAV recording."""
    raw = (AUDIO_DIR / name).read_bytes()
    assert raw[:4] == b"RIFF"
    assert raw[8:12] == b"WAVE"
    position = 12
    code = rate = 0
    while position + 8 <= len(raw):
        chunk_id, size = struct.unpack_from("<4sI", raw, position)
        body = raw[position + 8 : position + 8 + size]
        if chunk_id == b"fmt ":
            code, channels, rate = struct.unpack_from("<HHI", body)
            assert channels == 1
        elif chunk_id == b"data":
            assert code in (1, 6)
            return rate, decode_alaw(body) if code == 6 else body
        position += 8 + size + size % 2
    raise AssertionError(f"{name} has no data chunk")


def samples(pcm16: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm16) // 2}h", pcm16))


def rms_dbfs(values: list[int]) -> float:
    return 10 * math.log10(sum(v * v for v in values) / len(values) / 32768**2)


def test_known_alaw_values() -> None:
    assert samples(decode_alaw(b"\xd5\x55")) == [8, -8]
    assert samples(decode_alaw(b"\xaa\x2a")) == [32256, -32256]
    assert encode_alaw(struct.pack("<3h", 0, 32767, -32768)) == b"\xd5\xaa\x2a"


def test_known_ulaw_values() -> None:
    assert samples(decode_ulaw(b"\xff\x7f\x80\x00")) == [0, 0, 32124, -32124]
    assert encode_ulaw(struct.pack("<3h", 0, 32767, -32768)) == b"\xff\x80\x00"


def test_decoding_is_odd_symmetric_and_monotonic() -> None:
    alaw = samples(decode_alaw(ALL_CODES))
    ulaw = samples(decode_ulaw(ALL_CODES))
    # A-law flips its sign bit; mu-law's negative codes mirror the positive ones.
    assert all(alaw[code] == -alaw[code ^ 0x80] for code in range(256))
    assert all(ulaw[code] == -ulaw[code ^ 0x80] for code in range(256))
    positive_alaw = sorted(range(0x80, 0x100), key=lambda code: code ^ 0x55)
    assert [alaw[code] for code in positive_alaw] == sorted(alaw[0x80:])
    assert len(set(alaw)) == 256
    assert len(set(ulaw)) == 255  # +0 and -0 are one sample
    assert [ulaw[code] for code in range(0xFF, 0x7F, -1)] == sorted(ulaw[0x80:])


def test_alaw_round_trips_every_code() -> None:
    assert encode_alaw(decode_alaw(ALL_CODES)) == ALL_CODES


def test_ulaw_round_trips_every_code_but_negative_zero() -> None:
    expected = ALL_CODES.replace(b"\x7f", b"\xff")  # -0 decodes to 0, which encodes as +0
    assert encode_ulaw(decode_ulaw(ALL_CODES)) == expected
    assert encode_ulaw(decode_ulaw(b"\x7f")) == b"\xff"


@pytest.mark.parametrize(
    ("encode", "decode"), [(encode_alaw, decode_alaw), (encode_ulaw, decode_ulaw)]
)
def test_encoding_picks_a_level_next_to_the_sample(
    encode: Callable[[bytes], bytes], decode: Callable[[bytes], bytes]
) -> None:
    every_sample = range(-32768, 32768)
    levels = sorted(set(samples(decode(ALL_CODES))))
    decoded = samples(decode(encode(struct.pack(f"<{len(every_sample)}h", *every_sample))))
    for sample, level in zip(every_sample, decoded, strict=True):
        above = bisect.bisect_left(levels, sample)
        # One of the two levels around the sample (the extreme one beyond the range).
        assert level in levels[max(0, above - 1) : above + 1], sample


def test_encoding_refuses_half_a_sample() -> None:
    with pytest.raises(ValueError, match="even"):
        encode_alaw(b"\x00\x00\x00")
    with pytest.raises(ValueError, match="even"):
        encode_ulaw(b"\x00")


def test_empty_input() -> None:
    assert decode_alaw(b"") == decode_ulaw(b"") == b""
    assert encode_alaw(b"") == encode_ulaw(b"") == b""


@pytest.mark.parametrize("name", ALAW_FILES)
def test_the_alaw_recordings_decode_to_speech(name: str) -> None:
    rate, pcm = read_wav(name)
    assert rate == 8000
    values = samples(pcm)
    assert 1.5 < len(values) / rate < 4
    level = rms_dbfs(values)
    assert -45 < level < -10  # a voice, neither silence nor noise at full scale
    assert max(map(abs, values)) < 32256  # not clipped
    # The first 20 ms is quiet, louder parts carry the speech.
    assert rms_dbfs(values[:160]) < level - 15
    assert sum(values) / len(values) == pytest.approx(0, abs=200)  # no DC offset
