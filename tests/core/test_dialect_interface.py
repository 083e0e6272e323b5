"""One interface for the wire dialects: the connection names none of them."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto import _connection
from realtime_proto._dialects import WireDialect, wire_dialect
from tests.helpers import ConnectionPair


def test_the_connection_names_no_dialect() -> None:
    """Adding a dialect is a class and a registry entry; the connection does not change."""
    tree = ast.parse(Path(_connection.__file__).read_text())
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert not {"PREVIEW", "BETA", "GA", "ga", "preview"} & (names | imported)


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=lambda d: d.value)
def test_every_dialect_has_one_implementation_per_connection(dialect: rp.Dialect) -> None:
    first, second = wire_dialect(dialect), wire_dialect(dialect)
    assert first.dialect is dialect
    assert first is not second  # the preview dialect keeps per-connection state
    assert isinstance(first.type_key, str)


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=lambda d: d.value)
def test_every_dialect_works_in_both_roles(dialect: rp.Dialect) -> None:
    pair = ConnectionPair(dialect=dialect)
    pair.server.send(rp.SessionCreated(session=rp.Session(id="s1")))
    pair.client.send(rp.SendText(text="hi"))
    pair.client.send(rp.FinishTurn())
    got, commands = pair.pump()
    assert isinstance(got[0], rp.SessionCreated)
    assert isinstance(commands[0], rp.SendText)
    assert commands[0].text == "hi"
    info = rp.ResponseInfo(id="r1", conversation_id="c")
    item = rp.ConversationItem(type="message", id="m1", role="assistant")
    keys: dict[str, Any] = {"response_id": "r1", "item_id": "m1", "output_index": 0}
    served: tuple[rp.Event, ...] = (
        rp.TurnStarted(response=info),
        rp.OutputItemAdded(response_id="r1", output_index=0, item=item),
        rp.TextDelta(**keys, content_index=0, text="Hello."),
        rp.OutputItemDone(response_id="r1", output_index=0, item=item),
        rp.TurnFinished(response=rp.ResponseInfo(id="r1", status="completed")),
    )
    for event in served:
        pair.server.send(event)
    got, _ = pair.pump()
    finished = got[-1]
    assert isinstance(finished, rp.TurnFinished)
    assert finished.finish_reason == "completed"
    assert pair.client.last_turn_full_response_text == "Hello."
    for event in got:  # every event made from a frame carries that frame
        assert event.raw
        assert json.loads(event.raw)


def test_events_the_preview_dialect_implies_carry_the_frame_that_implied_them() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    frame = {"event": "add_content", "item_id": "m1", "type": "text", "data": "Hi"}
    pair.server.send(rp.SendRaw(message=frame))
    started, delta = pair.pump()[0]
    assert isinstance(started, rp.TurnStarted)
    assert isinstance(delta, rp.TextDelta)
    assert json.loads(started.raw) == json.loads(delta.raw) == frame
    done = {"event": "item_added", "id": "t1", "type": "tool_call", "name": "f", "arguments": "{}"}
    pair.server.send(rp.SendRaw(message=done))
    call, item_done = pair.pump()[0]
    assert isinstance(call, rp.ToolCallArgumentsDone)
    assert json.loads(call.raw) == done
    assert call.raw == item_done.raw


@pytest.mark.parametrize(
    "detection",
    [rp.ServerVad(threshold=0.8), rp.ServerVad(silence_duration_ms=900), rp.SemanticVad()],
    ids=repr,
)
def test_vad_tuning_the_preview_dialect_cannot_carry_is_refused(
    detection: rp.TurnDetection,
) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    options = rp.ConversationOptions(turn_detection=detection)
    with pytest.raises(rp.LocalProtocolError, match="VAD tuning"):
        pair.client.send(rp.UpdateSession(options=options))
    assert pair.client.data_to_send() == b""
    pair.client.send(
        rp.UpdateSession(options=rp.ConversationOptions(turn_detection=rp.ServerVad()))
    )
    assert pair.client.data_to_send()


def test_a_wire_dialect_is_a_protocol_the_registry_fills() -> None:
    dialect: WireDialect = wire_dialect(rp.Dialect.BETA)
    [wire] = dialect.encode_event(rp.InputAudioCleared(), 24_000) or []
    assert wire["type"] == "input_audio_buffer.cleared"
    assert dialect.encode_command(rp.CommitAudio(), 24_000) == {"type": "input_audio_buffer.commit"}


def test_a_connection_imports_only_the_dialect_it_speaks() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, realtime_proto as rp\n"
        "rp.Connection.client(rp.Endpoint.from_url('ws://127.0.0.1/v1/realtime'))\n"
        "print(sorted(m for m in sys.modules if 'preview' in m))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.strip() == "[]"


def test_a_preview_message_that_cannot_be_read_changes_no_turn() -> None:
    """Its strict fields are read before any turn starts: an unreadable first content leaves
    no turn half-started, so the next turn is announced and ends as one."""
    pair = ConnectionPair(dialect=rp.Dialect.PREVIEW)
    bad = {"event": "add_content", "item_id": "m1", "type": "audio", "data": "@@@"}
    call = {"event": "item_added", "id": "t1", "type": "tool_call", "name": 5}
    for frame in (bad, call):
        pair.server.send(rp.SendRaw(message=frame))
    got, _ = pair.pump()
    assert [type(event) for event in got] == [rp.InvalidMessage, rp.InvalidMessage]
    pair.server.send(rp.SendRaw(message={"event": "add_content", "item_id": "m2", "data": "Hi"}))
    pair.server.send(rp.SendRaw(message={"event": "turn_finished", "reason": "stop"}))
    got, _ = pair.pump()
    started, _, finished = got
    assert isinstance(started, rp.TurnStarted)
    assert isinstance(finished, rp.TurnFinished)
    assert started.response.id == finished.response.id == "turn_1"
