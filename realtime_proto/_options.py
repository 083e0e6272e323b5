"""Options and limits: attrs value classes that validate once and carry no behaviour."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import attrs
from attrs import validators as v

from ._redact import bounded_reprs

__all__ = [
    "AudioFormat",
    "ConversationOptions",
    "Dialect",
    "InputTranscription",
    "Limits",
    "NoTurnDetection",
    "ResponsePolicy",
    "Role",
    "SemanticVad",
    "ServerVad",
    "Timeouts",
    "ToolDefinition",
    "TurnDetection",
]


class Role(enum.Enum):
    """Which end of the WebSocket a connection plays."""

    CLIENT = "client"
    SERVER = "server"


class Dialect(enum.Enum):
    """Which wire dialect a connection speaks.

    ``GA`` and ``BETA`` are the ``type``-keyed protocol (decoding accepts both generations'
    names); ``PREVIEW`` is the 2024 ``event``-keyed protocol of the original alpha.
    """

    GA = "ga"
    BETA = "beta"
    PREVIEW = "preview"


class ResponsePolicy(enum.Enum):
    """What a client connection does with a response request while a response is in flight.

    The service refuses a second ``response.create`` for the default conversation with
    ``conversation_already_has_active_response``. ``DEFER`` (the default) holds the request and
    sends it once the active response is done (several requests collapse into one); ``RAISE``
    makes ``send`` raise :class:`LocalProtocolError`; ``SEND`` sends it anyway.
    """

    DEFER = "defer"
    RAISE = "raise"
    SEND = "send"


class AudioFormat(enum.Enum):
    """The audio encodings the service accepts, in both directions."""

    PCM16 = "pcm16"
    G711_ULAW = "g711_ulaw"
    G711_ALAW = "g711_alaw"

    @property
    def sample_rate(self) -> int:
        return 24_000 if self is AudioFormat.PCM16 else 8_000

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self is AudioFormat.PCM16 else 1


def _probability(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


_non_negative_int = [v.instance_of(int), v.ge(0)]


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class ServerVad:
    """Server-side voice activity detection driven by signal energy."""

    threshold: float = attrs.field(default=0.5, validator=_probability)
    prefix_padding_ms: int = attrs.field(default=300, validator=_non_negative_int)
    silence_duration_ms: int = attrs.field(default=500, validator=_non_negative_int)
    idle_timeout_ms: int | None = attrs.field(default=None, validator=v.optional(_non_negative_int))
    create_response: bool = True
    interrupt_response: bool = True


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class SemanticVad:
    """Server-side turn detection by a model that judges whether the user finished."""

    eagerness: Literal["low", "medium", "high", "auto"] = attrs.field(
        default="auto", validator=v.in_(("low", "medium", "high", "auto"))
    )
    create_response: bool = True
    interrupt_response: bool = True


@attrs.frozen(field_transformer=bounded_reprs)
class NoTurnDetection:
    """Turns are decided by the client (push-to-talk): commit audio and ask for responses."""


TurnDetection: TypeAlias = ServerVad | SemanticVad | NoTurnDetection


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class InputTranscription:
    """Transcription of the user's input audio, delivered asynchronously."""

    model: str = "whisper-1"
    language: str | None = None
    prompt: str | None = None


def _tool_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or not isinstance(value, str):
        raise ValueError("a tool needs a non-empty name")


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class ToolDefinition:
    """A function the model may call."""

    name: str = attrs.field(validator=_tool_name)
    description: str = ""
    parameters: Mapping[str, Any] = attrs.field(
        factory=lambda: {"type": "object", "properties": {}}
    )


def _tools(value: Any) -> tuple[ToolDefinition, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class ConversationOptions:
    """What a conversation is configured with; maps onto the session object of each dialect.

    Every field left at ``None`` is not sent, so the server keeps its current value. To clear
    the instructions pass ``system_message=""``; to remove tools pass ``tools=()``; for
    client-decided turns pass ``turn_detection=NoTurnDetection()``. ``extra`` is merged into the
    wire session object as is, for fields this class does not model.
    """

    system_message: str | None = None
    voice: str | None = None
    input_audio_format: AudioFormat | None = None
    output_audio_format: AudioFormat | None = None
    turn_detection: TurnDetection | None = None
    tools: tuple[ToolDefinition, ...] | None = attrs.field(default=None, converter=_tools)
    tool_choice: str | None = None
    temperature: float | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    transcribe_input: InputTranscription | None = None
    disable_audio: bool | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


_positive_int = [v.instance_of(int), v.gt(0)]


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class Limits:
    """Bounds on every buffer that grows with input. Exceeding one is a typed error."""

    max_message_size: int = attrs.field(default=32 * 1024 * 1024, validator=_positive_int)
    max_pending_output: int = attrs.field(default=64 * 1024 * 1024, validator=_positive_int)
    max_handshake_size: int = attrs.field(default=16 * 1024, validator=_positive_int)
    max_rejection_body: int = attrs.field(default=1024 * 1024, validator=_positive_int)
    max_turn_audio_bytes: int = attrs.field(default=64 * 1024 * 1024, validator=_positive_int)
    accumulate_audio: bool = True
    max_tracked_items: int = attrs.field(default=1024, validator=_positive_int)


def _optional_positive_float(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"{attribute.name} must be positive or None, got {value!r}")


@attrs.frozen(kw_only=True, field_transformer=bounded_reprs)
class Timeouts:
    """Keepalive, open, close and write timing, in seconds. ``None`` turns keepalive pings off.

    ``write_timeout`` bounds a socket write that makes no progress: a peer that stops reading
    for that long has failed a realtime conversation, so the transport ends the connection
    with :class:`WriteTimeout` instead of waiting for ever.
    """

    keepalive_interval: float | None = attrs.field(default=20.0, validator=_optional_positive_float)
    keepalive_timeout: float | None = attrs.field(default=20.0, validator=_optional_positive_float)
    close_timeout: float = attrs.field(default=5.0, validator=_optional_positive_float)
    open_timeout: float = attrs.field(default=10.0, validator=_optional_positive_float)
    write_timeout: float = attrs.field(default=10.0, validator=_optional_positive_float)
