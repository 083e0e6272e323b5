"""Every Python block of the README runs, against the embedded simulator, so that the
documentation cannot rot. A block may use names it leaves to the reader (a key, a socket, a
handler): each gets a stand-in here, and anything else it needs must be in the block."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import realtime_blocking
from realtime_blocking import SimulatorServer

import realtime_proto as rp
from realtime_proto.audio import wav_bytes

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def tone_wav() -> bytes:
    """A second of a loud square wave, then silence: speech for the simulator's VAD."""
    loud = b"".join(
        (8000 if (i // 40) % 2 else -8000).to_bytes(2, "little", signed=True) for i in range(24_000)
    )
    return wav_bytes(loud + bytes(24_000), rp.AudioFormat.PCM16)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "question.wav").write_bytes(tone_wav())
    return tmp_path


def run(block: str, **names: Any) -> tuple[dict[str, Any], str]:
    namespace: dict[str, Any] = {"__name__": "readme", **names}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(block, str(README), "exec"), namespace)  # our own README
    return namespace, out.getvalue()


def test_the_readme_has_its_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_python_block_of_the_readme_runs(index: int, in_tmp: Path) -> None:
    block = BLOCKS[index]
    if "sock.sendall" in block:
        run_the_sans_io_block(block)
        return
    stand_ins: dict[str, Any] = {
        "key": "sk-readme-example-key",
        "get_entra_token": lambda: "entra-token",
        "ConversationClient": realtime_blocking.ConversationClient,
    }
    _, printed = run(block, **stand_ins)
    if "print(conversation.last_turn_full_response_text)" in block:
        assert printed.strip(), "the conversation printed its reply"


def run_the_sans_io_block(block: str) -> None:
    """The core driven by hand: the block's socket is a plain one to a served simulator (the
    connection does not know about TLS, so the wss:// endpoint it names does not matter)."""
    events: list[rp.Event] = []
    with SimulatorServer() as server:
        address = server.url.split("//", 1)[1].split("/", 1)[0]
        host, port = address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            namespace, _ = run(
                block,
                key="sk-readme-example-key",
                sock=sock,
                handle=events.append,
                pcm16_24khz_chunk=bytes(4800),
            )
            for _ in range(50):
                if any(isinstance(event, rp.TurnFinished) for event in events):
                    break
                namespace["pump"]()
    kinds = [type(event) for event in events]
    assert kinds[:2] == [rp.Connected, rp.SessionCreated]
    assert rp.TurnFinished in kinds


SHELL_BLOCKS = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
TREE = re.search(r"```text\n(\s*RealtimeError.*?)```", README.read_text(), re.S)
# Commands a test cannot run inside the suite: installing, the suite itself, the benchmarks
# (minutes of measurement). Any other command of a shell block is run below.
NOT_RUN = ("python3 -m venv", ". .venv/bin/activate", "pip install", "python -m pytest")
NOT_RUN_PREFIX = ("python benchmarks/",)


def shell_commands() -> list[str]:
    commands: list[str] = []
    for block in SHELL_BLOCKS:
        for line in block.strip().splitlines():
            commands.extend(part.strip() for part in line.split("&&"))
    return commands


def test_every_command_of_the_readme_runs_or_is_an_install_a_benchmark_or_the_suite(
    in_tmp: Path,
) -> None:
    ran = 0
    for command in shell_commands():
        if command in NOT_RUN or command.startswith(NOT_RUN) or command.startswith(NOT_RUN_PREFIX):
            continue
        words = command.split()
        assert words[0] == "realtime-proto", f"a README command this test does not know: {command}"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("OPENAI_", "AZURE_OPENAI_"))
        }
        done = subprocess.run(
            [sys.executable, "-m", "realtime_cli", *words[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            env=environment,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        ran += 1
    assert ran >= 1
    assert (in_tmp / "reply.wav").stat().st_size > 44


def test_the_error_tree_of_the_readme_is_the_code_s() -> None:
    assert TREE is not None
    parents: list[tuple[int, str]] = []
    checked = 0
    for line in TREE.group(1).splitlines():
        match = re.match(
            r"^(\s*(?:[│ ]   |├── |└── )*)(\w+Error|LimitExceeded|WriteTimeout|ConnectTimeout)\b",
            line,
        )
        if match is None:
            continue
        depth = len(match.group(1))
        name = match.group(2)
        while parents and parents[-1][0] >= depth:
            parents.pop()
        cls = getattr(rp, name)
        if parents:
            assert cls.__bases__[0] is getattr(rp, parents[-1][1]), name
        parents.append((depth, name))
        checked += 1
    assert checked == 11
