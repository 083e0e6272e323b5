"""A replay over real WebSocket bytes, in memory: a CLIENT connection of the core against a
``ReplaySession``. The handshake is answered as recorded, the server frames go out verbatim,
a divergence closes the connection naming it, and the timers bound what a client may not do."""

from __future__ import annotations

import json
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto._websocket import WebSocketLayer, WsBinary
from realtime_proto.cassette import (
    DIVERGENCE_CLOSE_CODE,
    BinaryFrame,
    Cassette,
    DivergenceError,
    HandshakeResponse,
    ReplayAddress,
    ReplaySession,
    ReplaySessions,
    TextFrame,
)
from tests.cassettes import (
    CLIENT,
    SERVER,
    Script,
    comparable,
    implied_events,
    text_turn,
    turns,
)
from tests.helpers import drain

URL = "ws://127.0.0.1:9/v1/realtime?model=m"


class Link:
    """A CLIENT connection and a replay session, bytes shuttled in memory at a given time."""

    def __init__(
        self,
        cassette: Cassette,
        *,
        pace: bool = False,
        timeouts: rp.Timeouts | None = None,
        subprotocols: tuple[str, ...] = (),
    ) -> None:
        dialect = rp.Dialect(cassette.header.dialect)
        endpoint = rp.Endpoint.from_url(URL, dialect=dialect, subprotocols=subprotocols)
        self.client = rp.Connection.client(
            endpoint,
            response_policy=rp.ResponsePolicy.SEND,
            timeouts=rp.Timeouts(keepalive_interval=None),
        )
        self.session = ReplaySession(cassette, pace=pace, timeouts=timeouts)
        self.now = 0.0
        self.events: list[Any] = []

    def pump(self, now: float | None = None, *, deliver: bool = True) -> list[Any]:
        """Shuttle bytes until both sides are quiet (the session's timers run when due);
        ``deliver=False`` keeps what the server writes from reaching the client."""
        if now is not None:
            self.now = now
        got: list[Any] = []
        while True:
            up = self.client.data_to_send()
            if up:
                self.session.receive_data(up)
            deadline = self.session.next_deadline()
            if deadline is not None and deadline <= self.now:
                self.session.handle_timer(self.now)
            down = self.session.data_to_send()
            if down and deliver:
                self.client.receive_data(down)
            got += drain(self.client)
            if not up and not down:
                break
        self.events += got
        return got

    def send(self, *messages: rp.Command | str, now: float | None = None) -> list[Any]:
        for message in messages:
            command = rp.SendRaw(message=message) if isinstance(message, str) else message
            self.client.send(command)
        return self.pump(now)


HELLO = rp.SendText(text="Hello")


def test_a_text_turn_gives_the_client_the_events_and_turn_its_server_messages_imply() -> None:
    cassette = text_turn().cassette()
    link = Link(cassette)
    connected, created = link.pump()
    assert isinstance(connected, rp.Connected)
    assert isinstance(created, rp.SessionCreated)
    assert ("x-request-id", "req_recorded") in connected.headers
    assert all(value != "recorded-accept-value" for _, value in connected.headers)
    link.send(HELLO, rp.CreateResponse())
    assert comparable(link.events) == comparable(implied_events(cassette))
    assert turns(link.events)[0].text == "Hi there!"
    assert link.session.replay.complete
    assert link.session.divergence is None
    link.client.send(rp.Close())
    assert isinstance(link.pump()[-1], rp.ConnectionClosed)
    assert link.session.finished
    assert repr(link.session).startswith("<ReplaySession closed: <Replay of 15 entries")


def test_the_recorded_subprotocol_is_chosen_when_the_client_offers_it() -> None:
    script = Script()
    response = script.entries[1]
    assert isinstance(response, HandshakeResponse)
    headers = (*response.headers, ("Sec-WebSocket-Protocol", "realtime"))
    script.entries[1] = HandshakeResponse(at=0.05, status=101, headers=headers)
    offered = Link(script.cassette(), subprotocols=("realtime",)).pump()[0]
    assert offered.subprotocol == "realtime"
    assert Link(script.cassette()).pump()[0].subprotocol is None


