"""Audio for realtime sessions: WAV files in any usual encoding, conversion to and from the
session formats (PCM16 24 kHz, G.711 A-law and mu-law 8 kHz), resampling, and cutting a stream
into appends. Pure functions and small state machines; no I/O."""

from .._durations import bytes_for_ms, duration_ms, samples_for_ms
from ._stream import MIN_CHUNK_MS, AudioChunker, chunk_size_for
from ._wav import (
    AudioConverter,
    WavAudio,
    WavError,
    WavFormat,
    decode_session_audio,
    encode_session_audio,
    is_wav,
    read_wav,
    to_session_format,
    wav_bytes,
)

__all__ = [
    "MIN_CHUNK_MS",
    "AudioChunker",
    "AudioConverter",
    "WavAudio",
    "WavError",
    "WavFormat",
    "bytes_for_ms",
    "chunk_size_for",
    "decode_session_audio",
    "duration_ms",
    "encode_session_audio",
    "is_wav",
    "read_wav",
    "samples_for_ms",
    "to_session_format",
    "wav_bytes",
]
