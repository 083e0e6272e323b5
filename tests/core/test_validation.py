"""Validation at the door: every options class and command checks its fields when it is built,
converts the friendly spellings, and raises TypeError / ValueError naming the field."""

from __future__ import annotations

import io
import math
import struct
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto._options import TEMPERATURE_RANGE, shown
from realtime_proto.audio import MIN_CHUNK_MS, AudioChunker, WavError
from realtime_proto.audio._stream import check_chunk_ms, wav_source_name
from realtime_proto.client import (
    AudioSendPlan,
    ClientConversation,
    ClientSettings,
    PlannedSend,
    ServiceTarget,
)
from tests.helpers import LOCAL_URL, ConnectionPair

PCM16 = rp.AudioFormat.PCM16
ULAW = rp.AudioFormat.G711_ULAW
ALAW = rp.AudioFormat.G711_ALAW
FLAT_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
WEATHER = rp.ToolDefinition(
    name="get_weather",
    description="The weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)


def build(cls: type, **fields: Any) -> Any:
    return cls(**fields)


def fails(
    kind: type[Exception], cls: type, match: str, **fields: Any
) -> pytest.ExceptionInfo[Exception]:
    with pytest.raises(kind, match=match) as raised:
        build(cls, **fields)
    return raised


# -- ConversationOptions and CreateResponse: the fields they share ------------------------------


@pytest.mark.parametrize("cls", [rp.ConversationOptions, rp.CreateResponse])
def test_tool_dicts_become_tool_definitions(cls: type) -> None:
    nested = {"type": "function", "function": {k: v for k, v in FLAT_TOOL.items() if k != "type"}}
    for tools in ([FLAT_TOOL], (nested,), iter([FLAT_TOOL]), [WEATHER, FLAT_TOOL]):
        assert all(tool == WEATHER for tool in build(cls, tools=tools).tools)
    assert build(cls, tools=[]).tools == ()
    assert build(cls, tools=None).tools is None
    minimal = build(cls, tools=[{"name": "f"}]).tools  # no type: a function; the defaults
    assert minimal == (rp.ToolDefinition(name="f"),)
    nameless = build(cls, tools=[{"type": "function", "description": None, "name": "g"}])
    assert nameless.tools[0].description == ""


@pytest.mark.parametrize("cls", [rp.ConversationOptions, rp.CreateResponse])
@pytest.mark.parametrize(
    ("tools", "kind", "match"),
    [
        ("get_weather", TypeError, r"\.tools must be a sequence of ToolDefinition"),
        (b"abc", TypeError, "tools must be"),
        (FLAT_TOOL, TypeError, "tools must be a sequence"),  # one dict, not a sequence
        (WEATHER, TypeError, "tools must be a sequence"),
        (5, TypeError, r"tools must be .*got 5 \(int\)"),
        ([5], TypeError, r"tools\[0\] must be a ToolDefinition or a function tool dict"),
        ([WEATHER, "f"], TypeError, r"tools\[1\] must be"),
        ([{"type": "mcp", "name": "x"}], ValueError, r"tools\[0\] must be a function tool"),
        ([{"type": "function"}], TypeError, r"tools\[0\]: ToolDefinition.name must be a str"),
        ([{"name": ""}], ValueError, r"tools\[0\]: ToolDefinition.name must be a non-empty"),
        ([{"name": "f", "strict": True}], ValueError, r"tools\[0\] has keys .*'strict'"),
        ([{"type": "function", "function": "f"}], TypeError, r"tools\[0\]\['function'\]"),
        (
            [{"type": "function", "function": {"name": "f"}, "name": "f"}],
            ValueError,
            r"tools\[0\] has keys beside 'type' and 'function'",
        ),
        ([{"function": {"name": "f", "x": 1}}], ValueError, r"tools\[0\] has keys .*'x'"),
        ([{"name": "f", "parameters": []}], TypeError, r"tools\[0\]: .*parameters"),
        ([{"name": "f", "description": 5}], TypeError, r"tools\[0\]: .*description"),
    ],
)
def test_bad_tools_are_refused(cls: type, tools: Any, kind: type[Exception], match: str) -> None:
    fails(kind, cls, match, tools=tools)


FORMAT_SPELLINGS = {
    "pcm16": PCM16,
    "audio/pcm": PCM16,
    "g711_ulaw": ULAW,
    "g711-ulaw": ULAW,
    "audio/pcmu": ULAW,
    "g711_alaw": ALAW,
    "g711-alaw": ALAW,
    "audio/pcma": ALAW,
    " PCM16 ": PCM16,
    "Audio/PCMU": ULAW,
}
FORMAT_FIELDS = [
    (rp.ConversationOptions, "input_audio_format"),
    (rp.ConversationOptions, "output_audio_format"),
    (rp.CreateResponse, "output_audio_format"),
]


@pytest.mark.parametrize(("cls", "field"), FORMAT_FIELDS)
def test_format_names_become_audio_formats(cls: type, field: str) -> None:
    for spelling, fmt in FORMAT_SPELLINGS.items():
        assert getattr(build(cls, **{field: spelling}), field) is fmt
    for fmt in rp.AudioFormat:
        assert getattr(build(cls, **{field: fmt}), field) is fmt
    assert getattr(build(cls, **{field: None}), field) is None


@pytest.mark.parametrize(("cls", "field"), FORMAT_FIELDS)
def test_unknown_formats_are_refused_with_the_accepted_names(cls: type, field: str) -> None:
    raised = fails(
        ValueError, cls, rf"{cls.__name__}\.{field} must be an AudioFormat", **{field: "mp3"}
    )
    for name in ("'pcm16'", "'g711_ulaw'", "'g711_alaw'", "'audio/pcmu'", "got 'mp3'"):
        assert name in str(raised.value)
    fails(TypeError, cls, field, **{field: 16})
    fails(TypeError, cls, field, **{field: b"pcm16"})


@pytest.mark.parametrize("cls", [rp.ConversationOptions, rp.CreateResponse])
def test_temperature_is_a_real_number_in_the_documented_range(cls: type) -> None:
    low, high = TEMPERATURE_RANGE
    assert (low, high) == (0.6, 1.2)
    for value, expected in ((0.6, 0.6), (1.2, 1.2), (1, 1.0), (Fraction(4, 5), 0.8)):
        got = build(cls, temperature=value).temperature
        assert got == expected
        assert isinstance(got, float)
    for bad in (5, 0.5, 1.21, -1, float("nan"), math.inf, -math.inf, 10**400, -(10**400)):
        raised = fails(ValueError, cls, rf"{cls.__name__}\.temperature must be", temperature=bad)
        assert "[0.6, 1.2]" in str(raised.value)
        assert "TEMPERATURE_RANGE" in str(raised.value)
    for wrong in ("hot", "0.8", True, [0.8], b"1"):
        fails(TypeError, cls, r"temperature must be a number in \[0.6, 1.2\]", temperature=wrong)


@pytest.mark.parametrize("cls", [rp.ConversationOptions, rp.CreateResponse])
def test_max_output_tokens_is_a_positive_int_or_inf(cls: type) -> None:
    for value, expected in ((1, 1), (4096, 4096), ("inf", "inf"), (math.inf, "inf")):
        assert build(cls, max_output_tokens=value).max_output_tokens == expected
    for bad in (0, -5, "infinite", "INF", "", -math.inf):
        match = r"max_output_tokens must be a positive int or 'inf'"
        kind = TypeError if isinstance(bad, float) else ValueError
        fails(kind, cls, match, max_output_tokens=bad)
    for wrong in (True, 1.5, 100.0, [1], float("nan")):
        fails(TypeError, cls, "max_output_tokens must be", max_output_tokens=wrong)


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (rp.ConversationOptions, "system_message"),
        (rp.ConversationOptions, "voice"),
        (rp.ConversationOptions, "tool_choice"),
        (rp.CreateResponse, "instructions"),
        (rp.CreateResponse, "voice"),
        (rp.CreateResponse, "tool_choice"),
        (rp.CreateResponse, "conversation"),
        (rp.InputTranscription, "language"),
        (rp.InputTranscription, "prompt"),
        (rp.CreateItem, "previous_item_id"),
        (rp.CancelResponse, "response_id"),
        (rp.AcceptConnection, "subprotocol"),
    ],
)
def test_optional_text_fields(cls: type, field: str) -> None:
    required: dict[str, Any] = (
        {"item": rp.ConversationItem(type="message")} if cls is rp.CreateItem else {}
    )
    assert getattr(build(cls, **required, **{field: "x"}), field) == "x"
    assert getattr(build(cls, **required, **{field: None}), field) is None
    for bad in (5, b"x", ["x"], True):
        fails(
            TypeError,
            cls,
            rf"^{cls.__name__}\.{field} must be a str or None",
            **required,
            **{field: bad},
        )


