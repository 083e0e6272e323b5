"""``realtime-proto replay FILE``: it serves the cassette to every client until Ctrl-C, tells
how each session ended (a divergence on stderr, naming its line and difference), and refuses
in one line a file that is not a cassette it can replay, or a port it cannot have."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from realtime_blocking import ConversationClient, ReplayServer
from realtime_blocking._serve import LoopbackServer
from realtime_cli import main

import realtime_proto as rp
from realtime_proto.cassette import HandshakeResponse
from tests.cassettes import Script, text_turn

TIMEOUT = 30.0


def cassette_file(tmp_path: Path, script: Script | None = None) -> Path:
    path = tmp_path / "turn.cassette.jsonl"
    path.write_bytes(b"".join((script or text_turn()).lines()))
    return path


def text_then_audio() -> Script:
    """The text turn, then audio in which the server hears speech start."""
    script = text_turn().command(rp.AppendAudio(audio=bytes(4800)))
    return script.events(rp.SpeechStarted(audio_start_ms=0, item_id="item_u2"))


def converse(url: str, words: str, audio: bytes = b"") -> None:
    """A text turn with ``url``, then ``audio`` (4,800 bytes: until the speech starts)."""
    with ConversationClient(url).start_conversation() as conversation:
        conversation.send_text(words)
        conversation.generate()
        try:
            for message in conversation.receive_messages():
                if isinstance(message, rp.TurnFinished):
                    conversation.send_audio(audio)
                    if len(audio) < 4800:
                        return
                if isinstance(message, rp.SpeechStarted):
                    return
        except rp.ConnectionClosedError:
            pass  # a divergence ends the connection


def test_replay_serves_and_tells_how_each_session_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cassette_file(tmp_path, text_then_audio())

    def serve_three_then_interrupt(self: ReplayServer) -> None:
        serving = threading.Thread(target=LoopbackServer.serve_forever, args=(self,))
        serving.start()
        converse(self.url, "Hello", bytes(4800))
        converse(self.url, "Hola")
        converse(self.url, "Hello", bytes(960))  # leaves before the speech is heard
        self.close()  # once the three sessions have ended
        serving.join(TIMEOUT)
        raise KeyboardInterrupt

    monkeypatch.setattr(ReplayServer, "serve_forever", serve_three_then_interrupt)
    assert main(["replay", str(path), "--port", "0"]) == 130
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith(f"replaying {path} (17 entries, ga dialect) on ws://127.0.0.1:")
    assert lines[0].endswith("/v1/realtime?model=replay")
    assert lines[1].startswith("openai package: AsyncOpenAI(websocket_base_url='ws://127.0.0.1:")
    assert lines[2].startswith("talk to it: realtime-proto converse --url 'ws://127.0.0.1:")
    assert "session 1: the client followed the whole recording" in lines
    assert "session 3: the client left before the end of the recording" in lines
    assert err.splitlines() == [
        "realtime-proto: session 2 diverged at cassette line 5 (entry 3): "
        "conversation.item.create differs in item.content[0].text: the client sent 'Hola', "
        "the recording has 'Hello'",
        "realtime-proto: interrupted",
    ]


def test_replay_paced_in_another_dialect_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cassette_file(tmp_path, text_turn(Script(rp.Dialect.PREVIEW)))
    made: list[ReplayServer] = []

    def interrupted(self: ReplayServer) -> None:
        made.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(ReplayServer, "serve_forever", interrupted)
    assert main(["replay", str(path), "--port", "0", "--pace"]) == 130
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith(f"replaying {path} (10 entries, preview dialect, at its recorded pace)")
    assert first.endswith("&dialect=preview")
    assert second.startswith("talk to it: ")
    (server,) = made
    assert server._new_session().replay.pace


def test_replay_returns_when_its_server_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ReplayServer, "serve_forever", ReplayServer.close)
    assert main(["replay", str(cassette_file(tmp_path)), "--port", "0"]) == 0


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read {path}: No such file or directory"),
        (b"not a cassette\n", "{path}: cassette line 1: malformed JSON"),
        (b"", "{path}: cassette line 1: the cassette is empty"),
    ],
)
def test_a_file_that_is_not_a_cassette_is_one_line(
    tmp_path: Path, content: bytes | None, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "file.jsonl"
    if content is not None:
        path.write_bytes(content)
    assert main(["replay", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("realtime-proto: error: " + said.format(path=path))


def test_a_cassette_that_cannot_be_replayed_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = Script()
    script.entries[1] = HandshakeResponse(at=0.05, status=302)
    path = cassette_file(tmp_path, script)
    assert main(["replay", str(path), "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        f"realtime-proto: error: {path}: cassette line 3: a handshake answered with HTTP 302 "
        "cannot be replayed (only 101 or 400-599 can); it cannot be replayed\n"
    )


def test_a_port_in_use_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = cassette_file(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["replay", str(path), "--port", str(port)]) == 1
    assert capsys.readouterr().err == (
        f"realtime-proto: error: cannot listen on 127.0.0.1:{port}: the port is in use; pick "
        "another --port (0: any free one)\n"
    )


def test_the_replay_command_serves_a_client_until_ctrl_c(tmp_path: Path) -> None:
    path = cassette_file(tmp_path)
    command = [sys.executable, "-m", "realtime_cli", "replay", str(path), "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().decode()
            url = first.rsplit(" on ", 1)[1].strip()
            got: list[Any] = []
            with ConversationClient(url).start_conversation() as conversation:
                conversation.send_text("Hello")
                conversation.generate()
                for message in conversation.receive_messages():
                    got.append(message)
                    if isinstance(message, rp.TurnFinished):
                        break
            assert conversation.last_turn_full_response_text == "Hi there!"
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=TIMEOUT)
        finally:
            process.kill()
    assert process.returncode == 130
    assert b"session 1: the client followed the whole recording" in out
    assert err == b"realtime-proto: interrupted\n"
