"""Resume over real sockets on 127.0.0.1, on threads, asyncio and trio: a conversation whose
connection drops in the middle of a response, or whose session expires, carries on over a new
connection; the interrupted turn finishes before ``Resumed``; the new simulated session holds
the restored history (the model is given it); and a resume that cannot reconnect gives up
after its attempts with ``ResumeFailed``."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
import realtime_anyio
import realtime_blocking
from realtime_blocking import SimulatorServer

import realtime_proto as rp
from realtime_proto.cassette import Direction, TextFrame, read_cassette
from realtime_proto.client import Resumption
from realtime_proto.simulator import Simulator
from tests.transports.listening import Heard, HeardAsync

TEXT_ONLY = rp.ConversationOptions(disable_audio=True, system_message="Be brief.")
POLICY = rp.client.ResumePolicy(attempts=3, backoff=0.02)
FIRST_WORDS = "Remember the word banana"
LAST_WORDS = "What was the word?"


def server_frames(data: bytes) -> Iterator[bytes]:
    """The frames of what a server wrote (unmasked, lengths under 2**16 here)."""
    while data:
        size, start = data[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(data[2:4], "big"), 4
        assert size != 127
        yield data[: start + size]
        data = data[start + size :]


class DropsMidResponse(Simulator):
    """Drops the TCP connection (no close frame) after the first text delta of the second
    response: the client has half a turn."""

    def __init__(self) -> None:
        super().__init__()
        self._responses = 0
        self._dropped = False

    @property
    def finished(self) -> bool:
        return self._dropped or super().finished

    def data_to_send(self) -> bytes:
        kept = bytearray()
        for frame in server_frames(super().data_to_send()):
            if self._dropped:
                break
            kept += frame
            if b'"response.created"' in frame:
                self._responses += 1
            elif self._responses == 2 and b"output_text.delta" in frame:
                self._dropped = True
        return bytes(kept)


class HangsUp(Simulator):
    """Ends every connection at once: the resume's attempts all fail."""

    @property
    def finished(self) -> bool:
        return True


class DropsAtOnce(Simulator):
    """Drops the connection as soon as the session has started: every resume "succeeds",
    and none completes a response."""

    def __init__(self) -> None:
        super().__init__()
        self._dropped = False

    @property
    def finished(self) -> bool:
        return self._dropped or super().finished

    def data_to_send(self) -> bytes:
        data = super().data_to_send()
        self._dropped = self._dropped or b"session.created" in data
        return data


class Sessions:
    """A simulator factory: ``first`` for the first connection, plain simulators (or
    ``then``) after it; keeps every session it made."""

    def __init__(
        self, first: Callable[[], Simulator], then: Callable[[], Simulator] = Simulator
    ) -> None:
        self.made: list[Simulator] = []
        self._first, self._then = first, then
        self._lock = threading.Lock()

    def __call__(self) -> Simulator:
        with self._lock:
            simulator = (self._then if self.made else self._first)()
            self.made.append(simulator)
            return simulator


def expiring() -> Simulator:
    return Simulator(session_duration=0.4)


def texts(items: tuple[rp.ConversationItem, ...]) -> list[tuple[str | None, str | None]]:
    return [(item.role, item.content[0].text if item.content else None) for item in items]


def check_resumed(got: list[rp.Event], sessions: Sessions, *, cut: bool) -> None:
    resumed = [m for m in got if isinstance(m, rp.Resumed)]
    assert len(resumed) == 1
    event = resumed[0]
    before = got[: got.index(event)]
    turns = [m.turn for m in before if isinstance(m, rp.TurnFinished) and m.turn is not None]
    assert turns[0].status == "completed"
    if cut:  # the turn cut by the drop finishes as interrupted, before Resumed
        assert turns[-1].status == "interrupted"
        assert "Say something long" in [t for _, t in texts(event.restored)]
    else:
        assert any(m.kind is rp.MessageKind.ERROR for m in before)  # session_expired
        assert event.reason == "the session expired"
    assert not any(isinstance(m, rp.ConnectionClosed) for m in before)
    assert event.old_session_id == "sess_sim"
    assert event.new_session_id == "sess_sim"
    assert texts(event.restored)[:2] == [
        ("user", FIRST_WORDS),
        ("assistant", f"You said: {FIRST_WORDS}"),
    ]
    # the new session was given the history: same items, same ids, before the new input
    second = sessions.made[1]
    given = second.items[: len(event.restored)]
    # (the preview dialect's own messages had no id: the new server gives them one)
    assert all(r.id in (None, g.id) for r, g in zip(event.restored, given, strict=True))
    assert texts(given) == texts(event.restored)
    assert second.items[-2].content[0].text == LAST_WORDS
    last = [m for m in got if isinstance(m, rp.TurnFinished)][-1]
    assert last.turn is not None
    assert last.turn.text == f"You said: {LAST_WORDS}"