def test_turn_detection_takes_the_turn_detection_classes_only() -> None:
    for value in (rp.ServerVad(), rp.SemanticVad(), rp.NoTurnDetection(), None):
        assert rp.ConversationOptions(turn_detection=value).turn_detection == value
    for bad in ("server_vad", {"type": "server_vad"}, rp.ServerVad, True):
        raised = fails(
            TypeError, rp.ConversationOptions, "turn_detection must be", turn_detection=bad
        )
        assert "ServerVad(), SemanticVad(), NoTurnDetection() or None" in str(raised.value)


def test_transcribe_input_spellings() -> None:
    assert rp.ConversationOptions(transcribe_input=True).transcribe_input == rp.InputTranscription()
    named = rp.ConversationOptions(transcribe_input="gpt-4o-transcribe").transcribe_input
    assert named == rp.InputTranscription(model="gpt-4o-transcribe")
    fails(
        ValueError,
        rp.ConversationOptions,
        "transcribe_input=False cannot be sent",
        transcribe_input=False,
    )
    for bad in (1, {"model": "whisper-1"}, rp.ServerVad()):
        fails(
            TypeError,
            rp.ConversationOptions,
            "transcribe_input must be an InputTranscription",
            transcribe_input=bad,
        )


def test_disable_audio_and_extra() -> None:
    assert rp.ConversationOptions(disable_audio=True).disable_audio is True
    for bad in (1, "yes"):
        fails(
            TypeError,
            rp.ConversationOptions,
            "disable_audio must be True or False",
            disable_audio=bad,
        )
    assert rp.ConversationOptions(extra=MappingProxyType({"speed": 1.1})).extra == {"speed": 1.1}
    for cls in (rp.ConversationOptions, rp.CreateResponse):
        fails(TypeError, cls, r"extra must be a dict with str keys, got \[\]", extra=[])
        fails(TypeError, cls, "extra must have str keys, got the key 1", extra={1: "x"})
        fails(ValueError, cls, "extra must encode as JSON", extra={"x": float("nan")})
        fails(ValueError, cls, "extra must encode as JSON", extra={"x": {1, 2}})
        fails(ValueError, cls, "extra must encode as JSON", extra={"x": MappingProxyType({})})


