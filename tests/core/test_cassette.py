"""Cassettes: every entry written and read back, credentials redacted as they are written,
audio cut in every dialect's spelling, and every reader error naming its line."""

from __future__ import annotations

import base64
import io
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto import cassette
from realtime_proto.cassette import (
    BinaryFrame,
    Cassette,
    CassetteError,
    CassetteHeader,
    CassetteWriter,
    CloseFrame,
    Direction,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    TextFrame,
    read_cassette,
)

CLIENT, SERVER = Direction.CLIENT, Direction.SERVER
STARTED = "2025-06-01T12:00:00Z"
HEADER = CassetteHeader(
    dialect=rp.Dialect.GA, url="wss://example.test/v1/realtime", started_at=STARTED
)
AZURE_KEY = "0123456789abcdef0123456789abcdef"
OPENAI_KEY = "sk-proj-Secret0123456789"


def lines_of(
    entries: Sequence[Entry],
    header: CassetteHeader = HEADER,
    *,
    secrets: tuple[str, ...] = (),
    max_audio_bytes: int | None = None,
) -> list[bytes]:
    writer = CassetteWriter(header, secrets=secrets, max_audio_bytes=max_audio_bytes)
    return [writer.header_line(), *(writer.entry_line(entry) for entry in entries)]


def written(entries: Sequence[Entry], **options: Any) -> list[Entry]:
    """The entries as a cassette gives them back."""
    return list(read_cassette(lines_of(entries, **options)).entries)


def text_of(message: dict[str, Any], direction: Direction = SERVER, at: float = 1.0) -> TextFrame:
    return TextFrame(at=at, direction=direction, text=json.dumps(message))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


EVERY_KIND: list[Entry] = [
    HandshakeRequest(
        at=0.0,
        target="/v1/realtime?model=gpt-realtime",
        headers=[("Host", "example.test"), ("Sec-WebSocket-Version", "13")],
    ),
    HandshakeResponse(at=0.125, status=101, headers=[("Upgrade", "websocket")]),
    HandshakeResponse(at=0.5, status=429, headers=(), body="Too many requests, café ☕"),
    TextFrame(at=0.25, direction=SERVER, text='{"type":"session.created","event_id":"ev_1"}'),
    TextFrame(at=0.3, direction=CLIENT, text="not JSON at all\twith a tab"),
    TextFrame(at=0.31, direction=CLIENT, text='{"type":"x"}', truncated_from=9600),
    BinaryFrame(at=0.4, direction=CLIENT, data=bytes(range(256))),
    BinaryFrame(at=0.41, direction=SERVER, data=b""),
    CloseFrame(at=2.0, direction=CLIENT, code=1000, reason=""),
    CloseFrame(at=2.1, direction=SERVER, code=4001, reason="going away ✓"),
]


# -- the format, written and read ----------------------------------------------------------------


def test_every_kind_of_entry_is_read_back_as_written() -> None:
    assert read_cassette(lines_of(EVERY_KIND)) == Cassette(header=HEADER, entries=EVERY_KIND)


def test_lines_are_json_objects_ending_in_a_newline_with_the_documented_members() -> None:
    lines = lines_of(EVERY_KIND)
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    header, request, response, *_ = (json.loads(line) for line in lines)
    assert header == {
        "format": "realtime-cassette",
        "version": 1,
        "dialect": "ga",
        "url": "wss://example.test/v1/realtime",
        "library_version": rp.__version__,
        "started_at": STARTED,
    }
    assert request == {
        "at": 0.0,
        "from": "client",
        "kind": "request",
        "target": "/v1/realtime?model=gpt-realtime",
        "headers": [["Host", "example.test"], ["Sec-WebSocket-Version", "13"]],
    }
    assert response == {
        "at": 0.125,
        "from": "server",
        "kind": "response",
        "status": 101,
        "headers": [["Upgrade", "websocket"]],
    }
    binary = json.loads(lines[7])
    assert binary["kind"] == "binary"
    assert base64.b64decode(binary["data"]) == bytes(range(256))
    assert json.loads(lines[10]) == {
        "at": 2.1,
        "from": "server",
        "kind": "close",
        "code": 4001,
        "reason": "going away ✓",
    }


