"""The hot deltas (audio, transcript and text) have a direct decoding path; it must give what
the generated path gives, or step aside for it, whatever the message holds."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_proto._dialects import _ga_events

HOT = [m for m in _ga_events._MAPPINGS if m.cls in _ga_events._HOT_DELTAS]

# Each key's usual value, or anything else a server might put there.
ODD: st.SearchStrategy[Any] = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.just([])
)
STRINGS = st.text(max_size=8)
INDEXES = st.integers(min_value=0, max_value=3)
AUDIO = st.binary(max_size=12).map(lambda data: base64.b64encode(data).decode())


def wires(key: str, audio: bool) -> st.SearchStrategy[dict[str, Any]]:
    usual = {
        "response_id": STRINGS,
        "item_id": STRINGS,
        "output_index": INDEXES,
        "content_index": INDEXES,
        "event_id": st.none() | STRINGS,
        key: AUDIO | st.just("not base64!") if audio else STRINGS,
    }
    fields = {name: strategy | ODD for name, strategy in usual.items()}
    return st.fixed_dictionaries({}, optional={**fields, "extension": st.integers()})


def test_every_hot_delta_has_the_direct_path() -> None:
    assert {m.cls for m in HOT} == set(_ga_events._HOT_DELTAS)
    for mapping in HOT:
        assert _ga_events._make_decoder(mapping).fast is not None


@pytest.mark.parametrize("mapping", HOT, ids=lambda m: m.cls.__name__)
@given(data=st.data())
def test_the_direct_path_agrees_with_the_generated_one(mapping: Any, data: st.DataObject) -> None:
    field, key, _ = _ga_events._HOT_DELTAS[mapping.cls]
    wire = data.draw(wires(key, audio=field == "audio_bytes"))
    wire[_ga_events._RAW] = "raw text"
    decoder = _ga_events._make_decoder(mapping)
    assert decoder.fast is not None
    direct = decoder.fast(dict(wire))
    try:
        generated = decoder.structure(dict(wire))
    except Exception:
        generated = None  # the generated path refuses (and explains) what it cannot use
    if direct is not None:
        assert direct == generated
        assert direct.raw == generated.raw == "raw text"


@pytest.mark.parametrize("mapping", HOT, ids=lambda m: m.cls.__name__)
def test_a_usual_delta_takes_the_direct_path(mapping: Any) -> None:
    _, key, _ = _ga_events._HOT_DELTAS[mapping.cls]
    wire = {
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 1,
        key: "AAAA",
        _ga_events._RAW: "raw text",
    }
    decoder = _ga_events._make_decoder(mapping)
    assert decoder.fast is not None
    direct = decoder.fast(dict(wire))
    assert direct is not None
    assert direct == decoder.structure(dict(wire))
