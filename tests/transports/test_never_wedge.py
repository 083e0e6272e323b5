"""The client never wedges, whatever the server does: on asyncio, trio and the blocking
transport, over real sockets, against the hostile servers of :mod:`tests.transports.hostile`.

Each scenario is written once, in blocking style, against a :class:`Driver`: the blocking
conversation itself, or an anyio one driven from this thread through a blocking portal whose
event loop runs on a thread of ours. Every scenario runs on a daemon thread joined with a
deadline, so a wedged client fails its test with a message instead of hanging the suite.
"""

from __future__ import annotations

import builtins
import concurrent.futures
import contextlib
import functools
import io
import math
import queue
import threading
import time
import wave
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto.cassette import TextFrame, read_cassette
from tests.transports import hostile
from tests.transports.hostile import HostileServer
from tests.transports.scenarios import AudioSink

T = TypeVar("T")

BACKENDS = ("asyncio", "trio", "blocking")
ANYIO_BACKENDS = ("asyncio", "trio")

CHUNK = bytes(4800)  # 100 ms of 24 kHz PCM16 silence: one append
LONG_CHUNK = bytes(48_000)  # 1 s: fills the socket buffers sooner
SMALL_BUFFER = 4096  # the receive buffer of a server that stops reading
CLOSE_TIMEOUT = 0.3
WRITE_TIMEOUT = 0.5
SLACK = 1.0
BLOCKED = 0.2  # a send_audio call that has not returned for this long is blocked


# -- driving a conversation from a thread, on any backend --------------------------------------


class Driver:
    """One open conversation, driven through blocking calls from any thread."""

    def __init__(self, conversation: Any, portal: anyio.from_thread.BlockingPortal | None) -> None:
        self.conversation = conversation
        self.portal = portal

    def call(self, verb: str, *args: Any, **kwargs: Any) -> Any:
        """``conversation.verb(*args, **kwargs)``, awaited on the event loop for anyio."""
        method = functools.partial(getattr(self.conversation, verb), *args, **kwargs)
        return method() if self.portal is None else self.portal.call(method)

    def read(self, attribute: str) -> Any:
        """An attribute of the conversation, read on the event loop for anyio."""
        if self.portal is None:
            return getattr(self.conversation, attribute)
        return self.portal.call(getattr, self.conversation, attribute)

    def close(self) -> None:
        self.call("close" if self.portal is None else "aclose")

    def messages(self) -> Iterator[rp.Event]:
        """``receive_messages()``, one message at a time."""
        if self.portal is None:
            yield from self.conversation.receive_messages()
            return
        messages = self.conversation.receive_messages()

        async def step() -> tuple[bool, Any]:
            try:
                return True, await messages.__anext__()
            except StopAsyncIteration:
                return False, None

        while True:
            more, message = self.portal.call(step)
            if not more:
                return
            yield message

    def run(self, function: Callable[[Any], Awaitable[T]]) -> T:
        """``await function(conversation)`` on the event loop (anyio only)."""
        assert self.portal is not None, "an async helper needs an anyio backend"
        return self.portal.call(function, self.conversation)

    def drain(self) -> tuple[list[rp.Event], BaseException | None]:
        """Every message until the iteration ends; with the exception that ended it, if any
        (for anyio, iterated on the event loop in one go)."""
        seen: list[rp.Event] = []
        if self.portal is None:
            try:
                seen.extend(self.conversation.receive_messages())
            except Exception as exc:
                return seen, exc
            return seen, None

        async def drain() -> BaseException | None:
            try:
                async for message in self.conversation.receive_messages():
                    seen.append(message)
            except Exception as exc:
                return exc
            return None

        return seen, self.portal.call(drain)

    def start(self, verb: str, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """``conversation.verb(...)`` in the background: a task of the portal's task group
        (outside the conversation) for anyio, a thread for the blocking transport."""
        method = functools.partial(getattr(self.conversation, verb), *args, **kwargs)
        if self.portal is not None:
            return self.portal.start_task_soon(method)
        return in_thread(method)


def in_thread(function: Callable[[], T]) -> concurrent.futures.Future[T]:
    """``function()`` on a daemon thread; its outcome in the future."""
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(function())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name="test-background", daemon=True).start()
    return future


