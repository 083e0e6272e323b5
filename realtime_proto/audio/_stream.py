"""Cutting a stream of input audio into appends, for ``send_audio(source)``.

Pure: the transports read the source (a file, a path, an iterable) and feed the bytes here.
A stream that starts with a RIFF/WAVE header is a WAV file: its header is read and its samples
are converted to the session's input format as they arrive (any usual encoding, rate and
channel count). Anything else is taken to be in the session's format already, unless the
source must be a WAV (a path or a file object, see :func:`wav_source_name`): then it is an
error.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable
from typing import Any, Final, cast

from .._durations import bytes_for_ms
from .._options import AudioFormat, is_int, shown, to_audio_format
from ._wav import AudioConverter, WavError, could_be_wav, parse_header

__all__ = ["MIN_CHUNK_MS", "AudioChunker", "check_chunk_ms", "chunk_size_for", "wav_source_name"]

_CHUNK_MS: Final = 100
MIN_CHUNK_MS: Final = 10
"""The shortest append ``chunk_ms`` may ask for: shorter ones only multiply the messages."""
_MAX_HEADER: Final = 1024 * 1024  # metadata chunks before "data" may not exceed this


def check_chunk_ms(chunk_ms: Any) -> None:
    """Raises ``TypeError`` unless ``chunk_ms`` is a number, and ``ValueError`` unless it is
    finite and at least :data:`MIN_CHUNK_MS`."""
    expected = f"a finite number of milliseconds, at least {MIN_CHUNK_MS}"
    if not isinstance(chunk_ms, numbers.Real) or isinstance(chunk_ms, bool):
        raise TypeError(f"chunk_ms must be {expected}, got {shown(chunk_ms)}")
    if not MIN_CHUNK_MS <= cast(float, chunk_ms) < math.inf:
        raise ValueError(f"chunk_ms must be {expected}, got {chunk_ms!r}")


def wav_source_name(source: object) -> str | None:
    """How an error names ``source`` when it must hold a WAV file: a path (``str`` or
    ``os.PathLike``) or a file object (anything with ``read``). ``None`` for bytes and for
    streams of bytes, which may be raw audio in the session's format."""
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fsdecode(source))
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        return repr(name) if isinstance(name, str) else f"the file object {type(source).__name__}"
    return None


def chunk_size_for(audio_format: AudioFormat, milliseconds: float = _CHUNK_MS) -> int:
    """Bytes in ``milliseconds`` of mono audio of ``audio_format`` (at least one sample)."""
    return max(bytes_for_ms(milliseconds, audio_format), audio_format.bytes_per_sample)


class AudioChunker:
    """Re-cuts arbitrary pieces of audio into appends of ``chunk_size`` bytes (default
    ``chunk_ms`` of audio; the last may be shorter, and a partial sample at the very end is
    dropped). A WAV in another format is converted, and ``on_conversion`` is told so once.
    Raises :class:`WavError` (a ``ValueError``) for a WAV it cannot read, and, when
    ``require_wav`` names the source, for a stream that is not a WAV.

    ``audio_format`` may also be given by its wire name (``"pcm16"``, ...). ``chunk_ms`` must
    be finite and at least :data:`MIN_CHUNK_MS`; ``chunk_size`` (bytes) a positive whole
    number of samples.
    """

    def __init__(
        self,
        audio_format: AudioFormat,
        chunk_size: int | None = None,
        *,
        chunk_ms: float = _CHUNK_MS,
        on_conversion: Callable[[str], None] | None = None,
        use_soxr: bool | None = None,
        require_wav: str | None = None,
    ) -> None:
        audio_format = to_audio_format(audio_format)
        if not isinstance(audio_format, AudioFormat):
            kind = ValueError if isinstance(audio_format, str) else TypeError
            raise kind(
                f"audio_format must be an AudioFormat or its name, got {shown(audio_format)}"
            )
        check_chunk_ms(chunk_ms)
        if chunk_size is not None and not (is_int(chunk_size) and chunk_size > 0):
            raise ValueError(f"chunk_size must be a positive int or None, got {shown(chunk_size)}")
        self.audio_format = audio_format
        self.chunk_size = chunk_size or chunk_size_for(audio_format, chunk_ms)
        if self.chunk_size % audio_format.bytes_per_sample:
            raise ValueError("chunk_size must hold whole samples")
        self._require_wav = require_wav
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
        partial = len(self._pending) % self.audio_format.bytes_per_sample
        if partial:  # a stream cut inside its last sample: that sample cannot be played
            del self._pending[-partial:]
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
        try:
            header = parse_header(head)
        except WavError as exc:
            raise self._wav_error(str(exc)) from None
        if header is None:
            if final:
                if len(head) < 12:
                    return self._raw()  # too short to be a WAV: a few raw bytes
                raise self._wav_error("the WAV ended before its 'data' chunk")
            if len(head) > _MAX_HEADER:
                raise self._wav_error("the WAV header is larger than 1 MiB")
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
        if self._require_wav is not None:
            raise self._wav_error("not a WAV file (it does not start with a RIFF/WAVE header)")
        self._header_done = True
        head, self._head = self._head, b""
        return head

    def _wav_error(self, reason: str) -> WavError:
        if self._require_wav is None:
            return WavError(reason)
        return WavError(
            f"{self._require_wav}: {reason}. A path or a file given to send_audio must hold a "
            "WAV file; pass raw audio in the session's input format as bytes"
        )
