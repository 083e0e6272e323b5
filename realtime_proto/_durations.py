"""Durations of audio in a session format: what the protocol counts in samples, bytes and
milliseconds."""

from __future__ import annotations

from ._options import AudioFormat

__all__ = ["bytes_for_ms", "duration_ms", "samples_for_ms"]


def samples_for_ms(milliseconds: int, sample_rate: int) -> int:
    """The index of the sample at ``milliseconds``."""
    return milliseconds * sample_rate // 1000


def duration_ms(size: int, audio_format: AudioFormat) -> float:
    """Milliseconds of mono audio in ``size`` bytes of ``audio_format``."""
    return size * 1000 / (audio_format.sample_rate * audio_format.bytes_per_sample)


def bytes_for_ms(milliseconds: float, audio_format: AudioFormat) -> int:
    """Bytes (whole samples) of ``milliseconds`` of mono ``audio_format``."""
    samples = int(audio_format.sample_rate * milliseconds / 1000)
    return samples * audio_format.bytes_per_sample