class Backend:
    """A transport to connect with; for anyio, an event loop on a daemon thread of ours and a
    blocking portal into it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.portal: anyio.from_thread.BlockingPortal | None = None

    @property
    def is_anyio(self) -> bool:
        return self.name != "blocking"

    def __enter__(self) -> Backend:
        if self.is_anyio:
            ready: queue.Queue[anyio.from_thread.BlockingPortal] = queue.Queue()

            async def serve() -> None:
                async with anyio.from_thread.BlockingPortal() as portal:
                    ready.put(portal)
                    await portal.sleep_until_stopped()

            loop = threading.Thread(
                target=functools.partial(anyio.run, serve, backend=self.name),
                name=f"test-{self.name}-loop",
                daemon=True,
            )
            loop.start()
            self.portal = ready.get(timeout=5)
        return self

    def __exit__(self, *exc_info: object) -> None:
        portal, self.portal = self.portal, None
        if portal is not None:
            portal.call(portal.stop, True)

    @contextlib.contextmanager
    def connect(
        self, url: str, options: rp.ConversationOptions | None = None, **client_options: Any
    ) -> Iterator[Driver]:
        """An open conversation (``with`` / ``async with``) with ``for_url(url, ...)``."""
        if self.portal is None:
            client = realtime_blocking.ConversationClient.for_url(url, **client_options)
            with client.start_conversation(options) as conversation:
                yield Driver(conversation, None)
        else:
            aclient = realtime_anyio.ConversationClient.for_url(url, **client_options)
            opening = aclient.start_conversation(options)
            with self.portal.wrap_async_context_manager(opening) as conversation:
                yield Driver(conversation, self.portal)

    def slow_audio(self, chunks: int, interval: float) -> SlowAudio:
        return SlowAudio(chunks, interval, asynchronous=self.is_anyio)


def run_bounded(
    backend: str,
    scenario: Callable[[Backend], T],
    *,
    limit: float,
    servers: tuple[HostileServer, ...] = (),
) -> T:
    """``scenario(Backend(backend))`` on a daemon thread; fails the test when it has not
    finished within ``limit`` seconds (then shuts the servers down to unblock the client)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with Backend(backend) as client:
                outcome["value"] = scenario(client)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=f"test-scenario-{backend}", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        for server in servers:
            server.kill()
        thread.join(2.0)
        pytest.fail(f"the {backend} client still ran after {limit} s: wedged", pytrace=False)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def thread_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Exceptions that escaped a thread (a transport's or ours) during the test."""
    failures: list[str] = []

    def hook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        failures.append(f"{name}: {args.exc_type.__name__}: {args.exc_value!r}")

    monkeypatch.setattr(threading, "excepthook", hook)
    yield failures
    assert not failures, f"a thread died with an exception: {failures}"


# -- helpers of the scenarios ------------------------------------------------------------------


def is_group(error: BaseException | None) -> bool:
    groups = getattr(builtins, "BaseExceptionGroup", ())
    return isinstance(error, groups)


def describe(error: BaseException | None) -> str:
    return "no exception" if error is None else f"{type(error).__name__}: {error}"


def within(limit: float, what: str, function: Callable[[], T]) -> T:
    """``function()``, run on a thread of its own; fails when it takes more than ``limit``."""
    try:
        return in_thread(function).result(limit)
    except concurrent.futures.TimeoutError:
        raise AssertionError(f"{what} had not returned after {limit} s") from None


def timed(limit: float, what: str, function: Callable[[], object]) -> float:
    """How long ``function()`` took (see :func:`within`)."""
    started = time.monotonic()
    within(limit, what, function)
    return time.monotonic() - started


class Sender:
    """Calls ``send_audio(chunk)`` in a loop, on its own thread, until a call raises, ``stop``
    is set or ``limit`` seconds have passed. Knows whether a call is blocked."""

    def __init__(self, conversation: Driver, chunk: bytes, *, limit: float = 6.0) -> None:
        self.conversation = conversation
        self.chunk = chunk
        self.limit = limit
        self.calls = 0
        self.in_call_since: float | None = None
        self.last_return = time.monotonic()
        self.failed_at: float | None = None
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self._run, name="test-sender", daemon=True).start()

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                self.in_call_since = time.monotonic()
                self.conversation.call("send_audio", self.chunk)
                self.in_call_since = None
                self.last_return = time.monotonic()
                self.calls += 1
        except BaseException as exc:
            self.error = exc
            self.failed_at = time.monotonic()
        finally:
            self.done.set()

    def wait_blocked(self, within: float = 3.0) -> bool:
        """Whether a call stays blocked for ``BLOCKED`` seconds, waiting up to ``within``."""
        end = time.monotonic() + within
        while time.monotonic() < end and not self.done.is_set():
            since = self.in_call_since
            if since is not None and time.monotonic() - since >= BLOCKED:
                return True
            time.sleep(0.02)
        return False


