"""With the "speedups" extra, messages are parsed by orjson: the result must be exactly what the
standard library's parser gives, for every text, or the same refusal."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from realtime_proto import _codec

pytest.importorskip("orjson")

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too: orjson reads those as floats
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def parsed(decode: Any, text: str) -> tuple[str, Any]:
    try:
        value = decode(text)
    except (ValueError, RecursionError) as exc:
        return ("refused", type(exc).__name__)
    return ("value", typed(value))


def typed(value: Any) -> Any:
    """The value with every number's type kept, so that 1 and 1.0 (and -0.0 and 0.0) differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float):
        return ("float", math.copysign(1.0, value), repr(value))
    return (type(value).__name__, value)


def agree(text: str) -> None:
    assert parsed(_codec._decode, text) == parsed(_codec._decode_stdlib, text)


def test_the_fast_path_is_taken() -> None:
    assert _codec._decode is not _codec._decode_stdlib


@given(VALUES)
def test_any_json_value_parses_alike(value: Any) -> None:
    agree(json.dumps(value))
    agree(json.dumps(value, ensure_ascii=False))
    agree(json.dumps(value, indent=1))


@given(VALUES, st.integers(min_value=0, max_value=40), st.text(max_size=3))
def test_any_damaged_text_parses_alike(value: Any, cut: int, junk: str) -> None:
    text = json.dumps(value)
    agree(text[:cut] + junk + text[cut:])


@example('{"a": 123456789012345678901234567890}')
@example('{"a": [1e400, -1e400]}')
@example('{"a": "\\ud800"}')
@example('{"a": NaN}')
@example('{"a": 1, "a": 2}')
@example("[" * 5000 + "]" * 5000)
@example(' {"a": "\\u0000"} \n')
@example('{"a": -0.0}')
@given(st.text(alphabet='{}[]":,0123456789.eE-+ nulltrufas\\u', max_size=30))
def test_edge_texts_parse_alike(text: str) -> None:
    agree(text)
