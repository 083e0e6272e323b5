"""Audio, pure: the duration math of each session format, WAV files read from bytes and
written to bytes, and a streaming converter from any usual WAV encoding to a session format
(decode, downmix, resample, encode)."""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable
from typing import Final, Literal

import attrs

from .._options import AudioFormat
from .._record import Record
from .._redact import bytes_summary
from . import _extras
from ._g711 import decode_alaw, decode_ulaw, encode_alaw, encode_ulaw
from ._resample import Resampler, new_resampler

__all__ = [
    "AudioConverter",
    "WavAudio",
    "WavError",
    "WavFormat",
    "could_be_wav",
    "decode_session_audio",
    "encode_session_audio",
    "is_wav",
    "read_wav",
    "to_session_format",
    "wav_bytes",
]

Encoding = Literal["pcm", "float", "alaw", "ulaw"]
_CODES: Final[dict[int, Encoding]] = {1: "pcm", 3: "float", 6: "alaw", 7: "ulaw"}
_EXTENSIBLE: Final = 0xFFFE
_STREAMING_SIZES: Final = (0, 0xFFFFFFFF)
_MAX_CHANNELS: Final = 64


class WavError(ValueError):
    """The bytes are not a WAV file this library can read; the message says why."""


# -- duration math: the one place that knows bytes, samples and milliseconds ---------------------


def could_be_wav(head: bytes) -> bool:
    """Whether ``head`` (perhaps only the first bytes) can be the start of a WAV file."""
    return any(magic.startswith(head[:4]) for magic in (b"RIFF", b"RF64"))


def is_wav(data: bytes | bytearray | memoryview) -> bool:
    """Whether ``data`` starts like a WAV file."""
    head = bytes(data[:12])
    return head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"


# -- WAV files -------------------------------------------------------------------------------


