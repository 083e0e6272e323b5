"""What the simulated model says: a small, replaceable reply policy.

The simulator handles the protocol; a policy only decides the content of each response from
what the user last gave. It cannot understand speech, so for audio it reports what it measured.
"""

from __future__ import annotations

import json
import math
import re
import struct
from typing import Any, Protocol

import attrs

from .._options import ToolDefinition
from .._record import Record
from .._values import ConversationItem

__all__ = [
    "EchoPolicy",
    "Reply",
    "ReplyContext",
    "ReplyPolicy",
    "ToolRequest",
    "UserInput",
    "tone",
    "tool_arguments",
]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class UserInput(Record):
    """One user turn: text, or audio (in the session's input format) with its speech length."""

    text: str | None = None
    audio: bytes | None = attrs.field(default=None, repr=False)
    speech_ms: int = 0


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ReplyContext(Record):
    """Everything a policy may look at."""

    user: UserInput | None
    tool_outputs: tuple[tuple[str, str], ...] = ()  # (tool name, output) since the last reply
    tools: tuple[ToolDefinition, ...] = ()
    tool_choice: str | None = None
    instructions: str | None = None
    history: tuple[ConversationItem, ...] = ()  # the conversation's items, this input's too


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ToolRequest(Record):
    """A function call the model makes; ``arguments`` is sent as JSON."""

    name: str
    arguments: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Reply(Record):
    """A response's content: ``text`` (spoken, with ``audio``, in audio sessions), then
    optionally a tool call. ``audio`` ``None``: the simulator echoes the user (or a tone)."""

    text: str = ""
    audio: bytes | None = attrs.field(default=None, repr=False)
    tool_call: ToolRequest | None = None


class ReplyPolicy(Protocol):
    """Decides each response. Any callable with this signature will do."""

    def __call__(self, context: ReplyContext) -> Reply: ...


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


class EchoPolicy:
    """The default model: repeats text back, reports the length of speech, and calls a tool when
    the user's words name it (``tool_choice`` ``"auto"``) or always (``"required"``)."""

    def __call__(self, context: ReplyContext) -> Reply:
        if context.tool_outputs:
            said = "; ".join(f"{name} returned {output}" for name, output in context.tool_outputs)
            return Reply(text=f"The tool answered: {said}.")
        user = context.user
        call = self._tool_call(context)
        if user is None:
            return Reply(text="Hello! I am the simulated realtime model.", tool_call=call)
        if user.text is not None:
            return Reply(text=f"You said: {user.text}", tool_call=call)
        heard = f"I heard {user.speech_ms} ms of speech and played it back to you."
        return Reply(text=heard, tool_call=call)

    def _tool_call(self, context: ReplyContext) -> ToolRequest | None:
        if not context.tools or context.tool_choice == "none":
            return None
        user = context.user
        said = user.text if user is not None and user.text is not None else None
        spoken = _words(said or "")
        named = [t for t in context.tools if spoken & set(t.name.lower().split("_"))]
        if context.tool_choice == "required":
            named.append(context.tools[0])
        if not named:
            return None
        tool = named[0]
        arguments: dict[str, Any] = {"input": said} if said is not None else {}
        if said is None and user is not None:
            arguments["speech_ms"] = user.speech_ms
        return ToolRequest(name=tool.name, arguments=arguments)


def tone(duration_ms: int, rate: int = 24_000, hz: float = 440.0) -> bytes:
    """A sine tone as PCM16: the voice of the simulator when it has nothing to echo."""
    count = rate * duration_ms // 1000
    samples = (int(8000 * math.sin(2 * math.pi * hz * n / rate)) for n in range(count))
    return struct.pack(f"<{count}h", *samples)


def tool_arguments(request: ToolRequest) -> str:
    return json.dumps(request.arguments, separators=(",", ":"))
