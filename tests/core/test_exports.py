"""The public surface: ``__init__`` only re-exports, and every name is documented."""

from __future__ import annotations

import inspect

import realtime_proto as rp
from tests.helpers import PAYLOAD_FIELDS


def test_all_names_exist_and_are_unique() -> None:
    assert len(rp.__all__) == len(set(rp.__all__))
    for name in rp.__all__:
        assert hasattr(rp, name), name


def test_public_names_come_from_private_modules() -> None:
    for name in rp.__all__:
        value = getattr(rp, name)
        module = getattr(value, "__module__", None)
        if inspect.isclass(value):
            assert module is not None
            assert module.startswith("realtime_proto._"), name


def test_every_public_class_has_a_docstring_or_is_an_obvious_value() -> None:
    undocumented = [
        name
        for name in rp.__all__
        if inspect.isclass(getattr(rp, name)) and not inspect.getdoc(getattr(rp, name))
    ]
    assert undocumented == []


def test_every_event_has_a_kind_and_the_payload_fields() -> None:
    events = [
        getattr(rp, name)
        for name in rp.__all__
        if inspect.isclass(getattr(rp, name)) and issubclass(getattr(rp, name), rp.Event)
    ]
    assert len(events) > 40
    for cls in events:
        assert isinstance(cls.kind, rp.MessageKind), cls
        for field in PAYLOAD_FIELDS:
            assert hasattr(cls, field), (cls, field)
