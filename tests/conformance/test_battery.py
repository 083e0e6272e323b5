"""The conformance battery: this package's transports pass every case, the openai package's
client is run through it, and every case fails a client that gets its point wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest
from realtime_conformance import ConformanceServer, load_adapter, run_battery

from realtime_proto.testing.conformance import (
    BATTERY,
    CASES,
    CaseResult,
    ClientAdapter,
    ClientRecord,
    Observation,
    SentNothing,
)
from tests.conformance.broken import (
    Crashes,
    Hangs,
    Misreports,
    NeverAsks,
    RawClient,
    SaysSomethingElse,
    SwallowsErrors,
)

# What the openai package's client fails, as found by running it (see the README's table).
OPENAI_FAILS = {"2.1", "2.2"}


@pytest.fixture(scope="module")
def server() -> Iterator[ConformanceServer]:
    with ConformanceServer(time_limit=5.0) as served:
        yield served


@pytest.fixture(scope="module")
def blocking(server: ConformanceServer) -> list[CaseResult]:
    """The blocking transport's client through the whole battery."""
    return run_battery(load_adapter("blocking"), server, timeout=8.0)


def failed(results: list[CaseResult]) -> dict[str, tuple[str, ...]]:
    return {result.case.id: result.problems for result in results if not result.passed}


def test_the_blocking_transport_passes_every_case(blocking: list[CaseResult]) -> None:
    assert [result.case.id for result in blocking] == list(CASES)
    assert failed(blocking) == {}


def test_the_anyio_transport_passes_every_case(server: ConformanceServer) -> None:
    results = run_battery(load_adapter("anyio"), server, timeout=8.0)
    assert failed(results) == {}


def test_the_openai_client_fails_only_the_beta_names(server: ConformanceServer) -> None:
    results = failed(run_battery(load_adapter("openai"), server, timeout=8.0))
    assert set(results) == OPENAI_FAILS
    said = "the client reported response.text.delta as such: it did not understand it"
    assert said in results["2.2"]


def test_the_cases_are_numbered_and_explained() -> None:
    ids = [case.id for case in BATTERY]
    assert len(set(ids)) == len(ids) >= 16
    for case in BATTERY:
        group, number = case.id.split(".")
        assert group.isdigit()
        assert number.isdigit()
        assert case.title
        assert case.description
        assert case.must
        assert case.checks


# -- every case can fail --------------------------------------------------------------------

Change = Callable[[Observation], Observation]


def observed(**changes: Any) -> Change:
    """The client reported ``changes`` instead."""
    return lambda observation: attrs.evolve(observation, **changes)


def dropping(kind: str) -> Change:
    """The client dropped every event of ``kind``."""

    def drop(observation: Observation) -> Observation:
        events = tuple(event for event in observation.events if event.get("type") != kind)
        return attrs.evolve(observation, events=events)

    return drop


def renaming(old: str, new: str) -> Change:
    """The client reported ``old`` events as ``new`` (it did not understand them)."""

    def rename(observation: Observation) -> Observation:
        events = tuple(
            {**e, "type": new} if e.get("type") == old else e for e in observation.events
        )
        return attrs.evolve(observation, events=events)

    return rename


def stripping(key: str) -> Change:
    """The client dropped the extension field ``key`` of every event."""

    def strip(observation: Observation) -> Observation:
        events = tuple({k: v for k, v in e.items() if k != key} for e in observation.events)
        return attrs.evolve(observation, events=events)

    return strip


CRASHED = observed(error="KeyError", error_message="'delta'")
# For each case, a client that gets its point wrong, and what the verdict says of it.
BROKEN: dict[str, tuple[ClientAdapter, str]] = {
    # lost the bytes of a cut code point
    "1.1": (Misreports(observed(text="Split at any byte: ünïcöd")), "assistant text"),
    # took the first fragment for a message and gave up
    "1.2": (Misreports(observed(events=(), text="")), "assistant text"),
    "1.3": (RawClient(answers_pings=False), "ping"),
    "1.4": (Misreports(observed(error="TimeoutError", error_message="no data")), "raised"),
    "2.1": (
        Misreports(
            renaming("response.output_audio_transcript.delta", "response.audio_transcript.delta")
        ),
        "did not understand",
    ),
    "2.2": (
        Misreports(renaming("response.output_text.delta", "response.text.delta")),
        "did not understand",
    ),
    "2.3": (Misreports(dropping("vendor.telemetry")), "vendor.telemetry"),
    "2.4": (Misreports(stripping("x_trace_id")), "x_trace_id"),
    # refused the response.done with bad usage
    "2.5": (Misreports(dropping("response.done")), "response.done"),
    "2.6": (
        Misreports(dropping("conversation.item.input_audio_transcription.completed")),
        "input_audio_transcription.completed",
    ),
    "3.1": (Misreports(CRASHED), "raised"),
    "3.2": (Misreports(observed(error="RuntimeError", error_message="busy")), "raised"),
    "3.3": (RawClient(answers_close=False), "close"),
    # lost the partial turn and the code
    "3.4": (Misreports(observed(close_code=None, text="")), "assistant text"),
    "3.5": (SwallowsErrors(), "error"),
    "3.6": (SwallowsErrors(), "error"),
}


