"""The direct decoding of the deltas that are nearly all of the traffic: each gives what the
generated (cattrs) path gives, or steps aside for it."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

from .._events import AudioDelta, Event, OutputTranscriptDelta, TextDelta
from ._convert import b64decode, decode_base64

__all__ = ["HOT_DELTAS", "RAW_KEY", "decode_audio_delta", "fast_delta"]

RAW_KEY = "\x00raw"  # where the frame text rides through cattrs; no wire key can collide with it

# The deltas that are nearly all of the traffic, as (payload field, its wire key, conversion).
HOT_DELTAS: dict[type[Event], tuple[str, str, Callable[[str], Any]]] = {
    AudioDelta: ("audio_bytes", "delta", decode_base64),
    OutputTranscriptDelta: ("delta", "delta", str),
    TextDelta: ("text", "delta", str),
}


def fast_delta(
    cls: type[Event], field: str, key: str, convert: Callable[[str], Any]
) -> Callable[[dict[str, Any]], Event | None]:
    """Structure a hot delta directly when every field has its usual type (it then has no
    problem to note); ``None`` for anything else, which the generated path decodes or
    explains."""

    def structure(wire: dict[str, Any]) -> Event | None:
        value = wire.get(key)
        if type(value) is str and _usual_ids(wire):
            return _delta(cls, wire, wire[RAW_KEY], field, convert(value))
        return None

    return structure


def _usual_ids(wire: dict[str, Any]) -> bool:
    """Whether a delta's ids and indexes all have their usual types."""
    event_id = wire.get("event_id")
    return (
        type(wire.get("response_id")) is str
        and type(wire.get("item_id")) is str
        and type(wire.get("output_index")) is int
        and type(wire.get("content_index")) is int
        and (event_id is None or type(event_id) is str)
    )


def _delta(cls: type[Event], wire: dict[str, Any], raw: str, field: str, value: Any) -> Event:
    return cls(  # type: ignore[call-arg]
        raw=raw,
        event_id=wire.get("event_id"),
        response_id=wire["response_id"],
        item_id=wire["item_id"],
        output_index=wire["output_index"],
        content_index=wire["content_index"],
        **{field: value},
    )


_AUDIO_DELTA_TYPES = frozenset({"response.output_audio.delta", "response.audio.delta"})


def decode_audio_delta(wire: dict[str, Any], raw: str) -> Event | None:
    """Most of the traffic, an audio delta, from its wire dict as
    :func:`~realtime_proto._codec.split_last_string` gives it (its audio not read as JSON).
    ``None`` for any other message, and for anything unusual in one: then the general path
    reads the text."""
    event_type = wire.get("type")
    if type(event_type) is not str or event_type not in _AUDIO_DELTA_TYPES:
        return None
    audio = wire.get("delta")
    if type(audio) is not str or not _usual_ids(wire):
        return None
    try:
        audio_bytes = b64decode(audio)  # also refuses what JSON would (control characters)
    except (binascii.Error, ValueError):
        return None
    return _delta(AudioDelta, wire, raw, "audio_bytes", audio_bytes)
