"""Cutting input audio streams into appends, with and without a WAV header."""

from __future__ import annotations

import io
import struct
import wave

import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.audio import AudioChunker, WavError, chunk_size_for
from tests.helpers import split_at


def wav_bytes(samples: bytes, *, rate: int = 24_000, width: int = 2, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(samples)
    return out.getvalue()


def chunks_of(chunker: AudioChunker, pieces: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    for piece in pieces:
        out += chunker.feed(piece)
    return out + chunker.finish()


def test_chunk_sizes() -> None:
    assert chunk_size_for(rp.AudioFormat.PCM16) == 4800
    assert chunk_size_for(rp.AudioFormat.G711_ULAW) == 800
    assert chunk_size_for(rp.AudioFormat.PCM16, 20) == 960
    with pytest.raises(ValueError, match="whole samples"):
        AudioChunker(rp.AudioFormat.PCM16, chunk_size=3)


def test_raw_audio_is_recut() -> None:
    audio = bytes(range(256)) * 50
    chunks = chunks_of(AudioChunker(rp.AudioFormat.PCM16), [audio[:10], audio[10:]])
    assert b"".join(chunks) == audio
    assert [len(c) for c in chunks] == [4800, 4800, 3200]


def test_a_wav_header_is_removed() -> None:
    samples = b"\x10\x00" * 7000
    chunks = chunks_of(AudioChunker(rp.AudioFormat.PCM16), [wav_bytes(samples)])
    assert b"".join(chunks) == samples


@given(st.lists(st.integers(min_value=0, max_value=20_000), max_size=8))
def test_any_split_gives_the_same_chunks(cuts: list[int]) -> None:
    data = wav_bytes(bytes(range(200)) * 60)
    whole = chunks_of(AudioChunker(rp.AudioFormat.PCM16), [data])
    assert chunks_of(AudioChunker(rp.AudioFormat.PCM16), split_at(data, cuts)) == whole


def test_g711_wav() -> None:
    header = b"RIFF" + struct.pack("<I", 0) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 6, 1, 8000, 8000, 1, 8)
    data = b"data" + struct.pack("<I", 4) + b"\xd5\xd5\xd5\xd5"
    chunks = chunks_of(AudioChunker(rp.AudioFormat.G711_ALAW), [header + fmt + data])
    assert chunks == [b"\xd5\xd5\xd5\xd5"]


def test_extensible_format_and_metadata_chunks() -> None:
    header = b"RIFF" + struct.pack("<I", 0) + b"WAVE"
    extension = struct.pack("<HHI", 22, 16, 4) + struct.pack("<H", 1) + b"\x00" * 14
    fmt_body = struct.pack("<HHIIHH", 0xFFFE, 1, 24_000, 48_000, 2, 16) + extension
    fmt = b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body
    odd = b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # padded to an even size
    data = b"data" + struct.pack("<I", 4) + b"\x01\x02\x03\x04" + b"tail"
    chunks = chunks_of(AudioChunker(rp.AudioFormat.PCM16), [header + fmt + odd + data])
    assert chunks == [b"\x01\x02\x03\x04"]  # what follows the data chunk is not audio


def test_a_streamed_wav_runs_to_the_end() -> None:
    header = b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 24_000, 48_000, 2, 16)
    data = b"data" + struct.pack("<I", 0xFFFFFFFF) + b"\x01\x00" * 3000
    chunks = chunks_of(AudioChunker(rp.AudioFormat.PCM16), [header + fmt + data])
    assert sum(map(len, chunks)) == 6000


@pytest.mark.parametrize(
    ("wav", "milliseconds"),
    [
        (wav_bytes(b"\x10\x00" * 2205, rate=22_050), 100),
        (wav_bytes(b"\x10\x00\x20\x00" * 2400, channels=2), 100),
        (wav_bytes(b"\x90" * 800, width=1, rate=8_000), 100),
    ],
)
def test_a_wav_in_another_format_is_converted(wav: bytes, milliseconds: int) -> None:
    told: list[str] = []
    chunker = AudioChunker(rp.AudioFormat.PCM16, on_conversion=told.append)
    audio = b"".join(chunks_of(chunker, [wav[:7], wav[7:100], wav[100:]]))
    assert len(audio) == 48 * milliseconds  # 24 kHz mono PCM16, to the sample
    assert len(told) == 1
    assert "converting the WAV's" in told[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"RIFF\x00\x00\x00\x00WAVE" + b"data\x02\x00\x00\x00ab", "before any 'fmt '"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt \x04\x00\x00\x00abcd", "shorter than 16 bytes"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "ended before"),
        (b"RIFF\x00\x00\x00\x00WAVE" + b"JUNK\x00\x00\x20\x00" + b"\x00" * 0x200000, "1 MiB"),
    ],
)
def test_broken_wavs(data: bytes, message: str) -> None:
    with pytest.raises(WavError, match=message):
        chunks_of(AudioChunker(rp.AudioFormat.PCM16), [data])


def test_short_streams() -> None:
    assert chunks_of(AudioChunker(rp.AudioFormat.PCM16), [b"RI"]) == [b"RI"]
    assert chunks_of(AudioChunker(rp.AudioFormat.PCM16), [b"ab", b"cd"]) == [b"abcd"]
    assert chunks_of(AudioChunker(rp.AudioFormat.PCM16), []) == []
