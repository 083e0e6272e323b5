"""``realtime-proto converse``: one conversation turn, by text or by voice.

It talks to Azure OpenAI when ``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_API_KEY`` are set, to
OpenAI when ``OPENAI_API_KEY`` is, and otherwise to the embedded simulator, which it starts on a
loopback port. The output is the same for all three.
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
    TurnFinished,
    WavError,
    bytes_for_ms,
    duration_ms,
    read_wav,
    to_session_format,
    wav_bytes,
)

from ._printer import Printer

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


def read_input(path: str) -> bytes:
    """A WAV file in any usual encoding, as the session's PCM16 24 kHz mono."""
    with open(path, "rb") as source:
        wav = read_wav(source.read())
    if wav.format.session_format() is not AudioFormat.PCM16:
        print(f"converting {wav.format.describe()} to PCM16 24 kHz mono", flush=True)
    return to_session_format(wav, AudioFormat.PCM16)


def choose_client(
    environ: Mapping[str, str], *, simulator: bool, dialect: Dialect = Dialect.GA
) -> ConversationClient:
    """The client to talk to, chosen by the environment."""
    if not simulator and environ.get("AZURE_OPENAI_ENDPOINT"):
        client = ConversationClient.azure(
            endpoint=environ["AZURE_OPENAI_ENDPOINT"],
            deployment=environ.get("AZURE_OPENAI_DEPLOYMENT", "gpt-realtime"),
            api_key=environ.get("AZURE_OPENAI_API_KEY", ""),
            api_version=environ.get("AZURE_OPENAI_API_VERSION") or None,
        )
    elif not simulator and environ.get("OPENAI_API_KEY"):
        client = ConversationClient.openai(
            api_key=environ["OPENAI_API_KEY"],
            model=environ.get("OPENAI_REALTIME_MODEL", "gpt-realtime"),
        )
    else:
        client = ConversationClient(dialect=dialect)  # the embedded simulator
    return client


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
    dialect: Dialect = Dialect.GA,
) -> int:
    audio: bytes | None = None
    if text is None:
        try:
            audio = read_input(audio_path) if audio_path is not None else sample_utterance()
        except (OSError, WavError) as exc:
            print(f"cannot read {audio_path}: {exc}", file=sys.stderr)
            return 2
    client = choose_client(environ, simulator=simulator, dialect=dialect)
    options = ConversationOptions(
        system_message="You are a helpful assistant. Keep answers short.",
        turn_detection=ServerVad(),
        transcribe_input=InputTranscription(),
        tools=(WEATHER_TOOL,),
    )
    printer = Printer()
    with client.start_conversation(options) as conversation:
        print(f"talking to {client.settings.target.description}", flush=True)
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
        if out_path is not None and reply:
            with open(out_path, "wb") as sink:
                sink.write(wav_bytes(reply, output))
            print(f"reply audio written to {out_path}")
    return 0