def test_the_reader_takes_str_or_bytes_lines_a_file_or_the_whole_content() -> None:
    lines = lines_of(EVERY_KIND)
    content = b"".join(lines)
    expected = Cassette(header=HEADER, entries=EVERY_KIND)
    assert read_cassette(line.decode() for line in lines) == expected
    assert read_cassette(content) == expected
    assert read_cassette(content.decode()) == expected
    assert read_cassette(io.BytesIO(content)) == expected
    assert read_cassette(io.StringIO(content.decode(), newline="")) == expected
    assert read_cassette(line.rstrip(b"\n") + b"\r\n" for line in lines) == expected


def test_a_line_separator_inside_a_message_does_not_split_its_line() -> None:
    entry = TextFrame(at=1.0, direction=SERVER, text='{"text":"a\u2028b\u0085c"}')
    assert read_cassette(b"".join(lines_of([entry]))).entries == (entry,)


def test_blank_lines_at_the_end_are_fine_and_unknown_members_are_ignored() -> None:
    header, entry = lines_of([CloseFrame(at=1, direction=SERVER, code=1000)])
    extended = json.dumps({**json.loads(entry), "note": "added later", "body": None})
    read = read_cassette([header, extended, "", "  \n", b"\n"])
    assert read.entries == (CloseFrame(at=1.0, direction=SERVER, code=1000, reason=""),)


def test_optional_members_may_be_absent_or_null() -> None:
    read = read_cassette(
        [
            lines_of([])[0],
            '{"at":1,"from":"server","kind":"response","status":101,"headers":[]}',
            '{"at":2,"from":"server","kind":"text","text":"t","truncated_from":null}',
        ]
    )
    assert read.entries == (
        HandshakeResponse(at=1.0, status=101),
        TextFrame(at=2.0, direction=SERVER, text="t"),
    )


def test_the_documented_example_is_a_cassette_this_writer_writes() -> None:
    assert cassette.__doc__ is not None
    example = [line.strip() for line in cassette.__doc__.splitlines() if line.startswith("    {")]
    assert len(example) == 7
    read = read_cassette(example)
    rewritten = lines_of(list(read.entries), read.header, max_audio_bytes=4)
    assert [line.decode().rstrip("\n") for line in rewritten] == example
    assert read.entries[3].truncated
    assert not read.entries[2].truncated


# -- the model -----------------------------------------------------------------------------------


def test_the_header_keeps_the_dialect_value_and_the_start_time_in_utc() -> None:
    moment = datetime(2025, 6, 1, 14, 0, 0, 250_000, tzinfo=timezone(timedelta(hours=2)))
    header = CassetteHeader(dialect="preview", url="ws://localhost:1/", started_at=moment)
    assert header.dialect == "preview"
    assert header.started_at == "2025-06-01T12:00:00.250000Z"
    assert CassetteHeader(dialect="beta", url="", started_at="2025-06-01T14:00:00+02:00") == (
        CassetteHeader(dialect=rp.Dialect.BETA, url="", started_at=STARTED)
    )
    assert header.version == cassette.FORMAT_VERSION == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dialect": "klingon"}, "klingon"),
        ({"started_at": "yesterday"}, "not ISO 8601"),
        ({"started_at": ""}, "not ISO 8601"),
        ({"started_at": "2025-06-01T12:00:00"}, "time zone"),
        ({"started_at": datetime(2025, 6, 1)}, "time zone"),
        ({"version": 2}, "version 1, not 2"),
    ],
)
def test_a_header_refuses_what_it_cannot_write(options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"dialect": "ga", "url": "wss://x/", "started_at": STARTED}
    with pytest.raises(ValueError, match=message):
        CassetteHeader(**{**arguments, **options})


