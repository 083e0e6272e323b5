"""An energy-based voice activity detector on 16-bit mono PCM, pure and incremental.

Audio is cut into 20 ms frames; a frame is voiced when its RMS level reaches the level that
``threshold`` stands for. Speech starts with a run of at least 80 ms of voiced frames, so
clicks are ignored, and stops once ``silence_duration_ms`` have passed since the last such run.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from typing import Final

import attrs

from .._record import Record

__all__ = ["EnergyVad", "SpeechStart", "SpeechStop"]

_FRAME_MS: Final = 20
_MIN_RUN_MS: Final = 80
_MIN_RUN_FRAMES: Final = -(-_MIN_RUN_MS // _FRAME_MS)
_FULL_SCALE: Final = 32768.0
# threshold 0.5 -> -48 dBFS, and every 0.1 doubles the amplitude needed (6 dB).
_LEVEL_AT_HALF_DBFS: Final = -48.0
_DB_PER_UNIT: Final = 60.0


@attrs.frozen(repr=False, eq=False)
class SpeechStart(Record):
    """Speech began: ms from the first sample fed, with the prefix padding (at least 0)."""

    audio_start_ms: int


@attrs.frozen(repr=False, eq=False)
class SpeechStop(Record):
    """Speech ended: ms from the first sample fed to the end of the last voiced frame."""

    audio_end_ms: int


def _threshold_dbfs(threshold: float) -> float:
    """The RMS level (dBFS, full scale being 32768) that a frame needs at ``threshold``."""
    return _LEVEL_AT_HALF_DBFS + _DB_PER_UNIT * (threshold - 0.5)


class EnergyVad:
    """Finds speech in a stream of 16-bit little-endian mono PCM fed in pieces of any size."""

    def __init__(
        self,
        *,
        sample_rate: int = 24_000,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 500,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if prefix_padding_ms < 0 or silence_duration_ms < 0:
            raise ValueError("durations must not be negative")
        self._frame_samples = sample_rate * _FRAME_MS // 1000
        if self._frame_samples < 1:
            raise ValueError("sample_rate is too low")
        self._sample_rate = sample_rate
        self._prefix_padding_ms = prefix_padding_ms
        rms = _FULL_SCALE * 10.0 ** (_threshold_dbfs(threshold) / 20.0)
        self._min_energy = rms * rms * self._frame_samples  # compared with a frame's sum of squares
        self._silence_samples = math.ceil(silence_duration_ms * sample_rate / 1000)
        self._pending = b""  # the bytes of an incomplete frame
        self._next_frame = 0  # sample index where the next frame starts
        self._bytes_fed = 0
        self.reset()

    @property
    def position_ms(self) -> int:
        """Milliseconds of audio fed so far."""
        return self._bytes_fed // 2 * 1000 // self._sample_rate

    @property
    def speaking(self) -> bool:
        """Whether speech is in progress."""
        return self._speaking

    def reset(self) -> None:
        """Forget any speech in progress; the position goes on."""
        self._speaking = False
        self._run = 0  # consecutive voiced frames up to the last one analysed
        self._last_voiced_end = 0  # sample index where the last run of speech ended

    def feed(self, pcm16: bytes) -> list[SpeechStart | SpeechStop]:
        """The starts and stops of speech found in the frames that ``pcm16`` completes."""
        self._bytes_fed += len(pcm16)
        data = self._pending + pcm16 if self._pending else bytes(pcm16)
        frame_bytes = 2 * self._frame_samples
        whole = len(data) - len(data) % frame_bytes
        self._pending = data[whole:]
        if not whole:
            return []
        samples = array("h")
        samples.frombytes(data[:whole])
        if sys.byteorder == "big":  # pragma: no cover - little-endian hosts
            samples.byteswap()
        found: list[SpeechStart | SpeechStop] = []
        size = self._frame_samples
        for offset in range(0, len(samples), size):
            frame = samples[offset : offset + size]
            self._frame(sum(map(operator.mul, frame, frame)) >= self._min_energy, found)
        return found

    def flush(self) -> list[SpeechStart | SpeechStop]:
        """End of input: the stop of the speech in progress, if any. A last part-frame
        (under 20 ms) is not analysed."""
        found: list[SpeechStart | SpeechStop] = []
        if self._speaking:
            found.append(SpeechStop(self._ms(self._last_voiced_end)))
        self.reset()
        return found

    def _ms(self, sample: int) -> int:
        return sample * 1000 // self._sample_rate

    def _frame(self, voiced: bool, found: list[SpeechStart | SpeechStop]) -> None:
        end = self._next_frame + self._frame_samples
        self._next_frame = end
        self._run = self._run + 1 if voiced else 0
        if self._run >= _MIN_RUN_FRAMES:
            if not self._speaking:
                self._speaking = True
                onset = end - self._run * self._frame_samples
                found.append(SpeechStart(max(0, self._ms(onset) - self._prefix_padding_ms)))
            self._last_voiced_end = end
        elif (
            self._speaking
            and self._run == 0  # a short run may still grow into speech: wait for its end
            and end - self._last_voiced_end >= self._silence_samples
        ):
            self._speaking = False
            found.append(SpeechStop(self._ms(self._last_voiced_end)))
