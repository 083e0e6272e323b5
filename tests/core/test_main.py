"""The ``realtime-proto`` command: a conversation with the embedded simulator, in memory."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from realtime_proto.__main__ import main

SHARED_AUDIO = Path(__file__).resolve().parents[3] / "shared" / "data" / "audio"


def test_text_turn_prints_the_reply_and_writes_a_playable_wav(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reply.wav"
    assert main(["converse", "--text", "Hello there", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "You said: Hello there" in printed
    assert "full text: You said: Hello there" in printed
    assert f"reply audio written to {out}" in printed
    with wave.open(str(out), "rb") as reply:
        assert (reply.getnchannels(), reply.getsampwidth(), reply.getframerate()) == (1, 2, 24000)
        assert reply.getnframes() == 24000 * 600 // 1000


def test_default_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "[turn_finished] completed" in capsys.readouterr().out


@pytest.mark.skipif(not SHARED_AUDIO.is_dir(), reason="the shared recordings are not beside")
def test_audio_turn_echoes_the_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SHARED_AUDIO / "whats_the_weather_pcm16_24khz_mono.wav"
    out = tmp_path / "reply.wav"
    assert main(["converse", str(source), "--out", str(out)]) == 0
    with wave.open(str(source), "rb") as original, wave.open(str(out), "rb") as reply:
        assert reply.readframes(reply.getnframes()) == original.readframes(original.getnframes())
    assert "I heard 3265 ms of audio" in capsys.readouterr().out


@pytest.mark.skipif(not SHARED_AUDIO.is_dir(), reason="the shared recordings are not beside")
def test_audio_in_another_format_is_refused_with_a_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["converse", str(SHARED_AUDIO / "1-tardigrades.wav")]) == 2
    assert "PCM16, 24 kHz, mono" in capsys.readouterr().err
