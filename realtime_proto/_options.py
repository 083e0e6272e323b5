"""Options and limits: attrs value classes that validate once and carry no behaviour."""

from __future__ import annotations

import enum
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias, cast

import attrs

from ._record import Record
from ._redact import scrub_secrets

__all__ = [
    "TEMPERATURE_RANGE",
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


TEMPERATURE_RANGE: Final = (0.6, 1.2)
"""The sampling temperatures the service accepts (its documented range, both ends included)."""

_FORMAT_SPELLINGS: Final[Mapping[str, AudioFormat]] = {
    "pcm16": AudioFormat.PCM16,
    "audio/pcm": AudioFormat.PCM16,
    "g711_ulaw": AudioFormat.G711_ULAW,
    "g711-ulaw": AudioFormat.G711_ULAW,
    "audio/pcmu": AudioFormat.G711_ULAW,
    "g711_alaw": AudioFormat.G711_ALAW,
    "g711-alaw": AudioFormat.G711_ALAW,
    "audio/pcma": AudioFormat.G711_ALAW,
}
_EAGERNESS: Final = ("low", "medium", "high", "auto")
_SHOWN_LIMIT: Final = 60

# -- argument checks shared by the options and the commands --------------------------------------
#
# Converters turn the friendly spellings into the modelled value and pass anything else through
# unchanged; the validators then reject what is left, naming the field and what it accepts.


def shown(value: object) -> str:
    """A rejected value, for an error message: a bounded, scrubbed repr and its type."""
    try:
        text = repr(value)
    except Exception:
        text = object.__repr__(value)
    if len(text) > _SHOWN_LIMIT:
        text = text[:_SHOWN_LIMIT] + "..."
    return f"{scrub_secrets(text, ())} ({type(value).__name__})"


def field_name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """``Class.field``, as error messages name a field."""
    return f"{type(instance).__name__}.{attribute.name}"


def is_int(value: object) -> bool:
    """An ``int`` that is not a ``bool``."""
    return isinstance(value, int) and not isinstance(value, bool)


def to_float(value: Any) -> Any:
    """A real number (not a bool) as a ``float``; anything else unchanged."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an int too large for a float: out of any range
            return math.inf if cast(float, value) > 0 else -math.inf
    return value


def require_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{field_name(instance, attribute)} must be a str, got {shown(value)}")


def non_empty_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    require_str(instance, attribute, value)
    if not value:
        raise ValueError(f"{field_name(instance, attribute)} must be a non-empty str")


def optional_str(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(
            f"{field_name(instance, attribute)} must be a str or None, got {shown(value)}"
        )


def require_bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(
            f"{field_name(instance, attribute)} must be True or False, got {shown(value)}"
        )


def optional_bool(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        require_bool(instance, attribute, value)


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_int(value):
        raise TypeError(
            f"{field_name(instance, attribute)} must be an int >= 0, got {shown(value)}"
        )
    if value < 0:
        raise ValueError(f"{field_name(instance, attribute)} must be an int >= 0, got {value}")


def _optional_non_negative_int(
    instance: object, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value is not None:
        non_negative_int(instance, attribute, value)


def json_mapping(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A mapping with string keys that encodes as JSON (it is sent as it is)."""
    check_json_object(value, field_name(instance, attribute))


def check_json_object(value: Any, name: str) -> None:
    """Raises ``TypeError`` unless ``value`` is a mapping with ``str`` keys, and ``ValueError``
    unless it encodes as JSON (no NaN or infinity, only JSON types)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict with str keys, got {shown(value)}")
    bad_keys = [key for key in value if not isinstance(key, str)]
    if bad_keys:
        raise TypeError(f"{name} must have str keys, got the key {shown(bad_keys[0])}")
    try:
        json.dumps(dict(value), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{name} must encode as JSON: {exc}") from None


def to_audio_format(value: AudioFormat | str | None) -> Any:
    """An :class:`AudioFormat` from its wire name (``"pcm16"``, ``"g711_ulaw"``,
    ``"g711-alaw"``, ``"audio/pcmu"``, ...); anything else unchanged."""
    if isinstance(value, str):
        return _FORMAT_SPELLINGS.get(value.strip().lower(), value)
    return value


def optional_audio_format(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None or isinstance(value, AudioFormat):
        return
    accepted = ", ".join(repr(name) for name in _FORMAT_SPELLINGS)
    message = (
        f"{field_name(instance, attribute)}"
        f" must be an AudioFormat or one of {accepted}, got {shown(value)}"
    )
    raise (ValueError if isinstance(value, str) else TypeError)(message)


def to_temperature(value: float | None) -> Any:
    return to_float(value)


def optional_temperature(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    low, high = TEMPERATURE_RANGE
    expected = f"a number in [{low}, {high}] (TEMPERATURE_RANGE, the service's range)"
    if value is None:
        return
    if not isinstance(value, float):
        raise TypeError(f"{field_name(instance, attribute)} must be {expected}, got {shown(value)}")
    if not low <= value <= high:
        raise ValueError(f"{field_name(instance, attribute)} must be {expected}, got {value!r}")


def to_max_output_tokens(value: int | float | Literal["inf"] | None) -> Any:
    """``math.inf`` as ``"inf"``; anything else unchanged."""
    if isinstance(value, float) and value == math.inf:
        return "inf"
    return value


def optional_max_output_tokens(
    instance: object, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if value is None or (isinstance(value, str) and value == "inf"):
        return
    message = (
        f"{field_name(instance, attribute)} must be a positive int or 'inf', got {shown(value)}"
    )
    if is_int(value):
        if value <= 0:
            raise ValueError(message)
        return
    raise (ValueError if isinstance(value, str) else TypeError)(message)


def _to_threshold(value: float) -> Any:
    return to_float(value)


def _probability(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, float):
        raise TypeError(
            f"{field_name(instance, attribute)}"
            f" must be a number between 0 and 1, got {shown(value)}"
        )
    if not 0.0 <= value <= 1.0:
        raise ValueError(
            f"{field_name(instance, attribute)} must be between 0 and 1, got {value!r}"
        )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ServerVad(Record):
    """Server-side voice activity detection driven by signal energy.

    ``threshold`` is a number in [0, 1] (an int is taken as a float); the durations are
    whole milliseconds, ``>= 0``."""

    threshold: float = attrs.field(default=0.5, converter=_to_threshold, validator=_probability)
    prefix_padding_ms: int = attrs.field(default=300, validator=non_negative_int)
    silence_duration_ms: int = attrs.field(default=500, validator=non_negative_int)
    idle_timeout_ms: int | None = attrs.field(default=None, validator=_optional_non_negative_int)
    create_response: bool = attrs.field(default=True, validator=require_bool)
    interrupt_response: bool = attrs.field(default=True, validator=require_bool)


def _to_eagerness(value: Literal["low", "medium", "high", "auto"]) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _eagerness(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, str) and value in _EAGERNESS:
        return
    accepted = ", ".join(repr(name) for name in _EAGERNESS)
    message = f"{field_name(instance, attribute)} must be one of {accepted}, got {shown(value)}"
    raise (ValueError if isinstance(value, str) else TypeError)(message)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SemanticVad(Record):
    """Server-side turn detection by a model that judges whether the user finished.

    ``eagerness`` is compared without case (``"High"`` is ``"high"``)."""

    eagerness: Literal["low", "medium", "high", "auto"] = attrs.field(
        default="auto", converter=_to_eagerness, validator=_eagerness
    )
    create_response: bool = attrs.field(default=True, validator=require_bool)
    interrupt_response: bool = attrs.field(default=True, validator=require_bool)


@attrs.frozen(repr=False, eq=False)
class NoTurnDetection(Record):
    """Turns are decided by the client (push-to-talk): commit audio and ask for responses."""


TurnDetection: TypeAlias = ServerVad | SemanticVad | NoTurnDetection


@attrs.frozen(kw_only=True, repr=False, eq=False)
class InputTranscription(Record):
    """Transcription of the user's input audio, delivered asynchronously."""

    model: str = attrs.field(default="whisper-1", validator=require_str)
    language: str | None = attrs.field(default=None, validator=optional_str)
    prompt: str | None = attrs.field(default=None, validator=optional_str)


def _empty_if_none(value: str | None) -> Any:
    return "" if value is None else value


def _default_parameters() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ToolDefinition(Record):
    """A function the model may call.

    ``name`` is a non-empty string; ``description`` a string (``None`` is taken as ``""``);
    ``parameters`` the JSON schema of the arguments: a dict with string keys that encodes as
    JSON.
    """

    name: str = attrs.field(validator=non_empty_str)
    description: str = attrs.field(default="", converter=_empty_if_none, validator=require_str)
    parameters: Mapping[str, Any] = attrs.field(factory=_default_parameters, validator=json_mapping)


_TOOL_KEYS: Final = frozenset({"type", "name", "description", "parameters"})
_FUNCTION_KEYS: Final = frozenset({"name", "description", "parameters"})
_TOOLS_EXPECTED: Final = (
    "a sequence of ToolDefinition or of function tool dicts "
    "({'type': 'function', 'name': ..., 'description': ..., 'parameters': {...}}, "
    "or {'type': 'function', 'function': {...}})"
)


def _tool_from_dict(spec: Mapping[Any, Any], where: str) -> ToolDefinition:
    kind = spec.get("type", "function")
    if kind != "function":
        raise ValueError(
            f"{where} must be a function tool (type 'function'), got type {shown(kind)}; "
            "other kinds of tool go in extra={'tools': [...]}, as the whole list of wire dicts"
        )
    body: Mapping[Any, Any] = spec
    allowed = _TOOL_KEYS
    if "function" in spec:  # the nested form of the chat API and of the preview dialect
        body, allowed = spec["function"], _FUNCTION_KEYS
        if not isinstance(body, Mapping):
            raise TypeError(f"{where}['function'] must be a dict, got {shown(body)}")
        outer = set(spec) - {"type", "function"}
        if outer:
            raise ValueError(
                f"{where} has keys beside 'type' and 'function': {sorted(map(str, outer))}"
            )
    unknown = set(body) - allowed
    if unknown:
        raise ValueError(
            f"{where} has keys a realtime function tool does not have: "
            f"{sorted(map(str, unknown))} (it has {', '.join(sorted(_FUNCTION_KEYS))})"
        )
    fields: dict[str, Any] = {
        "name": body.get("name"),
        "description": body.get("description"),
        "parameters": body.get("parameters", _default_parameters()),
    }
    try:
        return ToolDefinition(**fields)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def to_tools(value: Iterable[ToolDefinition | Mapping[str, Any]] | None) -> Any:
    """A tuple of :class:`ToolDefinition` from any iterable of them or of function tool
    dicts (the flat and the nested wire forms); anything else unchanged."""
    if value is None or isinstance(value, (str, bytes, bytearray, Mapping, ToolDefinition)):
        return value
    if not isinstance(value, Iterable):
        return value
    return tuple(
        _tool_from_dict(tool, f"tools[{index}]") if isinstance(tool, Mapping) else tool
        for index, tool in enumerate(value)
    )


def optional_tools(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, tuple):
        raise TypeError(
            f"{field_name(instance, attribute)} must be {_TOOLS_EXPECTED}, got {shown(value)}"
        )
    for index, tool in enumerate(value):
        if not isinstance(tool, ToolDefinition):
            raise TypeError(
                f"{field_name(instance, attribute)}"
                f"[{index}] must be a ToolDefinition or a function tool dict, "
                f"got {shown(tool)}"
            )


def _turn_detection(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, (ServerVad, SemanticVad, NoTurnDetection)):
        raise TypeError(
            f"{field_name(instance, attribute)}"
            " must be ServerVad(), SemanticVad(), NoTurnDetection() or None, "
            f"got {shown(value)}"
        )


def _to_transcription(value: InputTranscription | Literal[True] | str | None) -> Any:
    if value is True:
        return InputTranscription()
    if isinstance(value, str):
        return InputTranscription(model=value)
    return value


def _transcription(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None or isinstance(value, InputTranscription):
        return
    if value is False:
        raise ValueError(
            f"{field_name(instance, attribute)}"
            "=False cannot be sent: pass None to leave the server's setting, "
            "or InputTranscription(...) (or True, or a model name) to transcribe"
        )
    raise TypeError(
        f"{field_name(instance, attribute)}"
        " must be an InputTranscription, True, a model name or None, "
        f"got {shown(value)}"
    )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ConversationOptions(Record):
    """What a conversation is configured with; maps onto the session object of each dialect.

    Every field left at ``None`` is not sent, so the server keeps its current value. To clear
    the instructions pass ``system_message=""``; to remove tools pass ``tools=()``; for
    client-decided turns pass ``turn_detection=NoTurnDetection()``. ``extra`` is merged into the
    wire session object as is, for fields this class does not model.

    Every field is checked here (``TypeError`` for a wrong type, ``ValueError`` for a value out
    of range, naming the field). These spellings are converted:

    * ``tools``: any iterable (a list, ...) becomes a tuple, and its function tool dicts
      (``{"type": "function", "name": ..., "description": ..., "parameters": {...}}``, or the
      nested ``{"type": "function", "function": {...}}``) become :class:`ToolDefinition`;
    * ``input_audio_format`` / ``output_audio_format``: the wire names ``"pcm16"``,
      ``"g711_ulaw"``, ``"g711_alaw"`` (also ``"g711-ulaw"``, ``"g711-alaw"``) and
      ``"audio/pcm"``, ``"audio/pcmu"``, ``"audio/pcma"`` become :class:`AudioFormat`;
    * ``temperature``: any real number becomes a ``float``; it must lie in
      :data:`TEMPERATURE_RANGE`;
    * ``max_output_tokens``: ``math.inf`` becomes ``"inf"``; otherwise a positive int;
    * ``transcribe_input``: ``True`` becomes ``InputTranscription()``, a string
      ``InputTranscription(model=...)``.
    """

    system_message: str | None = attrs.field(default=None, validator=optional_str)
    voice: str | None = attrs.field(default=None, validator=optional_str)
    input_audio_format: AudioFormat | None = attrs.field(
        default=None, converter=to_audio_format, validator=optional_audio_format
    )
    output_audio_format: AudioFormat | None = attrs.field(
        default=None, converter=to_audio_format, validator=optional_audio_format
    )
    turn_detection: TurnDetection | None = attrs.field(default=None, validator=_turn_detection)
    tools: tuple[ToolDefinition, ...] | None = attrs.field(
        default=None, converter=to_tools, validator=optional_tools
    )
    tool_choice: str | None = attrs.field(default=None, validator=optional_str)
    temperature: float | None = attrs.field(
        default=None, converter=to_temperature, validator=optional_temperature
    )
    max_output_tokens: int | Literal["inf"] | None = attrs.field(
        default=None, converter=to_max_output_tokens, validator=optional_max_output_tokens
    )
    transcribe_input: InputTranscription | None = attrs.field(
        default=None, converter=_to_transcription, validator=_transcription
    )
    disable_audio: bool | None = attrs.field(default=None, validator=optional_bool)
    extra: Mapping[str, Any] = attrs.field(factory=dict, validator=json_mapping)


def _positive_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_int(value):
        raise TypeError(
            f"{field_name(instance, attribute)} must be a positive int, got {shown(value)}"
        )
    if value <= 0:
        raise ValueError(f"{field_name(instance, attribute)} must be a positive int, got {value}")


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Limits(Record):
    """Bounds on every buffer that grows with input. Exceeding one is a typed error. Each bound
    is a positive int."""

    max_message_size: int = attrs.field(default=32 * 1024 * 1024, validator=_positive_int)
    max_pending_output: int = attrs.field(default=64 * 1024 * 1024, validator=_positive_int)
    max_handshake_size: int = attrs.field(default=16 * 1024, validator=_positive_int)
    max_rejection_body: int = attrs.field(default=1024 * 1024, validator=_positive_int)
    max_turn_audio_bytes: int = attrs.field(default=64 * 1024 * 1024, validator=_positive_int)
    accumulate_audio: bool = attrs.field(default=True, validator=require_bool)
    max_tracked_items: int = attrs.field(default=1024, validator=_positive_int)


def _positive_seconds(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(
            f"{field_name(instance, attribute)} must be a number of seconds, got {shown(value)}"
        )
    if not 0 < cast(float, value) < math.inf:
        raise ValueError(
            f"{field_name(instance, attribute)}"
            f" must be a finite number of seconds > 0, got {value!r}"
        )


def _optional_positive_float(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _positive_seconds(instance, attribute, value)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Timeouts(Record):
    """Keepalive, open, close and write timing, in seconds (finite and positive). ``None``
    turns keepalive pings off.

    ``write_timeout`` bounds a socket write that makes no progress: a peer that stops reading
    for that long has failed a realtime conversation, so the transport ends the connection
    with :class:`WriteTimeout` instead of waiting for ever.
    """

    keepalive_interval: float | None = attrs.field(default=20.0, validator=_optional_positive_float)
    keepalive_timeout: float | None = attrs.field(default=20.0, validator=_optional_positive_float)
    close_timeout: float = attrs.field(default=5.0, validator=_positive_seconds)
    open_timeout: float = attrs.field(default=10.0, validator=_positive_seconds)
    write_timeout: float = attrs.field(default=10.0, validator=_positive_seconds)
