"""The energy voice activity detector: synthetic signals, split-independence, real speech."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_proto.simulator._vad import EnergyVad, SpeechStart, SpeechStop
from tests.core.simulated import silence
from tests.core.test_g711 import read_wav
from tests.helpers import split_at

Found = list[SpeechStart | SpeechStop]
RATE = 24_000
FRAME_MS = 20


def tone(ms: int, dbfs: float = -20.0, *, rate: int = RATE, hz: float = 440.0) -> bytes:
    """A sine whose RMS level is ``dbfs`` (relative to 32768)."""
    amplitude = 32768 * 10 ** (dbfs / 20) * math.sqrt(2)
    count = rate * ms // 1000
    values = [round(amplitude * math.sin(2 * math.pi * hz * i / rate)) for i in range(count)]
    values = [max(-32768, min(32767, value)) for value in values]
    return struct.pack(f"<{count}h", *values)


def run(vad: EnergyVad, *pieces: bytes) -> Found:
    found: Found = []
    for piece in pieces:
        found += vad.feed(piece)
    return found + vad.flush()


def segments(found: Found) -> list[tuple[int, int]]:
    """(start, end) pairs from strictly alternating starts and stops."""
    assert [type(event) for event in found] == [SpeechStart, SpeechStop] * (len(found) // 2)
    starts = [event.audio_start_ms for event in found[::2]]
    ends = [event.audio_end_ms for event in found[1::2]]
    return list(zip(starts, ends, strict=True))


def test_silence_is_not_speech() -> None:
    vad = EnergyVad()
    assert run(vad, silence(3000)) == []
    assert vad.position_ms == 3000
    assert not vad.speaking


def test_a_tone_between_silences_is_one_segment() -> None:
    found = run(EnergyVad(), silence(1000), tone(1000), silence(1000))
    [(start, end)] = segments(found)
    assert abs(start - (1000 - 300)) <= FRAME_MS
    assert abs(end - 2000) <= FRAME_MS


def test_events_come_when_their_frames_are_fed() -> None:
    vad = EnergyVad(silence_duration_ms=500)
    signal = silence(1000) + tone(1000) + silence(1000)
    step = 2 * RATE * 10 // 1000
    when: list[tuple[int, SpeechStart | SpeechStop]] = []
    speaking: list[bool] = []
    for offset in range(0, len(signal), step):
        when += [(vad.position_ms, event) for event in vad.feed(signal[offset : offset + step])]
        speaking.append(vad.speaking)
    # The start needs a short run of voiced frames; the stop needs the silence duration.
    [(started_at, start), (stopped_at, stop)] = when
    assert start == SpeechStart(700)
    assert 1060 <= started_at <= 1100
    assert stop == SpeechStop(2000)
    assert 2500 <= stopped_at <= 2520
    assert speaking.index(True) * 10 == started_at - 10
    assert vad.flush() == []


def test_the_prefix_padding_is_clamped_at_zero() -> None:
    [(start, end)] = segments(run(EnergyVad(), silence(100), tone(500)))
    assert start == 0
    assert end == 600
    [(start, _)] = segments(run(EnergyVad(prefix_padding_ms=0), silence(100), tone(500)))
    assert start == 100


@pytest.mark.parametrize("offset_ms", [0, 5, 10, 15, 17])
def test_a_click_is_ignored(offset_ms: int) -> None:
    click = tone(30, -3.0, hz=1000)
    vad = EnergyVad()
    assert run(vad, silence(500 + offset_ms), click, silence(500)) == []


def test_a_short_gap_does_not_split_the_speech() -> None:
    found = run(EnergyVad(), silence(500), tone(400), silence(300), tone(400), silence(800))
    assert segments(found) == [(200, 1600)]


def test_a_long_gap_splits_the_speech() -> None:
    found = run(EnergyVad(), silence(500), tone(400), silence(700), tone(400), silence(800))
    assert segments(found) == [(200, 900), (1300, 2000)]


def test_the_silence_duration_decides_a_split() -> None:
    pieces = (silence(500), tone(400), silence(300), tone(400), silence(800))
    assert segments(run(EnergyVad(silence_duration_ms=200), *pieces)) == [
        (200, 900),
        (900, 1600),
    ]
    assert segments(run(EnergyVad(silence_duration_ms=0), *pieces)) == [(200, 900), (900, 1600)]


def test_a_click_in_the_trailing_silence_does_not_extend_the_speech() -> None:
    found = run(EnergyVad(), tone(400), silence(300), tone(40, -3.0), silence(600))
    assert segments(found) == [(0, 400)]


def test_a_higher_threshold_needs_louder_audio() -> None:
    quiet = (silence(500), tone(800, -35.0), silence(800))
    assert segments(run(EnergyVad(threshold=0.5), *quiet)) == [(200, 1300)]
    assert run(EnergyVad(threshold=0.9), *quiet) == []
    assert segments(run(EnergyVad(threshold=0.9), silence(500), tone(800, -10.0))) == [(200, 1300)]


def test_the_threshold_is_monotonic() -> None:
    def loudest_ignored(threshold: float) -> int:
        ignored = [
            level
            for level in range(-90, 1, 3)
            if not run(
                EnergyVad(threshold=threshold, sample_rate=8000), tone(200, level, rate=8000)
            )
        ]
        return max(ignored, default=-93)

    levels = [loudest_ignored(tenth / 10) for tenth in range(11)]
    assert levels == sorted(levels)
    assert levels[0] < levels[5] < levels[10]
    assert levels[5] < -40  # a normal voice is well above the default


def test_flush_ends_the_speech_in_progress() -> None:
    vad = EnergyVad()
    assert vad.feed(silence(400) + tone(300)) == [SpeechStart(100)]
    assert vad.speaking
    assert vad.flush() == [SpeechStop(700)]
    assert not vad.speaking
    assert vad.flush() == []


def test_reset_forgets_the_speech_but_keeps_the_position() -> None:
    vad = EnergyVad(prefix_padding_ms=0)
    assert vad.feed(silence(200) + tone(300)) == [SpeechStart(200)]
    vad.reset()
    assert not vad.speaking
    assert vad.position_ms == 500
    assert vad.feed(silence(1000)) == []
    assert vad.feed(tone(200)) == [SpeechStart(1500)]


def test_the_position_counts_whole_samples() -> None:
    vad = EnergyVad(sample_rate=8000)
    vad.feed(b"\x00" * 15)
    assert vad.position_ms == 0  # 7 samples and a half
    vad.feed(b"\x00" * 17)
    assert vad.position_ms == 2
    vad.feed(silence(1000, 8000))
    assert vad.position_ms == 1002


def test_other_sample_rates() -> None:
    for rate in (8000, 11_025, 16_000, 22_050, 44_100, 48_000):
        pieces = (silence(1000, rate), tone(600, rate=rate), silence(600, rate))
        [(start, end)] = segments(run(EnergyVad(sample_rate=rate), *pieces))
        assert abs(start - 700) <= FRAME_MS, rate
        assert abs(end - 1600) <= FRAME_MS, rate


@pytest.mark.parametrize(
    "settings",
    [
        {"threshold": -0.1},
        {"threshold": 1.5},
        {"prefix_padding_ms": -1},
        {"silence_duration_ms": -1},
        {"sample_rate": 10},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|too low"):
        EnergyVad(**settings)  # type: ignore[arg-type]


# Clicks, a segment, a gap shorter than the silence, another segment, and speech at the end.
SIGNAL = b"".join(
    [
        silence(150, 8000),
        tone(30, -6.0, rate=8000),
        silence(333, 8000),
        tone(250, rate=8000),
        silence(210, 8000),
        tone(90, -30.0, rate=8000),
        silence(620, 8000),
        tone(170, -40.0, rate=8000),
    ]
)


@given(st.lists(st.integers(min_value=0, max_value=len(SIGNAL)), max_size=24))
def test_the_results_do_not_depend_on_how_the_input_is_split(cuts: list[int]) -> None:
    whole = EnergyVad(sample_rate=8000, prefix_padding_ms=100, silence_duration_ms=400)
    expected = whole.feed(SIGNAL)
    assert len(expected) == 3
    pieces = EnergyVad(sample_rate=8000, prefix_padding_ms=100, silence_duration_ms=400)
    found: Found = []
    for piece in split_at(SIGNAL, cuts):
        found += pieces.feed(piece)
    assert found == expected
    assert pieces.position_ms == whole.position_ms
    assert pieces.flush() == whole.flush()


def test_feeding_one_byte_at_a_time() -> None:
    whole = EnergyVad(sample_rate=8000)
    expected = run(whole, SIGNAL)
    vad = EnergyVad(sample_rate=8000)
    assert run(vad, *(SIGNAL[i : i + 1] for i in range(len(SIGNAL)))) == expected


# Where the 20 ms RMS envelope of each recording shows the speech (ms), the first and the
# last frame above -50 dBFS that belong to it: before and after, only background and, in
# "hello world", a 40 ms breath around 1500 ms.
RECORDINGS = {
    "audio_hello_world.wav": (60, 1300),
    "audio_weather_alaw.wav": (880, 2660),
    "whats_the_weather_pcm16_24khz_mono.wav": (560, 2660),
    "1-tardigrades.wav": (880, 2540),
}


def frame_dbfs(pcm16: bytes, rate: int, start_ms: int, ms: int) -> float:
    first = rate * start_ms // 1000
    count = rate * ms // 1000
    values = struct.unpack_from(f"<{count}h", pcm16, 2 * first)
    return 10 * math.log10(max(1e-12, sum(v * v for v in values) / count / 32768**2))


@pytest.mark.parametrize(("name", "speech"), RECORDINGS.items())
def test_the_envelope_shows_the_speech_there(name: str, speech: tuple[int, int]) -> None:
    rate, pcm = read_wav(name)
    start, end = speech
    duration = len(pcm) // 2 * 1000 // rate
    inside = sorted(frame_dbfs(pcm, rate, ms, 100) for ms in range(start, end - 99, 100))
    outside = [frame_dbfs(pcm, rate, ms, 100) for ms in range(0, start - 99, 100)]
    outside += [frame_dbfs(pcm, rate, ms, 100) for ms in range(end, duration - 99, 100)]
    assert max(outside) < inside[len(inside) // 2] - 12
    assert frame_dbfs(pcm, rate, start, FRAME_MS) > -50
    assert frame_dbfs(pcm, rate, end - FRAME_MS, FRAME_MS) > -50
    assert frame_dbfs(pcm, rate, 0, FRAME_MS) < -60


@pytest.mark.parametrize(("name", "speech"), RECORDINGS.items())
def test_the_speech_in_the_recordings_is_found(name: str, speech: tuple[int, int]) -> None:
    rate, pcm = read_wav(name)
    start, end = speech
    chunk = 2 * rate // 10  # 100 ms appends, as a client streams them
    pieces = [pcm[i : i + chunk] for i in range(0, len(pcm), chunk)]

    [(onset, stop)] = segments(run(EnergyVad(sample_rate=rate, prefix_padding_ms=0), *pieces))
    assert abs(onset - start) <= 200
    assert abs(stop - end) <= 300
    [(padded, padded_stop)] = segments(run(EnergyVad(sample_rate=rate), *pieces))
    assert padded == max(0, onset - 300)
    assert padded_stop == stop

    # The background before and after the speech, alone, is not speech.
    lead = pcm[: 2 * (rate * max(0, start - 100) // 1000)]
    tail = pcm[2 * (rate * (end + 100) // 1000) :]
    assert run(EnergyVad(sample_rate=rate), lead) == []
    assert run(EnergyVad(sample_rate=rate), tail) == []
