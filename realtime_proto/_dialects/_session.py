"""ConversationOptions <-> the session object of the GA and beta generations.

Decoding is lenient: a value of an unexpected shape is left unset (the frame's ``raw`` keeps it),
so that a server's newer or odd session shape never makes ``session.created`` undecodable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._events import Session
from .._options import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    InputTranscription,
    NoTurnDetection,
    SemanticVad,
    ServerVad,
    ToolDefinition,
    TurnDetection,
)
from ._convert import note_problem

__all__ = [
    "decode_session",
    "encode_format",
    "encode_options",
    "encode_session",
    "encode_tools",
    "format_from_wire",
]

_GA_FORMATS: dict[AudioFormat, dict[str, Any]] = {
    AudioFormat.PCM16: {"type": "audio/pcm", "rate": 24000},
    AudioFormat.G711_ULAW: {"type": "audio/pcmu"},
    AudioFormat.G711_ALAW: {"type": "audio/pcma"},
}
_FORMAT_NAMES = {
    "audio/pcm": AudioFormat.PCM16,
    "pcm16": AudioFormat.PCM16,
    "audio/pcmu": AudioFormat.G711_ULAW,
    "g711_ulaw": AudioFormat.G711_ULAW,
    "g711-ulaw": AudioFormat.G711_ULAW,
    "audio/pcma": AudioFormat.G711_ALAW,
    "g711_alaw": AudioFormat.G711_ALAW,
    "g711-alaw": AudioFormat.G711_ALAW,
}


def encode_format(fmt: AudioFormat, dialect: Dialect) -> Any:
    return dict(_GA_FORMATS[fmt]) if dialect is Dialect.GA else fmt.value


def format_from_wire(value: Any) -> AudioFormat | None:
    """A format object (GA) or name (beta, Azure's hyphenated spelling too)."""
    if isinstance(value, Mapping):
        value = value.get("type")
    return _FORMAT_NAMES.get(value) if isinstance(value, str) else None


def _encode_turn_detection(value: TurnDetection) -> dict[str, Any] | None:
    if isinstance(value, ServerVad):
        wire: dict[str, Any] = {
            "type": "server_vad",
            "threshold": value.threshold,
            "prefix_padding_ms": value.prefix_padding_ms,
            "silence_duration_ms": value.silence_duration_ms,
            "create_response": value.create_response,
            "interrupt_response": value.interrupt_response,
        }
        if value.idle_timeout_ms is not None:
            wire["idle_timeout_ms"] = value.idle_timeout_ms
        return wire
    if isinstance(value, SemanticVad):
        return {
            "type": "semantic_vad",
            "eagerness": value.eagerness,
            "create_response": value.create_response,
            "interrupt_response": value.interrupt_response,
        }
    return None


def encode_tools(tools: tuple[ToolDefinition, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
            "parameters": dict(tool.parameters),
        }
        for tool in tools
    ]


def _encode_transcription(value: InputTranscription) -> dict[str, Any]:
    wire: dict[str, Any] = {"model": value.model}
    if value.language is not None:
        wire["language"] = value.language
    if value.prompt is not None:
        wire["prompt"] = value.prompt
    return wire


def encode_options(options: ConversationOptions, dialect: Dialect) -> dict[str, Any]:
    """The session object of ``session.update`` for these options; unset options are left out.

    GA has no ``temperature``: it is not sent in that dialect.
    """
    ga = dialect is Dialect.GA
    session: dict[str, Any] = {"type": "realtime"} if ga else {}
    audio_in: dict[str, Any] = {}
    audio_out: dict[str, Any] = {}
    if options.system_message is not None:
        session["instructions"] = options.system_message
    if options.voice is not None:
        (audio_out if ga else session)["voice"] = options.voice
    if options.input_audio_format is not None:
        fmt = encode_format(options.input_audio_format, dialect)
        if ga:
            audio_in["format"] = fmt
        else:
            session["input_audio_format"] = fmt
    if options.output_audio_format is not None:
        fmt = encode_format(options.output_audio_format, dialect)
        if ga:
            audio_out["format"] = fmt
        else:
            session["output_audio_format"] = fmt
    if options.turn_detection is not None:
        (audio_in if ga else session)["turn_detection"] = _encode_turn_detection(
            options.turn_detection
        )
    if options.transcribe_input is not None:
        key = "transcription" if ga else "input_audio_transcription"
        (audio_in if ga else session)[key] = _encode_transcription(options.transcribe_input)
    if options.tools is not None:
        session["tools"] = encode_tools(options.tools)
    if options.tool_choice is not None:
        session["tool_choice"] = options.tool_choice
    if options.temperature is not None and not ga:
        session["temperature"] = options.temperature
    if options.max_output_tokens is not None:
        session["max_output_tokens" if ga else "max_response_output_tokens"] = (
            options.max_output_tokens
        )
    if options.disable_audio is not None:
        if ga:
            session["output_modalities"] = ["text"] if options.disable_audio else ["audio"]
        else:
            session["modalities"] = ["text"] if options.disable_audio else ["text", "audio"]
    if audio_in or audio_out:
        session["audio"] = {
            **({"input": audio_in} if audio_in else {}),
            **({"output": audio_out} if audio_out else {}),
        }
    session.update(options.extra)
    return session


def encode_session(session: Session, dialect: Dialect) -> dict[str, Any]:
    """The full session object of ``session.created`` / ``session.updated``."""
    wire = encode_options(session.options, dialect)
    wire["object"] = "realtime.session"
    for key in ("id", "model", "expires_at"):
        value = getattr(session, key)
        if value is not None:
            wire[key] = value
    return wire


def _typed(source: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = source.get(key)
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        return None
    return value if isinstance(value, kind) else None


def _decode_turn_detection(value: Any) -> TurnDetection | None:
    if value is None:
        return NoTurnDetection()
    if not isinstance(value, Mapping):
        return None
    kind = value.get("type")
    flags = {
        key: value[key]
        for key in ("create_response", "interrupt_response")
        if isinstance(value.get(key), bool)
    }
    if kind == "none":  # Azure 2024-10-01-preview spelling of "no turn detection"
        return NoTurnDetection()
    if kind == "semantic_vad":
        return _built(
            SemanticVad, "session.turn_detection", eagerness=value.get("eagerness"), **flags
        )
    if kind == "server_vad":
        numbers: dict[str, Any] = {
            key: value[key]
            for key in ("threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms")
            if value.get(key) is not None
        }
        return _built(ServerVad, "session.turn_detection", **numbers, **flags)
    return None


T = TypeVar("T")


def _built(factory: Callable[..., T], where: str, **fields: Any) -> T:
    """``factory(**fields)`` without the fields it refuses, each noted as a problem: what the
    server reports is descriptive, and one odd value must not lose the session."""
    fields = {name: value for name, value in fields.items() if value is not None}
    try:
        return factory(**fields)
    except (TypeError, ValueError):
        pass
    kept = {}
    for name, value in fields.items():
        try:
            factory(**{name: value})
        except (TypeError, ValueError) as exc:
            note_problem(f"{where}.{name}", str(exc))
        else:
            kept[name] = value
    return factory(**kept)


def _decode_tools(value: Any) -> tuple[ToolDefinition, ...] | None:
    if not isinstance(value, list):
        return None
    tools = []
    for tool in value:
        if not isinstance(tool, Mapping):
            continue
        spec = tool.get("function", tool)  # the nested beta/Azure form too
        name = spec.get("name") if isinstance(spec, Mapping) else None
        if not isinstance(name, str) or not name:
            continue
        parameters = spec.get("parameters")
        description = spec.get("description")
        try:
            tool = ToolDefinition(
                name=name,
                description=description if isinstance(description, str) else "",
                parameters=parameters
                if isinstance(parameters, Mapping)
                else {"type": "object", "properties": {}},
            )
        except (TypeError, ValueError) as exc:
            note_problem("session.tools", str(exc))
            continue
        tools.append(tool)
    return tuple(tools)


def _decode_transcription(value: Any) -> InputTranscription | None:
    if not isinstance(value, Mapping):
        return None
    model = value.get("model")
    return _built(
        InputTranscription,
        "session.transcription",
        model=model if isinstance(model, str) else "",
        language=_typed(value, "language", str),
        prompt=_typed(value, "prompt", str),
    )


def _decode_modalities(value: Any) -> bool | None:
    if not isinstance(value, list):
        return None
    return "audio" not in value


def _section(source: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = source.get(key)
    return value if isinstance(value, Mapping) else {}


def decode_session(wire: Any) -> Session:
    """Either generation's session object, to :class:`Session`."""
    if not isinstance(wire, Mapping):
        return Session()
    audio = _section(wire, "audio")
    audio_in = _section(audio, "input")
    audio_out = _section(audio, "output")
    ga = bool(audio) or "output_modalities" in wire

    def pick(ga_source: Mapping[str, Any], ga_key: str, beta_key: str) -> Any:
        return ga_source.get(ga_key) if ga_key in ga_source else wire.get(beta_key)

    turn_key_present = "turn_detection" in audio_in or "turn_detection" in wire
    max_tokens = wire.get("max_output_tokens", wire.get("max_response_output_tokens"))
    options = _built(
        ConversationOptions,
        "session",
        system_message=_typed(wire, "instructions", str),
        voice=_typed(audio_out, "voice", str) or _typed(wire, "voice", str),
        input_audio_format=format_from_wire(pick(audio_in, "format", "input_audio_format")),
        output_audio_format=format_from_wire(pick(audio_out, "format", "output_audio_format")),
        turn_detection=_decode_turn_detection(pick(audio_in, "turn_detection", "turn_detection"))
        if turn_key_present
        else None,
        tools=_decode_tools(wire.get("tools")),
        tool_choice=_typed(wire, "tool_choice", str),
        temperature=_typed(wire, "temperature", (int, float)),
        max_output_tokens=max_tokens
        if (isinstance(max_tokens, int) and not isinstance(max_tokens, bool)) or max_tokens == "inf"
        else None,
        transcribe_input=_decode_transcription(
            pick(audio_in, "transcription", "input_audio_transcription")
        ),
        disable_audio=_decode_modalities(
            wire.get("output_modalities") if ga else wire.get("modalities")
        ),
    )
    expires_at = wire.get("expires_at")
    return Session(
        id=_typed(wire, "id", str),
        model=_typed(wire, "model", str),
        expires_at=expires_at
        if isinstance(expires_at, int) and not isinstance(expires_at, bool)
        else None,
        options=options,
    )
