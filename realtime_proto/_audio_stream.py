"""Cutting a stream of input audio into appends, for ``send_audio(source)``.

Pure: the transports read the source (a file, a path, an iterable) and feed the bytes here.
A stream that starts with a RIFF/WAVE header is a WAV file: its header is read and its samples
are converted to the session's input format as they arrive (any usual encoding, rate and
channel count). Anything else is taken to be in the session's format already.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ._audio import AudioConverter, WavError, bytes_for_ms, could_be_wav, parse_header
from ._options import AudioFormat

__all__ = ["AudioChunker", "chunk_size_for"]

_CHUNK_MS: Final = 100
_MAX_HEADER: Final = 1024 * 1024  # metadata chunks before "data" may not exceed this


def chunk_size_for(audio_format: AudioFormat, milliseconds: float = _CHUNK_MS) -> int:
    """Bytes in ``milliseconds`` of mono audio of ``audio_format`` (at least one sample)."""
    return max(bytes_for_ms(milliseconds, audio_format), audio_format.bytes_per_sample)


class AudioChunker:
    """Re-cuts arbitrary pieces of audio into appends of ``chunk_size`` bytes (default
    ``chunk_ms`` of audio; the last may be shorter). A WAV in another format is converted,
    and ``on_conversion`` is told so once. Raises :class:`WavError` for a WAV it cannot read."""

    def __init__(
        self,
        audio_format: AudioFormat,
        chunk_size: int | None = None,
        *,
        chunk_ms: float = _CHUNK_MS,
        on_conversion: Callable[[str], None] | None = None,
        use_soxr: bool | None = None,
    ) -> None:
        self.audio_format = audio_format
        self.chunk_size = chunk_size or chunk_size_for(audio_format, chunk_ms)
        if self.chunk_size % audio_format.bytes_per_sample:
            raise ValueError("chunk_size must hold whole samples")
        self._on_conversion = on_conversion
        self._use_soxr = use_soxr
        self._head = b""  # bytes before the header is known
        self._header_done = False
        self._converter: AudioConverter | None = None
        self._remaining: int | None = None  # audio bytes left in the WAV "data" chunk
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The whole chunks available after ``data``."""
        if not self._header_done:
            self._head += data
            data = self._read_header(final=False)
            if not self._header_done:
                return []
        self._add(data)
        return self._cut(final=False)

    def finish(self) -> list[bytes]:
        """The chunks left at the end of the stream."""
        if not self._header_done:
            self._add(self._read_header(final=True))
        if self._converter is not None:
            self._pending += self._converter.finish()
        return self._cut(final=True)

    def _add(self, data: bytes) -> None:
        if self._remaining is not None:
            data = data[: self._remaining]  # chunks after "data" are not audio
            self._remaining -= len(data)
        if self._converter is not None:
            data = self._converter.feed(data)
        self._pending += data

    def _cut(self, *, final: bool) -> list[bytes]:
        pending, size = self._pending, self.chunk_size
        whole = len(pending) if final else len(pending) - len(pending) % size
        chunks = [bytes(pending[offset : offset + size]) for offset in range(0, whole, size)]
        del pending[:whole]
        return chunks

    def _read_header(self, *, final: bool) -> bytes:
        """Consumes the header once it is complete; returns the audio bytes after it."""
        head = self._head
        if not could_be_wav(head):
            return self._raw()
        header = parse_header(head)
        if header is None:
            if final:
                if len(head) < 12:
                    return self._raw()  # too short to be a WAV: a few raw bytes
                raise WavError("the WAV ended before its 'data' chunk")
            if len(head) > _MAX_HEADER:
                raise WavError("the WAV header is larger than 1 MiB")
            return b""
        wav_format, start, declared = header
        self._header_done = True
        self._head = b""
        self._remaining = declared
        if wav_format.session_format() is not self.audio_format:
            self._converter = AudioConverter(wav_format, self.audio_format, use_soxr=self._use_soxr)
            if self._on_conversion is not None:
                self._on_conversion(
                    f"converting the WAV's {wav_format.describe()} to the session's "
                    f"{self.audio_format.value}"
                )
        return head[start:]

    def _raw(self) -> bytes:
        self._header_done = True
        head, self._head = self._head, b""
        return head
