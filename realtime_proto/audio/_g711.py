"""G.711 A-law and mu-law to and from 16-bit little-endian PCM (ITU-T G.711), pure Python."""

from __future__ import annotations

import struct
import sys
from array import array
from typing import Final

__all__ = ["decode_alaw", "decode_ulaw", "encode_alaw", "encode_ulaw"]

_ULAW_BIAS: Final = 0x84
_ULAW_CLIP: Final = 8159  # the largest magnitude mu-law encodes, on the 14-bit scale


def _alaw_to_linear(code: int) -> int:
    code ^= 0x55
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    step = (mantissa << 4) + 8
    magnitude = step if exponent == 0 else (step + 0x100) << (exponent - 1)
    return magnitude if code & 0x80 else -magnitude


def _ulaw_to_linear(code: int) -> int:
    code = ~code & 0xFF
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return -magnitude if code & 0x80 else magnitude


def _segment(value: int, first_end: int) -> int:
    """The segment (0..8) whose upper end, doubling from ``first_end``, holds ``value``."""
    segment = 0
    end = first_end
    while segment < 8 and value > end:
        segment += 1
        end = (end << 1) | 1
    return segment


def _linear_to_alaw(sample: int) -> int:
    value = sample >> 3  # A-law works on 13 bits
    if value >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        value = -value - 1
    segment = _segment(value, 0x1F)  # at most 7: 13 bits always fit
    shift = 1 if segment < 2 else segment
    return ((segment << 4) | ((value >> shift) & 0x0F)) ^ mask


def _linear_to_ulaw(sample: int) -> int:
    value = sample >> 2  # mu-law works on 14 bits
    if value < 0:
        value = -value
        mask = 0x7F
    else:
        mask = 0xFF
    value = min(value, _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    segment = _segment(value, 0x3F)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


_ALAW_PCM: Final = [struct.pack("<h", _alaw_to_linear(code)) for code in range(256)]
_ULAW_PCM: Final = [struct.pack("<h", _ulaw_to_linear(code)) for code in range(256)]
# Indexed by the sample as an unsigned 16-bit number; built on first use (64 KiB each).
_ENCODE_TABLES: dict[str, bytes] = {}


def decode_alaw(data: bytes) -> bytes:
    """16-bit little-endian PCM from A-law bytes."""
    return b"".join(map(_ALAW_PCM.__getitem__, data))


def decode_ulaw(data: bytes) -> bytes:
    """16-bit little-endian PCM from mu-law bytes."""
    return b"".join(map(_ULAW_PCM.__getitem__, data))


def _encode(pcm16: bytes, law: str) -> bytes:
    if len(pcm16) % 2:
        raise ValueError("16-bit PCM must have an even number of bytes")
    table = _ENCODE_TABLES.get(law)
    if table is None:
        convert = _linear_to_alaw if law == "alaw" else _linear_to_ulaw
        table = bytes(
            convert(value - 0x10000 if value & 0x8000 else value) for value in range(65536)
        )
        _ENCODE_TABLES[law] = table
    samples = array("H")
    samples.frombytes(pcm16)
    if sys.byteorder == "big":  # pragma: no cover - little-endian hosts
        samples.byteswap()
    return bytes(map(table.__getitem__, samples))


def encode_alaw(pcm16: bytes) -> bytes:
    """A-law bytes from 16-bit little-endian PCM; ``ValueError`` for an odd byte count."""
    return _encode(pcm16, "alaw")


def encode_ulaw(pcm16: bytes) -> bytes:
    """mu-law bytes from 16-bit little-endian PCM; ``ValueError`` for an odd byte count."""
    return _encode(pcm16, "ulaw")