@pytest.mark.parametrize(
    ("at", "error"),
    [
        (-0.5, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        (10**400, ValueError),
        (True, TypeError),
        ("1.0", TypeError),
    ],
)
def test_at_is_a_finite_number_of_seconds(at: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="'at'"):
        CloseFrame(at=at, direction=CLIENT, code=1000)


def test_at_takes_an_int_and_keeps_a_float() -> None:
    assert CloseFrame(at=3, direction=CLIENT, code=1000).at == 3.0


@pytest.mark.parametrize("headers", [[("a",)], [("a", "b", "c")], [("a", 1)], [(1, "b")]])
def test_headers_are_pairs_of_strings(headers: Any) -> None:
    with pytest.raises(TypeError, match="pairs of strings"):
        HandshakeRequest(at=0, target="/", headers=headers)


def test_handshake_entries_know_who_sends_them_and_frames_say_if_they_were_cut() -> None:
    assert HandshakeRequest.direction is CLIENT
    assert HandshakeResponse.direction is SERVER
    assert TextFrame(at=0, direction=SERVER, text="", truncated_from=10).truncated
    assert not TextFrame(at=0, direction=SERVER, text="").truncated


def test_reprs_show_no_credential_and_stay_short() -> None:
    header = CassetteHeader(
        dialect="ga", url=f"wss://h/realtime?api_key={AZURE_KEY}", started_at=STARTED
    )
    request = HandshakeRequest(
        at=0,
        target=f"/realtime?api-key={AZURE_KEY}&deployment=d",
        headers=[("api-key", AZURE_KEY), ("X-Note", f"Bearer {AZURE_KEY}"), *[("X", "y" * 50)] * 9],
    )
    frame = TextFrame(at=0, direction=SERVER, text=f"Authorization: Bearer {AZURE_KEY}" + "x" * 500)
    shown = repr([header, request, frame, Cassette(header=header, entries=[frame] * 3)])
    assert AZURE_KEY not in shown
    assert "<3 entries>" in shown
    assert len(repr(request)) < 400
    assert "deployment=d" in repr(request)


def test_the_package_has_its_own_names_and_is_not_imported_with_the_core() -> None:
    for name in cassette.__all__:
        assert getattr(cassette, name) is not None
        assert name not in rp.__all__
    probe = "import sys, realtime_proto; print('realtime_proto.cassette' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


# -- redaction ----------------------------------------------------------------------------------


def test_an_api_key_header_is_redacted_and_an_echo_of_it_later_too() -> None:
    endpoint = rp.Endpoint.azure(
        endpoint="https://r.openai.azure.com", deployment="d", api_key=AZURE_KEY
    )
    request = HandshakeRequest(at=0, target=endpoint.target, headers=endpoint.headers)
    echo = text_of({"type": "error", "error": {"message": f"key {AZURE_KEY} is not valid"}})
    lines = lines_of([request, echo])  # the writer was given no secret: it learnt this one
    assert AZURE_KEY.encode() not in b"".join(lines)
    read_request, read_echo = read_cassette(lines).entries
    assert dict(read_request.headers)["api-key"] == "<redacted>"
    assert json.loads(read_echo.text) == {
        "type": "error",
        "error": {"message": "key <redacted> is not valid"},
    }


def test_api_key_in_the_url_and_in_the_request_target_is_redacted() -> None:
    header = CassetteHeader(
        dialect="beta",
        url=f"wss://user:pass1234@r.test/openai/realtime?api-version=2024&api_key={AZURE_KEY}#f",
        started_at=STARTED,
    )
    request = HandshakeRequest(at=0, target=f"/openai/realtime?api_key={AZURE_KEY}&deployment=d")
    reason = CloseFrame(at=1, direction=SERVER, code=1008, reason=f"bad pass1234 {AZURE_KEY}")
    lines = lines_of([request, reason], header)
    read = read_cassette(lines)
    assert AZURE_KEY.encode() not in b"".join(lines)
    assert b"pass1234" not in b"".join(lines)
    assert read.header.url == (
        "wss://<redacted>@r.test/openai/realtime?api-version=2024&api_key=<redacted>#f"
    )
    assert read.entries[0].target == "/openai/realtime?api_key=<redacted>&deployment=d"
    assert read.entries[1].reason == "bad <redacted> <redacted>"


def test_urls_and_targets_without_credentials_are_written_as_given() -> None:
    header = CassetteHeader(dialect="ga", url="wss://h:8443/x?model=a%20b&m=1", started_at=STARTED)
    request = HandshakeRequest(at=0, target="/x?model=a%20b&m=1")
    read = read_cassette(lines_of([request], header))
    assert read.header.url == header.url
    assert read.entries == (request,)


def test_an_unparsable_url_is_scrubbed_as_text() -> None:
    header = CassetteHeader(
        dialect="ga", url=f"wss://[::1/realtime?api_key={AZURE_KEY}", started_at=STARTED
    )
    assert AZURE_KEY not in repr(header)
    assert (
        read_cassette(lines_of([], header)).header.url == "wss://[::1/realtime?api_key=<redacted>"
    )


def test_a_bearer_token_inside_a_text_frame_is_redacted_and_the_json_still_means_the_same() -> None:
    message = {
        "type": "conversation.item.create",
        "item": {"text": "Authorization: Bearer abc.def-123"},
    }
    (read,) = written([text_of(message, CLIENT)])
    assert json.loads(read.text) == {
        "type": "conversation.item.create",
        "item": {"text": "Authorization: Bearer <redacted>"},
    }


def test_the_exact_secret_inside_an_error_message_is_redacted() -> None:
    message = {"type": "error", "error": {"message": f"Incorrect API key provided: {OPENAI_KEY}."}}
    (read,) = written([text_of(message)], secrets=(OPENAI_KEY,))
    assert json.loads(read.text)["error"]["message"] == "Incorrect API key provided: <redacted>."


def test_an_opaque_secret_is_found_in_every_place_of_a_line() -> None:
    secret = "Zq7opaqueVALUE"  # no key shape, no credential name: only being given gives it away
    entries: list[Entry] = [
        HandshakeRequest(at=0, target=f"/r?q={secret}", headers=[(f"X-{secret}", secret)]),
        HandshakeResponse(at=0, status=401, headers=[("X-Echo", secret)], body=f"no {secret}"),
        text_of({"type": "error", "error": {"message": secret}, secret: 1}),
        TextFrame(at=1, direction=SERVER, text=f"plain {secret} abc"),
        BinaryFrame(at=1, direction=CLIENT, data=f"bin {secret}".encode()),
        CloseFrame(at=2, direction=SERVER, code=1000, reason=secret),
    ]
    header = CassetteHeader(
        dialect="ga", url=f"wss://h/?q={secret}", started_at=STARTED, library_version=secret
    )
    lines = lines_of(entries, header, secrets=(secret, "abc"))  # "abc": too short to look for
    assert secret.encode() not in b"".join(lines)
    read = read_cassette(lines)
    assert read.entries[3].text == "plain <redacted> abc"  # a secret this short is not hunted
    assert read.entries[4].data == b"bin <redacted>"
    assert json.loads(read.entries[2].text) == {
        "type": "error",
        "error": {"message": "<redacted>"},
        "<redacted>": 1,
    }


def test_credentials_the_handshake_carries_are_learnt() -> None:
    cookie_value, protocol_key, query_key, set_cookie = (
        "c00kieVal",
        "pr0toKey",
        "qu3ryKey",
        "s3ssion",
    )
    request = HandshakeRequest(
        at=0,
        target=f"/r?access_token={query_key}",
        headers=[
            ("Cookie", f"a={cookie_value}; b=x"),
            ("Sec-WebSocket-Protocol", f"realtime, openai-insecure-api-key.{protocol_key}"),
            ("Authorization", "Bearer t0kenValue"),
        ],
    )
    response = HandshakeResponse(at=0, status=101, headers=[("Set-Cookie", set_cookie)])
    later = [cookie_value, protocol_key, query_key, set_cookie, "t0kenValue"]
    echo = TextFrame(at=1, direction=SERVER, text=" ".join(later))
    lines = lines_of([request, response, echo])
    for secret in later:
        assert secret.encode() not in b"".join(lines)
    assert read_cassette(lines).entries[2].text == " ".join(["<redacted>"] * 5)


def test_a_json_message_stays_valid_where_the_text_rule_would_break_it() -> None:
    # the text rule reads 'token_count: 5' as a pair and would leave '"token_count":<redacted>'
    (counted,) = written([TextFrame(at=0, direction=SERVER, text='{"token_count":5,"k":true}')])
    assert json.loads(counted.text) == {"token_count": "<redacted>", "k": True}
    # and here it reads a pair across JSON syntax that is not one: the message is left as it was
    misread = TextFrame(at=0, direction=SERVER, text='{"note":"password:","x":"y","n":null}')
    assert written([misread]) == [misread]
    nested = text_of({"secret": {"value": "Bearer abc123", "empty": ""}, "list": ["token=xyz"]})
    assert json.loads(written([nested])[0].text) == {
        "secret": {"value": "Bearer <redacted>", "empty": ""},
        "list": ["token=<redacted>"],
    }


def test_what_is_too_deep_to_walk_is_kept_or_redacted_whole() -> None:
    deep = "[" * 70 + '"fine"' + "]" * 70
    secret = '{"a":' * 70 + '"Bearer abc123"' + "}" * 70
    text = f'{{"token":"x","deep":{deep},"secret":{secret}}}'
    (read,) = written([TextFrame(at=0, direction=SERVER, text=text)])
    message = json.loads(read.text)
    assert message["token"] == "<redacted>"
    assert message["deep"] == json.loads(deep)
    inner = message["secret"]
    for _ in range(64):
        inner = inner["a"]
    assert inner == "<redacted>"


def test_text_that_is_not_json_is_scrubbed_as_text() -> None:
    (read,) = written([TextFrame(at=0, direction=SERVER, text="token=abc123 and more")])
    assert read.text == "token=<redacted> and more"


def test_entries_with_nothing_to_redact_are_left_alone() -> None:
    writer = CassetteWriter(HEADER, secrets=[OPENAI_KEY])
    for entry in EVERY_KIND:
        assert writer.redact(entry) == entry


# -- audio ---------------------------------------------------------------------------------------

AUDIO = bytes(range(200)) * 24  # 4800 bytes: 100 ms of PCM16 at 24 kHz

AUDIO_MESSAGES = [
    ({"type": "response.output_audio.delta", "response_id": "r", "delta": b64(AUDIO)}, "delta"),
    ({"type": "response.audio.delta", "item_id": "i", "delta": b64(AUDIO)}, "delta"),
    ({"type": "input_audio_buffer.append", "audio": b64(AUDIO)}, "audio"),
    ({"event": "add_user_audio", "data": b64(AUDIO)}, "data"),
    ({"event": "add_user_audio", "audio": b64(AUDIO)}, "audio"),
    ({"event": "add_content", "type": "audio", "item_id": "m", "data": b64(AUDIO)}, "data"),
]


@pytest.mark.parametrize(("message", "key"), AUDIO_MESSAGES, ids=lambda m: str(m)[:40])
def test_audio_is_cut_in_every_dialect_spelling(message: dict[str, Any], key: str) -> None:
    (read,) = written([text_of(message)], max_audio_bytes=101)
    cut = json.loads(read.text)
    assert base64.b64decode(cut.pop(key), validate=True) == AUDIO[:100]  # whole 16-bit samples
    assert cut == {name: value for name, value in message.items() if name != key}
    assert read.truncated_from == len(AUDIO)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "response.output_audio_transcript.delta", "delta": "x" * 9000},
        {"type": "response.output_text.delta", "delta": b64(AUDIO)},
        {"event": "add_content", "type": "text", "data": "audio " * 20},
        {"event": "add_content", "type": "tool_call_arguments", "data": "audio" * 2000},
        {"type": "input_audio_buffer.append", "audio": None},
        {"type": "input_audio_buffer.append", "audio": "not base64!" * 1000},
        {"type": "input_audio_buffer.append", "audio": b64(AUDIO[:64])},
        {"type": "input_audio_buffer.append", "audio": "AAAAAA=="},  # 4 bytes
        {"type": "session.update", "session": {"audio": {"input": {}}}},
    ],
    ids=lambda m: str(m)[:50],
)
def test_other_messages_and_small_or_invalid_audio_are_written_as_sent(
    message: dict[str, Any],
) -> None:
    frame = text_of(message, CLIENT)
    assert written([frame], max_audio_bytes=64) == [frame]


