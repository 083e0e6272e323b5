"""What ``realtime-proto`` says about whom it talks to, which key goes where, how it words each
failure, and the simulator it serves in another dialect."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest
from realtime_blocking import SimulatorServer
from realtime_cli import main
from realtime_cli._converse import _write_reply
from realtime_cli._errors import CommandError, UsageError, describe_failure
from realtime_cli._inputs import check_out, read_input
from realtime_cli._printer import Printer
from realtime_cli._serve import _cannot_listen
from realtime_cli._target import choose_target

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from realtime_proto.simulator import Simulator

KEY = "sk-test-" + "k" * 40
AZURE = {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_API_KEY": "a" * 32}
ELSEWHERE = "another --url"


def sent_headers(environ: dict[str, str], url: str) -> dict[str, str]:
    endpoint = choose_target(environ, url=url).client.settings.target.endpoint()
    return {name.lower(): value for name, value in endpoint.headers}


# -- the first line ---------------------------------------------------------------------------


def test_the_first_line_names_the_service_and_how_to_change_it() -> None:
    assert choose_target({"OPENAI_API_KEY": KEY}).line == (
        "talking to wss://api.openai.com/v1/realtime?model=gpt-realtime (OPENAI_API_KEY is set; "
        "--simulator to stay offline, --url URL for another server)"
    )
    assert choose_target({**AZURE, "AZURE_OPENAI_API_VERSION": "2024-10-01-preview"}).line == (
        "talking to wss://res.openai.azure.com/openai/realtime?api-version=2024-10-01-preview"
        "&deployment=gpt-realtime (AZURE_OPENAI_ENDPOINT is set; --simulator to stay offline, "
        "--url URL for another server)"
    )
    assert choose_target({"OPENAI_API_KEY": KEY}, simulator=True).line == (
        "talking to the embedded simulator (--simulator; drop it to talk to the service "
        "OPENAI_API_KEY names)"
    )
    assert choose_target(AZURE, simulator=True, dialect=rp.Dialect.PREVIEW).line == (
        "talking to the embedded simulator (preview dialect) (--simulator; drop it to talk to "
        "the service AZURE_OPENAI_ENDPOINT names)"
    )


def test_a_dialect_the_service_speaks_anyway_is_accepted() -> None:
    preview = {**AZURE, "AZURE_OPENAI_API_VERSION": "2024-10-01-preview"}
    target = choose_target(preview, dialect=rp.Dialect.BETA)  # that URL speaks beta
    assert target.client.settings.target.endpoint().dialect is rp.Dialect.BETA
    assert choose_target({"OPENAI_API_KEY": KEY}, dialect=rp.Dialect.GA).key_hint == (
        "check OPENAI_API_KEY (and OPENAI_REALTIME_MODEL)"
    )


# -- --url and the keys -----------------------------------------------------------------------


def test_a_key_goes_only_to_its_own_service() -> None:
    both = {"OPENAI_API_KEY": KEY, **AZURE}
    openai = choose_target(both, url="wss://api.openai.com/v1/realtime?model=gpt-realtime")
    assert openai.why == (
        "from --url, with OPENAI_API_KEY; not sent: AZURE_OPENAI_API_KEY only to the host of "
        "AZURE_OPENAI_ENDPOINT"
    )
    assert sent_headers(both, openai.description)["authorization"] == f"Bearer {KEY}"
    azure_url = "wss://res.openai.azure.com/openai/v1/realtime?model=rt"
    assert sent_headers(both, azure_url)["api-key"] == "a" * 32
    assert choose_target(both, url=azure_url).key_hint == "check AZURE_OPENAI_API_KEY"
    local = choose_target(both, url="ws://127.0.0.1:8765/v1/realtime")
    assert local.why == (
        "from --url; not sent: OPENAI_API_KEY goes only to api.openai.com, AZURE_OPENAI_API_KEY "
        "only to the host of AZURE_OPENAI_ENDPOINT"
    )
    assert sent_headers(both, "ws://127.0.0.1:8765/v1/realtime") == {}
    assert choose_target({}, url="ws://127.0.0.1:8765/v1/realtime").why == "from --url"


def test_the_url_names_the_dialect() -> None:
    target = choose_target({}, url="ws://127.0.0.1:8765/v1/realtime?model=m&dialect=preview")
    assert target.client.settings.target.endpoint().dialect is rp.Dialect.PREVIEW


@pytest.mark.parametrize(
    ("environ", "url", "said"),
    [
        (
            {"OPENAI_API_KEY": KEY},
            "ws://api.openai.com/v1/realtime",
            "--url is plain ws:// to api.openai.com, which would carry OPENAI_API_KEY "
            "unencrypted: use wss://",
        ),
        (
            {},
            "ftp://127.0.0.1/v1",
            "--url: unsupported scheme 'ftp': use ws://, wss://, http(s)://",
        ),
        ({}, "ws://[::1/v1", "--url is not a URL: Invalid IPv6 URL"),
        (
            {},
            "ws://127.0.0.1:9/v1?dialect=v9",
            "--url asks for dialect=v9, which is none of ga, beta, preview",
        ),
    ],
)
def test_a_url_that_cannot_work_is_refused(environ: dict[str, str], url: str, said: str) -> None:
    with pytest.raises(UsageError) as refused:
        choose_target(environ, url=url)
    assert str(refused.value) == said


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        (
            {"AZURE_OPENAI_ENDPOINT": "res.openai.azure.com", "AZURE_OPENAI_API_KEY": "a"},
            "AZURE_OPENAI_ENDPOINT: the Azure endpoint must be a URL like "
            "https://NAME.openai.azure.com",
        ),
        ({"OPENAI_API_KEY": "  "}, "OPENAI_API_KEY: api_key must be a non-empty string"),
    ],
)
def test_an_environment_that_cannot_work_is_refused(environ: dict[str, str], said: str) -> None:
    with pytest.raises(UsageError) as refused:
        choose_target(environ)
    assert str(refused.value) == said


# -- how failures are worded ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            rp.HandshakeError(403, "forbidden\n  here"),
            "X refused the connection: HTTP 403 forbidden here; KEY",
        ),
        (
            rp.HandshakeError(404, ""),
            "X refused the connection: HTTP 404; check the URL and the model or deployment name",
        ),
        (
            rp.HandshakeError(500, "x" * 300),
            "X refused the connection: HTTP 500 " + "x" * 197 + "...",
        ),
        (
            rp.ConnectionClosedError(1011, "boom"),
            "the conversation ended before the reply was "
            "complete: the connection is closed: code 1011 (boom), by remote",
        ),
        (rp.TransportError("gone"), "gone"),
    ],
)
def test_each_failure_says_what_to_check(error: rp.TransportError, said: str) -> None:
    assert describe_failure(error, "X", reach_hint="REACH", key_hint="KEY") == said


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            socket.gaierror(-2, "Name or service not known"),
            "Name or service not known; check --host",
        ),
        (
            OSError(errno.EACCES, "no"),
            "permission denied; use a --port above 1023 (0: any free one)",
        ),
        (
            OSError(errno.EADDRNOTAVAIL, "no"),
            "no interface of this machine has that address; check --host",
        ),
        (OSError(errno.EPERM, "Operation not permitted"), "Operation not permitted"),
    ],
)
def test_each_listening_failure_says_what_to_check(error: OSError, said: str) -> None:
    assert _cannot_listen("h", 1, error) == f"cannot listen on h:1: {said}"


def test_files_that_cannot_be_read_or_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UsageError, match=r"^cannot read x+: File name too long$"):
        read_input("x" * 5000)
    with pytest.raises(UsageError, match=r"^cannot read .*: it is a directory; give a WAV file$"):
        read_input(str(tmp_path))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(wav_bytes(bytes(48 * 400), rp.AudioFormat.PCM16)[:-4800])
    audio, notes = read_input(str(cut))
    assert len(audio) == 48 * 300
    assert notes == [
        f"realtime-proto: warning: {cut} is truncated (its header promises more audio than the "
        "file holds); sending the 300 ms it has"
    ]
    kept = tmp_path / "kept.wav"
    kept.write_bytes(b"old")
    check_out(str(kept))  # an existing file may be replaced, and stays as it is until then
    assert kept.read_bytes() == b"old"
    check_out(str(tmp_path / "new.wav"))
    assert not (tmp_path / "new.wav").exists()
    with pytest.raises(CommandError, match=r"^cannot write .*: No such file or directory$"):
        _write_reply(str(tmp_path / "gone" / "reply.wav"), b"RIFF")
    _write_reply(str(kept), None)
    assert capsys.readouterr().err == f"no reply audio: {kept} not written\n"


# -- Ctrl-C, in this process -----------------------------------------------------------------


def test_ctrl_c_ends_the_streamed_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = Printer.show

    def interrupted(self: Printer, event: rp.Event) -> None:
        shown(self, event)
        if isinstance(event, (rp.OutputTranscriptDelta, rp.TextDelta)):
            raise KeyboardInterrupt

    monkeypatch.setattr(Printer, "show", interrupted)
    assert main(["converse", "--text", "Hello"], {}) == 130
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].startswith("assistant: You")
    assert out.endswith("\n")  # the streamed line was ended
    assert "[turn_finished]" not in out
    assert err.splitlines()[-1] == "realtime-proto: interrupted"


# -- serve --dialect --------------------------------------------------------------------------


def test_serve_prints_the_url_of_its_dialect(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[Simulator] = []

    def once(self: SimulatorServer) -> None:
        made.append(self._new_simulator())

    monkeypatch.setattr(SimulatorServer, "serve_forever", once)
    assert main(["serve", "--port", "0", "--dialect", "preview"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("simulator listening on ws://127.0.0.1:")
    assert lines[0].endswith("/v1/realtime?model=simulated-realtime&dialect=preview")
    assert lines[1] == (
        "it speaks preview to clients whose URL names no dialect (dialect=ga, beta or preview in "
        "the query chooses)"
    )
    assert lines[2] == f"talk to it: realtime-proto converse --url '{lines[0][23:]}'"
    (simulator,) = made
    assert simulator.default_dialect is rp.Dialect.PREVIEW


@pytest.mark.parametrize(
    ("url", "dialect"),
    [("{url}", "preview"), ("{url}&dialect=preview", None), ("{url}&dialect=ga", None)],
)
def test_the_served_dialect_unless_the_client_asks_for_another(
    url: str, dialect: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    def simulator() -> Simulator:
        return Simulator(default_dialect=rp.Dialect.PREVIEW)

    with SimulatorServer(simulator=simulator) as server:
        args = ["converse", "--url", url.format(url=server.url), "--text", "Hello there"]
        assert main(args + (["--dialect", dialect] if dialect else []), {}) == 0
    assert "full text: You said: Hello there" in capsys.readouterr().out


def test_a_clean_up_that_fails_after_ctrl_c_is_still_an_interruption(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import realtime_cli._command as command

    def interrupted_at_a_bad_moment(*args: object, **options: object) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise RuntimeError("cannot join thread before it is started") from None

    monkeypatch.setattr(command, "converse", interrupted_at_a_bad_moment)
    assert main(["converse"], {}) == 130
    assert capsys.readouterr().err == "realtime-proto: interrupted\n"

    def broken(*args: object, **options: object) -> int:
        raise RuntimeError("a fault of the command itself")

    monkeypatch.setattr(command, "converse", broken)
    with pytest.raises(RuntimeError, match="a fault of the command itself"):
        main(["converse"], {})  # a bug keeps its traceback
