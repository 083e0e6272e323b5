"""The server messages of the battery, as wire dicts: a session's start and whole responses,
in GA names or in the beta names a GA server may still send."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Final

__all__ = ["MODEL", "response_messages", "session_created", "user_audio_item"]

MODEL: Final = "conformance"
_USAGE: Final = {
    "total_tokens": 20,
    "input_tokens": 8,
    "output_tokens": 12,
    "input_token_details": {"text_tokens": 8, "audio_tokens": 0, "cached_tokens": 0},
    "output_token_details": {"text_tokens": 12, "audio_tokens": 0},
}
# GA name -> beta name, for the events whose name changed at GA.
_BETA_NAMES: Final = {
    "conversation.item.added": "conversation.item.created",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
}


def session_created(**extra: Any) -> dict[str, Any]:
    """``session.created`` for a text session, with ``extra`` top-level keys."""
    session = {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_conformance",
        "model": MODEL,
        "output_modalities": ["text"],
        "instructions": "",
    }
    return {"type": "session.created", "event_id": "event_0", "session": session, **extra}


def user_audio_item(item_id: str) -> list[dict[str, Any]]:
    """The server's news of a committed user audio item (without its transcript)."""
    item = {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    return [
        {"type": "input_audio_buffer.committed", "previous_item_id": None, "item_id": item_id},
        {"type": "conversation.item.added", "previous_item_id": None, "item": item},
    ]


def response_messages(
    response_id: str,
    item_id: str,
    deltas: Sequence[str],
    *,
    audio: bool = False,
    beta: bool = False,
    done: bool = True,
) -> list[dict[str, Any]]:
    """A whole response of one assistant message: its text in ``deltas`` (with ``audio``, an
    audio part whose transcript they are, and a little silence), up to ``response.done``
    (or, without ``done``, up to the last delta). ``beta``: the beta names and part types."""
    text = "".join(deltas)
    where = {"response_id": response_id, "item_id": item_id, "output_index": 0}
    part_where = {**where, "content_index": 0}
    kind = "audio" if audio else "text"
    item_part = ("audio" if audio else "text") if beta else f"output_{kind}"
    message: dict[str, Any] = {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    empty_part = {"type": kind, "transcript": ""} if audio else {"type": kind, "text": ""}
    messages: list[dict[str, Any]] = [
        {
            "type": "response.created",
            "response": {"id": response_id, "object": "realtime.response", "status": "in_progress"},
        },
        {
            "type": "response.output_item.added",
            "response_id": response_id,
            "output_index": 0,
            "item": message,
        },
        {"type": "conversation.item.added", "previous_item_id": None, "item": message},
        {"type": "response.content_part.added", **part_where, "part": empty_part},
    ]
    for delta in deltas:
        if audio:
            silence = base64.b64encode(bytes(480)).decode()
            messages.append({"type": "response.output_audio.delta", **part_where, "delta": silence})
            messages.append(
                {"type": "response.output_audio_transcript.delta", **part_where, "delta": delta}
            )
        else:
            messages.append({"type": "response.output_text.delta", **part_where, "delta": delta})
    if done:
        messages.extend(_ending(response_id, message, part_where, text, audio, item_part))
    for wire in messages:
        if beta:
            wire["type"] = _BETA_NAMES.get(wire["type"], wire["type"])
    return messages


def _ending(
    response_id: str,
    message: dict[str, Any],
    where: dict[str, Any],
    text: str,
    audio: bool,
    item_part: str,
) -> list[dict[str, Any]]:
    if audio:
        part: dict[str, Any] = {"type": "audio", "transcript": text}
        finished = [
            {"type": "response.output_audio.done", **where},
            {"type": "response.output_audio_transcript.done", **where, "transcript": text},
        ]
        content: dict[str, Any] = {"type": item_part, "transcript": text}
    else:
        part = {"type": "text", "text": text}
        finished = [{"type": "response.output_text.done", **where, "text": text}]
        content = {"type": item_part, "text": text}
    item = {**message, "status": "completed", "content": [content]}
    return [
        *finished,
        {"type": "response.content_part.done", **where, "part": part},
        {
            "type": "response.output_item.done",
            "response_id": response_id,
            "output_index": 0,
            "item": item,
        },
        {
            "type": "response.done",
            "response": {
                "id": response_id,
                "object": "realtime.response",
                "status": "completed",
                "output": [item],
                "usage": _USAGE,
            },
        },
    ]
