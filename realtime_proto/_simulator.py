"""A small deterministic stand-in for the realtime service, behind a SERVER connection.

Pure like the rest of the core: bytes in, bytes out, no clock. It answers the handshake, sends
``session.created``, applies ``session.update``, keeps input audio until it is committed, and
answers ``response.create`` with the full response lifecycle: a text reply when the session
is text-only, otherwise an audio reply (the user's own audio echoed back, or a short tone when
there is none) with a transcript that says what it measured.
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Iterator
from typing import Any

import attrs

from ._commands import (
    AcceptConnection,
    AppendAudio,
    CancelResponse,
    ClearAudio,
    Command,
    CommitAudio,
    CreateResponse,
    SendText,
    SendToolResponse,
    UpdateSession,
)
from ._connection import NEED_DATA, Connection
from ._endpoint import Endpoint
from ._errors import LocalProtocolError
from ._events import (
    AudioDelta,
    AudioDone,
    ConnectionClosed,
    ConnectionRequested,
    ContentPartAdded,
    ContentPartDone,
    Event,
    InputAudioCleared,
    InputAudioCommitted,
    ItemAdded,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    ServerError,
    Session,
    SessionCreated,
    SessionUpdated,
    TextDelta,
    TextDone,
    TurnFinished,
    TurnStarted,
)
from ._options import AudioFormat, ConversationOptions
from ._state import ConnectionState
from ._values import ContentPart, ConversationItem, ErrorDetail, ResponseInfo, Usage

__all__ = ["LocalConversation", "Simulator"]

_CHUNK_MS = 100


def _tone(duration_ms: int, rate: int = 24_000, hz: float = 440.0) -> bytes:
    count = rate * duration_ms // 1000
    samples = (int(8000 * math.sin(2 * math.pi * hz * n / rate)) for n in range(count))
    return struct.pack(f"<{count}h", *samples)


def _merge(old: ConversationOptions, new: ConversationOptions) -> ConversationOptions:
    changes = {
        field.name: getattr(new, field.name)
        for field in attrs.fields(ConversationOptions)
        if getattr(new, field.name) is not None and field.name != "extra"
    }
    return attrs.evolve(old, **changes)


class Simulator:
    """Serves one simulated session over a SERVER :class:`Connection`."""

    def __init__(self, *, model: str = "simulated-realtime") -> None:
        self.connection = Connection.server()
        self._ids = itertools.count(1)
        self._session = Session(
            id="sess_sim",
            model=model,
            options=ConversationOptions(
                voice="alloy",
                input_audio_format=AudioFormat.PCM16,
                output_audio_format=AudioFormat.PCM16,
            ),
        )
        self._input = bytearray()
        self._last_user: tuple[str, str | bytes] | None = None

    def receive_data(self, data: bytes) -> None:
        self.connection.receive_data(data)
        self._process()

    def receive_eof(self) -> None:
        self.connection.receive_eof()
        self._process()

    def data_to_send(self) -> bytes:
        return self.connection.data_to_send()

    @property
    def finished(self) -> bool:
        """The connection is over: nothing more will be sent."""
        return self.connection.state is ConnectionState.CLOSED

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    def _send(self, *events: Event) -> None:
        for event in events:
            self.connection.send(event)

    def _process(self) -> None:
        while True:
            try:
                event = self.connection.next_event()
            except LocalProtocolError:  # the final event was delivered
                return
            if event is NEED_DATA:
                return
            if isinstance(event, ConnectionRequested):
                self.connection.send(AcceptConnection())
                self._send(SessionCreated(session=self._session))
            elif isinstance(event, Command):
                self._on_command(event)

    def _on_command(self, command: Command) -> None:
        if isinstance(command, UpdateSession):
            options = _merge(self._session.options, command.options)
            self._session = attrs.evolve(self._session, options=options)
            self._send(SessionUpdated(session=self._session))
        elif isinstance(command, AppendAudio):
            self._input += command.audio
        elif isinstance(command, ClearAudio):
            self._input.clear()
            self._send(InputAudioCleared())
        elif isinstance(command, CommitAudio):
            self._commit()
        elif isinstance(command, SendText):
            item_id = self._id("item")
            content = (ContentPart(type="input_text", text=command.text),)
            item = ConversationItem(type="message", id=item_id, role="user", content=content)
            self._send(ItemAdded(item=item))
            self._last_user = ("text", command.text)
        elif isinstance(command, SendToolResponse):
            self._last_user = ("text", f"the tool answered {command.output}")
        elif isinstance(command, CreateResponse):
            self._respond()
        elif isinstance(command, CancelResponse):
            self._send(
                ServerError(
                    error=ErrorDetail(
                        type="invalid_request_error",
                        code="response_cancel_not_active",
                        message="There is no active response to cancel.",
                        event_id=command.event_id,
                    )
                )
            )

    def _commit(self) -> None:
        if not self._input:
            self._send(
                ServerError(
                    error=ErrorDetail(
                        type="invalid_request_error",
                        code="input_audio_buffer_commit_empty",
                        message="The input audio buffer is empty.",
                    )
                )
            )
            return
        item_id = self._id("item")
        self._send(InputAudioCommitted(item_id=item_id))
        item = ConversationItem(
            type="message", id=item_id, role="user", content=(ContentPart(type="input_audio"),)
        )
        self._send(ItemAdded(item=item))
        self._last_user = ("audio", bytes(self._input))
        self._input.clear()

    def _reply_text(self) -> str:
        if self._last_user is None:
            return "Hello! I am the simulated realtime model."
        kind, content = self._last_user
        if kind == "text":
            return f"You said: {content!s}"
        duration_ms = len(content) * 1000 // 48_000
        return f"I heard {duration_ms} ms of audio and played it back to you."

    def _respond(self) -> None:
        response_id, item_id = self._id("resp"), self._id("item")
        text = self._reply_text()
        audio_reply = not self._session.options.disable_audio
        info = ResponseInfo(id=response_id, status="in_progress", conversation_id="conv_sim")
        keys: dict[str, Any] = {"response_id": response_id, "item_id": item_id, "output_index": 0}
        item = ConversationItem(type="message", id=item_id, role="assistant", status="in_progress")
        # content_part events say "audio"/"text"; GA items say "output_audio"/"output_text"
        part_type = "audio" if audio_reply else "text"
        self._send(
            TurnStarted(response=info),
            OutputItemAdded(response_id=response_id, output_index=0, item=item),
            ContentPartAdded(**keys, content_index=0, part=ContentPart(type=part_type)),
        )
        words = _words(text)
        if audio_reply:
            last = self._last_user
            audio = last[1] if last and isinstance(last[1], bytes) else _tone(600)
            chunk = 48_000 * _CHUNK_MS // 1000
            for offset in range(0, len(audio), chunk):
                word = next(words, None)
                if word is not None:
                    self._send(OutputTranscriptDelta(**keys, content_index=0, delta=word))
                piece = audio[offset : offset + chunk]
                self._send(AudioDelta(**keys, content_index=0, audio_bytes=piece))
            for word in words:
                self._send(OutputTranscriptDelta(**keys, content_index=0, delta=word))
            self._send(
                AudioDone(**keys, content_index=0),
                OutputTranscriptDone(**keys, content_index=0, transcript=text),
            )
            final_part = ContentPart(type="audio", transcript=text)
        else:
            for word in words:
                self._send(TextDelta(**keys, content_index=0, text=word))
            self._send(TextDone(**keys, content_index=0, text=text))
            final_part = ContentPart(type="text", text=text)
        item_part = attrs.evolve(final_part, type=f"output_{final_part.type}")
        done_item = attrs.evolve(item, status="completed", content=(item_part,))
        output_tokens = len(text.split())
        usage = Usage(total_tokens=8 + output_tokens, input_tokens=8, output_tokens=output_tokens)
        self._send(
            ContentPartDone(**keys, content_index=0, part=final_part),
            OutputItemDone(response_id=response_id, output_index=0, item=done_item),
            TurnFinished(
                response=attrs.evolve(info, status="completed", output=(done_item,), usage=usage)
            ),
        )


class LocalConversation:
    """A CLIENT connection wired to a :class:`Simulator` in memory: no network at all."""

    def __init__(self, *, model: str = "simulated-realtime") -> None:
        endpoint = Endpoint.from_url(f"ws://127.0.0.1/v1/realtime?model={model}")
        self.client = Connection.client(endpoint)
        self.simulator = Simulator(model=model)

    def send(self, command: Command) -> None:
        self.client.send(command)

    def exchange(self, *commands: Command) -> list[Event]:
        """Send ``commands``, then shuttle bytes until both sides are quiet; returns the
        client's events, in order (ending with ``ConnectionClosed`` if the session ended)."""
        for command in commands:
            self.client.send(command)
        received: list[Event] = []
        while True:
            outgoing = self.client.data_to_send()
            if outgoing:
                self.simulator.receive_data(outgoing)
            incoming = self.simulator.data_to_send()
            if incoming:
                self.client.receive_data(incoming)
            while not received or not isinstance(received[-1], ConnectionClosed):
                event = self.client.next_event()
                if event is NEED_DATA:
                    break
                assert isinstance(event, Event)  # a CLIENT connection yields events
                received.append(event)
            if received and isinstance(received[-1], ConnectionClosed):
                return received
            if not outgoing and not incoming:
                return received


def _words(text: str) -> Iterator[str]:
    pieces = text.split(" ")
    return iter([piece + (" " if n < len(pieces) - 1 else "") for n, piece in enumerate(pieces)])
