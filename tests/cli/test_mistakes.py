"""The ``realtime-proto`` command's answer to every mistake: one line on stderr, saying what to
do, an exit status (2: usage, 1: a failure while running, 130: Ctrl-C), and no traceback.

Each mistake runs the command in a subprocess, as a user would, and again in this process
(``main``), which must print the same; variants of a mistake run in this process only. Every
server is a thread on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from realtime_blocking import SimulatorServer
from realtime_cli import main
from realtime_cli._converse import sample_utterance

from realtime_proto import AudioFormat
from realtime_proto.audio import wav_bytes
from realtime_proto.simulator import Simulator

TIMEOUT = 30.0  # every subprocess, and every wait in these tests
SIMULATOR_LINE = (
    "talking to the embedded simulator (set OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT and "
    "AZURE_OPENAI_API_KEY, or pass --url, to talk to a service)"
)
FAKE_KEY = "sk-test-" + "k" * 40


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any service configuration, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    return {**env, **extra}


def run_cli(*args: str, env: Mapping[str, str] | None = None) -> Ran:
    done = subprocess.run(
        [sys.executable, "-m", "realtime_cli", *args],
        env=clean_environment(env or {}),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    return Ran(done.returncode, done.stdout, done.stderr)


def call_main(capsys: pytest.CaptureFixture[str], *args: str, env: Mapping[str, str]) -> Ran:
    capsys.readouterr()
    try:
        code = main(list(args), env)
    except SystemExit as exited:  # the argument parser's own exits
        code = int(exited.code or 0)
    out, err = capsys.readouterr()
    return Ran(code, out, err)


def run_both(
    capsys: pytest.CaptureFixture[str], *args: str, env: Mapping[str, str] | None = None
) -> Ran:
    """The command in a subprocess, and ``main`` here: the same status and stderr."""
    ran = run_cli(*args, env=env)
    here = call_main(capsys, *args, env=env or {})
    assert (here.code, here.err) == (ran.code, ran.err)
    return ran


def usage_error(ran: Ran) -> str:
    """The one line of a usage error: exit status 2, nothing else on stderr or stdout."""
    assert ran.code == 2, ran
    (line,) = ran.err.splitlines()
    assert line.startswith("realtime-proto: error: ")
    assert ran.out == ""
    return line


def failure(ran: Ran, target: str) -> str:
    """The one line of a failure while running: exit status 1, after the target line."""
    assert ran.code == 1, ran
    first, line = ran.err.splitlines()
    assert first.startswith(f"talking to {target} ")
    assert line.startswith("realtime-proto: error: ")
    return line


# -- servers on 127.0.0.1 ---------------------------------------------------------------------


@contextlib.contextmanager
def serving(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A listener on 127.0.0.1 that runs ``handle`` on each connection in a thread; its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                continue
            sock.settimeout(TIMEOUT)
            threading.Thread(target=handle, args=(sock,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(TIMEOUT)
        listener.close()


def read_request(sock: socket.socket) -> bytes:
    request = b""
    while b"\r\n\r\n" not in request:
        piece = sock.recv(4096)
        if not piece:
            break
        request += piece
    return request


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- unreachable, refused, TLS ----------------------------------------------------------------


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/v1/realtime"
    line = failure(run_both(capsys, "converse", "--url", url, "--text", "hi"), url)
    assert line.startswith(f"realtime-proto: error: cannot connect to {url[5:20]}")
    assert line.endswith("; check --url, or start a server there ('realtime-proto serve')")


def test_a_server_that_never_answers_times_out(capsys: pytest.CaptureFixture[str]) -> None:
    held: list[socket.socket] = []
    with serving(held.append) as port:
        url = f"ws://127.0.0.1:{port}/v1/realtime"
        ran = run_both(capsys, "converse", "--url", url, "--text", "hi", "--timeout", "0.2")
    line = failure(ran, url)
    assert line == (
        "realtime-proto: error: the opening handshake timed out; check --url, or start a server "
        "there ('realtime-proto serve'), or allow more time with --timeout"
    )
    for sock in held:
        sock.close()


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (401, "; no key was sent: OPENAI_API_KEY goes only to api.openai.com, "),
        (429, "; too many requests or no quota left: wait and retry, or check the plan"),
    ],
)
def test_a_refusal_shows_its_status_and_body(
    status: int, advice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    requests: list[bytes] = []
    body = b'{"error": {"code": "refused", "message": "Incorrect API key provided."}}'

    def refuse(sock: socket.socket) -> None:
        with sock:
            requests.append(read_request(sock))
            sock.sendall(
                f"HTTP/1.1 {status} No\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )

    with serving(refuse) as port:
        url = f"ws://127.0.0.1:{port}/v1/realtime"
        ran = run_both(
            capsys, "converse", "--url", url, "--text", "hi", env={"OPENAI_API_KEY": FAKE_KEY}
        )
    assert ran.err.splitlines()[0] == (
        f"talking to {url} (from --url; not sent: OPENAI_API_KEY goes only to api.openai.com)"
    )
    line = failure(ran, url)
    assert line.startswith(
        f"realtime-proto: error: {url} refused the connection: HTTP {status} "
        '{"error": {"code": "refused", "message": "Incorrect API key provided."}}' + advice
    )
    assert len(requests) == 2  # the subprocess, then main
    assert all(FAKE_KEY.encode() not in request for request in requests)  # not its service
    assert FAKE_KEY not in ran.out + ran.err


def test_a_certificate_that_does_not_verify(capsys: pytest.CaptureFixture[str]) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)  # a CA nobody trusts

    def speak_tls(sock: socket.socket) -> None:
        with contextlib.suppress(OSError), context.wrap_socket(sock, server_side=True):
            pass  # the client gives up during the handshake

    with serving(speak_tls) as port:
        url = f"wss://127.0.0.1:{port}/v1/realtime"
        line = failure(run_both(capsys, "converse", "--url", url, "--text", "hi"), url)
    assert line.startswith(
        f"realtime-proto: error: TLS with 127.0.0.1:{port} failed: certificate verify failed"
    )
    assert line.endswith(
        "; check that the server speaks TLS (ws:// for a plain one) with a certificate this "
        "machine trusts"
    )


# -- serve ------------------------------------------------------------------------------------


def test_serve_refuses_an_invalid_port(capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(run_both(capsys, "serve", "--port", "99999"))
    assert line == (
        "realtime-proto: error: argument --port: 99999 is not a port number: give 0 to 65535 "
        "(0: any free one); see 'realtime-proto serve --help'"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["serve", "--port", "-1"], "argument --port: -1 is not a port number"),
        (["serve", "--port", "http"], "argument --port: 'http' is not a port number"),
        (["serve", "--session-duration", "0"], "argument --session-duration: '0' is not a "),
        (["converse", "--timeout", "soon"], "argument --timeout: 'soon' is not a positive "),
        (["converse", "--dialect", "v2"], "argument --dialect: invalid choice: 'v2' (choose "),
        (
            ["talk"],
            "argument {converse,serve,replay,proxy,conformance}: invalid choice: 'talk' (choose ",
        ),
    ],
)
def test_bad_arguments_take_one_line(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = usage_error(call_main(capsys, *args, env={}))
    assert line.startswith(f"realtime-proto: error: {said}")
    assert line.endswith(" --help'")


def test_serve_on_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        ran = run_both(capsys, "serve", "--port", str(port))
    assert ran.code == 1
    assert ran.err == (
        f"realtime-proto: error: cannot listen on 127.0.0.1:{port}: the port is in use; pick "
        "another --port (0: any free one)\n"
    )


# -- files ------------------------------------------------------------------------------------


def test_out_into_a_missing_directory_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "reply.wav"
    unreachable = f"ws://127.0.0.1:{closed_port()}/v1/realtime"  # never tried: exit status 2
    ran = run_both(capsys, "converse", "--text", "hi", "--out", str(out), "--url", unreachable)
    assert usage_error(ran) == (
        f"realtime-proto: error: --out {out}: {out.parent} does not exist; create it, or "
        "write elsewhere"
    )


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("file.txt/reply.wav", "{tmp}/file.txt is not a directory; create it, or write elsewhere"),
        ("", "is a directory: name a file in it, like {tmp}/reply.wav"),
    ],
)
def test_out_that_is_no_file_is_refused(
    where: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("not a directory")
    out = str(tmp_path / where) if where else str(tmp_path)
    line = usage_error(call_main(capsys, "converse", "--text", "hi", "--out", out, env={}))
    assert line.startswith(f"realtime-proto: error: --out {out}")
    assert line.endswith(said.format(tmp=tmp_path))


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where none may write")
def test_out_without_write_permission_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(run_both(capsys, "converse", "--text", "hi", "--out", "/proc/reply.wav"))
    assert line.startswith("realtime-proto: error: --out /proc/reply.wav cannot be written (")
    assert line.endswith("); choose another path")
    assert not Path("/proc/reply.wav").exists()


def test_a_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "question.wav"
    line = usage_error(run_both(capsys, "converse", str(missing)))
    assert line == (
        f"realtime-proto: error: cannot read {missing}: no such file; give the path of a WAV "
        "file, or --text to type"
    )


def test_an_input_that_is_not_a_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("What's the weather like?")
    line = usage_error(run_both(capsys, "converse", str(notes)))
    assert line == (
        f"realtime-proto: error: cannot read {notes}: not a WAV file (no RIFF/WAVE header); "
        "convert it to WAV, or type with --text"
    )


def test_a_truncated_wav_is_sent_with_a_warning(tmp_path: Path) -> None:
    whole = wav_bytes(sample_utterance(), AudioFormat.PCM16)  # 1800 ms
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) - 48 * 500])  # the header still says 1800 ms
    ran = run_cli("converse", str(cut))
    assert ran.code == 0
    assert ran.err.splitlines() == [
        SIMULATOR_LINE,
        f"realtime-proto: warning: {cut} is truncated (its header promises more audio than the "
        "file holds); sending the 1300 ms it has",
    ]
    assert "[input_speech_started]" in ran.out
    assert "[turn_finished] completed" in ran.out


# -- options that contradict each other -------------------------------------------------------

AZURE = {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_API_KEY": "k" * 32}


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (
            ["converse", "question.wav", "--text", "hi"],
            {},
            "give a WAV file (question.wav) or --text, not both",
        ),
        (
            ["converse", "--simulator", "--url", "ws://127.0.0.1:9/v1/realtime"],
            {},
            "--simulator and --url both choose whom to talk to: give one of them",
        ),
        (
            ["converse", "--dialect", "preview"],
            {"OPENAI_API_KEY": FAKE_KEY},
            "--dialect preview is for the simulator and --url, but OPENAI_API_KEY chooses "
            "wss://api.openai.com/v1/realtime?model=gpt-realtime, which speaks ga: add "
            "--simulator or --url URL, or drop --dialect",
        ),
    ],
)
def test_contradicting_options_are_refused(
    args: list[str], env: dict[str, str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert usage_error(run_both(capsys, *args, env=env)) == f"realtime-proto: error: {said}"


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["converse", "--text", " "], {}, "--text is empty: give the words to send"),
        (
            ["converse", "--dialect", "beta"],
            AZURE,
            "--dialect beta is for the simulator and --url, but AZURE_OPENAI_ENDPOINT chooses "
            "wss://res.openai.azure.com/openai/v1/realtime?model=gpt-realtime, which speaks ga: "
            "add --simulator or --url URL, or drop --dialect",
        ),
        (
            ["converse", "--dialect", "ga", "--url", "ws://127.0.0.1:9/v1?dialect=preview"],
            {},
            "--dialect ga contradicts the dialect=preview of --url: drop one of them",
        ),
        (
            ["converse"],
            {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com"},
            "AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not: set it, or unset "
            "AZURE_OPENAI_ENDPOINT, or pass --simulator",
        ),
    ],
)
def test_options_that_cannot_work_are_refused(
    args: list[str], env: dict[str, str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert usage_error(call_main(capsys, *args, env=env)) == f"realtime-proto: error: {said}"


# -- Ctrl-C -----------------------------------------------------------------------------------


def read_until(process: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """Read ``process``'s stdout until ``marker`` shows."""
    assert process.stdout is not None
    seen, deadline = b"", time.monotonic() + TIMEOUT
    while marker not in seen:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        piece = os.read(process.stdout.fileno(), 4096) if ready else b""
        assert piece, f"no {marker!r} in {seen!r}"
        seen += piece
    return seen