class SlowAudio:
    """A long stream of appends, ``interval`` apart: an iterator, or an async iterator (not a
    generator, which would need closing) for anyio. Counts the appends taken."""

    def __init__(self, chunks: int, interval: float, *, asynchronous: bool) -> None:
        self.chunks = chunks
        self.interval = interval
        self.asynchronous = asynchronous
        self.taken = 0
        self.stop = threading.Event()  # ends the stream early, whatever the client does

    def source(self) -> Iterator[bytes] | AsyncIterator[bytes]:
        return self if self.asynchronous else self._sync()

    def _sync(self) -> Iterator[bytes]:
        while self.taken < self.chunks and not self.stop.is_set():
            time.sleep(self.interval)
            self.taken += 1
            yield CHUNK

    def __aiter__(self) -> SlowAudio:
        return self

    async def __anext__(self) -> bytes:
        if self.taken >= self.chunks or self.stop.is_set():
            raise StopAsyncIteration
        await anyio.sleep(self.interval)
        self.taken += 1
        return CHUNK


def sine_wav(seconds: float = 1.0, rate: int = 24_000) -> bytes:
    """A mono PCM16 WAV of a 440 Hz tone."""
    tone = (math.sin(2 * math.pi * 440 * n / rate) for n in range(int(seconds * rate)))
    samples = array("h", (int(8000 * x) for x in tone))
    if samples.itemsize != 2 or array("h", [1]).tobytes() != b"\x01\x00":
        samples.byteswap()  # WAV samples are little-endian
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


# -- 1. a server that stops reading ------------------------------------------------------------