def blocking_talk(url: str, *, cut: bool, **client: Any) -> list[rp.Event]:
    conversation_client = realtime_blocking.ConversationClient(url, **client)
    with conversation_client.start_conversation(TEXT_ONLY) as conversation:
        heard = Heard(conversation)
        until, got = heard.until, heard.messages

        conversation.send_text(FIRST_WORDS)
        conversation.generate()
        until(rp.TurnFinished)
        if cut:
            conversation.send_text("Say something long")
            conversation.generate()
        until(rp.TurnFinished if cut else rp.ServerError)
        conversation.send_text(LAST_WORDS)  # while connecting again: it waits
        conversation.generate()
        until(rp.Resumed)
        until(rp.TurnFinished)
        assert conversation.last_turn_full_response_text == f"You said: {LAST_WORDS}"
    return got


async def anyio_talk(url: str, *, cut: bool, **client: Any) -> list[rp.Event]:
    conversation_client = realtime_anyio.ConversationClient(url, **client)
    async with conversation_client.start_conversation(TEXT_ONLY) as conversation:
        heard = HeardAsync(conversation)
        until, got = heard.until, heard.messages

        await conversation.send_text(FIRST_WORDS)
        await conversation.generate()
        await until(rp.TurnFinished)
        if cut:
            await conversation.send_text("Say something long")
            await conversation.generate()
        await until(rp.TurnFinished if cut else rp.ServerError)
        await conversation.send_text(LAST_WORDS)  # while connecting again: it waits
        await conversation.generate()
        await until(rp.Resumed)
        await until(rp.TurnFinished)
        assert conversation.last_turn_full_response_text == f"You said: {LAST_WORDS}"
    return got


@pytest.mark.parametrize("cut", [True, False], ids=["tcp-drop", "session-expired"])
def test_resume_on_threads(cut: bool) -> None:
    sessions = Sessions(DropsMidResponse if cut else expiring)
    with SimulatorServer(simulator=sessions) as server:
        got = blocking_talk(server.url, cut=cut, resume=POLICY)
    check_resumed(got, sessions, cut=cut)


@pytest.mark.anyio
@pytest.mark.parametrize("cut", [True, False], ids=["tcp-drop", "session-expired"])
async def test_resume_on_anyio(cut: bool) -> None:
    sessions = Sessions(DropsMidResponse if cut else expiring)
    with SimulatorServer(simulator=sessions) as server:
        got = await anyio_talk(server.url, cut=cut, resume=POLICY)
    check_resumed(got, sessions, cut=cut)


# A server that hangs up on every new connection (each attempt fails), and one that accepts
# each and drops it at once (each "succeeds", none completes a response).
GIVE_UP = pytest.mark.parametrize("then", [HangsUp, DropsAtOnce], ids=["hangs-up", "flaps"])


def check_given_up(failed: rp.ResumeFailed, sessions: Sessions) -> None:
    assert failed.attempts == 3
    assert len(sessions.made) == 4
    assert "could not be resumed (the connection was lost" in str(failed)
    if isinstance(sessions.made[-1], HangsUp):
        assert isinstance(failed.last_error, rp.TransportError)


@GIVE_UP
def test_a_resume_that_cannot_reconnect_gives_up_on_threads(then: Callable[[], Simulator]) -> None:
    sessions = Sessions(DropsMidResponse, then=then)
    with SimulatorServer(simulator=sessions) as server, pytest.raises(rp.ResumeFailed) as failed:
        blocking_talk(server.url, cut=True, resume=POLICY)
    check_given_up(failed.value, sessions)


@pytest.mark.anyio
@GIVE_UP
async def test_a_resume_that_cannot_reconnect_gives_up_on_anyio(
    then: Callable[[], Simulator],
) -> None:
    sessions = Sessions(DropsMidResponse, then=then)
    with SimulatorServer(simulator=sessions) as server, pytest.raises(rp.ResumeFailed) as failed:
        await anyio_talk(server.url, cut=True, resume=POLICY)
    check_given_up(failed.value, sessions)


def test_without_resume_a_drop_ends_the_conversation() -> None:
    with (
        SimulatorServer(simulator=DropsMidResponse) as server,
        pytest.raises(rp.ConnectionClosedError) as closed,
    ):
        blocking_talk(server.url, cut=True)
    assert closed.value.code == 1006


class NeverAnswers(Simulator):
    """Takes the upgrade request and never answers it: a resume's attempt hangs."""

    def receive_data(self, data: bytes) -> None:
        pass


def test_closing_while_an_attempt_hangs_is_bounded_on_threads() -> None:
    sessions = Sessions(DropsMidResponse, then=NeverAnswers)
    slow = rp.Timeouts(open_timeout=30.0, close_timeout=0.5)
    with SimulatorServer(simulator=sessions) as server:
        client = realtime_blocking.ConversationClient(server.url, resume=POLICY, timeouts=slow)
        conversation = client.start_conversation(TEXT_ONLY).__enter__()
        for words in (FIRST_WORDS, "Say something long"):
            conversation.send_text(words)
            conversation.generate()
            for message in conversation.receive_messages():
                if isinstance(message, rp.TurnFinished):
                    break
        deadline = time.monotonic() + 5
        while len(sessions.made) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(sessions.made) == 2  # the attempt is waiting for its handshake
        began = time.monotonic()
        sender = threading.Thread(target=lambda: sends.append(send_after_close(conversation)))
        sends: list[BaseException | None] = []
        sender.start()
        conversation.close()
        sender.join(5)
        took = time.monotonic() - began
        assert took < 2.0
        assert len(sends) == 1
        assert isinstance(sends[0], rp.ConnectionClosedError)
        rest: list[rp.Event] = []
        with pytest.raises(rp.ConnectionClosedError) as ended:
            rest.extend(conversation.receive_messages())
        assert ended.value.code == 1006
        assert [type(m) for m in rest] == [rp.ConnectionClosed]
        assert len(sessions.made) == 2


