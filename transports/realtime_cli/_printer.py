"""Prints a conversation's events as lines a person can follow."""

from __future__ import annotations

import sys

from realtime_proto import (
    AudioDelta,
    ConnectionClosed,
    Event,
    InputTranscriptionCompleted,
    OutputTranscriptDelta,
    ServerError,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    ToolCallArgumentsDone,
    TurnFinished,
)

__all__ = ["Printer"]


class Printer:
    """Prints each event as it happens; the reply's words stream on one line."""

    def __init__(self) -> None:
        self.streaming = False

    def show(self, event: Event) -> None:
        if isinstance(event, (OutputTranscriptDelta, TextDelta)):
            if not self.streaming:
                self.streaming = True  # first: a Ctrl-C from here on ends the line
                print("assistant: ", end="")
            print(event.delta if isinstance(event, OutputTranscriptDelta) else event.text, end="")
            sys.stdout.flush()
            return
        if isinstance(event, AudioDelta):
            return  # the audio is counted on the finished turn
        self.end_line()
        line = self._describe(event)
        if line:
            print(line, flush=True)

    def end_line(self) -> None:
        """End the line the reply's words stream on, if one is open."""
        if self.streaming:
            print(flush=True)
            self.streaming = False

    @staticmethod
    def _describe(event: Event) -> str | None:
        kind = event.kind.value
        if isinstance(event, (SessionCreated, SessionUpdated)):
            return f"[{kind}] session {event.session.id}"
        if isinstance(event, SpeechStarted):
            return f"[{kind}] at {event.audio_start_ms} ms"
        if isinstance(event, SpeechStopped):
            return f"[{kind}] at {event.audio_end_ms} ms"
        if isinstance(event, InputTranscriptionCompleted):
            return f"you (transcribed): {event.audio_transcript}"
        if isinstance(event, ToolCallArgumentsDone):
            return f"[tool call] {event.tool_name}({event.tool_arguments})"
        if isinstance(event, ServerError):
            return f"[error] {event.error.code}: {event.error.message}"
        if isinstance(event, TurnFinished):
            return f"[{kind}] {event.finish_reason}"
        if isinstance(event, ConnectionClosed):
            return f"[{kind}] {event.code}"
        return None
