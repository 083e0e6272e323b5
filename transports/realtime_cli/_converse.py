"""``realtime-proto converse``: one conversation turn, by text or by voice.

It talks to ``--url`` when given, to Azure OpenAI when ``AZURE_OPENAI_ENDPOINT`` and
``AZURE_OPENAI_API_KEY`` are set, to OpenAI when ``OPENAI_API_KEY`` is, and otherwise to the
embedded simulator, which it starts on a loopback port (see ``_target``). The output is the same
for all. Everything that can be checked before connecting is: the input file, the reply file,
the options; then the first line (on stderr) says whom it talks to. The conversation is on
stdout, notes and errors on stderr.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from collections.abc import Mapping

from realtime_blocking import Conversation, ConversationClient

from realtime_proto import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    InputTranscription,
    ServerVad,
    SpeechStarted,
    ToolDefinition,
    TransportError,
    TurnFinished,
)
from realtime_proto.audio import (
    bytes_for_ms,
    duration_ms,
    wav_bytes,
)

from ._errors import CommandError, UsageError, describe_failure
from ._inputs import check_out, read_input
from ._printer import Printer
from ._target import choose_target

__all__ = ["WEATHER", "WEATHER_TOOL", "choose_client", "converse", "read_input", "sample_utterance"]

_RATE = 24_000
_CHUNK = _RATE * 2 // 10  # 100 ms of PCM16
_TRAILING_SILENCE_MS = 1_200  # lets server VAD hear the end of the turn
_NO_SPEECH_WAIT = 3.0  # seconds without a turn before finishing it by hand
WEATHER_TOOL = ToolDefinition(
    name="get_weather",
    description="The current weather in a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
WEATHER = {"city": "Paris", "sky": "sunny", "temperature_c": 21}


def sample_utterance() -> bytes:
    """A second and a half of speech-like sound (a voiced buzz in syllables), after a pause:
    the input the command sends when given none."""
    pause, voiced = _RATE * 3 // 10, _RATE * 3 // 2
    samples = [0] * pause
    for n in range(voiced):
        t = n / _RATE
        syllables = 0.55 + 0.45 * math.sin(2 * math.pi * 4 * t)
        buzz = sum(math.sin(2 * math.pi * 140 * k * t) / k for k in range(1, 6))
        samples.append(int(6000 * syllables * buzz))
    return struct.pack(f"<{len(samples)}h", *samples)


def choose_client(
    environ: Mapping[str, str], *, simulator: bool, dialect: Dialect | None = None
) -> ConversationClient:
    """The client to talk to, chosen by the environment (see ``choose_target``)."""
    return choose_target(environ, simulator=simulator, dialect=dialect).client


def _hold_turn(conversation: Conversation, printer: Printer, *, audio: bool) -> TurnFinished:
    """Show events until a turn finishes; answers tool calls and asks again."""
    started = False
    while True:
        try:
            event = conversation.receive(timeout=_NO_SPEECH_WAIT if not started else None)
        except TimeoutError:
            started = True  # the service heard no turn end: finish it by hand
            conversation.finish_turn()
            continue
        printer.show(event)
        started = started or isinstance(event, (SpeechStarted, TurnFinished)) or not audio
        if not isinstance(event, TurnFinished) or event.turn is None:
            continue
        calls = event.turn.tool_calls
        if not calls:
            return event
        for call in calls:
            output = json.dumps(WEATHER)
            print(f"[tool output] {call.name} -> {output}", flush=True)
            conversation.send_tool_response(call.call_id, output)
        conversation.generate()


def converse(
    text: str | None,
    audio_path: str | None,
    out_path: str | None,
    *,
    environ: Mapping[str, str],
    simulator: bool = False,
    dialect: Dialect | None = None,
    url: str | None = None,
    timeout: float = 10.0,
    record_path: str | None = None,
) -> int:
    """One turn: say ``audio_path`` (default: a generated utterance) or type ``text``, show
    the reply, write its audio to ``out_path``, record the conversation to ``record_path``
    (a cassette). Raises :class:`UsageError` before connecting
    for options or files that cannot work, :class:`CommandError` when the conversation fails."""
    if text is not None and audio_path is not None:
        raise UsageError(f"give a WAV file ({audio_path}) or --text, not both")
    if text is not None and not text.strip():
        raise UsageError("--text is empty: give the words to send")
    if simulator and url is not None:
        raise UsageError("--simulator and --url both choose whom to talk to: give one of them")
    target = choose_target(
        environ,
        simulator=simulator,
        url=url,
        dialect=dialect,
        timeout=timeout,
        record_to=record_path,
    )
    audio: bytes | None = None
    notes: list[str] = []
    if text is None:
        audio, notes = read_input(audio_path) if audio_path else (sample_utterance(), [])
    if out_path is not None:
        check_out(out_path)
    if record_path is not None:
        check_out(record_path, option="--record", example="conversation.jsonl")
    print(target.line, file=sys.stderr, flush=True)
    for note in notes:
        print(note, file=sys.stderr, flush=True)
    options = ConversationOptions(
        system_message="You are a helpful assistant. Keep answers short.",
        turn_detection=ServerVad(),
        transcribe_input=InputTranscription(),
        tools=(WEATHER_TOOL,),
    )
    printer = Printer()
    try:
        with target.client.start_conversation(options) as conversation:
            if audio is None:
                conversation.send_text(text or "")
                conversation.generate()
            else:
                silence = bytes(bytes_for_ms(_TRAILING_SILENCE_MS, AudioFormat.PCM16))
                stream = audio + silence
                for offset in range(0, len(stream), _CHUNK):
                    conversation.send_audio(stream[offset : offset + _CHUNK])
            finished = _hold_turn(conversation, printer, audio=audio is not None)
            reply = conversation.last_turn_full_response_audio
            session = conversation.session
            output = (session.options.output_audio_format if session else None) or AudioFormat.PCM16
            print(f"full text: {conversation.last_turn_full_response_text}")
            print(f"finish reason: {finished.finish_reason}")
            print(f"reply audio: {len(reply)} bytes ({duration_ms(len(reply), output):.0f} ms)")
    except TransportError as exc:
        printer.end_line()
        raise CommandError(
            describe_failure(
                exc,
                target.description,
                reach_hint=target.reach_hint,
                key_hint=target.key_hint,
            )
        ) from None
    except OSError as exc:  # the recording's file (the connection's errors are TransportErrors)
        printer.end_line()
        raise CommandError(f"cannot record to {record_path}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        printer.end_line()
        raise
    if out_path is not None:
        _write_reply(out_path, wav_bytes(reply, output) if reply else None)
    if record_path is not None:
        print(f"conversation recorded to {record_path}")
    return 0


def _write_reply(path: str, wav: bytes | None) -> None:
    if wav is None:
        print(f"no reply audio: {path} not written", file=sys.stderr, flush=True)
        return
    try:
        with open(path, "wb") as sink:
            sink.write(wav)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"reply audio written to {path}")