def send_after_close(conversation: realtime_blocking.Conversation) -> BaseException | None:
    """A send made while the conversation waits for its new connection: it waits, then fails
    once the conversation is closed."""
    try:
        conversation.send_text("meanwhile")
    except rp.ConnectionClosedError as exc:
        return exc
    return None


@pytest.mark.anyio
async def test_closing_while_an_attempt_hangs_is_bounded_on_anyio() -> None:
    sessions = Sessions(DropsMidResponse, then=NeverAnswers)
    slow = rp.Timeouts(open_timeout=30.0, close_timeout=0.5)
    sends: list[BaseException] = []
    with SimulatorServer(simulator=sessions) as server:
        client = realtime_anyio.ConversationClient(server.url, resume=POLICY, timeouts=slow)
        async with (
            anyio.create_task_group() as tasks,
            client.start_conversation(TEXT_ONLY) as conversation,
        ):
            for words in (FIRST_WORDS, "Say something long"):
                await conversation.send_text(words)
                await conversation.generate()
                async for message in conversation.receive_messages():
                    if isinstance(message, rp.TurnFinished):
                        break
            with anyio.fail_after(5):
                while len(sessions.made) < 2:
                    await anyio.sleep(0.01)

            async def send() -> None:
                with pytest.raises(rp.ConnectionClosedError) as failed:
                    await conversation.send_text("meanwhile")
                sends.append(failed.value)

            tasks.start_soon(send)
            await anyio.sleep(0.05)
            began = anyio.current_time()
            await conversation.aclose()
            assert anyio.current_time() - began < 2.0
        assert len(sends) == 1
        assert isinstance(await conversation.receive(), rp.ConnectionClosed)
        with pytest.raises(rp.ConnectionClosedError) as ended:
            await conversation.receive()
        assert ended.value.code == 1006
        assert len(sessions.made) == 2


def recorded_server_types(data: bytes) -> list[str]:
    cassette = read_cassette(data)
    return [
        json.loads(entry.text)["type"]
        for entry in cassette.entries
        if isinstance(entry, TextFrame) and entry.direction is Direction.SERVER
    ]


def check_recording(data: bytes) -> None:
    """The recording is the first connection's, whole: its start, its turns, the cut one."""
    server = recorded_server_types(data)
    assert server.count("session.created") == 1
    assert server.count("response.done") == 1
    assert server[-1] == "response.output_text.delta"  # where the drop cut it


def test_a_resumed_conversation_records_its_first_connection_on_threads() -> None:
    sessions = Sessions(DropsMidResponse)
    record = io.BytesIO()
    with SimulatorServer(simulator=sessions) as server:
        blocking_talk(server.url, cut=True, resume=POLICY, record_to=record)
    check_recording(record.getvalue())


@pytest.mark.anyio
async def test_a_resumed_conversation_records_its_first_connection_on_anyio() -> None:
    sessions = Sessions(DropsMidResponse)
    record = io.BytesIO()
    with SimulatorServer(simulator=sessions) as server:
        await anyio_talk(server.url, cut=True, resume=POLICY, record_to=record)
    check_recording(record.getvalue())


@pytest.mark.parametrize("dialect", [rp.Dialect.BETA, rp.Dialect.PREVIEW])
def test_resume_in_the_other_dialects_on_threads(dialect: rp.Dialect) -> None:
    sessions = Sessions(expiring)
    with SimulatorServer(simulator=sessions) as server:
        url = f"{server.url}&dialect={dialect.value}"
        got = blocking_talk(url, cut=False, dialect=dialect, resume=POLICY)
    check_resumed(got, sessions, cut=False)


def broken_next_delay(self: Resumption) -> float | None:
    raise RuntimeError("a fault of ours while resuming")


def test_a_fault_while_resuming_reaches_the_caller_on_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Resumption, "next_delay", broken_next_delay)
    with (
        SimulatorServer(simulator=Sessions(DropsMidResponse)) as server,
        pytest.raises(RuntimeError, match="a fault of ours while resuming"),
    ):
        blocking_talk(server.url, cut=True, resume=POLICY)


@pytest.mark.anyio
async def test_a_fault_while_resuming_reaches_the_caller_on_anyio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Resumption, "next_delay", broken_next_delay)
    with (
        SimulatorServer(simulator=Sessions(DropsMidResponse)) as server,
        pytest.raises(RuntimeError, match="a fault of ours while resuming"),
    ):
        await anyio_talk(server.url, cut=True, resume=POLICY)