# -- the classes inside the options -----------------------------------------------------------


def test_server_vad_fields() -> None:
    assert rp.ServerVad(threshold=1).threshold == 1.0
    assert rp.ServerVad(idle_timeout_ms=0).idle_timeout_ms == 0
    for bad in (1.5, -0.1, float("nan")):
        fails(
            ValueError, rp.ServerVad, r"ServerVad.threshold must be between 0 and 1", threshold=bad
        )
    for wrong in ("0.5", None, True):
        fails(
            TypeError, rp.ServerVad, "threshold must be a number between 0 and 1", threshold=wrong
        )
    for field in ("prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"):
        fails(
            ValueError,
            rp.ServerVad,
            rf"ServerVad.{field} must be an int >= 0, got -1",
            **{field: -1},
        )
        for mistyped in (1.5, "300", True):
            fails(TypeError, rp.ServerVad, rf"{field} must be an int >= 0", **{field: mistyped})
    fails(TypeError, rp.ServerVad, "prefix_padding_ms must be", prefix_padding_ms=None)
    for field in ("create_response", "interrupt_response"):
        fails(TypeError, rp.ServerVad, rf"ServerVad.{field} must be True or False", **{field: 1})
        fails(
            TypeError,
            rp.SemanticVad,
            rf"SemanticVad.{field} must be True or False",
            **{field: None},
        )


def test_semantic_vad_eagerness() -> None:
    assert rp.SemanticVad(eagerness=" High ").eagerness == "high"  # type: ignore[arg-type]
    for value in ("low", "medium", "high", "auto"):
        assert build(rp.SemanticVad, eagerness=value).eagerness == value
    raised = fails(
        ValueError, rp.SemanticVad, "SemanticVad.eagerness must be one of", eagerness="eager"
    )
    assert "'low', 'medium', 'high', 'auto'" in str(raised.value)
    fails(TypeError, rp.SemanticVad, "eagerness must be one of", eagerness=3)


def test_input_transcription_fields() -> None:
    assert rp.InputTranscription(model="").model == ""  # what a server may report
    fails(TypeError, rp.InputTranscription, "InputTranscription.model must be a str", model=None)


