"""Edge cases of the core that the scenario tests do not reach: validation, odd shapes, reprs."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto._dialects import _convert, _session, ga, preview
from realtime_proto._redact import bytes_summary, scrub_secrets, secret_summary, text_summary
from realtime_proto.audio import AudioChunker, WavError, read_wav, wav_bytes
from realtime_proto.client import ClientSettings, ConversationClientBase, ServiceTarget
from realtime_proto.simulator import (
    EchoPolicy,
    LocalConversation,
    Reply,
    ReplyContext,
    Simulator,
    UserInput,
)
from tests.helpers import ConnectionPair, drain, messages, response_events, written

# -- reprs -------------------------------------------------------------------------------------


def test_summaries() -> None:
    assert text_summary("x" * 100).startswith("<100 chars: 'xxx")
    assert text_summary(None) == "None"
    assert bytes_summary(None) == "None"
    assert bytes_summary(b"\x01" * 3) == "<3 bytes: 010101>"
    assert secret_summary("k") == "<redacted>"
    assert secret_summary("") == "''"
    assert repr(rp.TextDelta(response_id="r", item_id="i", output_index=0, content_index=0,
                             text="t", raw="x" * 50)).count("<50 chars>") == 1  # fmt: skip


# -- endpoints and clients ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": "", "port": 1, "secure": True, "target": "/"}, "needs a host"),
        ({"host": "h", "port": 0, "secure": True, "target": "/"}, "invalid port"),
        ({"host": "h", "port": 1, "secure": True, "target": "x"}, "must start with '/'"),
    ],
)
def test_endpoint_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rp.Endpoint(**kwargs)


def test_azure_needs_a_url() -> None:
    with pytest.raises(ValueError, match="must be a URL"):
        rp.Endpoint.azure(endpoint="res.openai.azure.com", deployment="d", api_key="k" * 20)


def test_credentials_of_a_plain_header() -> None:
    endpoint = rp.Endpoint.from_url("wss://h/x", headers={"api-key": "abcd1234"})
    assert endpoint.credentials == ("abcd1234",)


def test_the_embedded_simulator_target() -> None:
    target = ServiceTarget.embedded_simulator(rp.Dialect.PREVIEW)
    assert target.description == "the embedded simulator (preview dialect)"
    with pytest.raises(rp.LocalProtocolError, match="known once it runs"):
        target.build(None)
    settings = ClientSettings(target=target)
    with pytest.raises(rp.LocalProtocolError, match="pass its URL"):
        settings.start(None)
    started = settings.start(None, simulator_url="ws://127.0.0.1:9/v1/realtime?model=m")
    endpoint = started.connection.endpoint
    assert endpoint is not None
    assert endpoint.target.endswith("&dialect=preview")
    assert started.connection.dialect is rp.Dialect.PREVIEW

    class Client(ConversationClientBase):
        pass

    with pytest.raises(ValueError, match="not beside it"):
        Client(target, dialect=rp.Dialect.GA)


# -- connection --------------------------------------------------------------------------------


def test_no_turn_yet() -> None:
    pair = ConnectionPair()
    assert pair.client.last_turn_full_response_text == ""
    assert pair.client.last_turn_full_response_audio == b""


def test_a_part_done_gives_the_final_transcript() -> None:
    pair = ConnectionPair()
    events = response_events(transcript_deltas=("a", "b"))
    keys: dict[str, Any] = {
        "response_id": "resp_1",
        "item_id": "item_a1",
        "output_index": 0,
        "content_index": 0,
    }
    part = rp.ContentPart(type="audio", transcript="final words")
    events.insert(-2, rp.ContentPartDone(**keys, part=part))
    done = pair.serve(events)[-1]
    assert done.turn.audio_transcript in ("ab", "final words")


def test_a_response_that_finishes_while_another_is_requested() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.SEND)
    pair.client.send(rp.CreateResponse())
    pair.pump()
    info = rp.ResponseInfo(id="resp_x", conversation_id="c")
    pair.serve([rp.TurnStarted(response=info)])
    pair.client.send(rp.CreateResponse())  # SEND: a second request goes out
    pair.pump()
    pair.serve([rp.TurnFinished(response=rp.ResponseInfo(id="resp_other", status="completed"))])
    assert pair.client.response_state is rp.ResponseState.ACTIVE  # not the active one


# -- dialect helpers ---------------------------------------------------------------------------


def test_the_strict_field_checks() -> None:
    class Text(str):
        pass

    check = _convert._expect(str, "a string")
    assert check(Text("sub"), None) == "sub"
    with pytest.raises(_convert.WireError, match="expected a string"):
        check(5, None)
    with pytest.raises(_convert.WireError, match="expected an object"):
        _convert._mapping([], None)
    assert _convert._stdlib_b64encode(b"\x00") == "AA=="
    part = rp.ContentPart(type="text", text="t", id="p1")
    assert _convert.part_to_wire(part)["id"] == "p1"


def test_lenient_session_shapes() -> None:
    options = _session.decode_session(
        {
            "id": "s",
            "audio": {
                "input": {"turn_detection": "not an object"},
                "output": {"speed": True},
            },
        }
    ).options
    assert options.turn_detection is None
    bad_vad = {"turn_detection": {"type": "server_vad", "threshold": 7.0}}
    session, problems = _convert.collecting_problems(
        lambda: _session.decode_session({"audio": {"input": bad_vad}})
    )
    assert session.options.turn_detection == rp.ServerVad()  # the server detects turns
    assert [p.field for p in problems] == ["session.turn_detection.threshold"]


# -- preview codec -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"event": "set_inference_config", "disable_audio": "yes"}, "boolean"),
        ({"event": "set_inference_config", "temperature": "hot"}, "number"),
        ({"event": "set_inference_config", "tools": "all"}, "must be a list"),
        ({"event": "set_inference_config", "tools": [{"function": {}}]}, "a name"),
        ({"event": "set_inference_config", "audio_format": "mp3"}, "unknown audio_format"),
        ({"event": "add_item", "type": "tool_response", "tool_call_id": "c"}, "output string"),
        ({"event": "add_item", "content": 5}, "string or a list"),
        ({"event": "add_item", "content": [5]}, "must be an object"),
        ({"event": "add_user_audio"}, "required"),
    ],
)
def test_preview_commands_with_wrong_fields(message: dict[str, Any], reason: str) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    pair.client.send(rp.SendRaw(message=message))
    (invalid,) = pair.pump()[1]
    assert isinstance(invalid, rp.InvalidMessage)
    assert reason in invalid.reason


def test_preview_tools_and_items_both_ways() -> None:
    options = preview.options_from_wire(
        {"tools": [{"name": "bare", "parameters": "x"}], "max_tokens": 10}
    )
    assert options.tools == (rp.ToolDefinition(name="bare", parameters={}),)
    output = rp.ConversationItem(type="function_call_output", call_id="c1", output=None)
    wire = preview.encode_command(rp.CreateItem(item=output), 24_000)
    assert (wire["type"], wire["content"]) == ("tool_response", "")
    empty = rp.ConversationItem(type="message", role="user", content=(rp.ContentPart(type="x"),))
    assert preview.encode_command(rp.CreateItem(item=empty), 24_000)["content"] == []
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    audio_only = {"event": "add_item", "type": "message", "role": "user",
                  "content": [{"type": "audio", "audio": "AAA="}]}  # fmt: skip
    pair.client.send(rp.SendRaw(message=audio_only))
    (item,) = pair.pump()[1]
    assert isinstance(item, rp.CreateItem)  # audio, not text: an item


def test_preview_server_encodings() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    pair.server.send(rp.ServerError(error=rp.ErrorDetail(message="m")))
    info = rp.ResponseInfo(
        id="r",
        status="incomplete",
        status_details={"type": "incomplete", "reason": "content_filter"},
    )
    pair.server.send(rp.TurnFinished(response=info))
    pair.server.send(rp.ModelListening())
    error, started, finished, listening = pair.pump()[0]
    assert "code" not in json.loads(error.raw)
    assert isinstance(started, rp.TurnStarted)
    assert finished.finish_reason == "content_filter"
    assert isinstance(listening, rp.ModelListening)


def test_preview_item_added_for_a_user_item_and_unannounced_content() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    for message in (
        {"event": "item_added", "id": "u1", "type": "message", "role": "user"},
        {"event": "add_content", "item_id": "m9", "type": "text", "data": "hi"},
        {"event": "item_added", "id": "m9", "type": "message"},
        {"event": "turn_finished", "reason": "something-new"},
    ):
        pair.server.send(rp.SendRaw(message=message))
    events = pair.pump()[0]
    assert [type(e) for e in events] == [
        rp.TurnStarted,
        rp.TextDelta,
        rp.OutputItemDone,
        rp.TurnFinished,
    ]
    assert events[-1].turn.text == "hi"
    assert events[-1].response.status == "completed"


def test_extensible_wav_too_short() -> None:
    fmt = struct.pack("<HHIIHH", 0xFFFE, 1, 8000, 16000, 2, 16) + b"\x00" * 4
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data\x00\x00\x00\x00"
    with pytest.raises(WavError, match="extensible"):
        read_wav(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_drain_stops_at_the_final_event() -> None:
    pair = ConnectionPair()
    pair.client.receive_eof()
    assert [type(e) for e in drain(pair.client)] == [rp.ConnectionClosed]
    assert drain(pair.client) == []


def test_item_audio_tracking_is_bounded() -> None:
    pair = ConnectionPair(limits=rp.Limits(max_tracked_items=1))
    first = response_events(item_id="item_1", audio_deltas=(b"\x01\x00",))
    second = response_events(response_id="resp_2", item_id="item_2", audio_deltas=(b"\x02\x00",))
    pair.serve(first)
    pair.serve(second)
    pair.client.send(rp.TruncateItem(item_id="item_1", audio_end_ms=999))  # forgotten: as asked
    pair.client.send(rp.TruncateItem(item_id="item_2", audio_end_ms=999))  # clamped
    commands = pair.pump()[1]
    assert [c.audio_end_ms for c in commands] == [999, 0]


def test_a_second_part_done_keeps_the_first_final_text() -> None:
    pair = ConnectionPair()
    events = response_events(text_deltas=("a",))
    keys: dict[str, Any] = {
        "response_id": "resp_1",
        "item_id": "item_a1",
        "output_index": 0,
        "content_index": 0,
    }
    done = rp.ContentPartDone(**keys, part=rp.ContentPart(type="text", text="first"))
    again = rp.ContentPartDone(**keys, part=rp.ContentPart(type="text", text="second"))
    events[-2:-2] = [done, again]
    finished = pair.serve(events)[-1]
    assert finished.turn.text == "a"


def test_a_conversion_without_a_listener() -> None:
    wav = wav_bytes(bytes(1600), rp.AudioFormat.G711_ULAW)
    chunker = AudioChunker(rp.AudioFormat.PCM16)
    audio = b"".join(chunker.feed(wav) + chunker.finish())
    assert len(audio) == 48 * 200


def test_sending_after_the_peer_closed_but_before_reading_it() -> None:
    pair = ConnectionPair()
    pair.server.send(rp.Close(code=1001))
    pair.client.receive_data(pair.server.data_to_send())  # read, not yet returned as an event
    assert not pair.client.can_send
    with pytest.raises(rp.LocalProtocolError, match="peer has closed"):
        pair.client.send(rp.SendText(text="late"))
    target = ServiceTarget.url("ws://127.0.0.1:9/v1/realtime")
    protocol = ClientSettings(target=target).start(None)
    server = rp.Connection.server()
    server.receive_data(written(protocol))
    drain(server)
    server.send(rp.AcceptConnection())
    protocol.receive_data(server.data_to_send())
    messages(protocol)
    server.send(rp.Close(code=1001))
    protocol.receive_data(server.data_to_send())
    with pytest.raises(rp.ConnectionClosedError, match="1001"):  # the close, already read
        protocol.send(rp.SendText(text="late"))


def test_timers_before_their_deadlines_and_a_second_abort() -> None:
    pair = ConnectionPair(timeouts=rp.Timeouts(keepalive_interval=1.0, keepalive_timeout=None))
    pair.client.handle_timer(0.0)
    pair.client.handle_timer(1.0)  # a ping, no pong deadline (keepalive_timeout None)
    pair.client.handle_timer(2.0)  # another ping
    assert pair.client.next_deadline() == 3.0
    pair.client.abort()
    pair.client.abort()  # already closed: nothing more
    assert [type(e) for e in drain(pair.client)] == [rp.ConnectionClosed]


def test_a_part_done_after_its_response_is_only_delivered() -> None:
    pair = ConnectionPair()
    pair.serve(response_events(text_deltas=("a",)))
    keys: dict[str, Any] = {
        "response_id": "resp_1",
        "item_id": "item_a1",
        "output_index": 0,
        "content_index": 0,
    }
    (late,) = pair.serve([rp.ContentPartDone(**keys, part=rp.ContentPart(type="text", text="z"))])
    assert isinstance(late, rp.ContentPartDone)
    assert pair.client.last_turn.text == "a"


def test_timers_after_the_end_do_nothing() -> None:
    pair = ConnectionPair()
    pair.client.receive_eof()
    drain(pair.client)
    pair.client.handle_timer(5.0)
    assert pair.client.next_deadline() is None
    waiting = ConnectionPair(open_now=False, timeouts=rp.Timeouts(open_timeout=3.0))
    waiting.client.handle_timer(0.0)
    waiting.client.handle_timer(1.0)  # before the open deadline
    assert waiting.client.next_deadline() == 3.0


def test_session_numbers_that_are_booleans_are_ignored() -> None:
    vad = {"type": "server_vad", "threshold": True, "silence_duration_ms": 300}
    options = _session.decode_session({"audio": {"input": {"turn_detection": vad}}}).options
    assert options.turn_detection == rp.ServerVad(silence_duration_ms=300)
    unknown = {"type": "future_vad"}
    decoded = _session.decode_session({"audio": {"input": {"turn_detection": unknown}}})
    assert decoded.options.turn_detection is None


def test_preview_error_with_a_code_and_short_secrets() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    pair.server.send(rp.ServerError(error=rp.ErrorDetail(code="c1", message="m")))
    (error,) = pair.pump()[0]
    assert error.error.code == "c1"
    assert rp.Endpoint.from_url("wss://h/x", headers={"X-Other": "v"}).credentials == ()
    assert scrub_secrets("abc", ("ab",)) == "abc"  # too short to be a secret worth scrubbing


def test_policy_and_response_corner_cases() -> None:
    policy = EchoPolicy()
    tools = (rp.ToolDefinition(name="get_weather"),)
    heard = policy(ReplyContext(user=UserInput(audio=b"", speech_ms=900), tools=tools,
                                tool_choice="required"))  # fmt: skip
    assert heard.tool_call is not None
    assert heard.tool_call.arguments == {"speech_ms": 900}
    nothing = policy(ReplyContext(user=None, tools=tools, tool_choice="required"))
    assert nothing.tool_call is not None
    assert nothing.tool_call.arguments == {}

    def silent(context: ReplyContext) -> Reply:
        return Reply(text="", audio=None)

    events = LocalConversation()
    events.simulator = Simulator(policy=silent)
    events.exchange()
    events.exchange(rp.UpdateSession(options=rp.ConversationOptions(disable_audio=True)))
    got = events.exchange(rp.CreateResponse())
    assert [type(e) for e in got] == [rp.TurnStarted, rp.TurnFinished]  # no item at all


def test_a_stranger_response_finishing_while_ours_is_requested() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.SEND)
    pair.client.send(rp.CreateResponse())
    pair.pump()
    assert pair.client.response_state is rp.ResponseState.REQUESTED
    pair.serve([rp.TurnFinished(response=rp.ResponseInfo(id="resp_zz", status="completed"))])
    assert pair.client.response_state is rp.ResponseState.REQUESTED  # ours is still to come


@pytest.mark.parametrize(
    ("voice", "fmt"),
    [("ash", None), (None, rp.AudioFormat.G711_ULAW), ("ash", rp.AudioFormat.PCM16)],
)
def test_response_overrides_in_both_generations(voice: str | None, fmt: Any) -> None:
    command = rp.CreateResponse(voice=voice, output_audio_format=fmt)
    beta = ga.encode_command(command, rp.Dialect.BETA)["response"]
    current = ga.encode_command(command, rp.Dialect.GA)["response"]
    assert beta.get("voice") == voice
    assert (beta.get("output_audio_format") is None) == (fmt is None)
    assert current["audio"]["output"].get("voice") == voice
    assert ("format" in current["audio"]["output"]) == (fmt is not None)
