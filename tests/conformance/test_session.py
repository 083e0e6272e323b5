"""The battery's pure parts in memory: a case session against a client core, the frames it
writes by hand, the event log of this package's typed events, and the checks' edges."""

from __future__ import annotations

import base64
import json

import pytest

import realtime_proto as rp
from realtime_proto.testing.conformance import (
    CASES,
    Action,
    AwaitPong,
    Case,
    CaseSession,
    ClientRecord,
    Close,
    EventLog,
    Expect,
    Observation,
    Send,
    SentTurn,
    TurnRequest,
    case_path,
    fragmented,
    judge,
    render_html,
    render_json,
    render_text,
)

HELLO = TurnRequest(text="hi")


def case(*actions: Action, case_id: str = "9.1") -> dict[str, Case]:
    made = Case(
        id=case_id, title="t", description="d", must="m", request=HELLO, checks=(), actions=actions
    )
    return {case_id: made}


def connect(
    cases: dict[str, Case], path: str = "/case/9.1", **options: float
) -> tuple[rp.Connection, CaseSession]:
    client = rp.Connection.client(rp.Endpoint.from_url(f"ws://127.0.0.1{path}"))
    session = CaseSession(cases, **options)
    session.handle_timer(0.0)
    shuttle(client, session)
    session.handle_timer(0.0)  # arms the case's time limit
    return client, session


def shuttle(client: rp.Connection, session: CaseSession) -> list[object]:
    """Move bytes both ways until both are quiet; the client's events."""
    events: list[object] = []
    while True:
        to_server, to_client = client.data_to_send(), session.data_to_send()
        if not to_server and not to_client:
            return events
        if to_server:
            session.receive_data(to_server)
        if to_client:
            client.receive_data(to_client)
        while client.state is not rp.ConnectionState.CLOSED:
            event = client.next_event()
            if event is rp.NEED_DATA:
                break
            events.append(event)


def test_case_paths() -> None:
    assert case_path("/case/1.1") == ("1.1", None)
    assert case_path("/v1/case/2.3/realtime?model=x&run=r1") == ("2.3", "r1")
    assert case_path("/case/") == (None, None)
    assert case_path("/realtime?model=x") == (None, None)


def test_fragments_and_frame_lengths() -> None:
    assert fragmented("hi", 7) == b"\x81\x02hi"
    assert fragmented("a" * 200, 150)[:4] == b"\x01\x7e\x00\x96"
    assert fragmented("a" * 70000, 66000)[:10] == b"\x01\x7f" + (66000).to_bytes(8, "big")


def test_what_the_client_sends_is_recorded_and_bounded() -> None:
    client, session = connect(case(Expect("never.sent")))
    assert repr(session) == "<CaseSession 9.1 open: step 0>"
    client.send(rp.SendRaw(message="not json"))
    client.send(rp.SendRaw(message="[1]"))
    client.send(rp.SendRaw(message={"type": "input_audio_buffer.append", "audio": "!!"}))
    audio = base64.b64encode(bytes(10)).decode()
    client.send(rp.SendRaw(message={"type": "input_audio_buffer.append", "audio": audio}))
    for n in range(1000):
        client.send(rp.SendRaw(message={"type": "x.flood", "n": n}))
    shuttle(client, session)
    masked_binary, masked_pong = b"\x82\x80" + bytes(4), b"\x8a\x81" + bytes(4) + b"p"
    session.receive_data(masked_binary + masked_pong * 1001)
    record = session.record()
    assert record is not None
    assert record.undecodable == ("not json", "[1]")
    assert [m.get("audio_bytes") for m in record.messages[:2]] == [-1, 10]
    assert len(record.messages) == 1000
    assert (record.binary, len(record.pongs)) == (1, 1000)
    session.receive_eof()
    assert session.finished
    assert session.next_deadline() is None
    assert session.record().close == "dropped"


def test_a_close_the_client_never_answers_ends_the_connection() -> None:
    client = rp.Connection.client(rp.Endpoint.from_url("ws://127.0.0.1/case/9.1"))
    session = CaseSession(case(Close(1000, "bye")), close_timeout=1.0)
    session.receive_data(client.data_to_send())  # the close is sent, and never answered
    session.handle_timer(5.0)  # arms the close timeout
    assert session.next_deadline() == 6.0
    session.handle_timer(6.0)
    assert session.finished


def test_time_runs_out_wherever_the_server_waits() -> None:
    waits: list[tuple[Action, str]] = [
        (AwaitPong(b"never"), "waiting for a pong to 'never'"),
        (Send([{"type": "x"}]), "waiting after its last step"),
    ]
    for action, said in waits:
        client, session = connect(case(action), time_limit=1.0)
        session.handle_timer(0.5)
        assert session.next_deadline() == 1.0
        session.handle_timer(1.0)
        shuttle(client, session)
        assert session.record().timed_out == said
        assert session.record().close == "answered"


def test_unknown_and_refused_cases() -> None:
    refused = Case(
        id="9.2", title="t", description="d", must="m", request=HELLO, checks=(), reject=(429, "{}")
    )
    client, session = connect({"9.2": refused}, "/case/9.2")
    assert session.finished
    assert session.record().close == "rejected"
    session.receive_eof()
    assert session.record().close == "rejected"
    client = rp.Connection.client(rp.Endpoint.from_url("ws://127.0.0.1/case/0.0"))
    session = CaseSession(CASES)
    [event, *_] = shuttle(client, session)
    assert session.record() is None
    assert repr(session).startswith("<CaseSession ?")
    assert isinstance(event, rp.HandshakeRejected)
    assert event.status_code == 404


def test_the_event_log_names_what_it_cannot_encode_as_received() -> None:
    log = EventLog()
    log.add(rp.InvalidMessage(raw="{", reason="malformed JSON"))
    raw = '{"type":"response.content_part.added","response_id":"r","item_id":"i"}'
    log.add(
        rp.ContentPartAdded(raw=raw, response_id="r", item_id="i", output_index=0, content_index=0)
    )
    log.add(rp.ConnectionClosed(code=1000))
    observed = log.observation("", KeyError("x"))
    assert observed.types == ("invalid", "response.content_part.added")
    assert (observed.error, observed.close_code) == ("KeyError", 1000)


@pytest.mark.parametrize(
    ("record", "request_", "problem"),
    [
        (
            ClientRecord(case_id="x", undecodable=("oops",)),
            HELLO,
            "the client sent a message that is not a JSON event: oops",
        ),
        (
            ClientRecord(
                case_id="x",
                messages=(
                    {"type": "input_audio_buffer.append", "audio_bytes": 2},
                    {"type": "response.create"},
                ),
            ),
            TurnRequest(audio=bytes(2)),
            "the client did not commit its audio before response.create",
        ),
        (
            ClientRecord(
                case_id="x",
                messages=({"type": "conversation.item.create"}, {"type": "response.create"}),
            ),
            HELLO,
            "the client did not send the text 'hi' in a conversation.item.create before "
            "response.create",
        ),
    ],
)
def test_what_the_client_sent_wrong(
    record: ClientRecord, request_: TurnRequest, problem: str
) -> None:
    assert SentTurn(request_).problem(Observation(), record) == problem


def test_the_reports_of_a_failure() -> None:
    result = judge(CASES["3.5"], "none", Observation(), ClientRecord(case_id="3.5"))
    assert not result.passed
    assert "  - the client raised no error (one mentioning '401' was due)" in render_text([result])
    assert json.loads(render_json([result]))["results"][0]["passed"] is False
    assert '<tr class="fail">' in render_html([result])
    assert render_text([]).endswith("no client: 0 of 0 cases passed\n")