def test_tool_definition_fields() -> None:
    assert rp.ToolDefinition(name="f", description=None).description == ""
    assert rp.ToolDefinition(name="f").parameters == {"type": "object", "properties": {}}
    fails(ValueError, rp.ToolDefinition, "ToolDefinition.name must be a non-empty str", name="")
    fails(TypeError, rp.ToolDefinition, "ToolDefinition.name must be a str", name=None)
    fails(
        TypeError,
        rp.ToolDefinition,
        "ToolDefinition.description must be a str",
        name="f",
        description=1,
    )
    fails(
        TypeError,
        rp.ToolDefinition,
        "ToolDefinition.parameters must be a dict",
        name="f",
        parameters="{}",
    )
    fails(
        ValueError,
        rp.ToolDefinition,
        "parameters must encode as JSON",
        name="f",
        parameters={"x": math.inf},
    )


def test_limits_and_timeouts() -> None:
    fails(
        TypeError,
        rp.Limits,
        "Limits.max_message_size must be a positive int",
        max_message_size=True,
    )
    fails(TypeError, rp.Limits, "max_tracked_items must be a positive int", max_tracked_items=1.0)
    fails(
        ValueError,
        rp.Limits,
        "max_pending_output must be a positive int, got -1",
        max_pending_output=-1,
    )
    fails(TypeError, rp.Limits, "accumulate_audio must be True or False", accumulate_audio=0)
    assert rp.Timeouts(keepalive_interval=None, close_timeout=1).close_timeout == 1
    for field in (
        "keepalive_interval",
        "keepalive_timeout",
        "close_timeout",
        "open_timeout",
        "write_timeout",
    ):
        for bad in (0, -1, math.inf, float("nan")):
            fails(
                ValueError,
                rp.Timeouts,
                rf"Timeouts.{field} must be a finite number of seconds > 0",
                **{field: bad},
            )
        for wrong in ("5", True):
            fails(TypeError, rp.Timeouts, rf"{field} must be a number of seconds", **{field: wrong})
    for field in ("close_timeout", "open_timeout", "write_timeout"):
        fails(
            TypeError,
            rp.Timeouts,
            rf"{field} must be a number of seconds, got None",
            **{field: None},
        )


def test_rejected_values_are_shown_bounded_and_scrubbed() -> None:
    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert shown(Unprintable()).startswith("<tests.core.test_validation")
    long = shown("x" * 500)
    assert len(long) < 100
    assert long.endswith("... (str)")
    raised = fails(TypeError, rp.ConversationOptions, "voice", voice=b"sk-proj-abcdefghijklmnop")
    assert "abcdefghijklmnop" not in str(raised.value)


# -- commands ---------------------------------------------------------------------------------


def test_every_command_checks_event_id_and_raw() -> None:
    fails(
        TypeError, rp.CommitAudio, r"CommitAudio.event_id must be a str or None, got 5", event_id=5
    )
    fails(TypeError, rp.ClearAudio, "ClearAudio.raw must be a str", raw=None)
    assert rp.ClearAudio(event_id="e1").event_id == "e1"


def test_text_and_tool_responses() -> None:
    for bad in (None, 5, b"hi", ["hi"]):
        fails(TypeError, rp.SendText, r"^SendText.text must be a str, got", text=bad)
    fails(
        ValueError,
        rp.SendToolResponse,
        "SendToolResponse.tool_call_id must be a non-empty str",
        tool_call_id="",
        output="x",
    )
    fails(
        TypeError, rp.SendToolResponse, "tool_call_id must be a str", tool_call_id=None, output="x"
    )
    fails(
        TypeError,
        rp.SendToolResponse,
        "SendToolResponse.output must be a str",
        tool_call_id="c",
        output={"sky": "sunny"},
    )


