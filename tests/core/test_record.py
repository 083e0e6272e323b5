"""The one repr, equality and hash every value class shares (written once, not generated)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import attrs

import realtime_proto as rp
from realtime_proto._record import Record


def attrs_classes() -> list[type]:
    found: dict[type, None] = {}
    for module_info in pkgutil.walk_packages(rp.__path__, "realtime_proto."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if attrs.has(value) and value.__module__.startswith("realtime_proto"):
                found[value] = None
    return list(found)


def test_every_value_class_shares_the_written_methods() -> None:
    classes = attrs_classes()
    assert len(classes) > 120
    for cls in classes:
        if cls.__setattr__ is object.__setattr__:  # mutable state holders compare by identity
            assert cls.__eq__ is object.__eq__, cls
            continue
        assert issubclass(cls, Record), cls
        assert (cls.__repr__, cls.__eq__, cls.__hash__) == (
            Record.__repr__,
            Record.__eq__,
            Record.__hash__,
        ), cls


def test_equality_and_hash_follow_the_compared_fields() -> None:
    one = rp.TextDelta(response_id="r", item_id="i", output_index=0, content_index=0, text="hi")
    same_but_raw = attrs.evolve(one, raw='{"type": "response.output_text.delta"}')
    other = attrs.evolve(one, text="ho")
    assert one == same_but_raw  # raw is eq=False
    assert hash(one) == hash(same_but_raw)
    assert one != other
    assert one != rp.TextDone(
        response_id="r", item_id="i", output_index=0, content_index=0, text="hi"
    )
    assert one.__eq__(object()) is NotImplemented
    assert {one, same_but_raw, other} == {one, other}


def test_the_repr_honours_each_fields_choice() -> None:
    delta = rp.AudioDelta(
        response_id="r",
        item_id="i",
        output_index=0,
        content_index=0,
        audio_bytes=b"\x00" * 100_000,
        raw="x" * 100_000,
    )
    shown = repr(delta)
    assert shown.startswith("AudioDelta(raw=<100000 chars>, ")
    assert "audio_bytes=<100000 bytes" in shown
    assert len(shown) < 400
    closed = rp.ConnectionClosed(code=1000, reason="api_key=sk-abcdefghijklmnop")
    assert "sk-abcdefghijklmnop" not in repr(closed)
    part = rp.ContentPart(type="text", text="hello", extra={"x": 1})
    assert (
        repr(part) == "ContentPart(type='text', text='hello', audio=None, transcript=None, id=None)"
    )