def interrupt(process: subprocess.Popen[bytes], seen: bytes = b"") -> Ran:
    """Ctrl-C: exit status 130, one line, no traceback. ``seen``: the output read already."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT)
    ran = Ran(process.returncode, (seen + out).decode(), err.decode())
    assert "Traceback" not in ran.out + ran.err
    assert ran.code == 130, ran
    assert ran.err.splitlines()[-1] == "realtime-proto: interrupted"
    return ran


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "realtime_cli", *args],
        env=clean_environment({}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ctrl_c_while_connecting() -> None:
    asked = threading.Event()
    held: list[socket.socket] = []

    def hold(sock: socket.socket) -> None:
        held.append(sock)
        read_request(sock)
        asked.set()

    with serving(hold) as port:
        process = start("converse", "--url", f"ws://127.0.0.1:{port}/v1/realtime")
        try:
            assert asked.wait(TIMEOUT)  # the command is waiting for the upgrade's answer
            started = time.monotonic()
            ran = interrupt(process)
            assert time.monotonic() - started < 3  # no wait for a closing handshake
        finally:
            process.kill()
    assert ran.out == ""
    assert len(ran.err.splitlines()) == 2  # the target line, then the interruption
    for sock in held:
        sock.close()


def test_ctrl_c_while_the_reply_streams(tmp_path: Path) -> None:
    speech = tmp_path / "speech.wav"
    speech.write_bytes(wav_bytes(sample_utterance() * 4, AudioFormat.PCM16))  # 7.2 s
    with SimulatorServer(simulator=lambda: Simulator(pace_audio=True)) as server:
        process = start("converse", str(speech), "--url", server.url)  # a reply of 7.7 s
        try:
            ran = interrupt(process, read_until(process, b"assistant: "))
        finally:
            process.kill()
    assert "[turn_finished]" not in ran.out
    assert ran.out.endswith("\n")  # the streamed line was ended


def test_ctrl_c_stops_serve() -> None:
    process = start("serve", "--port", "0")
    try:
        ran = interrupt(process, read_until(process, b"talk to it: "))
    finally:
        process.kill()
    assert ran.err == "realtime-proto: interrupted\n"


# -- the version ------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from realtime_proto import __version__

    ran = run_both(capsys, "--version")
    assert (ran.code, ran.out, ran.err) == (0, f"realtime-proto {__version__}\n", "")