def test_append_audio_takes_bytes_like_values() -> None:
    for value in (b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02")):
        audio = rp.AppendAudio(audio=value).audio
        assert audio == b"\x01\x02"
        assert type(audio) is bytes
    for bad in ("\x01\x02", None, [1, 2], 2):
        fails(
            TypeError,
            rp.AppendAudio,
            r"AppendAudio.audio must be bytes \(or a bytearray or memoryview\)",
            audio=bad,
        )


def test_items_and_responses() -> None:
    item = rp.ConversationItem(type="message", role="user")
    assert rp.CreateItem(item=item).item is item
    fails(
        TypeError,
        rp.CreateItem,
        "CreateItem.item must be a ConversationItem",
        item={"type": "message"},
    )
    assert rp.FinishTurn(response=rp.CreateResponse()).response == rp.CreateResponse()
    fails(
        TypeError,
        rp.FinishTurn,
        "FinishTurn.response must be a CreateResponse or None",
        response={},
    )
    fails(
        TypeError,
        rp.UpdateSession,
        "UpdateSession.options must be a ConversationOptions",
        options={"voice": "x"},
    )


def test_create_response_own_fields() -> None:
    assert rp.CreateResponse(output_modalities="text").output_modalities == ("text",)
    assert build(rp.CreateResponse, output_modalities=["audio", "text"]).output_modalities == (
        "audio",
        "text",
    )
    fails(
        ValueError,
        rp.CreateResponse,
        r"CreateResponse.output_modalities must be a sequence of 'text' and 'audio', got 'video'",
        output_modalities=["video"],
    )
    fails(
        TypeError, rp.CreateResponse, "output_modalities must be a sequence", output_modalities=[1]
    )
    fails(TypeError, rp.CreateResponse, "output_modalities must be a sequence", output_modalities=5)
    item = rp.ConversationItem(type="item_reference", id="x")
    assert build(rp.CreateResponse, input=[item]).input == (item,)
    assert build(rp.CreateResponse, input=iter([item])).input == (item,)
    fails(
        TypeError,
        rp.CreateResponse,
        "CreateResponse.input must be a sequence of ConversationItem",
        input=[{"type": "message"}],
    )
    fails(TypeError, rp.CreateResponse, "input must be a sequence", input="x")
    assert rp.CreateResponse(metadata={"k": "v"}).metadata == {"k": "v"}
    fails(
        TypeError,
        rp.CreateResponse,
        "CreateResponse.metadata must be a dict of str to str",
        metadata={"k": 1},
    )
    fails(
        TypeError, rp.CreateResponse, "metadata must be a dict of str to str", metadata=[("k", "v")]
    )


def test_truncate_and_item_ids() -> None:
    assert rp.TruncateItem(item_id="i", audio_end_ms=1500).audio_end_ms == 1500
    assert rp.TruncateItem(item_id="i", audio_end_ms=1234.9).audio_end_ms == 1234
    assert build(rp.TruncateItem, item_id="i", audio_end_ms=Fraction(5, 2)).audio_end_ms == 2
    fails(
        ValueError,
        rp.TruncateItem,
        r"TruncateItem.audio_end_ms must be an int >= 0, got -1",
        item_id="i",
        audio_end_ms=-1,
    )
    fails(
        ValueError,
        rp.TruncateItem,
        "audio_end_ms must be an int >= 0",
        item_id="i",
        audio_end_ms=-0.5,
    )
    for bad in (math.inf, float("nan"), "10", None, True):
        fails(
            TypeError,
            rp.TruncateItem,
            "audio_end_ms must be an int >= 0",
            item_id="i",
            audio_end_ms=bad,
        )
    fails(
        ValueError,
        rp.TruncateItem,
        "TruncateItem.content_index must be an int >= 0",
        item_id="i",
        audio_end_ms=0,
        content_index=-1,
    )
    fails(
        TypeError,
        rp.TruncateItem,
        "content_index must be an int >= 0",
        item_id="i",
        audio_end_ms=0,
        content_index=False,
    )
    fails(
        ValueError,
        rp.TruncateItem,
        "TruncateItem.item_id must be a non-empty str",
        item_id="",
        audio_end_ms=0,
    )
    for cls in (rp.DeleteItem, rp.RetrieveItem):
        fails(ValueError, cls, rf"{cls.__name__}.item_id must be a non-empty str", item_id="")
        fails(TypeError, cls, rf"{cls.__name__}.item_id must be a str", item_id=5)


def test_preview_conversation_commands() -> None:
    for cls in (rp.CreateConversation, rp.DeleteConversation, rp.SubscribeToUserAudio):
        fails(ValueError, cls, rf"{cls.__name__}.label must be a non-empty str", label="")
        fails(TypeError, cls, "label must be a str", label=None)
    fails(
        TypeError,
        rp.SubscribeToUserAudio,
        "subscribe must be True or False",
        label="a",
        subscribe="no",
    )


def test_close_codes_and_reasons() -> None:
    for code in (1000, 1001, 1011, 3000, 4999):
        assert rp.Close(code=code).code == code
    for code in (999, 1004, 1005, 1006, 1015, 5000, 70000, -1):
        raised = fails(ValueError, rp.Close, r"Close.code must be an int in 1000-4999", code=code)
        assert "1005" in str(raised.value)
    for bad in ("1000", 1000.0, True):
        fails(TypeError, rp.Close, "Close.code must be an int", code=bad)
    fails(TypeError, rp.Close, "Close.reason must be a str", reason=None)
    fails(ValueError, rp.Close, "Close.reason must be encodable as UTF-8", reason="\ud800")


def test_handshake_answers() -> None:
    accepted = build(rp.AcceptConnection, headers=[["x-a", "1"], ("x-b", "2")])
    assert accepted.headers == (("x-a", "1"), ("x-b", "2"))
    for bad in ("x-a: 1", {"x-a": "1"}, [("x-a",)], [5], [("x-a", 1)]):
        fails(
            TypeError,
            rp.AcceptConnection,
            r"AcceptConnection.headers must be a sequence of \(name, value\) pairs",
            headers=bad,
        )
    rejected = build(rp.RejectConnection, status_code=403, body=bytearray(b"no"), headers=[])
    assert (rejected.body, rejected.headers) == (b"no", ())
    for status in (200, 399, 600):
        fails(
            ValueError,
            rp.RejectConnection,
            r"RejectConnection.status_code must be an int in 400-599",
            status_code=status,
        )
    fails(
        TypeError, rp.RejectConnection, "status_code must be an int in 400-599", status_code="403"
    )
    fails(
        TypeError,
        rp.RejectConnection,
        "RejectConnection.body must be bytes",
        status_code=403,
        body="no",
    )


# -- SendRaw ----------------------------------------------------------------------------------


def test_send_raw_accepts_what_can_be_sent() -> None:
    assert rp.SendRaw(message='{"type":"x"}').message == '{"type":"x"}'
    assert rp.SendRaw(message=bytearray(b'{"type":"x"}')).message == b'{"type":"x"}'
    assert rp.SendRaw(message=memoryview("é".encode())).message == "é".encode()
    proxy = rp.SendRaw(message=MappingProxyType({"type": "x"})).message
    assert proxy == {"type": "x"}
    assert type(proxy) is dict
    nested = {"type": "x", "a": [1, 2.5, None, True, ("t", {"k": "é"})], "b": {"c": "\U0001f600"}}
    assert rp.SendRaw(message=nested).message == nested


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ({"type": "x", "v": float("nan")}, r"message\['v'\] is nan: JSON has no NaN or infinity"),
        ({"v": [1, math.inf]}, r"message\['v'\]\[1\] is inf"),
        ({"v": {"w": -math.inf}}, r"message\['v'\]\['w'\] is -inf"),
        ({1: "x"}, r"message has the key 1 \(int\): JSON object keys must be str"),
        ({"v": {None: 1}}, r"message\['v'\] has the key None"),
        ({"v": "\ud800"}, r"message\['v'\] holds a lone surrogate"),
        ({"\udc00": 1}, r"message key .* holds a lone surrogate"),
        ({"v": {1, 2}}, r"message\['v'\] is \{1, 2\} \(set\), which is not a JSON type"),
        ({"v": b"x"}, r"message\['v'\] is b'x' \(bytes\), which is not a JSON type"),
        ({"v": object()}, "which is not a JSON type"),
        ({"v": MappingProxyType({})}, "which is not a JSON type"),
        ("\ud83d", r"message: the text cannot be encoded as UTF-8 \(character 0"),
        ("ok\udfff", r"character 2 is a lone surrogate"),
        (b'{"v":"\xff"}', r"a raw message must be UTF-8 text; byte 6 is not UTF-8"),
        (5, r"message must be a dict \(sent as JSON\), a str or UTF-8 bytes, got 5 \(int\)"),
        (None, "message must be a dict"),
        ([{"type": "x"}], "message must be a dict"),
    ],
)
def test_send_raw_refuses_what_cannot_be_sent(message: Any, match: str) -> None:
    with pytest.raises(rp.LocalProtocolError, match=match):
        rp.SendRaw(message=message)


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="no int digit limit")
def test_send_raw_refuses_what_json_cannot_encode() -> None:
    with pytest.raises(rp.LocalProtocolError, match="message cannot be encoded as JSON"):
        rp.SendRaw(message={"v": 10**5000})


