"""Preparing tool calls for Python functions, and turning results into outputs."""

from __future__ import annotations

import json

import realtime_proto as rp
from realtime_proto.client import prepare_tool_call, tool_failure, tool_output


def call(arguments: str, name: str = "f") -> rp.ToolCall:
    return rp.ToolCall(call_id="c1", name=name, arguments=arguments)


def test_a_call_with_a_handler_and_object_arguments() -> None:
    def f(city: str) -> str:
        return city

    prepared = prepare_tool_call(call('{"city": "Oslo"}'), {"f": f})
    assert prepared.handler is f
    assert prepared.arguments == {"city": "Oslo"}
    assert prepared.error_output is None
    assert prepare_tool_call(call(""), {"f": f}).arguments == {}


def test_what_the_model_is_told_when_a_call_cannot_run() -> None:
    missing = prepare_tool_call(call("{}", name="nope"), {})
    assert json.loads(missing.error_output or "") == {"error": "no tool 'nope'"}
    broken = prepare_tool_call(call("{oops"), {"f": print})
    assert "bad arguments" in (broken.error_output or "")
    listed = prepare_tool_call(call("[1, 2]"), {"f": print})
    assert json.loads(listed.error_output or "") == {"error": "arguments must be an object"}
    assert json.loads(tool_failure(KeyError("k"))) == {"error": "KeyError: 'k'"}


def test_outputs() -> None:
    assert tool_output("plain") == "plain"
    assert tool_output({"t": 21, "when": object}).startswith('{"t": 21, "when": "<class')
    assert tool_output(["é"]) == '["é"]'