def test_a_recorded_refusal_is_replayed_with_its_status_headers_and_body() -> None:
    script = Script()
    script.entries[1] = HandshakeResponse(
        at=0.05,
        status=401,
        headers=[("Content-Type", "application/json"), ("Content-Length", "999")],
        body='{"error":"bad key"}',
    )
    link = Link(script.cassette())
    (rejected,) = link.pump()
    assert isinstance(rejected, rp.HandshakeRejected)
    assert (rejected.status_code, rejected.body) == (401, b'{"error":"bad key"}')
    assert set(rejected.headers) == {("content-type", "application/json"), ("content-length", "19")}
    assert link.session.finished
    assert not link.session.replay.started


def test_a_divergence_closes_the_connection_with_a_reason_that_names_it() -> None:
    link = Link(text_turn().cassette())
    link.pump()
    closed = link.send(rp.SendText(text="Hola"))[-1]
    assert isinstance(closed, rp.ConnectionClosed)
    assert closed.code == DIVERGENCE_CLOSE_CODE == 1008
    assert closed.reason.startswith("replay diverged: cassette line 5 (entry 3): conversation")
    assert link.session.divergence is not None
    assert link.session.divergence.field == "item.content[0].text"
    assert link.session.finished


def test_binary_messages_go_out_and_come_in() -> None:
    script = Script()
    script.entries += [
        BinaryFrame(at=1.0, direction=SERVER, data=b"\x01\x02\x03"),
        BinaryFrame(at=1.1, direction=CLIENT, data=b"\x00"),
        TextFrame(at=1.2, direction=SERVER, text='{"type":"input_audio_buffer.cleared"}'),
    ]
    session = ReplaySession(script.cassette())
    client = WebSocketLayer(rp.Role.CLIENT, rp.Limits())
    client.start_handshake(host="127.0.0.1", target="/")
    session.receive_data(client.data_to_send())
    client.receive_data(session.data_to_send())
    events = [client.next_event(), client.next_event()]
    assert events[1] == WsBinary(size=3, data=b"\x01\x02\x03")
    client.send_binary(b"\x00")
    session.receive_data(client.data_to_send())
    client.receive_data(session.data_to_send())
    assert json.loads(client.next_event().text)["type"] == "input_audio_buffer.cleared"
    with pytest.raises(rp.LocalProtocolError, match="cannot send a message while connecting"):
        WebSocketLayer(rp.Role.CLIENT, rp.Limits()).send_binary(b"")


@pytest.mark.parametrize(
    ("code", "reason", "seen"),
    [(4001, "going away ✓", (4001, "going away ✓")), (1005, "ignored", (1005, ""))],
)
def test_a_recorded_server_close_is_sent_with_its_code_and_reason(
    code: int, reason: str, seen: tuple[int, str]
) -> None:
    script = Script().close(SERVER, code, reason).close(CLIENT, code)
    link = Link(script.cassette())
    closed = link.pump()[-1]
    assert isinstance(closed, rp.ConnectionClosed)
    assert (closed.code, closed.reason, closed.initiator) == (*seen, "remote")
    assert link.session.finished
    assert link.session.divergence is None


def test_a_recorded_lost_connection_drops_it() -> None:
    link = Link(Script().events(rp.InputAudioCleared()).close(SERVER, 1006).cassette())
    assert [type(e) for e in link.pump()] == [rp.Connected, rp.InputAudioCleared]
    assert link.session.finished
    assert link.session.data_to_send() == b""


def test_what_the_recording_sent_after_the_clients_close_is_not_sent() -> None:
    script = Script().close(CLIENT).events(rp.InputAudioCleared())
    link = Link(script.cassette())
    link.pump()
    link.client.send(rp.Close())
    closed = link.pump()[-1]
    assert (closed.code, closed.initiator) == (1000, "local")
    assert link.session.finished
    assert link.session.divergence is None


def test_a_message_crossing_the_recorded_close_diverges_without_a_second_close() -> None:
    link = Link(Script().command(HELLO).close(SERVER, 4000).cassette())
    link.pump()
    closed = link.send(HELLO, rp.SendText(text="late"))[-1]  # the close crosses "late"
    assert (closed.code, closed.initiator) == (4000, "remote")
    assert link.session.divergence is not None
    assert link.session.divergence.at_end
    assert link.session.finished


