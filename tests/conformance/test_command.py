"""``realtime-proto conformance``: ``run`` with its reports and exit status, ``serve`` for a
client of any kind."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from realtime_blocking._serve import LoopbackServer
from realtime_cli import main
from realtime_conformance import BlockingAdapter, ConformanceServer

from realtime_proto.testing.conformance import CASES, Observation


def test_run_prints_the_table_and_writes_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, page = tmp_path / "report.json", tmp_path / "report.html"
    argv = ["conformance", "run", "--client", "blocking", "--case", "2.3", "--case", "3.5"]
    assert main([*argv, "--json", str(report), "--html", str(page)]) == 0
    printed = capsys.readouterr().out
    assert "2.3    Unknown event types  pass" in printed
    assert printed.endswith("blocking: 2 of 2 cases passed\n")
    document = json.loads(report.read_text())
    assert (document["passed"], document["total"]) == (2, 2)
    assert document["results"][1]["observed"]["error"] == "HandshakeError"
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "401 on connect" in html
    assert "src=" not in html
    assert "href=" not in html


def test_a_failed_case_fails_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["conformance", "run", "--client", "tests.conformance.broken:make_swallower"]
    assert main([*argv, "--case", "3.6"]) == 1
    printed = capsys.readouterr().out
    assert "3.6    429 on connect  FAIL" in printed
    assert "- the client raised no error (one mentioning '429' was due)" in printed


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--client", "blocking", "--case", "9.9"], "no case '9.9': the cases are 1.1, 1.2"),
        (["--client", "nobody"], "cannot load the adapter 'nobody': no adapter 'nobody'"),
        (["--client", "tests.conformance.nowhere:x"], "No module named"),
        (["--client", "tests.conformance.broken:nothing"], "has no attribute 'nothing'"),
        (["--client", "json:dumps"], "json:dumps is not an adapter, nor makes one: dumps()"),
        (["--client", "json:__name__"], "json:__name__ is not an adapter: it has no run("),
        (["--client", "tests.conformance.broken:Nameless"], "is not an adapter: it has no name"),
        (["--client", "tests.conformance.broken:Observation"], "is not an adapter: it has no"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conformance", "run", *argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("realtime-proto: error: ")
    assert said in error
    assert error.count("\n") == 1


def test_a_report_that_cannot_be_written_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["conformance", "run", "--client", "blocking", "--case", "3.5"]
    assert main([*argv, "--json", str(tmp_path / "missing" / "report.json")]) == 1
    assert "cannot write " in capsys.readouterr().err


def test_serve_lists_the_cases_and_tells_what_each_client_sent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    observed: list[Observation] = []

    def serve_one_then_interrupt(self: ConformanceServer) -> None:
        serving = threading.Thread(target=LoopbackServer.serve_forever, args=(self,))
        serving.start()
        observed.append(BlockingAdapter().run(self.url("2.3"), CASES["2.3"].request, 5.0))
        self.wait_record("2.3", None, 5.0)
        self.close()
        serving.join(5.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(ConformanceServer, "serve_forever", serve_one_then_interrupt)
    assert main(["conformance", "serve", "--port", "0"]) == 130
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("conformance battery listening on ws://127.0.0.1:")
    listed = [line.split() for line in lines[1 : len(CASES) + 1]]
    assert [line[0] for line in listed] == list(CASES)
    assert listed[6][-1].endswith("/case/2.3?model=conformance")
    assert "AsyncOpenAI(websocket_base_url=" in lines[len(CASES) + 1]
    assert observed[0].text == "Unknown types skipped"
    assert lines[-1] == (
        "case 2.3: the client sent 2 messages (conversation.item.create, response.create), "
        "0 pongs; its close: answered"
    )


def test_serve_returns_when_its_server_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ConformanceServer, "serve_forever", ConformanceServer.close)
    assert main(["conformance", "serve", "--port", "0", "--case-timeout", "3"]) == 0


def test_serve_says_when_it_cannot_listen(capsys: pytest.CaptureFixture[str]) -> None:
    with ConformanceServer() as taken:
        assert main(["conformance", "serve", "--port", str(taken.port)]) == 1
    assert "the port is in use" in capsys.readouterr().err


def test_run_needs_the_testing_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "realtime_conformance", None)
    assert main(["conformance", "run", "--client", "blocking"]) == 2
    assert "the conformance battery needs the testing extra" in capsys.readouterr().err
