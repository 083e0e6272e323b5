"""Audio: WAV reading and writing, conversion to the session formats, resampling quality."""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import random
import struct
import wave
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
import realtime_proto.audio._extras as extras
from realtime_proto.audio import (
    AudioChunker,
    AudioConverter,
    WavError,
    WavFormat,
    bytes_for_ms,
    chunk_size_for,
    duration_ms,
    is_wav,
    read_wav,
    samples_for_ms,
    to_session_format,
    wav_bytes,
)
from realtime_proto.audio._g711 import decode_alaw, decode_ulaw, encode_alaw, encode_ulaw
from realtime_proto.audio._resample import PolyphaseResampler, new_resampler
from tests.helpers import split_at

AUDIO_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
RECORDINGS = sorted(AUDIO_DIR.glob("*.wav"))
ENGINES = [False, True]  # pure Python, then libsoxr


def samples(pcm16: bytes) -> array[int]:
    values = array("h")
    values.frombytes(pcm16)
    return values


def rms(values: array[int]) -> float:
    return math.sqrt(sum(v * v for v in values) / max(1, len(values)))


def sine(hz: float, rate: int, seconds: float = 1.0, amplitude: float = 10_000) -> bytes:
    count = int(rate * seconds)
    return struct.pack(
        f"<{count}h",
        *(int(amplitude * math.sin(2 * math.pi * hz * n / rate)) for n in range(count)),
    )


def frequency(pcm16: bytes, rate: int) -> float:
    values = samples(pcm16)
    crossings = sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
    return crossings / 2 / (len(values) / rate)


def make_wav(code: int, channels: int, rate: int, bits: int, data: bytes, *extra: bytes) -> bytes:
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * channels * bits // 8, 0, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"".join(extra)
    body += b"data" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- the recordings -------------------------------------------------------------------------


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("use_soxr", ENGINES, ids=["pure", "soxr"])
def test_every_recording_converts_to_pcm16_24k_mono(path: Path, use_soxr: bool) -> None:
    wav = read_wav(path.read_bytes())
    assert not wav.truncated
    converted = to_session_format(wav, rp.AudioFormat.PCM16, use_soxr=use_soxr)
    source_frames = len(wav.data) // wav.format.frame_size
    expected = source_frames * 24_000 / wav.format.sample_rate
    assert abs(len(converted) / 2 - expected) <= 1  # within one sample of the source duration
    native = samples(AudioConverter(wav.format, rp.AudioFormat.PCM16).to_pcm16_mono(wav.data))
    level = rms(samples(converted))
    assert 100 < level < 10_000  # speech, not silence or clipping
    assert abs(20 * math.log10(level / rms(native))) < 0.5  # the level is kept


@pytest.mark.parametrize("target", [rp.AudioFormat.G711_ALAW, rp.AudioFormat.G711_ULAW])
def test_recordings_convert_to_g711(target: rp.AudioFormat) -> None:
    for path in RECORDINGS:
        wav = read_wav(path.read_bytes())
        converted = to_session_format(wav, target)
        assert abs(len(converted) - wav.duration_ms * 8) <= 1  # 8 kHz, one byte a sample


# -- G.711 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "decode"), [(encode_alaw, decode_alaw), (encode_ulaw, decode_ulaw)]
)
def test_g711_round_trip_is_within_the_codec_error(encode: object, decode: object) -> None:
    everything = array("h", range(-32768, 32768)).tobytes()
    back = samples(decode(encode(everything)))  # type: ignore[operator]
    for original, restored in zip(range(-32768, 32768), back, strict=True):
        # a logarithmic codec: the error grows with the magnitude, 1/32 of it plus one step
        assert abs(restored - original) <= abs(original) / 32 + 132, original


# -- resampling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_rate", "to_rate"), [(8_000, 24_000), (22_050, 24_000), (48_000, 24_000), (24_000, 8_000)]
)
@pytest.mark.parametrize("use_soxr", ENGINES, ids=["pure", "soxr"])
def test_resampling_keeps_the_frequency(from_rate: int, to_rate: int, use_soxr: bool) -> None:
    resampler = new_resampler(from_rate, to_rate, use_soxr=use_soxr)
    out = resampler.process(sine(440, from_rate)) + resampler.finish()
    assert abs(len(out) / 2 - to_rate) <= 1
    assert frequency(out, to_rate) == pytest.approx(440, abs=2)


