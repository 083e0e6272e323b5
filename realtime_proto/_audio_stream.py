"""Cutting a stream of input audio into appends, for ``send_audio(source)``.

Pure: the transports read the source (a file, a path, an iterable) and feed the bytes here.
A stream that starts with a RIFF/WAVE header has it checked and removed; its samples must
already be in the session's input format.
"""

from __future__ import annotations

import struct
from typing import Final

from ._options import AudioFormat

__all__ = ["AudioChunker", "chunk_size_for"]

_CHUNK_MS: Final = 100
_MAX_HEADER: Final = 1024 * 1024  # metadata chunks before "data" may not exceed this
_STREAMING_SIZES: Final = (0, 0xFFFFFFFF)  # "data" sizes that mean "until the end"
_WAV_CODES: Final = {AudioFormat.PCM16: 1, AudioFormat.G711_ALAW: 6, AudioFormat.G711_ULAW: 7}
_EXTENSIBLE: Final = 0xFFFE


def chunk_size_for(audio_format: AudioFormat, milliseconds: int = _CHUNK_MS) -> int:
    """Bytes in ``milliseconds`` of mono audio of ``audio_format`` (whole samples)."""
    samples = audio_format.sample_rate * milliseconds // 1000
    return max(1, samples) * audio_format.bytes_per_sample


class AudioChunker:
    """Re-cuts arbitrary pieces of audio into appends of ``chunk_size`` bytes (the last may be
    shorter). Raises ``ValueError`` for a WAV whose encoding is not ``audio_format``."""

    def __init__(self, audio_format: AudioFormat, chunk_size: int | None = None) -> None:
        self.audio_format = audio_format
        self.chunk_size = chunk_size or chunk_size_for(audio_format)
        if self.chunk_size % audio_format.bytes_per_sample:
            raise ValueError("chunk_size must hold whole samples")
        self._pending = bytearray()
        self._header_done = False
        self._remaining: int | None = None  # audio bytes left in the WAV "data" chunk

    def feed(self, data: bytes) -> list[bytes]:
        """The whole chunks available after ``data``."""
        if self._header_done:
            self._append(data)
        else:
            self._pending += data
            self._read_header(final=False)
            if not self._header_done:
                return []
        return self._cut(final=False)

    def finish(self) -> list[bytes]:
        """The chunks left at the end of the stream."""
        if not self._header_done:
            self._read_header(final=True)
        return self._cut(final=True)

    def _append(self, data: bytes) -> None:
        if self._remaining is not None:
            data = data[: self._remaining]  # chunks after "data" are not audio
            self._remaining -= len(data)
        self._pending += data

    def _cut(self, *, final: bool) -> list[bytes]:
        pending, size = self._pending, self.chunk_size
        whole = len(pending) if final else len(pending) - len(pending) % size
        chunks = [bytes(pending[offset : offset + size]) for offset in range(0, whole, size)]
        del pending[:whole]
        return chunks

    def _read_header(self, *, final: bool) -> None:
        pending = self._pending
        if len(pending) < 12:
            if final or (pending and not b"RIFF".startswith(bytes(pending[:4]))):
                self._header_done = True
            return
        if pending[:4] != b"RIFF" or pending[8:12] != b"WAVE":
            self._header_done = True  # raw audio
            return
        offset, codec = 12, None
        while True:
            if offset + 8 > len(pending):
                break
            chunk_id = bytes(pending[offset : offset + 4])
            (size,) = struct.unpack_from("<I", pending, offset + 4)
            if chunk_id == b"data":
                if codec is None:
                    raise ValueError("the WAV has no 'fmt ' chunk before its audio")
                audio = bytes(pending[offset + 8 :])
                pending.clear()
                self._remaining = None if size in _STREAMING_SIZES else size
                self._header_done = True
                self._append(audio)
                return
            body_end = offset + 8 + size + (size & 1)
            if chunk_id == b"fmt ":
                if size < 16:
                    raise ValueError("the WAV 'fmt ' chunk is too short")
                if offset + 8 + size > len(pending):
                    break
                codec = self._check_format(bytes(pending[offset + 8 : offset + 8 + size]))
            offset = body_end
        if len(pending) > _MAX_HEADER:
            raise ValueError("the WAV header is larger than 1 MiB")
        if final:
            raise ValueError("the WAV ended before its 'data' chunk")

    def _check_format(self, fmt: bytes) -> int:
        code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
        if code == _EXTENSIBLE and len(fmt) >= 26:
            (code,) = struct.unpack_from("<H", fmt, 24)
        wanted = self.audio_format
        expected = (_WAV_CODES[wanted], 1, wanted.sample_rate, wanted.bytes_per_sample * 8)
        if (code, channels, rate, bits) != expected:
            raise ValueError(
                f"the WAV holds format {code}, {channels} channel(s), {rate} Hz, {bits} bits; "
                f"the session's input is {wanted.value}: mono, {wanted.sample_rate} Hz, "
                f"{wanted.bytes_per_sample * 8} bits"
            )
        return int(code)