def test_every_case_has_a_broken_client() -> None:
    assert set(BROKEN) == set(CASES)


@pytest.fixture(scope="module")
def impatient() -> Iterator[ConformanceServer]:
    """A server that waits 2 s at most for what a client never sends (a pong)."""
    with ConformanceServer(time_limit=2.0) as served:
        yield served


@pytest.mark.parametrize("case_id", list(CASES))
def test_a_broken_client_fails_the_case(impatient: ConformanceServer, case_id: str) -> None:
    adapter, said = BROKEN[case_id]
    [result] = run_battery(adapter, impatient, [case_id], timeout=8.0)
    assert not result.passed
    assert any(said in problem for problem in result.problems), result.problems


def test_clients_that_misbehave_fail_through_the_server(server: ConformanceServer) -> None:
    with ThreadPoolExecutor(3) as pool:
        wrong = pool.submit(run_battery, SaysSomethingElse(), server, ["1.1", "1.4"], timeout=5)
        crash = pool.submit(run_battery, Crashes(), server, ["3.1"], timeout=5, grace=0.2)
        hang = pool.submit(run_battery, Hangs(), server, ["3.5"], timeout=0.2, grace=0.1)
        said, crashed, hung = wrong.result(), crash.result(), hang.result()
    Hangs.released.set()
    assert [result.problems[0] for result in said] == [
        "the client did not send the text 'Hello from the conformance battery' in a "
        "conversation.item.create before response.create",
        "the client appended 48000 bytes of audio, not 96000",
    ]
    assert crashed[0].observation.error == "RuntimeError"
    assert "the client raised RuntimeError: the adapter raised: the adapter itself failed" in (
        crashed[0].problems
    )
    assert "the adapter did not return within 0.2 s" in hung[0].problems[0]


def test_a_server_waiting_in_vain_ends_the_case() -> None:
    with ConformanceServer(time_limit=0.3) as impatient:
        [result] = run_battery(NeverAsks(), impatient, ["3.1"], timeout=5)
    assert result.problems[0] == "the case timed out with the server waiting for response.create"
    assert result.record.close == "answered"


def test_the_openai_reading_takes_a_transcript_when_there_is_no_text() -> None:
    from realtime_conformance._adapters import _Reading

    class Event:
        def __init__(self, **wire: Any) -> None:
            self.wire = wire

        def model_dump(self, **_: Any) -> dict[str, Any]:
            return self.wire

    reading = _Reading()
    for delta in ("a", "b"):
        reading.add(Event(type="response.output_audio_transcript.delta", delta=delta))
    assert reading.observation().text == "ab"


def test_the_server_keeps_the_last_records() -> None:
    with ConformanceServer(keep=1) as forgetful:
        run_battery(load_adapter("blocking"), forgetful, ["3.5", "3.6"], concurrency=1)
    assert [case_id for case_id, _ in forgetful._records] == ["3.6"]


def test_an_unknown_case_is_refused(server: ConformanceServer) -> None:
    assert repr(server) == f"<ConformanceServer {server.base_url}>"
    from realtime_blocking import ConversationClient

    from realtime_proto import HandshakeError

    with pytest.raises(HandshakeError, match="404") as refused:
        ConversationClient(server.base_url + "/case/9.9").start_conversation().__enter__()
    assert "no case '9.9'" in refused.value.body
    with pytest.raises(HandshakeError, match="404"):
        ConversationClient(server.base_url + "/realtime").start_conversation().__enter__()


def test_a_message_to_a_refused_connection_is_a_problem() -> None:
    # No client can put one on the wire (the upgrade was refused): the check is tested alone.
    record = ClientRecord(case_id="3.6", messages=({"type": "response.create"},))
    problem = SentNothing().problem(Observation(), record)
    assert problem == "the client sent 1 message to a refused connection"
    assert SentNothing().problem(Observation(), ClientRecord(case_id="3.6")) is None
