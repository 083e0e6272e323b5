"""JSON text <-> dict: every malformed input is a reason, never an exception (fault case 16)."""

from __future__ import annotations

import pytest

from realtime_proto._codec import DecodeFailure, decode_object, encode_object, excerpt
from realtime_proto._dialects import _convert


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "x"', "malformed JSON"),
        ('{"type": "x"} trailing', "malformed JSON"),
        ('{"v": NaN}', "NaN is not valid JSON"),
        ('{"v": Infinity}', "Infinity is not valid JSON"),
        ('{"v": -Infinity}', "-Infinity is not valid JSON"),
        ('\ufeff{"type": "x"}', "malformed JSON"),
        ('{"v": "\\ud800"}', "lone surrogate"),
        ('{"v": "\\udc00x"}', "lone surrogate"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("null", "got NoneType"),
        ("[]", "got list"),
        ("42", "got int"),
        ('"x"', "got str"),
        ("", "malformed JSON"),
    ],
)
def test_malformed_input_is_a_reason(text: str, reason: str) -> None:
    with pytest.raises(DecodeFailure, match=reason):
        decode_object(text)


def test_surrogate_pairs_are_fine() -> None:
    assert decode_object('{"v": "\\ud83c\\udf89"}') == {"v": "🎉"}


def test_encoding_is_compact_utf8() -> None:
    assert encode_object({"a": "é", "b": [1, 2]}) == '{"a":"é","b":[1,2]}'
    with pytest.raises(ValueError, match="not JSON compliant"):
        encode_object({"v": float("nan")})


def test_excerpt_is_bounded() -> None:
    assert excerpt("x" * 10) == "x" * 10
    assert len(excerpt("x" * 10_000)) == 203


def test_the_old_error_names_still_resolve_with_a_warning() -> None:
    import realtime_proto as rp

    with pytest.warns(DeprecationWarning, match="RealtimeError"):
        assert rp.ProtocolError is rp.RealtimeError
    with pytest.warns(DeprecationWarning, match="InvalidMessage"):
        assert issubclass(rp.RemoteProtocolError, rp.RealtimeError)


@pytest.mark.parametrize("decode", ["b64decode", "_stdlib_b64decode"])
def test_base64_is_strict_with_either_decoder(decode: str) -> None:
    import binascii

    function = getattr(_convert, decode)
    assert function("AAEC") == b"\x00\x01\x02"
    for bad in ("AAE", "AA=C", "AA\nEC", "A*EC"):
        with pytest.raises((binascii.Error, ValueError)):
            function(bad)