def test_send_audio_fails_with_a_write_timeout_when_the_server_stops_reading(
    backend: str,
) -> None:
    timeouts = rp.Timeouts(write_timeout=WRITE_TIMEOUT, close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> tuple[Sender, BaseException | None]:
        with client.connect(server.url, timeouts=timeouts) as conversation:
            sender = Sender(conversation, CHUNK)
            sender.done.wait(5.0)
            sender.stop.set()
            # the end of the connection is raised by the iteration too
            _, ended = conversation.drain() if sender.done.is_set() else ([], None)
        return sender, ended

    with HostileServer(hostile.stops_reading, receive_buffer=SMALL_BUFFER) as server:
        sender, ended = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert sender.error is not None, (
        f"send_audio kept going for 5 s ({sender.calls} appends) against a server that reads "
        "nothing"
    )
    assert isinstance(sender.error, rp.ConnectionClosedError), describe(sender.error)
    assert sender.failed_at is not None
    stalled = sender.failed_at - sender.last_return
    assert stalled <= WRITE_TIMEOUT + SLACK, f"no progress for {stalled:.2f} s before failing"
    assert isinstance(ended, rp.ConnectionClosedError), describe(ended)


@pytest.mark.parametrize("recording", [False, True], ids=["", "recorded"])
def test_close_returns_within_the_close_timeout_when_the_server_stops_reading(
    backend: str, recording: bool
) -> None:
    timeouts = rp.Timeouts(write_timeout=5.0, close_timeout=CLOSE_TIMEOUT)
    out = io.BytesIO()
    record: dict[str, Any] = {"record_to": out, "record_audio_bytes": 16} if recording else {}

    def scenario(client: Backend) -> tuple[bool, float, Sender]:
        with client.connect(server.url, timeouts=timeouts, **record) as conversation:
            sender = Sender(conversation, LONG_CHUNK)
            blocked = sender.wait_blocked()
            took = timed(CLOSE_TIMEOUT + SLACK + 2.0, "close()", conversation.close)
            sender.done.wait(SLACK)
        return blocked, took, sender

    with HostileServer(hostile.stops_reading, receive_buffer=SMALL_BUFFER) as server:
        blocked, took, sender = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert blocked, f"send_audio never blocked: {describe(sender.error)}"
    assert took <= CLOSE_TIMEOUT + SLACK, f"close took {took:.2f} s"
    assert sender.done.is_set(), "the blocked send_audio did not end after the close"
    assert sender.error is None or isinstance(sender.error, rp.ConnectionClosedError), describe(
        sender.error
    )
    if recording:  # what was sent before the close, readable, the audio cut short
        entries = read_cassette(out.getvalue()).entries
        assert any(isinstance(entry, TextFrame) and entry.truncated for entry in entries)


async def cancel_a_blocked_send(conversation: Any) -> tuple[bool, float]:
    """Streams appends until one blocks (at most 3 s), cancels it; whether one blocked, and how
    long the cancelled call took to return."""
    scope = anyio.CancelScope()
    in_call_since: float | None = None
    cancelled_at = 0.0

    async def send() -> None:
        nonlocal in_call_since
        with scope:
            while True:
                in_call_since = anyio.current_time()
                await conversation.send_audio(LONG_CHUNK)
                in_call_since = None

    blocked = False
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(send)
        deadline = anyio.current_time() + 3.0
        while anyio.current_time() < deadline and not blocked:
            await anyio.sleep(0.02)
            since = in_call_since
            blocked = since is not None and anyio.current_time() - since >= BLOCKED
        cancelled_at = anyio.current_time()
        scope.cancel()
    return blocked, anyio.current_time() - cancelled_at


@pytest.mark.parametrize("backend", ANYIO_BACKENDS)
def test_cancelling_a_send_audio_blocked_on_a_server_that_stops_reading_returns_promptly(
    backend: str,
) -> None:
    timeouts = rp.Timeouts(write_timeout=5.0, close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> tuple[bool, float, float]:
        with client.connect(server.url, timeouts=timeouts) as conversation:
            blocked, took = conversation.run(cancel_a_blocked_send)
            leaving = time.monotonic()
        return blocked, took, time.monotonic() - leaving

    with HostileServer(hostile.stops_reading, receive_buffer=SMALL_BUFFER) as server:
        blocked, took, left = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert blocked, "send_audio never blocked against a server that reads nothing"
    assert took <= 0.5, f"the cancelled send_audio took {took:.2f} s to return"
    assert left <= CLOSE_TIMEOUT + SLACK, f"leaving took {left:.2f} s"


def test_keepalive_ends_the_connection_when_the_server_stops_reading_and_sends_block(
    backend: str,
) -> None:
    timeouts = rp.Timeouts(
        keepalive_interval=0.1, keepalive_timeout=0.3, close_timeout=CLOSE_TIMEOUT, write_timeout=30
    )
    bound = 0.1 + 0.3 + CLOSE_TIMEOUT + SLACK

    def scenario(client: Backend) -> tuple[float, BaseException | None, Sender]:
        with client.connect(server.url, timeouts=timeouts) as conversation:
            sender = Sender(conversation, LONG_CHUNK)
            ended = within(bound + 3.0, "the receiving loop", conversation.drain)[1]
            took = time.monotonic() - sender.last_return  # since sending last made progress
            sender.done.wait(SLACK)
        return took, ended, sender

    with HostileServer(hostile.stops_reading, receive_buffer=SMALL_BUFFER) as server:
        took, ended, sender = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert isinstance(ended, rp.ConnectionClosedError), describe(ended)
    assert took <= bound, f"the connection ended {took:.2f} s after sending stalled"
    assert sender.done.is_set(), "send_audio went on after the connection ended"
    assert sender.error is None or isinstance(sender.error, rp.ConnectionClosedError), describe(
        sender.error
    )


# -- 2. events before session.created ----------------------------------------------------------

OPEN_TIMEOUT = 0.3
FLOOD = 200
QUEUED = 16


def test_entering_raises_connect_timeout_when_events_flood_in_and_no_session_is_created(
    backend: str,
) -> None:
    timeouts = rp.Timeouts(open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> tuple[BaseException | None, float]:
        started = time.monotonic()
        try:
            with client.connect(server.url, timeouts=timeouts, max_queued_messages=QUEUED):
                return None, time.monotonic() - started
        except Exception as exc:
            return exc, time.monotonic() - started

    flood = hostile.FloodsBeforeSession(FLOOD, then_create=False)
    with HostileServer(flood) as server:
        error, took = run_bounded(backend, scenario, limit=5.0, servers=(server,))
    assert isinstance(error, rp.ConnectTimeout), describe(error)
    assert took <= OPEN_TIMEOUT + SLACK, f"entering took {took:.2f} s"


def test_entering_is_bounded_when_session_created_follows_a_flood_of_events(
    backend: str,
) -> None:
    """Either the session is reached and every event is delivered in order, or entering
    raises ConnectTimeout in time: never a hang."""
    timeouts = rp.Timeouts(open_timeout=OPEN_TIMEOUT, close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> tuple[BaseException | None, float, list[int]]:
        started = time.monotonic()
        numbers: list[int] = []
        try:
            with client.connect(
                server.url, timeouts=timeouts, max_queued_messages=QUEUED
            ) as conversation:
                took = time.monotonic() - started
                for message in conversation.messages():
                    number = hostile.flood_number(message)
                    if number is not None:
                        numbers.append(number)
                    if number == FLOOD - 1:
                        break
        except Exception as exc:
            return exc, time.monotonic() - started, numbers
        return None, took, numbers

    flood = hostile.FloodsBeforeSession(FLOOD, then_create=True)
    with HostileServer(flood) as server:
        error, took, numbers = run_bounded(backend, scenario, limit=5.0, servers=(server,))
    assert took <= OPEN_TIMEOUT + SLACK, f"entering took {took:.2f} s"
    if error is None:
        assert numbers == list(range(FLOOD))
    else:
        assert isinstance(error, rp.ConnectTimeout), describe(error)


# -- 3. a failing pump reaches the caller ------------------------------------------------------


def test_a_ping_flood_beyond_max_pending_output_raises_from_iteration_after_the_events_before(
    backend: str,
) -> None:
    limits = rp.Limits(max_pending_output=1024)
    timeouts = rp.Timeouts(write_timeout=WRITE_TIMEOUT, close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> tuple[list[rp.Event], BaseException | None, Any]:
        with client.connect(server.url, limits=limits, timeouts=timeouts) as conversation:
            seen, ended = conversation.drain()
            try:
                again: Any = conversation.call("receive")
            except Exception as exc:
                again = exc
        return seen, ended, again

    flood = hostile.PingFlood()
    with HostileServer(flood, receive_buffer=SMALL_BUFFER) as server:
        seen, ended, again = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert flood.pings, "the server sent no ping"
    assert [m.text for m in seen if isinstance(m, rp.TextDelta)] == ["one ", "two "]
    assert isinstance(ended, (rp.LimitExceeded, rp.ConnectionClosedError)), describe(ended)
    assert isinstance(again, (rp.LimitExceeded, rp.ConnectionClosedError)), (
        f"receive() after the end gave {again!r}"
    )


def test_a_tool_given_as_a_plain_dict_is_refused_or_raises_never_silently(backend: str) -> None:
    try:
        options = rp.ConversationOptions(tools=({"type": "function", "name": "x"},))
    except (TypeError, ValueError):
        return  # refused as it is built
    timeouts = rp.Timeouts(close_timeout=CLOSE_TIMEOUT)

    def scenario(client: Backend) -> BaseException | None:
        try:
            with client.connect(server.url, options, timeouts=timeouts) as conversation:
                return conversation.drain()[1]
        except Exception as exc:
            return exc

    sink = hostile.ClosesAfterUpdate(quiet=1.0)
    with HostileServer(sink) as server:
        error = run_bounded(backend, scenario, limit=5.0, servers=(server,))
    assert not is_group(error), describe(error)
    if sink.updates:  # the tool was sent as given: nothing was lost
        (update,) = sink.updates
        assert len(update.options.tools or ()) == 1
    else:
        assert error is not None, "the options were dropped and the conversation went on"


# -- 4. timers under continuous inbound data ---------------------------------------------------


def test_close_returns_within_the_close_timeout_while_events_flood_in(backend: str) -> None:
    close_timeout = 0.5
    timeouts = rp.Timeouts(close_timeout=close_timeout)

    def scenario(client: Backend) -> tuple[float, bool, BaseException | None]:
        with client.connect(server.url, timeouts=timeouts) as conversation:
            receiving = in_thread(conversation.drain)
            while not flood.sent and not receiving.done():
                time.sleep(0.01)
            time.sleep(0.1)
            took = timed(close_timeout + 2.0, "close()", conversation.close)
            try:
                ended = receiving.result(SLACK)[1]
            except concurrent.futures.TimeoutError:
                return took, False, None
        return took, True, ended

    flood = hostile.FloodsForever()
    with HostileServer(flood) as server:
        took, drained, ended = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    # The flood is written by a thread of this process, which competes with the client for
    # the interpreter while the other worker loads the second core: hence more slack here
    # (1.28 s was seen once with three suites running on two cores; a wedge takes the 6 s).
    assert took <= close_timeout + 1.0, f"close took {took:.2f} s, ending: {describe(ended)}"
    assert drained, "the receiving loop did not end after the close"
    assert ended is None or isinstance(ended, rp.ConnectionClosedError), describe(ended)


# -- 5. last_turn is the last turn delivered ---------------------------------------------------


def test_last_turn_is_the_last_turn_delivered_to_the_caller(backend: str) -> None:
    """The reader takes in both responses before the caller reads the first one; at each
    TurnFinished the caller receives, ``last_turn`` is that one, and run_tools answers it."""

    def lookup() -> str:
        return "found"

    def scenario(client: Backend) -> tuple[list[tuple[Any, ...]], int]:
        seen: list[tuple[Any, ...]] = []
        answered = -1
        with client.connect(server.url) as conversation:
            assert two.sent.wait(3.0)
            time.sleep(0.2)  # a slow caller: both responses are in before it reads
            for message in conversation.messages():
                if not isinstance(message, rp.TurnFinished):
                    continue
                turn = conversation.read("last_turn")
                text = conversation.read("last_turn_full_response_text")
                seen.append((message.turn.response_id, turn, text, message.turn))
                if len(seen) == 1:
                    answered = conversation.call("run_tools", {"lookup": lookup})
                if len(seen) == 2:
                    break
        return seen, answered

    two = hostile.TwoResponses()
    with HostileServer(two) as server:
        seen, answered = run_bounded(backend, scenario, limit=6.0, servers=(server,))
        two.closed.wait(2.0)
    assert two.closed.is_set(), "the server did not see the close"
    (first_id, first_turn, first_text, first), (second_id, second_turn, second_text, _) = seen
    assert (first_id, second_id) == ("resp_1", "resp_2")
    assert first_text == "first"
    assert first_turn == first, "last_turn is not the turn just delivered"
    assert second_text == "second"
    assert second_turn is not None
    assert second_turn.response_id == "resp_2"
    assert answered == 1, "run_tools did not answer the tool call of the turn delivered"
    answers = [c for c in two.commands if isinstance(c, rp.SendToolResponse)]
    assert [a.tool_call_id for a in answers] == ["call_1"]


# -- 6. audio is converted to the format of the options sent -----------------------------------


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.PREVIEW], ids=["ga", "preview"])
def test_send_audio_converts_a_wav_to_the_input_format_of_the_options_sent(
    backend: str, dialect: rp.Dialect
) -> None:
    options = rp.ConversationOptions(input_audio_format=rp.AudioFormat.G711_ALAW)
    wav = sine_wav(seconds=1.0)

    def scenario(client: Backend) -> None:
        with client.connect(server.url, options, dialect=dialect) as conversation:
            conversation.call("send_audio", wav)  # before session.updated confirms the format

    ack = hostile.DelayedFormatAck(delay=0.15)
    with HostileServer(ack, dialect=dialect) as server:
        run_bounded(backend, scenario, limit=6.0, servers=(server,))
        ack.closed.wait(2.0)
    assert ack.closed.is_set(), "the server did not see the close"
    assert ack.requested is rp.AudioFormat.G711_ALAW
    heard = len(ack.audio)
    assert abs(heard - 8000) <= 800, f"{heard} bytes for 1 s of audio: not 8 kHz A-law"


# -- 7. leaving while audio is streaming -------------------------------------------------------


def test_leaving_while_audio_streams_is_prompt_and_the_stream_stops_quietly(
    backend: str, thread_failures: list[str]
) -> None:
    timeouts = rp.Timeouts(close_timeout=CLOSE_TIMEOUT)
    chunks = 500  # 5 s of streaming

    def scenario(client: Backend) -> tuple[float, int, BaseException | None, bool]:
        audio = client.slow_audio(chunks, 0.01)
        with client.connect(server.url, timeouts=timeouts) as conversation:
            streaming = conversation.start("send_audio", audio.source())
            time.sleep(0.2)
            leaving = time.monotonic()
        left = time.monotonic() - leaving
        taken = audio.taken
        try:
            streaming.result(SLACK)
            error: BaseException | None = None
            ended = True
        except concurrent.futures.TimeoutError:
            error, ended = None, False
        except BaseException as exc:
            error, ended = exc, True
        audio.stop.set()
        return left, taken, error, ended

    sink = AudioSink()
    with HostileServer(sink) as server:
        left, taken, error, ended = run_bounded(backend, scenario, limit=6.0, servers=(server,))
    assert left <= CLOSE_TIMEOUT + SLACK, f"leaving took {left:.2f} s"
    assert taken < chunks, "leaving waited for the whole stream"
    assert ended, "the streaming send_audio still ran 1 s after the conversation was left"
    assert error is None, f"the streaming send_audio raised {describe(error)}"
    assert not thread_failures


# -- 8. received messages are bounded in bytes -------------------------------------------------

DELTAS = 60
DELTA_SIZE = 1_000_000
MAX_QUEUED_BYTES = 4 * 1024 * 1024


def test_received_messages_are_bounded_in_bytes_and_none_is_lost(backend: str) -> None:
    limits = rp.Limits(accumulate_audio=False)

    def scenario(client: Backend) -> tuple[int, bool, list[tuple[int, int]]]:
        with client.connect(
            server.url, limits=limits, max_queued_bytes=MAX_QUEUED_BYTES
        ) as conversation:
            time.sleep(0.5)  # the caller reads nothing for a while
            end = time.monotonic() + 2.0
            while (
                time.monotonic() < end
                and not flood.all_written.is_set()
                and flood.stalled_for() < 0.3
            ):
                time.sleep(0.05)
            written, finished = flood.written, flood.all_written.is_set()
            deltas: list[tuple[int, int]] = []
            for message in conversation.messages():
                if isinstance(message, rp.AudioDelta):
                    audio = message.audio_bytes
                    deltas.append((audio[0] if audio else -1, len(audio)))
                elif isinstance(message, rp.TurnFinished):
                    break
        return written, finished, deltas

    flood = hostile.AudioFlood(DELTAS, DELTA_SIZE)
    with HostileServer(flood) as server:
        written, finished, deltas = run_bounded(backend, scenario, limit=8.0, servers=(server,))
    taken = f"the client took {written / 1e6:.0f} of {flood.total / 1e6:.0f} MB"
    assert not finished, f"{taken}: all of it, while its caller read nothing"
    assert written < flood.total / 2, f"{taken} while its caller read nothing"
    assert deltas == [(n, DELTA_SIZE) for n in range(DELTAS)]