def test_send_raw_refuses_a_message_nested_too_deeply() -> None:
    deep: dict[str, Any] = {}
    for _ in range(300):
        deep = {"d": deep}
    with pytest.raises(rp.LocalProtocolError, match="nested more than 200 levels"):
        rp.SendRaw(message=deep)


def test_a_refused_raw_message_leaves_the_connection_usable() -> None:
    pair = ConnectionPair()
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.SendRaw(message={"type": "x", "v": float("nan")}))
    assert pair.client.data_to_send() == b""
    pair.client.send(rp.SendText(text="still here"))
    _, got = pair.pump()
    assert [type(c) for c in got] == [rp.SendText]


# -- audio: chunking, plans and appends -------------------------------------------------------


def test_chunk_ms_is_finite_and_at_least_the_minimum() -> None:
    assert MIN_CHUNK_MS == 10
    check_chunk_ms(10)
    check_chunk_ms(12.5)
    for bad in (0, -5, 9.99, float("nan"), math.inf):
        with pytest.raises(
            ValueError, match=r"chunk_ms must be a finite number of milliseconds, at least 10"
        ):
            check_chunk_ms(bad)
    for wrong in ("100", None, True):
        with pytest.raises(TypeError, match="chunk_ms must be"):
            check_chunk_ms(wrong)
    with pytest.raises(ValueError, match="chunk_ms"):
        AudioChunker(PCM16, chunk_ms=0)
    with pytest.raises(ValueError, match="chunk_ms"):
        AudioSendPlan(PCM16, chunk_ms=float("nan"), now=0.0)


