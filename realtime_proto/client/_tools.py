"""Answering tool calls with Python functions: the parts both transports share.

A transport calls :func:`prepare_tool_call` for each call of a finished turn, runs the
handler it names with the arguments (awaiting it if it must), and sends
:func:`tool_output` of the result as the call's output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._record import Record
from .._values import ToolCall

__all__ = ["PreparedToolCall", "ToolHandlers", "prepare_tool_call", "tool_failure", "tool_output"]

ToolHandlers = Mapping[str, Callable[..., Any]]
"""Tool name -> a function called with the call's JSON arguments as keyword arguments."""


@attrs.frozen(repr=False, eq=False)
class PreparedToolCall(Record):
    """A call ready to run: its handler and arguments, or the output to send instead."""

    call: ToolCall
    handler: Callable[..., Any] | None
    arguments: dict[str, Any] = attrs.field(factory=dict)
    error_output: str | None = None


def prepare_tool_call(call: ToolCall, handlers: ToolHandlers) -> PreparedToolCall:
    """The handler and keyword arguments of ``call``; an error output when there is no handler
    or the arguments are not a JSON object (the model is told, and can try again)."""
    handler = handlers.get(call.name)
    if handler is None:
        return PreparedToolCall(call, None, error_output=_error(f"no tool {call.name!r}"))
    try:
        arguments = json.loads(call.arguments or "{}")
    except ValueError as exc:
        return PreparedToolCall(call, None, error_output=_error(f"bad arguments: {exc}"))
    if not isinstance(arguments, dict):
        return PreparedToolCall(call, None, error_output=_error("arguments must be an object"))
    return PreparedToolCall(call, handler, arguments)


def _error(message: str) -> str:
    return tool_output({"error": message})


def tool_failure(exc: BaseException) -> str:
    """The output that tells the model its tool failed, and how."""
    return _error(f"{type(exc).__name__}: {exc}")


def tool_output(result: Any) -> str:
    """What a handler returned, as the output string: text as is, anything else as JSON."""
    if isinstance(result, str):
        return result
    return json.dumps(result, default=str, ensure_ascii=False)
