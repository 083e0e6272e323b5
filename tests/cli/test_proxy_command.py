"""``realtime-proto proxy --target URL``: it relays clients to the service with the key the
environment holds for it, records each connection, says whom it relays to and with what, ends
on Ctrl-C, and refuses in one line a target, a record path or a port that cannot work."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from realtime_blocking import ConversationClient, ProxyServer, SimulatorServer
from realtime_blocking._serve import LoopbackServer
from realtime_cli import main

import realtime_proto as rp
from realtime_proto.cassette import HandshakeRequest, read_cassette

TIMEOUT = 30.0
KEY = "azure-key-0123456789abcdef"


def one_turn(url: str) -> None:
    with ConversationClient(url).start_conversation() as conversation:
        conversation.send_text("Hello")
        conversation.generate()
        for message in conversation.receive_messages():
            if isinstance(message, rp.TurnFinished):
                return


def test_proxy_relays_with_the_services_key_and_records_until_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "run.jsonl"

    def relay_one_then_interrupt(self: ProxyServer) -> None:
        serving = threading.Thread(target=LoopbackServer.serve_forever, args=(self,))
        serving.start()
        one_turn(self.url)
        self.close()  # once the connection has ended
        serving.join(TIMEOUT)
        raise KeyboardInterrupt

    monkeypatch.setattr(ProxyServer, "serve_forever", relay_one_then_interrupt)
    with SimulatorServer() as simulator:
        environ = {
            "AZURE_OPENAI_ENDPOINT": f"http://127.0.0.1:{simulator.port}",
            "AZURE_OPENAI_API_KEY": KEY,
            "OPENAI_API_KEY": "sk-not-for-this-host-0123",
        }
        argv = ["proxy", "--target", simulator.url, "--port", "0", "--record", str(record)]
        assert main(argv, environ) == 130
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("proxy listening on ws://127.0.0.1:")
    assert lines[1] == (
        f"relaying to {simulator.url} (with AZURE_OPENAI_API_KEY; the clients' credentials dropped)"
    )
    assert lines[2] == f"recording to {record}"
    assert lines[3].startswith("openai package: AsyncOpenAI(websocket_base_url='ws://127.0.0.1:")
    assert lines[4] == f"connection 1 is over; recorded to {record}"
    assert err == "realtime-proto: interrupted\n"
    text = record.read_text()
    assert KEY not in text
    request = read_cassette(io.BytesIO(text.encode())).entries[0]
    assert isinstance(request, HandshakeRequest)
    assert ("api-key", "<redacted>") in request.headers


def test_proxy_without_a_key_for_the_target_says_so_and_returns_when_closed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[ProxyServer] = []

    def closed(self: ProxyServer) -> None:
        made.append(self)
        self.open_timeout = 0.05
        ours, theirs = socket.socketpair()
        with theirs:
            self._serve(ours)  # a client that says nothing: hung up on
        self.close()

    monkeypatch.setattr(ProxyServer, "serve_forever", closed)
    argv = ["proxy", "--target", "ws://127.0.0.1:9/v1/realtime", "--port", "0"]
    argv += ["--forward-credentials", "--dialect", "beta"]
    assert main(argv, {}) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "(no key: OPENAI_API_KEY goes only to api.openai.com" in lines[1]
    assert lines[1].endswith("; the clients' credentials forwarded)")
    assert lines[-1] == "connection 1 is over"
    (server,) = made
    assert server.forward_credentials
    assert server.upstream.dialect is rp.Dialect.BETA


@pytest.mark.parametrize(
    ("argv", "environ", "said"),
    [
        (["--target", "nope"], {}, "--target: unsupported scheme ''"),
        (["--target", "ws://[::1"], {}, "--target is not a URL"),
        (
            ["--target", "ws://api.openai.com/v1/realtime"],
            {"OPENAI_API_KEY": "sk-0123456789abcdef"},
            "--target is plain ws:// to api.openai.com, which would carry OPENAI_API_KEY",
        ),
        (
            ["--target", "ws://127.0.0.1/v1/realtime?dialect=klingon"],
            {},
            "--target asks for",
        ),
        (
            ["--target", "ws://127.0.0.1/v1/realtime", "--record", "/no/such/dir/x.jsonl"],
            {},
            "--record /no/such/dir/x.jsonl: no such directory",
        ),
    ],
)
def test_a_target_or_record_path_that_cannot_work_is_one_line(
    argv: list[str], environ: dict[str, str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proxy", *argv], environ) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("realtime-proto: error: " + said)


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        argv = ["proxy", "--target", "ws://127.0.0.1/v1/realtime", "--port", str(port)]
        assert main(argv, {}) == 1
    assert "the port is in use" in capsys.readouterr().err


def test_the_proxy_command_relays_a_client_until_ctrl_c() -> None:
    with SimulatorServer() as simulator:
        command = [sys.executable, "-m", "realtime_cli", "proxy", "--target", simulator.url]
        command += ["--port", "0"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            try:
                assert process.stdout is not None
                first = process.stdout.readline().decode()
                one_turn(first.rsplit(" on ", 1)[1].strip())
                process.send_signal(signal.SIGINT)
                out, err = process.communicate(timeout=TIMEOUT)
            finally:
                process.kill()
    assert process.returncode == 130
    assert b"connection 1 is over" in out
    assert err == b"realtime-proto: interrupted\n"
