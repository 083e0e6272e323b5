"""The ``realtime-proto`` command, end to end against the embedded simulator on a socket."""

from __future__ import annotations

import runpy
import sys
import wave
from pathlib import Path

import pytest
from realtime_cli import main
from realtime_cli._converse import choose_client, sample_utterance

RECORDINGS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
NO_SERVICE: dict[str, str] = {}


def frames_of(path: Path) -> bytes:
    with wave.open(str(path), "rb") as source:
        assert (source.getnchannels(), source.getsampwidth(), source.getframerate()) == (
            1,
            2,
            24_000,
        )
        return source.readframes(source.getnframes())


def test_text_turn_prints_the_reply_and_writes_a_playable_wav(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reply.wav"
    assert main(["converse", "--text", "Hello there", "--out", str(out)], NO_SERVICE) == 0
    printed, said = capsys.readouterr()
    assert said.splitlines()[0] == (
        "talking to the embedded simulator (set OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT and "
        "AZURE_OPENAI_API_KEY, or pass --url, to talk to a service)"
    )
    assert "assistant: You said: Hello there" in printed
    assert "full text: You said: Hello there" in printed
    assert f"reply audio written to {out}" in printed
    assert len(frames_of(out)) == 48 * 600


def test_default_command_says_a_generated_utterance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], NO_SERVICE) == 0
    printed = capsys.readouterr().out
    assert "[input_speech_started] at " in printed
    assert "[input_speech_stopped] at " in printed
    assert "you (transcribed): (" in printed
    assert "full text: I heard " in printed
    assert "[turn_finished] completed" in printed


def test_a_tool_call_is_printed_answered_and_used(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["converse", "--text", "What's the weather in Paris?"], NO_SERVICE) == 0
    printed = capsys.readouterr().out
    assert '[tool call] get_weather({"input":"What\'s the weather in Paris?"})' in printed
    assert "[tool output] get_weather -> " in printed
    assert "full text: The tool answered: get_weather returned " in printed


def test_an_audio_file_in_and_the_echo_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = RECORDINGS_DIR / "whats_the_weather_pcm16_24khz_mono.wav"
    out = tmp_path / "reply.wav"
    assert main(["converse", str(source), "--out", str(out)], NO_SERVICE) == 0
    printed = capsys.readouterr().out
    assert "[input_speech_started]" in printed
    assert "you (transcribed): (" in printed
    said = frames_of(source) + bytes(48 * 1200)  # the command adds silence to end the turn
    echoed = frames_of(out)
    assert said.startswith(echoed)  # the committed audio, through the end of the speech
    assert len(echoed) >= 48 * 2600
    assert f"reply audio written to {out}" in printed


@pytest.mark.parametrize("name", ["1-tardigrades.wav", "audio_hello_world.wav"])
def test_audio_in_another_format_is_converted(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["converse", str(RECORDINGS_DIR / name)], NO_SERVICE) == 0
    printed, said = capsys.readouterr()
    assert said.splitlines()[1].endswith(" to PCM16 24 kHz mono")  # after the target line
    assert "[input_speech_started]" in printed
    assert "[turn_finished] completed" in printed


def test_an_unreadable_file_is_refused_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert main(["converse", str(bad)], NO_SERVICE) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_environment_chooses_the_service() -> None:
    azure = choose_client(
        {
            "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
            "AZURE_OPENAI_API_KEY": "k" * 32,
            "AZURE_OPENAI_DEPLOYMENT": "rt",
        },
        simulator=False,
    )
    assert azure.settings.target.description == (
        "wss://res.openai.azure.com/openai/v1/realtime?model=rt"
    )
    legacy = choose_client(
        {
            "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
            "AZURE_OPENAI_API_KEY": "k" * 32,
            "AZURE_OPENAI_API_VERSION": "2024-10-01-preview",
        },
        simulator=False,
    )
    assert "api-version=2024-10-01-preview" in legacy.settings.target.description
    openai = choose_client({"OPENAI_API_KEY": "sk-" + "x" * 40}, simulator=False)
    assert openai.settings.target.description.startswith("wss://api.openai.com/v1/realtime")
    assert "x" * 40 not in repr(openai)
    forced = choose_client({"OPENAI_API_KEY": "sk-x"}, simulator=True)
    assert forced.settings.target.simulator


def test_the_sample_utterance_is_speech_then_pause() -> None:
    audio = sample_utterance()
    assert len(audio) == 2 * 24_000 * 18 // 10
    assert audio[: 2 * 24_000 * 3 // 10] == bytes(2 * 24_000 * 3 // 10)


def test_serve_prints_where_it_listens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from realtime_blocking import SimulatorServer

    made = []

    def interrupted(self: SimulatorServer) -> None:
        made.append(self._new_simulator())  # what each connection would be served by
        raise KeyboardInterrupt

    monkeypatch.setattr(SimulatorServer, "serve_forever", interrupted)
    assert main(["serve", "--port", "0", "--pace-audio", "--session-duration", "60"]) == 130
    printed = capsys.readouterr().out
    assert "simulator listening on ws://127.0.0.1:" in printed
    assert "AsyncOpenAI(websocket_base_url='ws://127.0.0.1:" in printed
    (simulator,) = made
    assert simulator.next_deadline() == float("-inf")  # paced and expiring: wants the clock


def test_silence_is_finished_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import realtime_cli._converse as command

    from realtime_proto import AudioFormat
    from realtime_proto.audio import wav_bytes

    monkeypatch.setattr(command, "_NO_SPEECH_WAIT", 0.2)
    quiet = tmp_path / "quiet.wav"
    quiet.write_bytes(wav_bytes(bytes(48 * 500), AudioFormat.PCM16))
    assert main(["converse", str(quiet)], NO_SERVICE) == 0
    printed = capsys.readouterr().out
    assert "[input_speech_started]" not in printed  # nothing heard, so the turn was ended here
    assert "full text: I heard 1700 ms of speech" in printed  # all of it, silence included


def test_the_printer_describes_errors_and_closes(capsys: pytest.CaptureFixture[str]) -> None:
    from realtime_cli._printer import Printer

    import realtime_proto as rp

    printer = Printer()
    printer.show(rp.ServerError(error=rp.ErrorDetail(code="oops", message="bad")))
    printer.show(rp.ConnectionClosed(code=1001))
    printer.show(rp.ItemDeleted(item_id="x"))  # not worth a line
    assert capsys.readouterr().out == "[error] oops: bad\n[connection_closed] 1001\n"


def test_python_dash_m_runs_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["realtime_cli", "--help"])
    monkeypatch.delitem(sys.modules, "realtime_cli.__main__", raising=False)
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("realtime_cli", run_name="__main__")
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: realtime-proto ")