def test_without_a_bound_audio_is_kept_whole() -> None:
    frames = [text_of(message) for message, _ in AUDIO_MESSAGES]
    assert written(frames) == frames


def test_audio_that_spells_a_credential_pair_is_not_mistaken_for_one() -> None:
    audio = "AAAAapiKey=="  # valid base64 that the text rule reads as 'apiKey=<value>'
    frame = text_of(
        {"type": "response.output_audio.delta", "delta": audio, "note": "Bearer abc123"}
    )
    (read,) = written([frame])
    assert json.loads(read.text) == {
        "type": "response.output_audio.delta",
        "delta": audio,
        "note": "Bearer <redacted>",
    }


def test_a_secret_in_audio_is_still_redacted_and_a_cut_keeps_the_first_length() -> None:
    secret = "SECRETSECRET"
    frame = text_of({"type": "input_audio_buffer.append", "audio": b64(AUDIO) + secret})
    (read,) = written([frame], secrets=(secret,))
    assert secret not in read.text
    recut = TextFrame(
        at=0, direction=CLIENT, text=json.dumps(AUDIO_MESSAGES[2][0]), truncated_from=9600
    )
    (read,) = written([recut], max_audio_bytes=10)
    assert read.truncated_from == 9600


def test_messages_without_audio_are_not_decoded_to_look_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(text: str) -> Any:
        raise AssertionError(f"decoded {text}")

    monkeypatch.setattr(cassette._audio, "decode_object", refuse)
    frames = [
        text_of({"type": "response.output_text.delta", "delta": "hello"}),
        text_of({"type": "session.update", "session": {"audio": {}}}),
    ]
    assert written(frames, max_audio_bytes=0) == frames


