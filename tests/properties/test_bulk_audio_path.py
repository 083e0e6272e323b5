"""Audio deltas, most of a server's bytes, have a shortcut that does not read their base64 as
JSON. Whatever the text holds, it must give exactly what the general path gives (the same wire
dict, the same event), or step aside for it."""

from __future__ import annotations

import base64
import json
import logging
import random
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto import _connection
from realtime_proto._codec import DecodeFailure, decode_object
from realtime_proto._dialects._ga_events import decode_event
from realtime_proto._dialects.ga import TypeKeyedDialect
from tests.core.ga_rows import receive

# The shortcut a type-keyed connection takes: a text in; its wire dict and event out, or None.
shortcut_of = TypeKeyedDialect(rp.Dialect.GA).decode_bulk_server_message
AUDIO_TYPES = ["response.output_audio.delta", "response.audio.delta"]
OTHER_TYPES = ["response.output_audio_transcript.delta", "response.output_text.delta", "x"]
ODD: st.SearchStrategy[Any] = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3) | st.just([])
)
AUDIO = st.binary(max_size=40).map(lambda data: base64.b64encode(data).decode())
# What can turn a valid message into an unusual or broken one, character by character.
EDITS = st.sampled_from(['"', "\\", "{", "}", ",", ":", " ", "\x01", "A", "/", "=", "é"])


def messages(*, unusual: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Audio deltas and their neighbours; ``unusual`` ones may lack a field, have one of an
    odd type, or carry an extension."""
    usual = {
        "type": st.sampled_from(AUDIO_TYPES + OTHER_TYPES),
        "event_id": st.none() | st.text(max_size=4),
        "response_id": st.text(max_size=4),
        "item_id": st.text(max_size=4),
        "output_index": st.integers(0, 3),
        "content_index": st.integers(0, 3),
        "delta": AUDIO | st.just("not base64!"),
    }
    if not unusual:  # in the usual order, the audio last
        return st.fixed_dictionaries(usual).map(lambda wire: {key: wire[key] for key in usual})
    fields = {name: value | ODD for name, value in usual.items()}
    extension = {"extension": st.integers() | st.floats(allow_nan=False)}
    return st.fixed_dictionaries({}, optional=fields | extension)


@st.composite
def texts(draw: st.DrawFn, *, unusual: bool) -> str:
    """Messages written as servers might write them; ``unusual`` ones in any key order, with
    spaces, escaped slashes or a duplicate key; some of them broken by a character or two."""
    members = list(draw(messages(unusual=unusual)).items())
    separators = (",", ":")
    if unusual:
        members = draw(st.permutations(members))
        if draw(st.booleans()):  # a duplicate key: the last one counts
            members.insert(0, ("delta", draw(AUDIO)))
        separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " :")]))
    body = separators[0].join(
        json.dumps(key) + separators[1] + json.dumps(value, ensure_ascii=draw(st.booleans()))
        for key, value in members
    )
    text = "{" + body + "}"
    if unusual and draw(st.booleans()):
        text = text.replace("/", "\\/")  # an escape JSON allows; some encoders write it
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(EDITS) + text[at + draw(st.integers(0, 1)) :]
    return text


def general(text: str) -> tuple[dict[str, Any], rp.Event | None] | None:
    """What the general path makes of ``text``: its wire dict and event (``None`` when it is
    not JSON, or has no string type)."""
    try:
        wire = decode_object(text)
    except DecodeFailure:
        return None
    event_type = wire.get("type")
    if not isinstance(event_type, str):
        return None
    try:
        event = decode_event(dict(wire), event_type, text, 24000)
    except Exception:
        event = None  # refused, and explained: an InvalidMessage
    return wire, event


@given(text=texts(unusual=False) | texts(unusual=True))
@example(text='{"type":"response.output_audio.delta","response_id":"r","item_id":"i",'
         '"output_index":0,"content_index":0,"delta":"AAAA"}')  # fmt: skip
@example(text='{,"delta":"AAAA"}')  # a comma with no member before it
@example(text='{"type":"response.audio.delta","delta":"AA\x01A"}')  # a control character
@example(text='{"type":[],"delta":"AAAA"}')  # a type that is not a string
def test_the_shortcut_agrees_with_the_general_path(text: str) -> None:
    shortcut = shortcut_of(text)
    if shortcut is None:
        return
    expected = general(text)
    assert expected is not None, "the shortcut took a message the general path refuses"
    wire, event = shortcut
    assert wire == expected[0]
    assert list(wire) == list(expected[0])  # the same key order too
    assert event == expected[1]
    assert event.raw == text


@given(wire=messages(unusual=False))
def test_a_usual_audio_delta_always_takes_the_shortcut(wire: dict[str, Any]) -> None:
    text = json.dumps(wire, separators=(",", ":"))
    expected = general(text)
    assert expected is not None
    shortcut = shortcut_of(text)
    if isinstance(expected[1], rp.AudioDelta):
        assert shortcut is not None
        assert shortcut[1] == expected[1]
    else:
        assert shortcut is None  # another type, or audio that is not base64


def big_delta(**fields: Any) -> str:
    audio = base64.b64encode(random.Random(1).randbytes(3000)).decode()
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_1",
            "response_id": "resp_1",
            "item_id": "item_1",
            "output_index": 0,
            "content_index": 0,
            "delta": audio,
            **fields,
        },
        separators=(",", ":"),
    )


@pytest.mark.parametrize("event_type", AUDIO_TYPES)
def test_a_usual_audio_delta_takes_the_shortcut(event_type: str) -> None:
    text = big_delta(type=event_type)
    shortcut = shortcut_of(text)
    assert shortcut is not None
    assert shortcut[1] == general(text)[1]  # type: ignore[index]


def test_escaped_slashes_and_a_trailing_extension_take_the_general_path() -> None:
    assert shortcut_of(big_delta().replace("/", "\\/")) is None
    assert shortcut_of(big_delta(extension=1)) is None


FRAMES = [
    big_delta(),
    big_delta(item_id="item_2").replace("/", "\\/"),
    big_delta(delta="not base64!" * 200),
    big_delta(response_id=7),
    big_delta(extension={"x": 1.5}),
    big_delta()[:-2] + '"',  # cut short: malformed
]


def test_a_connection_delivers_the_same_events_with_or_without_the_shortcut(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    delivered = {}
    for shortcut in (True, False):
        monkeypatch.setattr(_connection, "_BULK_SIZE", 1024 if shortcut else 10**9)
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="realtime_proto.connection"):
            events = receive(FRAMES)
        logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("client in")]
        delivered[shortcut] = (events, logged)
    assert delivered[True] == delivered[False]
    events, logged = delivered[True]
    assert [type(event) for event in events] == [
        rp.AudioDelta,
        rp.AudioDelta,
        rp.InvalidMessage,
        rp.InvalidMessage,
        rp.AudioDelta,
        rp.InvalidMessage,
    ]
    assert len(logged) == 5  # each frame that parses, shortcut or not; the cut one does not
    assert logged[0].startswith("client in response.output_audio.delta (")