@attrs.frozen(repr=False, eq=False)
class WavFormat(Record):
    """What a WAV file's ``fmt `` chunk says."""

    encoding: Encoding
    channels: int
    sample_rate: int
    bits: int

    @classmethod
    def of(cls, audio_format: AudioFormat) -> WavFormat:
        """The WAV format of a session format's audio."""
        encoding, rate, bits = _SHAPES[audio_format]
        return cls(encoding=encoding, channels=1, sample_rate=rate, bits=bits)

    @property
    def frame_size(self) -> int:
        return self.channels * (self.bits // 8)

    def session_format(self) -> AudioFormat | None:
        """The session format these samples already are, if any (no conversion needed)."""
        if self.channels != 1:
            return None
        shape = (self.encoding, self.sample_rate, self.bits)
        for candidate in AudioFormat:
            if shape == _SHAPES[candidate]:
                return candidate
        return None

    def describe(self) -> str:
        kind = {"pcm": f"PCM{self.bits}", "float": f"float{self.bits}"}.get(
            self.encoding, f"G.711 {'A' if self.encoding == 'alaw' else 'mu'}-law"
        )
        return f"{kind}, {self.sample_rate} Hz, {self.channels} channel(s)"


_SHAPES: Final[dict[AudioFormat, tuple[Encoding, int, int]]] = {
    AudioFormat.PCM16: ("pcm", 24_000, 16),
    AudioFormat.G711_ALAW: ("alaw", 8_000, 8),
    AudioFormat.G711_ULAW: ("ulaw", 8_000, 8),
}


@attrs.frozen(repr=False, eq=False)
class WavAudio(Record):
    """A whole WAV file: its format and its sample bytes. ``truncated``: the file ended before
    the size its ``data`` chunk declared (what was there is kept, in whole frames)."""

    format: WavFormat
    data: bytes = attrs.field(repr=bytes_summary)
    truncated: bool = False

    @property
    def duration_ms(self) -> float:
        return len(self.data) // self.format.frame_size * 1000 / self.format.sample_rate


def _parse_fmt(body: bytes) -> WavFormat:
    if len(body) < 16:
        raise WavError("the 'fmt ' chunk is shorter than 16 bytes")
    code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if code == _EXTENSIBLE:
        if len(body) < 26:
            raise WavError("the extensible 'fmt ' chunk is too short")
        (code,) = struct.unpack_from("<H", body, 24)
    encoding = _CODES.get(code)
    if encoding is None:
        raise WavError(f"unsupported WAV encoding (format code {code})")
    if not 1 <= channels <= _MAX_CHANNELS:
        raise WavError(f"unsupported channel count {channels}")
    if not 1_000 <= rate <= 384_000:
        raise WavError(f"unsupported sample rate {rate} Hz")
    allowed = {"pcm": (8, 16, 24, 32), "float": (32, 64), "alaw": (8,), "ulaw": (8,)}[encoding]
    if bits not in allowed:
        raise WavError(f"unsupported sample size: {bits}-bit {encoding}")
    return WavFormat(encoding=encoding, channels=channels, sample_rate=rate, bits=bits)


def parse_header(data: bytes) -> tuple[WavFormat, int, int | None] | None:
    """The format, the offset of the samples and their declared size (``None``: to the end),
    or ``None`` when ``data`` does not yet hold the whole header. Raises :class:`WavError`."""
    if len(data) < 12:
        if not could_be_wav(data):
            raise WavError("not a WAV file (no RIFF header)")
        return None
    if data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    offset, fmt = 12, None
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        if chunk_id == b"data":
            if fmt is None:
                raise WavError("the 'data' chunk comes before any 'fmt ' chunk")
            declared = None if size in _STREAMING_SIZES else size
            return fmt, offset + 8, declared
        end = offset + 8 + size + (size & 1)
        if chunk_id == b"fmt ":
            if offset + 8 + size > len(data):
                return None
            fmt = _parse_fmt(data[offset + 8 : offset + 8 + size])
        offset = end
    return None


def read_wav(data: bytes) -> WavAudio:
    """A whole WAV file from its bytes. Raises :class:`WavError` and nothing else."""
    try:
        header = parse_header(data)
    except struct.error as exc:  # pragma: no cover - parse_header checks lengths first
        raise WavError(f"malformed WAV header: {exc}") from None
    if header is None:
        raise WavError("the WAV ended before its 'data' chunk")
    fmt, start, declared = header
    available = len(data) - start
    size = available if declared is None else min(declared, available)
    size -= size % fmt.frame_size
    truncated = declared is not None and declared > available
    return WavAudio(format=fmt, data=data[start : start + size], truncated=truncated)


def wav_bytes(audio: bytes, audio_format: AudioFormat) -> bytes:
    """A playable mono WAV file holding ``audio`` (in ``audio_format``, e.g. a reply)."""
    encoding, rate, bits = _SHAPES[audio_format]
    code = {"pcm": 1, "alaw": 6, "ulaw": 7}[encoding]
    block = bits // 8
    fmt = struct.pack("<HHIIHH", code, 1, rate, rate * block, block, bits)
    pad = b"\x00" if len(audio) % 2 else b""
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(audio)) + audio + pad
    return b"RIFF" + struct.pack("<I", len(body)) + body


# -- conversion ------------------------------------------------------------------------------


