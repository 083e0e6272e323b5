"""Typed commands: what a CLIENT-role connection ``send``s, and what a SERVER-role one receives.

Each client command maps to one wire message in every dialect, except :class:`FinishTurn`,
which the client expands (commit pending audio if any, then ask for a response).

Every command checks its fields when it is built: ``TypeError`` for a wrong type,
``ValueError`` for a value out of range (``LocalProtocolError`` for a :class:`SendRaw` message
that cannot be sent), each naming the field and what it accepts.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ._codec import encode_object
from ._errors import LocalProtocolError
from ._options import (
    AudioFormat,
    ConversationOptions,
    ToolDefinition,
    field_name,
    is_int,
    json_mapping,
    non_empty_str,
    non_negative_int,
    optional_audio_format,
    optional_max_output_tokens,
    optional_str,
    optional_temperature,
    optional_tools,
    require_bool,
    require_str,
    shown,
    to_audio_format,
    to_max_output_tokens,
    to_temperature,
    to_tools,
)
from ._record import Record
from ._redact import bytes_summary, raw_summary, text_summary
from ._values import ConversationItem

__all__ = [
    "AcceptConnection",
    "AppendAudio",
    "CancelResponse",
    "ClearAudio",
    "ClearOutputAudio",
    "Close",
    "Command",
    "CommitAudio",
    "CreateConversation",
    "CreateItem",
    "CreateResponse",
    "DeleteConversation",
    "DeleteItem",
    "FinishTurn",
    "RejectConnection",
    "RetrieveItem",
    "SendRaw",
    "SendText",
    "SendToolResponse",
    "SubscribeToUserAudio",
    "TruncateItem",
    "UpdateSession",
]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Command(Record):
    """Base class of the commands. ``event_id`` is the optional client event id (echoed only in
    errors); ``raw`` is the frame text on the receiving (SERVER) side, ``""`` otherwise."""

    event_id: str | None = attrs.field(default=None, validator=optional_str)
    raw: str = attrs.field(default="", repr=raw_summary, eq=False, validator=require_str)


def _instance_of(kind: type | tuple[type, ...], expected: str, *, optional: bool = False) -> Any:
    """A validator: ``value`` is a ``kind`` (or ``None`` if ``optional``)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if (value is None and optional) or isinstance(value, kind):
            return
        raise TypeError(f"{field_name(instance, attribute)} must be {expected}, got {shown(value)}")

    return check


@attrs.frozen(kw_only=True, repr=False, eq=False)
class UpdateSession(Command):
    """Configure or reconfigure the session (``session.update``); unset options are not sent."""

    options: ConversationOptions = attrs.field(
        factory=ConversationOptions,
        validator=_instance_of(ConversationOptions, "a ConversationOptions"),
    )


def _to_bytes(value: bytes | bytearray | memoryview) -> Any:
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