# -- time --------------------------------------------------------------------------------------


def test_with_pacing_messages_wait_for_the_time_and_frames_for_their_own() -> None:
    script = Script(step=1.0).events(rp.SessionCreated(session=rp.Session(id="s")))  # at 1.0
    script.command(HELLO).events(rp.InputAudioCleared())  # at 2.0 and 3.0
    link = Link(script.cassette(), pace=True)
    session = link.session
    session.receive_data(link.client.data_to_send())  # the request
    assert session.data_to_send() == b""  # answered when the time is handed in
    assert session.next_deadline() == float("-inf")
    session.handle_timer(10.0)  # the request came at 10.0 (recorded at 0.0)
    link.client.receive_data(session.data_to_send())
    assert [type(e) for e in drain(link.client)] == [rp.Connected]
    assert session.next_deadline() == 11.0
    assert [type(e) for e in link.pump(11.0)] == [rp.SessionCreated]
    link.client.send(HELLO)
    session.receive_data(link.client.data_to_send())
    assert session.next_deadline() == float("-inf")  # matched when the time comes
    session.handle_timer(15.0)  # late by 3 s: the answer recorded at 3.0 is due at 16.0
    assert session.next_deadline() == 16.0
    assert link.pump(15.5) == []
    assert [type(e) for e in link.pump(16.0)] == [rp.InputAudioCleared]


def test_a_close_is_handled_at_once_even_when_paced() -> None:
    link = Link(text_turn().cassette(), pace=True)
    link.pump(0.0)
    link.pump(1.0)
    link.client.send(rp.SendText(text="Hola"))
    link.client.send(rp.Close())
    link.session.receive_data(link.client.data_to_send())  # the message and the close at once
    assert link.session.finished
    assert link.session.divergence is not None


def test_the_handshake_and_the_closing_handshake_are_bounded() -> None:
    timeouts = rp.Timeouts(open_timeout=2.0, close_timeout=1.0)
    silent = ReplaySession(text_turn().cassette(), timeouts=timeouts)
    assert silent.next_deadline() == float("-inf")  # the open timer to arm
    silent.handle_timer(5.0)
    assert silent.next_deadline() == 7.0
    silent.handle_timer(7.0)
    assert silent.finished
    assert silent.next_deadline() is None
    link = Link(Script().close(SERVER, 1000).cassette(), timeouts=timeouts)
    link.pump(0.0, deliver=False)  # the client never answers the close
    link.pump(0.5)
    assert not link.session.finished
    link.pump(1.0)
    assert link.session.finished


def test_a_client_that_leaves_during_the_handshake_ends_the_session() -> None:
    session = ReplaySession(text_turn().cassette())
    session.receive_data(b"GET / HTTP/1.1\r\n")
    session.receive_eof()
    assert session.finished
    assert not session.replay.started


# -- the servers' bookkeeping --------------------------------------------------------------------


class Served(ReplayAddress):
    def __init__(self, host: str, dialect: rp.Dialect) -> None:
        self.host, self.port, self.dialect = host, 8765, dialect


def test_the_address_names_the_dialect_and_brackets_an_ipv6_host() -> None:
    assert Served("127.0.0.1", rp.Dialect.GA).url == (
        "ws://127.0.0.1:8765/v1/realtime?model=replay"
    )
    assert Served("::1", rp.Dialect.PREVIEW).url == (
        "ws://[::1]:8765/v1/realtime?model=replay&dialect=preview"
    )
    assert Served("::1", rp.Dialect.BETA).base_url == "ws://[::1]:8765/v1"


def test_sessions_are_filed_with_their_divergences() -> None:
    sessions = ReplaySessions(text_turn().cassette())
    assert sessions.dialect is rp.Dialect.GA
    sessions.check()  # nothing yet
    first, second = sessions.open(), sessions.open()
    for session, words in ((first, "Hola"), (second, "Hello")):
        link = Link(sessions.cassette)
        link.session = session
        link.pump()
        link.send(rp.SendText(text=words))
    assert sessions.divergences == [first.divergence]  # the first is still connected
    sessions.close(second)
    sessions.close(first)
    assert sessions.divergences == [first.divergence]
    with pytest.raises(DivergenceError, match="1 replayed session diverged"):
        sessions.check()