def test_the_chunker_checks_its_format_and_size() -> None:
    assert build(AudioChunker, audio_format="g711-ulaw").audio_format is ULAW
    with pytest.raises(ValueError, match="audio_format must be an AudioFormat or its name"):
        build(AudioChunker, audio_format="mp3")
    with pytest.raises(TypeError, match="audio_format must be an AudioFormat"):
        build(AudioChunker, audio_format=16)
    for bad in (0, -2, True, 2.0):
        with pytest.raises(ValueError, match="chunk_size must be a positive int or None"):
            build(AudioChunker, audio_format=PCM16, chunk_size=bad)


def wav(samples: bytes, *, declared: int | None = None) -> bytes:
    """A 24 kHz mono PCM16 WAV whose data chunk declares ``declared`` bytes."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 24_000, 48_000, 2, 16)
    size = len(samples) if declared is None else declared
    return (
        b"RIFF" + struct.pack("<I", 0) + b"WAVE" + fmt + b"data" + struct.pack("<I", size) + samples
    )


def chunks(chunker: AudioChunker, *pieces: bytes) -> list[bytes]:
    out: list[bytes] = []
    for piece in pieces:
        out += chunker.feed(piece)
    return out + chunker.finish()


def test_a_partial_last_sample_is_dropped() -> None:
    assert chunks(AudioChunker(PCM16), b"\x01\x02\x03") == [b"\x01\x02"]
    truncated = wav(b"\x01\x00\x02\x00\x03", declared=4800)  # says 4800 bytes, holds 5
    assert chunks(AudioChunker(PCM16, require_wav="'t.wav'"), truncated) == [b"\x01\x00\x02\x00"]
    assert chunks(AudioChunker(ULAW), b"\x01\x02\x03") == [b"\x01\x02\x03"]


@pytest.mark.parametrize(
    ("pieces", "match"),
    [
        ((b"hello, these are my notes\n",), "not a WAV file"),
        ((b"RIFF\x00\x00\x00\x00AVI LIST",), r"not a WAV file \(no RIFF/WAVE header\)"),
        ((b"RI", b"FX"), "not a WAV file"),
        ((b"RIF",), "not a WAV file"),  # too short to be a WAV: at the end
        ((), "not a WAV file"),  # an empty file
        ((b"RIFF\x00\x00\x00\x00WAVEfmt ",), "the WAV ended before its 'data' chunk"),
        ((b"RIFF\x00\x00\x00\x00WAVE" + b"JUNK\x00\x00\x20\x00" + bytes(0x200000),), "1 MiB"),
    ],
)
def test_a_source_that_must_be_a_wav_and_is_not(pieces: tuple[bytes, ...], match: str) -> None:
    chunker = AudioChunker(PCM16, require_wav="'notes.txt'")
    with pytest.raises(WavError, match=match) as raised:
        chunks(chunker, *pieces)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).startswith("'notes.txt': ")
    assert "must hold a WAV file" in str(raised.value)


def test_which_sources_must_be_wavs(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("notes")
    assert wav_source_name(str(path)) == repr(str(path))
    assert wav_source_name(path) == repr(str(path))
    with path.open("rb") as file:
        assert wav_source_name(file) == repr(str(path))
    assert wav_source_name(io.BytesIO(b"")) == "the file object BytesIO"
    for raw in (b"\x00\x00", bytearray(2), memoryview(b"\x00\x00"), [b"\x00\x00"], None):
        assert wav_source_name(raw) is None


def feed_plan(plan: AudioSendPlan, *pieces: bytes) -> list[PlannedSend]:
    steps: list[PlannedSend] = []
    for piece in pieces:
        steps += plan.feed(piece)
    return steps + plan.finish()


def test_a_plan_for_a_path_or_a_file_requires_a_wav(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    for source in (str(notes), notes, io.BytesIO(b"notes")):
        plan = AudioSendPlan(PCM16, now=0.0, source=source)
        with pytest.raises(ValueError, match="not a WAV file"):
            plan.feed(b"hello, these are my notes")
    good = wav(b"\x01\x00" * 10)
    steps = feed_plan(AudioSendPlan(PCM16, now=0.0, source=io.BytesIO(good)), good)
    assert [type(s.command) for s in steps] == [rp.AppendAudio, rp.FinishTurn]
    raw_stream = feed_plan(AudioSendPlan(PCM16, now=0.0, source=[b"ab"]), b"ab")
    assert raw_stream[0].command == rp.AppendAudio(audio=b"ab")
    assert AudioSendPlan("g711_alaw", now=0.0).audio_format is ALAW  # type: ignore[arg-type]


def conversation(fmt: rp.AudioFormat | None) -> ClientConversation:
    target = ServiceTarget.url(LOCAL_URL)
    options = None if fmt is None else rp.ConversationOptions(input_audio_format=fmt)
    return ClientSettings(target=target).start(options)


def test_an_append_must_hold_whole_samples_of_the_input_format() -> None:
    for fmt in (None, PCM16):
        with pytest.raises(
            ValueError,
            match=r"AppendAudio.audio must hold whole samples .* pcm16 \(2 bytes per sample\), "
            r"got 3 bytes",
        ):
            conversation(fmt).send(rp.AppendAudio(audio=b"\x01\x02\x03"))
    # one byte per G.711 sample: any length is whole samples (then the state refuses it)
    with pytest.raises(rp.LocalProtocolError, match="connecting"):
        conversation(ULAW).send(rp.AppendAudio(audio=b"\x01\x02\x03"))


# -- the property: junk is converted or refused, never kept -----------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.text(max_size=12),
    st.sampled_from([*FORMAT_SPELLINGS, "inf", "auto", "low", "whisper-1"]),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.builds(object),
    st.sampled_from(
        [
            rp.ServerVad(),
            rp.SemanticVad(),
            rp.NoTurnDetection(),
            rp.InputTranscription(),
            WEATHER,
            *rp.AudioFormat,
        ]
    ),
)
TOOL_JUNK = st.lists(
    st.one_of(
        JUNK,
        st.dictionaries(
            st.sampled_from(["type", "name", "description", "parameters", "function", "strict"]),
            st.one_of(JUNK, st.just("function"), st.just({"name": "f"})),
            max_size=4,
        ),
    ),
    max_size=3,
)


def _tools_ok(value: Any) -> bool:
    return value is None or (
        isinstance(value, tuple) and all(isinstance(t, rp.ToolDefinition) for t in value)
    )


def _temperature_ok(value: Any) -> bool:
    return value is None or (isinstance(value, float) and 0.6 <= value <= 1.2)


def _tokens_ok(value: Any) -> bool:
    return value is None or value == "inf" or (type(value) is int and value > 0)


def _optional(kind: type | tuple[type, ...]) -> Callable[[Any], bool]:
    return lambda value: value is None or isinstance(value, kind)


VALID: dict[str, Callable[[Any], bool]] = {
    "system_message": _optional(str),
    "voice": _optional(str),
    "input_audio_format": _optional(rp.AudioFormat),
    "output_audio_format": _optional(rp.AudioFormat),
    "turn_detection": _optional((rp.ServerVad, rp.SemanticVad, rp.NoTurnDetection)),
    "tools": _tools_ok,
    "tool_choice": _optional(str),
    "temperature": _temperature_ok,
    "max_output_tokens": _tokens_ok,
    "transcribe_input": _optional(rp.InputTranscription),
    "disable_audio": _optional(bool),
    "extra": lambda value: isinstance(value, dict) and all(isinstance(k, str) for k in value),
}


def test_the_property_covers_every_field() -> None:
    assert set(VALID) == {field.name for field in attrs.fields(rp.ConversationOptions)}


@given(field=st.sampled_from(sorted(VALID)), data=st.data())
def test_junk_options_are_converted_or_refused(field: str, data: st.DataObject) -> None:
    value = data.draw(TOOL_JUNK if field == "tools" else JUNK, label="value")
    try:
        options = build(rp.ConversationOptions, **{field: value})
    except (TypeError, ValueError) as exc:
        message = str(exc)
    else:
        kept = getattr(options, field)
        assert VALID[field](kept), (field, value, kept)
        return
    assert field in message or "tools[" in message