def _to_pcm16(data: bytes, fmt: WavFormat) -> bytes:
    """Interleaved samples of ``fmt`` as interleaved 16-bit little-endian PCM."""
    encoding, bits = fmt.encoding, fmt.bits
    if encoding == "alaw":
        return decode_alaw(data)
    if encoding == "ulaw":
        return decode_ulaw(data)
    if encoding == "float" or (encoding == "pcm" and bits == 8):
        fast = _to_pcm16_numpy(data, encoding, bits)
        if fast is not None:
            return fast
    if encoding == "float":
        values = array("f" if bits == 32 else "d")
        values.frombytes(data)
        if sys.byteorder == "big":  # pragma: no cover - little-endian machines
            values.byteswap()
        return _pack(int(max(-1.0, min(1.0, v)) * 32767) for v in values)
    if bits == 16:
        return data
    if bits == 8:  # unsigned: 128 is silence
        return _pack((b - 128) << 8 for b in data)
    step = bits // 8  # 24 or 32 bits: keep the two most significant bytes
    out = bytearray(len(data) // step * 2)
    out[0::2] = data[step - 2 :: step]
    out[1::2] = data[step - 1 :: step]
    return bytes(out)


def _pack(samples: Iterable[int]) -> bytes:
    values = array("h", samples)
    if sys.byteorder == "big":  # pragma: no cover - little-endian machines
        values.byteswap()
    return values.tobytes()


def _to_pcm16_numpy(data: bytes, encoding: Encoding, bits: int) -> bytes | None:
    """The same conversions as the pure code, vectorised (same results, to the sample)."""
    numpy = _extras.numpy()
    if numpy is None:  # pragma: no cover - depends on the installed extras
        return None
    if encoding == "float":
        values = numpy.frombuffer(data, dtype="<f4" if bits == 32 else "<f8")
        return bytes((numpy.clip(values, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    unsigned = numpy.frombuffer(data, dtype="u1").astype("<i2")  # 8-bit PCM: 128 is silence
    return bytes(((unsigned - 128) << 8).astype("<i2").tobytes())


def _downmix(pcm16: bytes, channels: int) -> bytes:
    if channels == 1:
        return pcm16
    numpy = _extras.numpy()
    if numpy is not None:  # pragma: no cover - depends on the installed extras
        frames = numpy.frombuffer(pcm16, dtype="<i2").reshape(-1, channels)
        mixed = frames.sum(axis=1, dtype="<i4") // channels
        return bytes(mixed.astype("<i2").tobytes())
    values = array("h")
    values.frombytes(pcm16)
    if sys.byteorder == "big":  # pragma: no cover - little-endian machines
        values.byteswap()
    lanes = [values[lane::channels] for lane in range(channels)]
    return _pack(sum(frame) // channels for frame in zip(*lanes, strict=True))


def decode_session_audio(audio: bytes, audio_format: AudioFormat) -> bytes:
    """Mono audio of a session format as 16-bit PCM at the same rate (G.711 decoded)."""
    return _to_pcm16(audio, WavFormat.of(audio_format))


def encode_session_audio(pcm16: bytes, audio_format: AudioFormat) -> bytes:
    """16-bit PCM, already at the format's rate, in a session format (G.711 encoded)."""
    return _encode(pcm16, audio_format)


def _encode(pcm16: bytes, target: AudioFormat) -> bytes:
    if target is AudioFormat.G711_ALAW:
        return encode_alaw(pcm16)
    if target is AudioFormat.G711_ULAW:
        return encode_ulaw(pcm16)
    return pcm16


class AudioConverter:
    """Streams samples of one WAV format into a session format: decode to PCM16, downmix to
    mono, resample, encode. Feed it any pieces; whole frames are converted as they arrive."""

    def __init__(
        self, source: WavFormat, target: AudioFormat, *, use_soxr: bool | None = None
    ) -> None:
        self.source = source
        self.target = target
        self._pending = b""
        self._passthrough = source.session_format() is target
        self._resampler: Resampler = new_resampler(
            source.sample_rate, target.sample_rate, use_soxr=use_soxr
        )

    def to_pcm16_mono(self, frames: bytes) -> bytes:
        """Whole frames of the source as 16-bit mono at the source's rate (no resampling)."""
        return _downmix(_to_pcm16(frames, self.source), self.source.channels)

    def feed(self, data: bytes) -> bytes:
        """The converted audio of the whole frames so far."""
        if self._passthrough:
            return data
        data = self._pending + data
        whole = len(data) - len(data) % self.source.frame_size
        self._pending = data[whole:]
        mono = self.to_pcm16_mono(data[:whole])
        return _encode(self._resampler.process(mono), self.target)

    def finish(self) -> bytes:
        """What the resampler still holds, at the end of the stream."""
        if self._passthrough:
            return b""
        return _encode(self._resampler.finish(), self.target)


def to_session_format(
    wav: WavAudio, target: AudioFormat = AudioFormat.PCM16, *, use_soxr: bool | None = None
) -> bytes:
    """All of ``wav`` in ``target``: mono, at the target's rate and encoding."""
    converter = AudioConverter(wav.format, target, use_soxr=use_soxr)
    return converter.feed(wav.data) + converter.finish()
