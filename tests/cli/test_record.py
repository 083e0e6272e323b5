"""``realtime-proto converse --record FILE``: the conversation, as a cassette, against the
embedded simulator on a socket; a file that cannot be written is a one-line mistake."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from realtime_cli import main

from realtime_proto.cassette import Direction, TextFrame, read_cassette

NO_SERVICE: dict[str, str] = {}


def test_record_writes_the_conversation_as_a_cassette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "turn.jsonl"
    assert main(["converse", "--text", "Hello there", "--record", str(path)], NO_SERVICE) == 0
    assert f"conversation recorded to {path}" in capsys.readouterr().out
    cassette = read_cassette(path.read_bytes())
    assert cassette.header.dialect == "ga"
    kinds = [entry.kind for entry in cassette.entries]
    assert kinds[:2] == ["request", "response"]
    assert kinds[-2:] == ["close", "close"]
    texts = [e for e in cassette.entries if isinstance(e, TextFrame)]
    sent = [json.loads(e.text)["type"] for e in texts if e.direction is Direction.CLIENT]
    assert sent[:3] == ["session.update", "conversation.item.create", "response.create"]
    heard = [json.loads(e.text)["type"] for e in texts if e.direction is Direction.SERVER]
    assert heard[0] == "session.created"
    assert "response.done" in heard


def test_record_to_a_missing_directory_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing" / "turn.jsonl"
    assert main(["converse", "--text", "Hi", "--record", str(path)], NO_SERVICE) == 2
    said = capsys.readouterr().err
    assert said == (
        f"realtime-proto: error: --record {path}: {path.parent} does not exist; create it, "
        "or write elsewhere\n"
    )


def test_record_to_a_directory_names_a_file_to_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["converse", "--text", "Hi", "--record", str(tmp_path)], NO_SERVICE) == 2
    assert f"like {tmp_path / 'conversation.jsonl'}" in capsys.readouterr().err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_recording_that_cannot_be_written_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["converse", "--text", "Hi", "--record", "/dev/full"], NO_SERVICE) == 1
    said = capsys.readouterr().err.splitlines()
    assert said[-1] == "realtime-proto: error: cannot record to /dev/full: No space left on device"
