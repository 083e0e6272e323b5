"""Turn accumulation: every response's full text, audio, transcript and tool calls.

Sees only typed events, never JSON. Deltas are routed by their keys (response, item, content
index), not by "the current" response, because parts, items and out-of-band responses interleave.
Text and audio are kept as lists of pieces and joined once when the response is done, so time
stays linear in the number of deltas.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from ._events import (
    AccumulationLimitExceeded,
    AudioDelta,
    ContentPartDone,
    Event,
    InputAudioCommitted,
    InputTranscriptionCompleted,
    ItemAdded,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    TextDelta,
    TextDone,
    ToolCallArgumentsDelta,
    ToolCallArgumentsDone,
    TurnFinished,
    TurnStarted,
)
from ._options import Limits
from ._values import ConversationItem, ResponseInfo, ToolCall, Turn

__all__ = ["Accumulator"]


@attrs.define(repr=False, eq=False)
class _Part:
    order: tuple[int, int]
    text: list[str] = attrs.field(factory=list)
    final_text: str | None = None
    transcript: list[str] = attrs.field(factory=list)
    final_transcript: str | None = None
    audio: list[bytes] = attrs.field(factory=list)

    def full_text(self) -> str:
        return self.final_text if self.final_text is not None else "".join(self.text)

    def full_transcript(self) -> str:
        if self.final_transcript is not None:
            return self.final_transcript
        return "".join(self.transcript)


@attrs.define(repr=False, eq=False)
class _Call:
    output_index: int
    call_id: str | None = None
    name: str | None = None
    pieces: list[str] = attrs.field(factory=list)
    final: str | None = None


@attrs.define(repr=False, eq=False)
class _Builder:
    response_id: str
    input_item_id: str | None
    parts: dict[tuple[str, int], _Part] = attrs.field(factory=dict)
    calls: dict[str, _Call] = attrs.field(factory=dict)
    item_ids: list[str] = attrs.field(factory=list)
    audio_size: int = 0
    audio_truncated: bool = False

    def part(self, item_id: str, output_index: int, content_index: int) -> _Part:
        key = (item_id, content_index)
        part = self.parts.get(key)
        if part is None:
            part = self.parts[key] = _Part((output_index, content_index))
            self.saw_item(item_id)
        return part

    def call(self, item_id: str, output_index: int) -> _Call:
        call = self.calls.get(item_id)
        if call is None:
            call = self.calls[item_id] = _Call(output_index)
            self.saw_item(item_id)
        return call

    def saw_item(self, item_id: str) -> None:
        if item_id not in self.item_ids:
            self.item_ids.append(item_id)

    def build(self, response: ResponseInfo) -> Turn:
        if not self.parts and not self.calls:
            self._fill_from_output(response.output)
        parts = sorted(self.parts.values(), key=lambda part: part.order)
        calls = sorted(
            (
                (call.output_index, item_id, call)
                for item_id, call in self.calls.items()
                if call.call_id is not None
            ),
            key=lambda entry: entry[0],
        )
        return Turn(
            response_id=self.response_id,
            status=response.status,
            status_details=response.status_details,
            finish_reason=response.finish_reason,
            text="".join(part.full_text() for part in parts),
            audio=b"".join(chunk for part in parts for chunk in part.audio),
            audio_transcript="".join(part.full_transcript() for part in parts),
            tool_calls=tuple(
                ToolCall(
                    call_id=call.call_id or "",
                    name=call.name or "",
                    arguments=call.final if call.final is not None else "".join(call.pieces),
                    item_id=item_id,
                    output_index=index,
                )
                for index, item_id, call in calls
            ),
            usage=response.usage,
            item_ids=tuple(self.item_ids),
            input_item_id=self.input_item_id,
            audio_truncated=self.audio_truncated,
        )

    def _fill_from_output(self, output: Iterable[ConversationItem]) -> None:
        """A ``response.done`` without deltas still carries the final text (spec invariant 7)."""
        for index, item in enumerate(output):
            item_id = item.id or f"#{index}"
            if item.type == "function_call" and item.call_id is not None:
                call = self.call(item_id, index)
                call.call_id, call.name, call.final = item.call_id, item.name, item.arguments
            for content_index, content in enumerate(item.content):
                part = self.part(item_id, index, content_index)
                part.final_text = content.text
                part.final_transcript = content.transcript


class Accumulator:
    """Builds a :class:`Turn` per response from the events of a CLIENT connection."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._building: dict[str, _Builder] = {}
        # ids only: a finished turn's audio lives on in last_turn and in its event, not here
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._transcripts: OrderedDict[str, str] = OrderedDict()
        self._item_audio: OrderedDict[str, int] = OrderedDict()  # bytes received per item
        self._last_user_item: str | None = None
        self.last_turn: Turn | None = None

    @property
    def input_transcripts(self) -> dict[str, str]:
        """Transcripts of the user's audio items, by item id (the most recent ones)."""
        return dict(self._transcripts)

    def audio_received(self, item_id: str) -> int | None:
        """Bytes of output audio received for ``item_id``; ``None`` if none was seen."""
        return self._item_audio.get(item_id)

    def observe(self, event: Event) -> tuple[Event, ...]:
        """Fold one event in; returns the events to deliver in its place, in order."""
        handler = _HANDLERS.get(type(event))
        if handler is None:
            return (event,)
        return handler(self, event)

    def only_open_response(self) -> str | None:
        """The id of the one response being built, if exactly one is."""
        return next(iter(self._building)) if len(self._building) == 1 else None

    def interrupt_all(self) -> list[Turn]:
        """The connection closed: finish every open response as ``interrupted``, keeping its
        partial output."""
        turns = []
        for response_id in list(self._building):
            turns.append(self._finish(ResponseInfo(id=response_id, status="interrupted")))
        return turns

    # -- handlers ---------------------------------------------------------------------------

    def _builder(self, response_id: str) -> _Builder | None:
        builder = self._building.get(response_id)
        if builder is None:
            if response_id in self._finished:
                return None  # a late delta of a finished response: delivered, not accumulated
            builder = self._building[response_id] = _Builder(response_id, self._last_user_item)
        return builder

    def _on_started(self, event: TurnStarted) -> tuple[Event, ...]:
        self._builder(event.response.id)
        return (event,)

    def _on_text(self, event: TextDelta | TextDone) -> tuple[Event, ...]:
        builder = self._builder(event.response_id)
        if builder is not None:
            part = builder.part(event.item_id, event.output_index, event.content_index)
            if isinstance(event, TextDelta):
                part.text.append(event.text)
            else:
                part.final_text = event.text
        return (event,)

    def _on_transcript(
        self, event: OutputTranscriptDelta | OutputTranscriptDone
    ) -> tuple[Event, ...]:
        builder = self._builder(event.response_id)
        if builder is not None:
            part = builder.part(event.item_id, event.output_index, event.content_index)
            if isinstance(event, OutputTranscriptDelta):
                part.transcript.append(event.delta)
            elif event.transcript:  # an empty or missing final keeps the deltas
                part.final_transcript = event.transcript
        return (event,)

    def _on_part_done(self, event: ContentPartDone) -> tuple[Event, ...]:
        builder = self._builder(event.response_id)
        done = event.part
        if builder is not None and done is not None:
            part = builder.part(event.item_id, event.output_index, event.content_index)
            if part.final_text is None and done.text is not None:
                part.final_text = done.text
            if part.final_transcript is None and done.transcript is not None:
                part.final_transcript = done.transcript
        return (event,)

    def _on_audio(self, event: AudioDelta) -> tuple[Event, ...]:
        received = self._item_audio.pop(event.item_id, 0) + len(event.audio_bytes)
        self._item_audio[event.item_id] = received
        if len(self._item_audio) > self._limits.max_tracked_items:
            self._item_audio.popitem(last=False)
        builder = self._builder(event.response_id)
        if builder is None:
            return (event,)
        part = builder.part(event.item_id, event.output_index, event.content_index)
        if builder.audio_truncated:
            return (event,)  # the turn keeps a prefix of its audio, never a patchwork
        size = builder.audio_size + len(event.audio_bytes)
        limit = self._limits.max_turn_audio_bytes
        if self._limits.accumulate_audio and size <= limit:
            part.audio.append(event.audio_bytes)
            builder.audio_size = size
            return (event,)
        builder.audio_truncated = True
        if not self._limits.accumulate_audio:
            return (event,)
        return (event, AccumulationLimitExceeded(response_id=event.response_id, limit=limit))

    def _on_output_item(self, event: OutputItemAdded | OutputItemDone) -> tuple[Event, ...]:
        builder = self._builder(event.response_id)
        item = event.item
        if builder is not None and item.id is not None:
            if item.type == "function_call":
                call = builder.call(item.id, event.output_index)
                call.call_id = item.call_id or call.call_id
                call.name = item.name or call.name
                if isinstance(event, OutputItemDone) and item.arguments is not None:
                    call.final = item.arguments
            else:
                builder.saw_item(item.id)
        return (event,)

    def _on_arguments(
        self, event: ToolCallArgumentsDelta | ToolCallArgumentsDone
    ) -> tuple[Event, ...]:
        builder = self._builder(event.response_id)
        if builder is not None:
            call = builder.call(event.item_id, event.output_index)
            call.call_id = event.tool_call_id
            if isinstance(event, ToolCallArgumentsDelta):
                call.pieces.append(event.delta)
            else:
                call.name = event.tool_name
                call.final = event.tool_arguments
        return (event,)

    def _on_finished(self, event: TurnFinished) -> tuple[Event, ...]:
        if event.response.id in self._finished:
            return (attrs.evolve(event, turn=None),)  # a replayed response.done
        self._builder(event.response.id)
        return (attrs.evolve(event, turn=self._finish(event.response)),)

    def _finish(self, response: ResponseInfo) -> Turn:
        builder = self._building.pop(response.id)
        turn = builder.build(response)
        self._finished[response.id] = None
        while len(self._finished) > self._limits.max_tracked_items:
            self._finished.popitem(last=False)
        self.last_turn = turn
        return turn

    def _on_user_item(self, event: InputAudioCommitted | ItemAdded) -> tuple[Event, ...]:
        if isinstance(event, InputAudioCommitted):
            self._last_user_item = event.item_id
        elif event.item.role == "user" and event.item.id is not None:
            self._last_user_item = event.item.id
        return (event,)

    def _on_transcription(self, event: InputTranscriptionCompleted) -> tuple[Event, ...]:
        self._transcripts[event.item_id] = event.audio_transcript
        self._transcripts.move_to_end(event.item_id)
        while len(self._transcripts) > self._limits.max_tracked_items:
            self._transcripts.popitem(last=False)
        return (event,)


_Handler = Callable[[Accumulator, Any], tuple[Event, ...]]
_HANDLERS: dict[type[Event], _Handler] = {
    TurnStarted: Accumulator._on_started,
    TextDelta: Accumulator._on_text,
    TextDone: Accumulator._on_text,
    OutputTranscriptDelta: Accumulator._on_transcript,
    OutputTranscriptDone: Accumulator._on_transcript,
    ContentPartDone: Accumulator._on_part_done,
    AudioDelta: Accumulator._on_audio,
    OutputItemAdded: Accumulator._on_output_item,
    OutputItemDone: Accumulator._on_output_item,
    ToolCallArgumentsDelta: Accumulator._on_arguments,
    ToolCallArgumentsDone: Accumulator._on_arguments,
    TurnFinished: Accumulator._on_finished,
    InputAudioCommitted: Accumulator._on_user_item,
    ItemAdded: Accumulator._on_user_item,
    InputTranscriptionCompleted: Accumulator._on_transcription,
}
