"""Messages that carry audio, in every dialect's spelling: found cheaply, cut to a bound."""

from __future__ import annotations

from typing import Any, Final

from .._codec import DecodeFailure, decode_object
from .._dialects._convert import WireError, b64encode, decode_base64

__all__ = ["audio_message", "cut_audio"]

# Each audio-carrying message: the members that name it, and the key of its base64 audio (the
# first one present, for the preview's variant spelling).
_AUDIO_MESSAGES: Final[tuple[tuple[dict[str, str], tuple[str, ...]], ...]] = (
    ({"type": "response.output_audio.delta"}, ("delta",)),  # GA server
    ({"type": "response.audio.delta"}, ("delta",)),  # beta server
    ({"type": "input_audio_buffer.append"}, ("audio",)),  # GA and beta client
    ({"event": "add_user_audio"}, ("data", "audio")),  # preview client
    ({"event": "add_content", "type": "audio"}, ("data",)),  # preview server
)
# Every one of them contains "audio" (in its name, or as the preview's content type) and the
# name of its message type: two substring tests rule out nearly every other message unparsed.
_NAMES: Final = tuple(
    name for members, _ in _AUDIO_MESSAGES for name in members.values() if name != "audio"
)
_BYTES_PER_SAMPLE: Final = 2  # PCM16; a G.711 sample is one byte, so this keeps those whole too


def audio_message(text: str) -> tuple[dict[str, Any], str] | None:
    """The decoded message and the key of its audio when ``text`` is an audio-carrying
    message with its audio as a string; ``None`` otherwise (a message that spells its type
    with JSON escapes is not recognised, and is recorded whole)."""
    if "audio" not in text or not any(name in text for name in _NAMES):
        return None
    try:
        message = decode_object(text)
    except DecodeFailure:
        return None
    for members, keys in _AUDIO_MESSAGES:
        if all(message.get(key) == value for key, value in members.items()):
            key = next((key for key in keys if isinstance(message.get(key), str)), None)
            return None if key is None else (message, key)
    return None


def cut_audio(encoded: str, max_bytes: int) -> tuple[str, int] | None:
    """Base64 of the first ``max_bytes`` of the audio ``encoded`` holds (rounded down to whole
    16-bit samples), and the length it had; ``None`` when it holds no more than that, or is not
    valid base64 (then it is recorded as sent)."""
    if len(encoded) // 4 * 3 <= max_bytes:  # at most this many bytes: no need to decode
        return None
    try:
        audio = decode_base64(encoded)
    except WireError:
        return None
    if len(audio) <= max_bytes:
        return None
    return b64encode(audio[: max_bytes - max_bytes % _BYTES_PER_SAMPLE]), len(audio)
