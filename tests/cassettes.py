"""Hand-written cassettes for the replay tests: a text turn, a tool round and an audio turn found
by server VAD, written entry by entry through ``CassetteWriter`` and read back; and what a client
that reads their server messages receives (the events and turns they imply)."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Sequence
from typing import Any

import realtime_proto as rp
from realtime_proto._dialects import wire_dialect
from realtime_proto.cassette import (
    Cassette,
    CassetteHeader,
    CassetteWriter,
    CloseFrame,
    Direction,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    TextFrame,
    read_cassette,
)
from tests.helpers import ConnectionPair, response_events

CLIENT, SERVER = Direction.CLIENT, Direction.SERVER
STARTED = "2025-06-01T12:00:00Z"
WEATHER = '{"city":"Paris"}'
WEATHER_OUTPUT = '{"sky":"clear","celsius":21}'


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Script:
    """A cassette written entry by entry, ``step`` seconds apart unless told otherwise; it
    starts with the client's handshake and the server's 101."""

    def __init__(self, dialect: rp.Dialect = rp.Dialect.GA, *, step: float = 0.1) -> None:
        self.dialect = dialect
        self.step = step
        self.at = 0.0
        self.entries: list[Entry] = [
            HandshakeRequest(
                at=0.0,
                target="/v1/realtime?model=gpt-realtime",
                headers=[("Host", "api.openai.com"), ("Authorization", "Bearer sk-secret-123456")],
            ),
            HandshakeResponse(
                at=0.05,
                status=101,
                headers=[
                    ("Upgrade", "websocket"),
                    ("Connection", "Upgrade"),
                    ("Sec-WebSocket-Accept", "recorded-accept-value"),
                    ("x-request-id", "req_recorded"),
                ],
            ),
        ]
        self._wire = wire_dialect(dialect)
        self._event_ids = itertools.count(1)

    def _next_at(self, at: float | None) -> float:
        self.at = self.at + self.step if at is None else at
        return self.at

    def server(self, *messages: dict[str, Any], at: float | None = None) -> Script:
        """Server messages (dicts), one entry each."""
        for message in messages:
            entry_at = self._next_at(at)
            self.entries.append(TextFrame(at=entry_at, direction=SERVER, text=json.dumps(message)))
        return self

    def events(self, *events: rp.Event, at: float | None = None) -> Script:
        """Server messages of typed events, as a service of the dialect sends them."""
        for event in events:
            for wire in self._wire.encode_event(event, 24_000) or ():
                if self._wire.numbers_server_events and wire.get("event_id") is None:
                    wire["event_id"] = f"event_{next(self._event_ids)}"
                self.server(wire, at=at)
        return self

    def client(self, *messages: dict[str, Any], at: float | None = None) -> Script:
        """Client messages (dicts), one entry each."""
        for message in messages:
            text = TextFrame(at=self._next_at(at), direction=CLIENT, text=json.dumps(message))
            self.entries.append(text)
        return self

    def command(self, *commands: rp.Command, at: float | None = None) -> Script:
        """Client messages of commands, as our client sends them (ids added)."""
        for command in commands:
            wire = self._wire.encode_command(command, 24_000)
            wire.setdefault("event_id", f"client_evt_{len(self.entries)}")
            self.client(wire, at=at)
        return self

    def close(self, direction: Direction, code: int = 1000, reason: str = "") -> Script:
        at = self._next_at(None)
        self.entries.append(CloseFrame(at=at, direction=direction, code=code, reason=reason))
        return self

    def lines(self, *, max_audio_bytes: int | None = None) -> list[bytes]:
        header = CassetteHeader(
            dialect=self.dialect, url="wss://api.openai.com/v1/realtime", started_at=STARTED
        )
        writer = CassetteWriter(header, max_audio_bytes=max_audio_bytes)
        return [writer.header_line(), *(writer.entry_line(e) for e in self.entries)]

    def cassette(self, *, max_audio_bytes: int | None = None) -> Cassette:
        """The cassette as a reader gets it back from the written lines."""
        return read_cassette(self.lines(max_audio_bytes=max_audio_bytes))


# -- the conversations --------------------------------------------------------------------------


def session_created() -> rp.SessionCreated:
    options = rp.ConversationOptions(voice="alloy", turn_detection=rp.ServerVad())
    return rp.SessionCreated(session=rp.Session(id="sess_1", model="gpt-realtime", options=options))


def user_text_item(item_id: str, text: str) -> list[rp.Event]:
    content = (rp.ContentPart(type="input_text", text=text),)
    item = rp.ConversationItem(type="message", id=item_id, role="user", content=content)
    return [rp.ItemAdded(item=item), rp.ItemDone(item=item)]


def text_turn(script: Script | None = None) -> Script:
    """The client says "Hello" in text and asks for a response; the model answers in text."""
    script = script or Script()
    script.events(session_created())
    script.command(rp.SendText(text="Hello"), rp.CreateResponse())
    script.events(*user_text_item("item_u1", "Hello"))
    script.events(*response_events(response_id="resp_1", text_deltas=("Hi ", "there!")))
    return script


def tool_round() -> Script:
    """A question answered with a tool call, the tool's output, and the model's answer."""
    script = Script()
    script.events(session_created())
    script.command(rp.SendText(text="Weather in Paris?"), rp.CreateResponse())
    script.events(*user_text_item("item_u1", "Weather in Paris?"))
    calls = (("call_1", "get_weather", ('{"city":', '"Paris"}')),)
    script.events(*response_events(response_id="resp_1", tool_calls=calls))
    script.command(
        rp.SendToolResponse(tool_call_id="call_1", output=WEATHER_OUTPUT), rp.CreateResponse()
    )
    output = rp.ConversationItem(type="function_call_output", call_id="call_1", output="x")
    script.events(rp.ItemAdded(item=output))
    script.events(
        *response_events(response_id="resp_2", item_id="item_a2", text_deltas=("Sunny, 21.",))
    )
    return script


SPEECH = bytes(range(256)) * 75  # 19,200 bytes: 400 ms of PCM16 at 24 kHz
SILENCE = bytes(9600)  # 200 ms


def audio_turn(*, chunk: int = 4800) -> Script:
    """Server VAD: the client streams speech then silence in appends of ``chunk`` bytes; the
    server hears the speech start after the first 4,800 bytes and stop after 24,000, commits
    it and answers in audio with a transcript."""
    script = Script()
    script.events(session_created())
    audio = SPEECH + SILENCE + SILENCE  # 38,400 bytes
    pieces = [audio[offset : offset + chunk] for offset in range(0, len(audio), chunk)]
    sent = 0
    for piece in pieces:
        script.command(rp.AppendAudio(audio=piece))
        before, sent = sent, sent + len(piece)
        if before < 4800 <= sent:
            script.events(rp.SpeechStarted(audio_start_ms=100, item_id="item_u1"))
        if before < 24_000 <= sent:
            script.events(
                rp.SpeechStopped(audio_end_ms=500, item_id="item_u1"),
                rp.InputAudioCommitted(item_id="item_u1"),
            )
            reply = [bytes([n]) * 960 for n in range(3)]
            script.events(
                *response_events(
                    response_id="resp_1",
                    audio_deltas=reply,
                    transcript_deltas=("I ", "heard ", "you."),
                )
            )
    return script


# -- what the server messages imply --------------------------------------------------------------


def server_texts(cassette: Cassette) -> list[str]:
    return [e.text for e in cassette.entries if isinstance(e, TextFrame) and e.direction is SERVER]


def implied_events(cassette: Cassette) -> list[rp.Event]:
    """What a client of the cassette's dialect decodes from its server messages, in memory."""
    dialect = rp.Dialect(cassette.header.dialect)
    pair = ConnectionPair(dialect=dialect, policy=rp.ResponsePolicy.SEND)
    for text in server_texts(cassette):
        pair.server.send(rp.SendRaw(message=text))
    return pair.pump()[0]


def comparable(events: Sequence[rp.Event]) -> list[rp.Event]:
    """The events that come from the recorded messages (not the connection's own)."""
    return [e for e in events if not isinstance(e, (rp.Connected, rp.ConnectionClosed))]


def turns(events: Sequence[rp.Event]) -> list[rp.Turn]:
    return [e.turn for e in events if isinstance(e, rp.TurnFinished) and e.turn is not None]