@attrs.frozen(kw_only=True, repr=False, eq=False)
class AppendAudio(Command):
    """Append input audio, already in the session's input format. A ``bytearray`` or
    ``memoryview`` is copied to ``bytes``."""

    audio: bytes = attrs.field(
        repr=bytes_summary,
        converter=_to_bytes,
        validator=_instance_of(bytes, "bytes (or a bytearray or memoryview)"),
    )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CommitAudio(Command):
    """Turn the pending input audio into a user item."""


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ClearAudio(Command):
    """Drop the pending input audio."""


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SendText(Command):
    """Add a user text message to the conversation."""

    text: str = attrs.field(repr=text_summary, validator=require_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SendToolResponse(Command):
    """Add the output of a function call to the conversation. ``output`` is the text the model
    reads (for a dict, send its JSON: see :func:`tool_output`)."""

    tool_call_id: str = attrs.field(validator=non_empty_str)
    output: str = attrs.field(repr=text_summary, validator=require_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CreateItem(Command):
    """Add any item; ``previous_item_id`` ``None`` appends, ``"root"`` inserts first."""

    item: ConversationItem = attrs.field(
        validator=_instance_of(ConversationItem, "a ConversationItem")
    )
    previous_item_id: str | None = attrs.field(default=None, validator=optional_str)


_MODALITIES: Final = ("text", "audio")


def _to_str_tuple(value: Iterable[str] | str | None) -> Any:
    """A tuple from a list (or any iterable but a string or a mapping); one string as a
    one-item tuple; anything else unchanged."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray, Mapping)):
        return tuple(value)
    return value


def _modalities(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    expected = f"a sequence of {' and '.join(repr(m) for m in _MODALITIES)}"
    if not isinstance(value, tuple) or not all(isinstance(m, str) for m in value):
        raise TypeError(f"{field_name(instance, attribute)} must be {expected}, got {shown(value)}")
    unknown = [m for m in value if m not in _MODALITIES]
    if unknown:
        raise ValueError(
            f"{field_name(instance, attribute)} must be {expected}, got {unknown[0]!r}"
        )


def _to_tuple(value: Iterable[ConversationItem] | None) -> Any:
    """A tuple from any iterable but a string or a mapping; anything else unchanged."""
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return tuple(value)
    return value


def _items(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, tuple) or not all(isinstance(i, ConversationItem) for i in value):
        raise TypeError(
            f"{field_name(instance, attribute)}"
            f" must be a sequence of ConversationItem, got {shown(value)}"
        )


def _metadata(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping) or not all(
        isinstance(key, str) and isinstance(text, str) for key, text in value.items()
    ):
        raise TypeError(
            f"{field_name(instance, attribute)} must be a dict of str to str, got {shown(value)}"
        )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CreateResponse(Command):
    """Ask the model for a response (``generate``). Set fields override the session for this one
    response; ``conversation="none"`` makes it out-of-band (it may run beside another).

    The fields are checked as those of :class:`ConversationOptions` are, with the same
    conversions (``tools`` dicts, format names, ``temperature``, ``max_output_tokens``).
    ``output_modalities`` holds ``"text"`` and/or ``"audio"`` (a list, or one string, becomes a
    tuple); ``input`` is a sequence of :class:`ConversationItem` (made a tuple); ``metadata``
    maps strings to strings.
    """

    instructions: str | None = attrs.field(default=None, validator=optional_str)
    output_modalities: tuple[str, ...] | None = attrs.field(
        default=None, converter=_to_str_tuple, validator=_modalities
    )
    voice: str | None = attrs.field(default=None, validator=optional_str)
    output_audio_format: AudioFormat | None = attrs.field(
        default=None, converter=to_audio_format, validator=optional_audio_format
    )
    tools: tuple[ToolDefinition, ...] | None = attrs.field(
        default=None, converter=to_tools, validator=optional_tools
    )
    tool_choice: str | None = attrs.field(default=None, validator=optional_str)
    max_output_tokens: int | Literal["inf"] | None = attrs.field(
        default=None, converter=to_max_output_tokens, validator=optional_max_output_tokens
    )
    temperature: float | None = attrs.field(
        default=None, converter=to_temperature, validator=optional_temperature
    )
    conversation: str | None = attrs.field(default=None, validator=optional_str)
    input: tuple[ConversationItem, ...] | None = attrs.field(
        default=None, converter=_to_tuple, validator=_items
    )
    metadata: Mapping[str, str] | None = attrs.field(default=None, validator=_metadata)
    extra: Mapping[str, Any] = attrs.field(factory=dict, validator=json_mapping)

    @property
    def out_of_band(self) -> bool:
        return self.conversation == "none"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class FinishTurn(Command):
    """End the user's turn: commit pending input audio, if any, then ask for a response."""

    response: CreateResponse | None = attrs.field(
        default=None,
        validator=_instance_of(CreateResponse, "a CreateResponse or None", optional=True),
    )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CancelResponse(Command):
    response_id: str | None = attrs.field(default=None, validator=optional_str)


def _to_whole_ms(value: float) -> Any:
    """Milliseconds given as a finite real number (``duration_ms`` returns a float), rounded
    down to an int; anything else unchanged."""
    if isinstance(value, numbers.Real) and not is_int(value) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return math.floor(number)
    return value


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TruncateItem(Command):
    """Cut an assistant item's audio at what was actually played (after an interruption).

    ``audio_end_ms`` is an int ``>= 0``; a finite float (as ``duration_ms`` returns) is
    rounded down. ``content_index`` is an int ``>= 0``."""

    item_id: str = attrs.field(validator=non_empty_str)
    audio_end_ms: int = attrs.field(converter=_to_whole_ms, validator=non_negative_int)
    content_index: int = attrs.field(default=0, validator=non_negative_int)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class DeleteItem(Command):
    item_id: str = attrs.field(validator=non_empty_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class RetrieveItem(Command):
    item_id: str = attrs.field(validator=non_empty_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ClearOutputAudio(Command):
    """``output_audio_buffer.clear`` (WebRTC and SIP only)."""


def _raw_message(value: Mapping[str, Any] | str | bytes | bytearray | memoryview) -> Any:
    """The message, checked: raises :class:`LocalProtocolError` for one that cannot be sent."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value)
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LocalProtocolError(
                f"message: a raw message must be UTF-8 text; byte {exc.start} is not UTF-8"
            ) from None
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise LocalProtocolError(
                f"message: the text cannot be encoded as UTF-8 (character {exc.start} "
                "is a lone surrogate)"
            ) from None
        return value
    if isinstance(value, Mapping):
        message = value if isinstance(value, dict) else dict(value)
        _check_json(message, "message")
        try:
            encode_object(message)
        except (TypeError, ValueError, RecursionError) as exc:
            raise LocalProtocolError(f"message cannot be encoded as JSON: {exc}") from None
        return message
    raise LocalProtocolError(
        f"message must be a dict (sent as JSON), a str or UTF-8 bytes, got {shown(value)}"
    )


def _check_json(value: Any, where: str, depth: int = 0) -> None:
    """Raises :class:`LocalProtocolError` unless ``value`` is made of JSON types only: dicts
    with str keys, lists (or tuples), str that is valid UTF-8, finite numbers, bools, None."""
    if depth > _MAX_JSON_DEPTH:
        raise LocalProtocolError(f"message is nested more than {_MAX_JSON_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LocalProtocolError(f"{where} is {value!r}: JSON has no NaN or infinity")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise LocalProtocolError(
                f"{where} holds a lone surrogate: it cannot be encoded as UTF-8"
            ) from None
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LocalProtocolError(
                    f"{where} has the key {shown(key)}: JSON object keys must be str"
                )
            _check_json(key, f"{where} key {key[:40]!r}", depth + 1)
            _check_json(item, f"{where}[{key[:40]!r}]", depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]", depth + 1)
        return
    raise LocalProtocolError(f"{where} is {shown(value)}, which is not a JSON type")


_MAX_JSON_DEPTH: Final = 200


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SendRaw(Command):
    """Send a message as is: a dict is encoded as JSON, str and bytes are sent verbatim.

    Checked when built: a dict must be made of JSON types only (str keys, no NaN or infinity),
    text must be encodable as UTF-8, bytes must be UTF-8; otherwise, and for any other type,
    :class:`LocalProtocolError`. A ``bytearray`` or ``memoryview`` is copied to ``bytes``; a
    mapping that is not a dict is copied to a dict.
    """

    message: Mapping[str, Any] | str | bytes = attrs.field(repr=False, converter=_raw_message)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CreateConversation(Command):
    """Open another conversation on the session (preview dialect: ``create_conversation``)."""

    label: str = attrs.field(validator=non_empty_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class DeleteConversation(Command):
    """Drop a conversation opened with :class:`CreateConversation` (preview dialect)."""

    label: str = attrs.field(validator=non_empty_str)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class SubscribeToUserAudio(Command):
    """Route the input audio to conversation ``label``, or stop (``subscribe=False``)
    (preview dialect: ``subscribe_to_user_audio`` / ``unsubscribe_from_user_audio``)."""

    label: str = attrs.field(validator=non_empty_str)
    subscribe: bool = attrs.field(default=True, validator=require_bool)


_RESERVED_CLOSE_CODES: Final = frozenset({1004, 1005, 1006, 1015})


def _close_code(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    expected = "an int in 1000-4999 (not 1004, 1005, 1006 or 1015)"
    if not is_int(value):
        raise TypeError(f"{field_name(instance, attribute)} must be {expected}, got {shown(value)}")
    if not 1000 <= value <= 4999 or value in _RESERVED_CLOSE_CODES:
        raise ValueError(f"{field_name(instance, attribute)} must be {expected}, got {value}")


def _utf8_text(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    require_str(instance, attribute, value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{field_name(instance, attribute)} must be encodable as UTF-8") from None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Close(Command):
    """Start the closing handshake. ``code`` is a close code a peer may send (1000-4999, but
    not the reserved 1004, 1005, 1006, 1015); ``reason`` is text, cut to fit a close frame."""

    code: int = attrs.field(default=1000, validator=_close_code)
    reason: str = attrs.field(default="", validator=_utf8_text)


def _to_headers(value: Iterable[Sequence[str]]) -> Any:
    """A tuple of pairs from any iterable of pairs (a list of lists, ...); anything else
    unchanged."""
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return tuple(
            tuple(pair)
            if isinstance(pair, Iterable) and not isinstance(pair, (str, bytes))
            else pair
            for pair in value
        )
    return value


def _headers(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        for pair in value
    ):
        raise TypeError(
            f"{field_name(instance, attribute)}"
            f" must be a sequence of (name, value) pairs of str, got {shown(value)}"
        )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class AcceptConnection(Command):
    """SERVER role: accept the WebSocket upgrade. ``headers`` is a sequence of (name, value)
    string pairs (made a tuple of tuples)."""

    subprotocol: str | None = attrs.field(default=None, validator=optional_str)
    headers: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_to_headers, validator=_headers
    )


def _rejection_status(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_int(value):
        raise TypeError(
            f"{field_name(instance, attribute)} must be an int in 400-599, got {shown(value)}"
        )
    if not 400 <= value <= 599:
        raise ValueError(
            f"{field_name(instance, attribute)} must be an int in 400-599, got {value}"
        )


@attrs.frozen(kw_only=True, repr=False, eq=False)
class RejectConnection(Command):
    """SERVER role: refuse the upgrade with an HTTP status (400-599) and body. ``headers`` as
    for :class:`AcceptConnection`; a ``bytearray`` or ``memoryview`` body is copied to
    ``bytes``."""

    status_code: int = attrs.field(validator=_rejection_status)
    headers: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_to_headers, validator=_headers
    )
    body: bytes = attrs.field(
        default=b"",
        repr=bytes_summary,
        converter=_to_bytes,
        validator=_instance_of(bytes, "bytes (or a bytearray or memoryview)"),
    )
