"""The plans behind the sending verbs: raw audio as one append, a stream cut into timed
appends (:class:`AudioSendPlan`), and the answers to a turn's tool calls (:class:`ToolRun`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import attrs

from .._commands import (
    AppendAudio,
    Command,
    CreateResponse,
    FinishTurn,
    SendToolResponse,
)
from .._options import AudioFormat
from .._record import Record
from .._values import Turn
from ._tools import PreparedToolCall, ToolHandlers, prepare_tool_call, tool_failure, tool_output

__all__ = [
    "AudioSendPlan",
    "PlannedSend",
    "ToolRun",
    "audio_piece",
    "check_whole_samples",
    "single_append",
]


def audio_piece(piece: object, origin: str) -> bytes:
    """A piece that ``origin`` (a file's ``read()``, an iterable) gave ``send_audio``, as
    ``bytes``; ``TypeError`` naming the origin if it is not bytes."""
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    text_file = isinstance(piece, str) and origin.startswith("the file")
    hint = " (open the file in binary mode, 'rb')" if text_file else ""
    raise TypeError(f"send_audio: {origin} gave {type(piece).__name__}, not bytes{hint}")


def single_append(audio: object) -> AppendAudio | None:
    """The one append that raw bytes (not a WAV) given to ``send_audio`` make."""
    from ..audio import is_wav  # the audio package is imported when audio is first sent

    if isinstance(audio, (bytes, bytearray, memoryview)) and not is_wav(audio):
        return AppendAudio(audio=bytes(audio))
    return None


def check_whole_samples(audio: bytes, audio_format: AudioFormat) -> None:
    size = audio_format.bytes_per_sample
    if len(audio) % size:
        raise ValueError(
            f"AppendAudio.audio must hold whole samples of the input format "
            f"{audio_format.value} ({size} bytes per sample), got {len(audio)} bytes"
        )


@attrs.frozen(repr=False, eq=False)
class PlannedSend(Record):
    """A command to send, not before ``due`` (a clock reading; ``None``: at once)."""

    command: Command
    due: float | None = None


class AudioSendPlan:
    """One ``send_audio(source)``: the source's bytes converted to ``audio_format`` (a WAV in
    another format), cut into appends of ``chunk_ms``, each due when its audio would start
    playing if ``realtime``, then (``finish``) a :class:`FinishTurn`.

    ``chunk_ms`` must be finite and at least ``MIN_CHUNK_MS`` (``ValueError`` otherwise, when
    the plan is made). When ``source`` (what was given to ``send_audio``) is a path or a file
    object, its content must be a WAV file: :meth:`feed` raises :class:`WavError` (a
    ``ValueError`` naming the source) before any append of a source that is not. Bytes and
    streams of bytes may be raw audio in ``audio_format``."""

    def __init__(
        self,
        audio_format: AudioFormat,
        *,
        chunk_ms: float = 100,
        realtime: bool = False,
        finish: bool = True,
        now: float,
        on_conversion: Callable[[str], None] | None = None,
        source: object = None,
    ) -> None:
        from ..audio._stream import AudioChunker, wav_source_name  # as in single_append

        self._chunker = AudioChunker(
            audio_format,
            chunk_ms=chunk_ms,
            on_conversion=on_conversion,
            require_wav=wav_source_name(source),
        )
        self.audio_format = self._chunker.audio_format
        self._realtime = realtime
        self._finish = finish
        self._started = now
        self._planned_bytes = 0

    def feed(self, piece: bytes) -> list[PlannedSend]:
        return [self._append(chunk) for chunk in self._chunker.feed(piece)]

    def finish(self) -> list[PlannedSend]:
        steps = [self._append(chunk) for chunk in self._chunker.finish()]
        if self._finish:
            steps.append(PlannedSend(FinishTurn()))
        return steps

    def _append(self, chunk: bytes) -> PlannedSend:
        due = None
        if self._realtime:
            rate = self.audio_format.sample_rate * self.audio_format.bytes_per_sample
            due = self._started + self._planned_bytes / rate
        self._planned_bytes += len(chunk)
        return PlannedSend(AppendAudio(audio=chunk), due)


class ToolRun:
    """Answering every tool call of a turn: run each handler (:meth:`start`, awaiting what it
    returns if the transport can), then send :meth:`commands` (the outputs and one request
    for a response)."""

    def __init__(self, turn: Turn | None, handlers: ToolHandlers) -> None:
        calls = turn.tool_calls if turn is not None else ()
        self.calls: tuple[PreparedToolCall, ...] = tuple(
            prepare_tool_call(call, handlers) for call in calls
        )

    def start(self, prepared: PreparedToolCall) -> str | Awaitable[Any]:
        """The call's output, or the awaitable its handler returned (then :meth:`output_of`
        its result, or :meth:`failure_of` its exception)."""
        if prepared.error_output is not None:
            return prepared.error_output
        assert prepared.handler is not None
        try:
            result = prepared.handler(**prepared.arguments)
        except Exception as exc:
            return tool_failure(exc)
        if isinstance(result, Awaitable):
            return result
        return tool_output(result)

    def start_blocking(self, prepared: PreparedToolCall) -> str:
        """As :meth:`start`, for a caller that cannot await: a coroutine is an error."""
        started = self.start(prepared)
        if isinstance(started, str):
            return started
        getattr(started, "close", lambda: None)()  # never awaited: close it
        return tool_failure(
            TypeError("a blocking conversation needs tool functions, not coroutines")
        )

    @staticmethod
    def output_of(result: Any) -> str:
        return tool_output(result)

    @staticmethod
    def failure_of(exc: BaseException) -> str:
        return tool_failure(exc)

    def commands(self, outputs: Sequence[str]) -> list[Command]:
        """The outputs, in call order, then one response request (nothing without calls)."""
        sent: list[Command] = [
            SendToolResponse(tool_call_id=prepared.call.call_id, output=output)
            for prepared, output in zip(self.calls, outputs, strict=True)
        ]
        if sent:
            sent.append(CreateResponse())
        return sent
