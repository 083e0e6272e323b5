"""The embedded simulator and a CLIENT connection wired in memory, every server message kept;
the synthetic audio the tests speak to it; and a scripted session that makes it send every kind
of event it has."""

from __future__ import annotations

import math
import struct

import attrs

import realtime_proto as rp
from realtime_proto.simulator import Simulator
from tests.core.wire_examples import (
    FUNCTION_CALL,
    FUNCTION_CALL_OUTPUT,
    SYSTEM_ITEM,
    USER_MESSAGE,
    VAD_OPTIONS,
    assistant_message,
)

RATE = 24_000


def speechlike(ms: int, rate: int = RATE, level: float = 6000) -> bytes:
    count = rate * ms // 1000
    samples = [
        int(level * (0.6 + 0.4 * math.sin(2 * math.pi * 4 * n / rate)) * sum(
            math.sin(2 * math.pi * 150 * k * n / rate) / k for k in range(1, 5)
        ))
        for n in range(count)
    ]  # fmt: skip
    return struct.pack(f"<{count}h", *samples)


def silence(ms: int, rate: int = RATE) -> bytes:
    return bytes(rate * ms // 1000 * 2)


class FrameTap:
    """The text messages in what a WebSocket server writes (its frames are never masked)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._head_done = False
        self._fragments: list[bytes] = []
        self.messages: list[str] = []

    def feed(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._head_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            assert buffer.startswith(b"HTTP/1.1 101")
            del buffer[: end + 4]
            self._head_done = True
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            assert not second & 0x80, "a server frame is masked"
            length, header = second & 0x7F, 2
            if length >= 126:
                header = 4 if length == 126 else 10
                if len(buffer) < header:
                    return
                length = int.from_bytes(buffer[2:header], "big")
            if len(buffer) < header + length:
                return
            payload = bytes(buffer[header : header + length])
            del buffer[: header + length]
            opcode = first & 0x0F
            assert opcode != 0x2, "the protocol has no binary messages"
            if opcode in (0x0, 0x1):
                self._fragments.append(payload)
                if first & 0x80:
                    self.messages.append(b"".join(self._fragments).decode("utf-8"))
                    self._fragments.clear()
            # close, ping and pong frames carry no protocol message


class SimulatedSession:
    """A CLIENT connection of ``dialect`` and a simulator, bytes shuttled in memory, time given
    by hand; the client's events and the simulator's messages are kept."""

    def __init__(
        self,
        simulator: Simulator | None = None,
        *,
        dialect: rp.Dialect = rp.Dialect.GA,
        now: float | None = 0.0,
    ) -> None:
        query = "" if dialect is rp.Dialect.GA else f"&dialect={dialect.value}"
        endpoint = rp.Endpoint.from_url(
            f"ws://127.0.0.1/v1/realtime?model=m{query}", dialect=dialect
        )
        self.client = rp.Connection.client(
            endpoint,
            response_policy=rp.ResponsePolicy.SEND,
            timeouts=rp.Timeouts(keepalive_interval=None),
        )
        self.simulator = simulator or Simulator()
        self.tap = FrameTap()
        self.events: list[rp.Event] = []
        if now is not None:
            self.simulator.handle_timer(now)
        self.exchange()

    def exchange(self, *commands: rp.Command, now: float | None = None) -> list[rp.Event]:
        """Send ``commands`` (then move the simulator's clock to ``now``, if given) and shuttle
        bytes until both sides are quiet; returns the client's new events."""
        for command in commands:
            self.client.send(command)
        if now is not None:
            self.simulator.handle_timer(now)
        got: list[rp.Event] = []
        while True:
            up = self.client.data_to_send()
            if up:
                self.simulator.receive_data(up)
            down = self.simulator.data_to_send()
            if down:
                self.tap.feed(down)
                self.client.receive_data(down)
            while not (got and isinstance(got[-1], rp.ConnectionClosed)):
                event = self.client.next_event()
                if event is rp.NEED_DATA:
                    break
                assert isinstance(event, rp.Event)
                got.append(event)
            if not up and not down:
                break
        self.events += got
        return got

    def append(self, audio: bytes, chunk: int = 4800) -> list[rp.Event]:
        """``audio`` in appends of ``chunk`` bytes, each exchanged on its own."""
        got: list[rp.Event] = []
        for offset in range(0, len(audio), chunk):
            got += self.exchange(rp.AppendAudio(audio=audio[offset : offset + chunk]))
        return got

    @property
    def last_turn(self) -> rp.Turn:
        turn = self.client.last_turn
        assert turn is not None
        return turn


def sdk_session(dialect: rp.Dialect) -> SimulatedSession:
    """A session with a paced simulator that expires after a minute, named after a model that
    the SDK of ``dialect`` takes."""
    # the beta SDK types session.model as a closed list of names: use one of them
    model = (
        "gpt-4o-realtime-preview-2025-06-03" if dialect is rp.Dialect.BETA else "simulated-realtime"
    )
    simulator = Simulator(model=model, pace_audio=True, session_duration=60.0)
    return SimulatedSession(simulator, dialect=dialect)


def run_scripted_session(dialect: rp.Dialect) -> SimulatedSession:
    """A session that makes the simulator send every kind of event it has."""
    s = sdk_session(dialect)
    options = attrs.evolve(VAD_OPTIONS, output_audio_format=rp.AudioFormat.PCM16)
    s.exchange(rp.UpdateSession(options=options), now=0.0)
    # an audio turn found by server VAD, transcribed and answered
    s.append(silence(500) + speechlike(900) + silence(900))
    s.exchange(now=5.0)
    # a text turn answered with a tool call, then the tool's output and the answer
    s.exchange(rp.SendText(text="Weather in Oslo?"), rp.CreateResponse(), now=6.0)
    s.exchange(now=9.0)
    call = s.last_turn.tool_calls[0]
    s.exchange(rp.SendToolResponse(tool_call_id=call.call_id, output='{"sky":"clear"}'))
    s.exchange(rp.CreateResponse(), now=10.0)
    # a response cancelled part way, and a cancel with nothing to cancel
    s.exchange(rp.CreateResponse(), rp.CancelResponse(), rp.CancelResponse(), now=10.1)
    spoken = s.last_turn.item_ids[0]
    # items of each kind, in the part names of either generation
    for item in (
        SYSTEM_ITEM,
        USER_MESSAGE,
        assistant_message("output_text", "output_audio"),
        assistant_message("text", "audio"),
        attrs.evolve(FUNCTION_CALL, id="item_call_2", call_id="call_2"),
        attrs.evolve(FUNCTION_CALL_OUTPUT, id="item_output_2", call_id="call_2"),
    ):
        s.exchange(rp.CreateItem(item=attrs.evolve(item, id=None)))
    s.exchange(
        rp.TruncateItem(item_id=spoken, audio_end_ms=10),
        rp.TruncateItem(item_id=spoken, audio_end_ms=99_999),
        rp.RetrieveItem(item_id=spoken),
        rp.DeleteItem(item_id=spoken),
        rp.DeleteItem(item_id=spoken),
        rp.RetrieveItem(item_id="item_nope"),
        rp.TruncateItem(item_id="item_nope", audio_end_ms=1),
    )
    # manual turns: a commit of nothing, a clear, a commit with audio
    s.exchange(
        rp.UpdateSession(options=rp.ConversationOptions(turn_detection=rp.NoTurnDetection()))
    )
    s.exchange(rp.ClearAudio(), rp.CommitAudio())
    s.exchange(rp.AppendAudio(audio=speechlike(200)), rp.ClearAudio())
    got = s.exchange(rp.AppendAudio(audio=speechlike(300)), rp.CommitAudio())
    (committed,) = [e for e in got if isinstance(e, rp.InputAudioCommitted)]
    s.exchange(rp.RetrieveItem(item_id=committed.item_id))
    # what the service refuses
    s.exchange(rp.SendRaw(message="{oops"), rp.SendRaw(message={"type": "nope"}))
    s.exchange(rp.SendRaw(message={"type": "input_audio_buffer.append"}))
    # a text-only session, answered in text
    s.exchange(rp.UpdateSession(options=rp.ConversationOptions(disable_audio=True)))
    s.exchange(rp.SendText(text="Text please."), rp.CreateResponse(), now=11.0)
    # speech over a paced reply interrupts it
    s.exchange(rp.UpdateSession(options=rp.ConversationOptions(
        disable_audio=False, turn_detection=rp.ServerVad()
    )))  # fmt: skip
    s.exchange(rp.SendText(text="Talk a while."), rp.CreateResponse(), now=12.0)
    s.append(speechlike(600))
    s.exchange(now=60.0)  # the session expires
    return s


_SESSIONS: dict[rp.Dialect, SimulatedSession] = {}


def scripted_session(dialect: rp.Dialect) -> SimulatedSession:
    """``run_scripted_session``, run once per dialect: the tests only read it."""
    if dialect not in _SESSIONS:
        _SESSIONS[dialect] = run_scripted_session(dialect)
    return _SESSIONS[dialect]
