"""The events of one simulated response, in the order the service sends them (GA spec 5.2,
5.6), split so that a paced response can release its audio over time and be cut short."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .._events import (
    AudioDelta,
    AudioDone,
    ContentPartAdded,
    ContentPartDone,
    Event,
    ItemAdded,
    ItemDone,
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
from .._values import ContentPart, ConversationItem, ResponseInfo, Usage
from ._policy import Reply, tool_arguments

__all__ = ["SimulatedResponse"]

_CHUNK_MS = 100


def _split_words(text: str) -> list[str]:
    pieces = text.split(" ")
    return [piece + (" " if n < len(pieces) - 1 else "") for n, piece in enumerate(pieces)]


@attrs.define(repr=False, eq=False)
class SimulatedResponse:
    """One response: ``head`` (sent at once), ``deltas`` (each with its audio length in ms, for
    pacing) and what closes it. ``spoken`` tracks the transcript sent so far."""

    info: ResponseInfo
    head: list[Event]
    deltas: list[tuple[float, Event]]
    message_id: str | None
    audio_bytes_per_ms: int
    text: str
    call_item: ConversationItem | None = None
    spoken: list[str] = attrs.field(factory=list)
    audio_sent: int = 0
    audio_reply: bool = True

    @classmethod
    def build(
        cls,
        reply: Reply,
        *,
        new_id: Callable[[str], str],
        audio: bytes | None,
        bytes_per_ms: int,
    ) -> SimulatedResponse:
        """``audio`` ``None`` makes a text reply; otherwise the reply's audio, already in the
        session's output format."""
        info = ResponseInfo(id=new_id("resp"), status="in_progress", conversation_id="conv_sim")
        response_id = info.id
        head: list[Event] = [TurnStarted(response=info)]
        deltas: list[tuple[float, Event]] = []
        message_id = None
        if reply.text or audio:
            message_id = new_id("item")
            keys: dict[str, Any] = {
                "response_id": response_id,
                "item_id": message_id,
                "output_index": 0,
                "content_index": 0,
            }
            item = ConversationItem(
                type="message", id=message_id, role="assistant", status="in_progress"
            )
            part = ContentPart(type="audio" if audio is not None else "text")
            head += [
                OutputItemAdded(response_id=response_id, output_index=0, item=item),
                ItemAdded(item=item),
                ContentPartAdded(**keys, part=part),
            ]
            words = _split_words(reply.text)
            if audio is None:
                deltas += [(0.0, TextDelta(**keys, text=word)) for word in words]
            else:
                chunk = max(1, bytes_per_ms * _CHUNK_MS)
                pieces = [audio[offset : offset + chunk] for offset in range(0, len(audio), chunk)]
                for index in range(max(len(pieces), len(words))):
                    if index < len(words):
                        deltas.append((0.0, OutputTranscriptDelta(**keys, delta=words[index])))
                    if index < len(pieces):
                        piece = pieces[index]
                        event = AudioDelta(**keys, audio_bytes=piece)
                        deltas.append((len(piece) / bytes_per_ms, event))
        response = cls(
            info=info,
            head=head,
            deltas=deltas,
            message_id=message_id,
            audio_bytes_per_ms=bytes_per_ms,
            text=reply.text,
            audio_reply=audio is not None,
        )
        if reply.tool_call is not None:
            response.call_item = ConversationItem(
                type="function_call",
                id=new_id("item"),
                call_id=new_id("call"),
                name=reply.tool_call.name,
                arguments=tool_arguments(reply.tool_call),
                status="completed",
            )
        return response

    def sent(self, event: Event) -> None:
        """Track what went out, so that a cut response reports what was really said."""
        if isinstance(event, OutputTranscriptDelta):
            self.spoken.append(event.delta)
        elif isinstance(event, TextDelta):
            self.spoken.append(event.text)
        elif isinstance(event, AudioDelta):
            self.audio_sent += len(event.audio_bytes)

    @property
    def audio_ms_sent(self) -> int:
        return self.audio_sent // self.audio_bytes_per_ms if self.audio_bytes_per_ms else 0

    def tail(self, *, reason: str | None = None) -> list[Event]:
        """The closing events; with ``reason`` the response was cancelled part way."""
        events: list[Event] = []
        said = "".join(self.spoken) if reason is not None else self.text
        status = "incomplete" if reason is not None else "completed"
        output: list[ConversationItem] = []
        if self.message_id is not None:
            keys: dict[str, Any] = {
                "response_id": self.info.id,
                "item_id": self.message_id,
                "output_index": 0,
                "content_index": 0,
            }
            if self.audio_reply:
                part = ContentPart(type="audio", transcript=said)
                events += [AudioDone(**keys), OutputTranscriptDone(**keys, transcript=said)]
            else:
                part = ContentPart(type="text", text=said)
                events.append(TextDone(**keys, text=said))
            item_part = attrs.evolve(part, type=f"output_{part.type}")  # GA item content
            item = ConversationItem(
                type="message",
                id=self.message_id,
                role="assistant",
                status=status,
                content=(item_part,),
            )
            events += [
                ContentPartDone(**keys, part=part),
                OutputItemDone(response_id=self.info.id, output_index=0, item=item),
                ItemDone(item=item),
            ]
            output.append(item)
        if self.call_item is not None and reason is None:
            events += self._call_events(len(output))
            output.append(self.call_item)
        tokens = len(said.split())
        usage = Usage(total_tokens=8 + tokens, input_tokens=8, output_tokens=tokens)
        if reason is None:
            final = attrs.evolve(self.info, status="completed", output=tuple(output), usage=usage)
        else:
            final = attrs.evolve(
                self.info,
                status="cancelled",
                status_details={"type": "cancelled", "reason": reason},
                output=tuple(output),
                usage=usage,
            )
        events.append(TurnFinished(response=final))
        return events

    def _call_events(self, output_index: int) -> list[Event]:
        call = self.call_item
        assert call is not None
        assert call.arguments is not None
        assert call.call_id is not None
        assert call.name is not None
        pending = attrs.evolve(call, arguments="", status="in_progress")
        keys: dict[str, Any] = {
            "response_id": self.info.id,
            "item_id": call.id,
            "output_index": output_index,
        }
        middle = len(call.arguments) // 2
        return [
            OutputItemAdded(response_id=self.info.id, output_index=output_index, item=pending),
            ItemAdded(item=pending),
            ToolCallArgumentsDelta(
                **keys, tool_call_id=call.call_id, delta=call.arguments[:middle]
            ),
            ToolCallArgumentsDelta(
                **keys, tool_call_id=call.call_id, delta=call.arguments[middle:]
            ),
            ToolCallArgumentsDone(
                **keys,
                tool_call_id=call.call_id,
                tool_name=call.name,
                tool_arguments=call.arguments,
            ),
            OutputItemDone(response_id=self.info.id, output_index=output_index, item=call),
            ItemDone(item=call),
        ]