@pytest.mark.parametrize(
    ("bound", "error"), [(-1, ValueError), (True, TypeError), ("9", TypeError)]
)
def test_the_audio_bound_is_a_count_of_bytes(bound: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_audio_bytes"):
        CassetteWriter(HEADER, max_audio_bytes=bound)


def test_the_writer_refuses_what_is_not_an_entry_or_cannot_be_sent() -> None:
    writer = CassetteWriter(HEADER)
    with pytest.raises(TypeError, match="not a cassette entry: str"):
        writer.entry_line("hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lone surrogate"):
        writer.entry_line(TextFrame(at=0, direction=SERVER, text="\ud800"))
    with pytest.raises(TypeError, match="not one string"):
        CassetteWriter(HEADER, secrets=OPENAI_KEY)


# -- reading errors -------------------------------------------------------------------------------

HEADER_LINE = lines_of([])[0].decode().rstrip("\n")
HEADER_FIELDS = json.loads(HEADER_LINE)
RESPONSE = {"kind": "response", "status": 101}
CLOSE = {"at": 1, "from": "server", "kind": "close", "code": 1000, "reason": ""}


def header_with(**changes: Any) -> str:
    fields = {**HEADER_FIELDS, **changes}
    return json.dumps({name: value for name, value in fields.items() if value is not ...})


def entry_with(**changes: Any) -> str:
    fields = {**CLOSE, **changes}
    return json.dumps({name: value for name, value in fields.items() if value is not ...})


READ_ERRORS = [
    ([], 1, "empty"),
    (["", ""], 1, "empty"),
    ([HEADER_LINE, "{not json"], 2, "malformed JSON"),
    ([HEADER_LINE, entry_with(), "[1, 2]"], 3, "expected a JSON object, got list"),
    ([HEADER_LINE, b"\xff\xfe"], 2, "not UTF-8"),
    ([HEADER_LINE, "", entry_with()], 2, "blank line before the end"),
    ([entry_with()], 1, "not a cassette header"),
    ([header_with(version=2)], 1, "unsupported cassette version 2"),
    ([header_with(version="1")], 1, "'version' must be an integer, got a string"),
    ([header_with(url=...)], 1, "the header has no 'url'"),
    ([header_with(dialect="klingon")], 1, "klingon"),
    ([header_with(started_at="noon")], 1, "not ISO 8601"),
    ([HEADER_LINE, entry_with(at=...)], 2, "the entry has no 'at'"),
    ([HEADER_LINE, entry_with(at=True)], 2, "'at' must be a number, got true or false"),
    ([HEADER_LINE, entry_with(at=None)], 2, "'at' must be a number, got null"),
    ([HEADER_LINE, entry_with(at=-1)], 2, "'at' must be a finite number"),
    ([HEADER_LINE, entry_with(at=10**400)], 2, "'at' must be a finite number"),
    ([HEADER_LINE, entry_with(**{"from": "proxy"})], 2, "'from' must be 'client' or 'server'"),
    ([HEADER_LINE, entry_with(kind="ping")], 2, "unknown entry kind 'ping'"),
    ([HEADER_LINE, entry_with(kind=["close"])], 2, "'kind' must be a string, got a list"),
    ([HEADER_LINE, entry_with(code=...)], 2, "a close entry has no 'code'"),
    ([HEADER_LINE, entry_with(code=1000.5)], 2, "'code' must be an integer, got a number"),
    ([HEADER_LINE, entry_with(reason={})], 2, "'reason' must be a string, got an object"),
    ([HEADER_LINE, entry_with(kind="text")], 2, "a text entry has no 'text'"),
    ([HEADER_LINE, entry_with(kind="text", text="t", truncated_from="9")], 2, "'truncated_from'"),
    ([HEADER_LINE, entry_with(kind="binary", data="not base64!")], 2, "'data' is invalid base64"),
    ([HEADER_LINE, entry_with(kind="binary", data=1)], 2, "'data' must be a string"),
    ([HEADER_LINE, entry_with(kind="request", target="/")], 2, "from the client, not the server"),
    ([HEADER_LINE, entry_with(kind="response", status=101, headers=[], **{"from": "client"})], 2,
     "a response comes from the server"),
    ([HEADER_LINE, entry_with(kind="response", status="101", headers=[])], 2, "'status'"),
    ([HEADER_LINE, entry_with(**RESPONSE)], 2, "a response entry has no 'headers'"),
    ([HEADER_LINE, entry_with(kind="response", status=101, headers={})], 2, "'headers' must be"),
    ([HEADER_LINE, entry_with(kind="response", status=101, headers=[["a"]])], 2, "[name, value]"),
    ([HEADER_LINE, entry_with(**RESPONSE, headers=[["a", 1]])], 2, "[name, value]"),
    ([HEADER_LINE, entry_with(kind="response", status=101, headers=["ab"])], 2, "[name, value]"),
    ([HEADER_LINE, entry_with(kind="response", status=101, headers=[], body=5)], 2, "'body'"),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "number", "problem"), READ_ERRORS, ids=lambda v: str(v)[:40])
def test_every_reader_error_names_its_line_and_problem(
    lines: list[str | bytes], number: int, problem: str
) -> None:
    with pytest.raises(CassetteError) as caught:
        read_cassette(lines)
    assert caught.value.line == number
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"cassette line {number}: ")
    assert isinstance(caught.value, rp.RealtimeError)
    assert isinstance(caught.value, ValueError)