@pytest.mark.parametrize(
    ("from_rate", "to_rate", "hz"), [(24_000, 8_000, 5_000), (48_000, 24_000, 14_000)]
)
def test_aliasing_is_60_db_down(from_rate: int, to_rate: int, hz: int) -> None:
    resampler = PolyphaseResampler(from_rate, to_rate)
    source = sine(hz, from_rate)  # above the new Nyquist frequency: it must vanish
    out = samples(resampler.process(source) + resampler.finish())
    inside = out[len(out) // 10 : -len(out) // 10]
    assert 20 * math.log10(max(rms(inside), 1e-9) / rms(samples(source))) < -60


def test_equal_rates_pass_through() -> None:
    resampler = new_resampler(24_000, 24_000)
    assert resampler.process(b"\x01\x02") == b"\x01\x02"
    assert resampler.finish() == b""
    with pytest.raises(ValueError, match="positive"):
        PolyphaseResampler(0, 8_000)


@settings(max_examples=max(60, settings.default.max_examples // 5), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4_000), max_size=6))
def test_streaming_resampling_does_not_depend_on_the_pieces(cuts: list[int]) -> None:
    data = sine(300, 8_000, 0.25)
    whole = PolyphaseResampler(8_000, 24_000)
    expected = whole.process(data) + whole.finish()
    pieces = PolyphaseResampler(8_000, 24_000)
    got = b"".join(pieces.process(piece) for piece in split_at(data, cuts)) + pieces.finish()
    assert got == expected


# -- WAV reading -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "bits", "sample", "expected"),
    [
        (1, 8, b"\xc0", 0x4000),  # unsigned 8-bit: 128 is zero
        (1, 16, struct.pack("<h", -1234), -1234),
        (1, 24, b"\x00\x34\x12", 0x1234),
        (1, 32, b"\x00\x00\x34\x12", 0x1234),
        (3, 32, struct.pack("<f", 0.5), 16383),
        (3, 64, struct.pack("<d", -2.0), -32767),  # clipped
        (6, 8, b"\xd5", 8),
        (7, 8, b"\x80", 32124),
    ],
)
def test_every_encoding_decodes(code: int, bits: int, sample: bytes, expected: int) -> None:
    wav = read_wav(make_wav(code, 1, 8_000, bits, sample * 8))
    converter = AudioConverter(wav.format, rp.AudioFormat.PCM16)
    assert list(samples(converter.to_pcm16_mono(wav.data))) == [expected] * 8


def test_stereo_is_downmixed_and_chunks_are_skipped() -> None:
    frames = struct.pack("<4h", 1000, 3000, -2000, 0) * 100
    fact = b"fact" + struct.pack("<I", 4) + b"\x00" * 4
    odd = b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # odd size, padded
    wav = read_wav(make_wav(1, 2, 24_000, 16, frames, fact, odd))
    assert wav.format == WavFormat(encoding="pcm", channels=2, sample_rate=24_000, bits=16)
    mono = to_session_format(wav)
    assert list(samples(mono))[:4] == [2000, -1000, 2000, -1000]


def test_extensible_format() -> None:
    ext = struct.pack("<HHIIHH", 0xFFFE, 1, 24_000, 48_000, 2, 16)
    ext += struct.pack("<HHI", 22, 16, 4) + struct.pack("<H", 1) + b"\x00" * 14
    data = b"\x01\x00" * 10
    body = b"WAVEfmt " + struct.pack("<I", len(ext)) + ext + b"data" + struct.pack("<I", 20) + data
    wav = read_wav(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert wav.format.session_format() is rp.AudioFormat.PCM16


def test_a_truncated_data_chunk_keeps_whole_frames() -> None:
    full = make_wav(1, 2, 8_000, 16, b"\x01\x00\x02\x00" * 10)
    wav = read_wav(full[:-7])
    assert wav.truncated
    assert len(wav.data) == 4 * 8  # 8 whole frames of the 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ended before"),
        (b"RIFX\x00\x00\x00\x00WAVE", "no RIFF/WAVE"),
        (b"OggS", "no RIFF header"),
        (make_wav(2, 1, 8_000, 4, b"\x00"), "format code 2"),
        (make_wav(1, 0, 8_000, 16, b"\x00"), "channel count 0"),
        (make_wav(1, 1, 10, 16, b"\x00"), "sample rate 10"),
        (make_wav(1, 1, 8_000, 12, b"\x00"), "12-bit pcm"),
        (make_wav(3, 1, 8_000, 16, b"\x00"), "16-bit float"),
    ],
)
def test_unreadable_wavs_are_typed_errors(data: bytes, message: str) -> None:
    with pytest.raises(WavError, match=message):
        read_wav(data)


@given(st.binary(max_size=200))
def test_the_reader_raises_only_its_typed_error(data: bytes) -> None:
    with contextlib.suppress(WavError):
        read_wav(data)


@given(st.binary(max_size=64), st.integers(min_value=0, max_value=60))
def test_the_reader_survives_damaged_headers(noise: bytes, at: int) -> None:
    good = make_wav(1, 1, 8_000, 16, b"\x01\x00" * 20)
    damaged = good[:at] + noise + good[at + len(noise) :]
    try:
        wav = read_wav(damaged)
    except WavError:
        return
    to_session_format(wav)  # whatever it read, it can convert


# -- WAV writing and chunking --------------------------------------------------------------------


@pytest.mark.parametrize("audio_format", list(rp.AudioFormat))
def test_written_wavs_read_back(audio_format: rp.AudioFormat) -> None:
    audio = bytes(range(256)) * 3 + b"\x01"  # an odd length is padded in the file
    data = wav_bytes(audio, audio_format)
    wav = read_wav(data)
    assert wav.format.session_format() is audio_format
    frame = audio_format.bytes_per_sample
    assert wav.data == audio[: len(audio) // frame * frame]


def test_written_pcm16_plays_in_the_standard_library() -> None:
    with wave.open(io.BytesIO(wav_bytes(b"\x00\x01" * 2400, rp.AudioFormat.PCM16))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24_000)
        assert wav.getnframes() == 2400


@given(st.binary(max_size=5_000), st.integers(min_value=10, max_value=300))
def test_chunking_and_rejoining_is_lossless(audio: bytes, chunk_ms: int) -> None:
    chunker = AudioChunker(rp.AudioFormat.G711_ULAW, chunk_ms=chunk_ms)
    chunks = chunker.feed(audio) + chunker.finish()
    assert b"".join(chunks) == audio
    assert all(len(c) == chunk_size_for(rp.AudioFormat.G711_ULAW, chunk_ms) for c in chunks[:-1])


def test_duration_math() -> None:
    assert duration_ms(48_000, rp.AudioFormat.PCM16) == 1000
    assert duration_ms(800, rp.AudioFormat.G711_ALAW) == 100
    assert bytes_for_ms(20, rp.AudioFormat.PCM16) == 960
    assert bytes_for_ms(20, rp.AudioFormat.G711_ULAW) == 160
    assert samples_for_ms(1500, 24_000) == 36_000
    assert is_wav(wav_bytes(b"", rp.AudioFormat.PCM16))
    assert not is_wav(b"RIFF")


@pytest.mark.parametrize(
    ("code", "channels", "bits"), [(3, 1, 32), (3, 2, 64), (1, 1, 8), (1, 3, 16), (1, 2, 24)]
)
def test_the_vectorised_and_the_pure_paths_agree(
    code: int, channels: int, bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(code * 100 + channels * 10 + bits)
    if code == 3:
        values = [rng.uniform(-1.2, 1.2) for _ in range(channels * 500)]
        data = struct.pack(f"<{len(values)}{'f' if bits == 32 else 'd'}", *values)
    else:
        data = rng.randbytes(channels * bits // 8 * 500)
    wav = read_wav(make_wav(code, channels, 24_000, bits, data))
    fast = AudioConverter(wav.format, rp.AudioFormat.PCM16).to_pcm16_mono(wav.data)
    monkeypatch.setattr(extras, "numpy", lambda: None)
    pure = AudioConverter(wav.format, rp.AudioFormat.PCM16).to_pcm16_mono(wav.data)
    assert fast == pure
