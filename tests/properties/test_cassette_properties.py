"""Cassettes: any entries without credentials come back from their lines as they went in; and
whatever the entries, a secret the writer knows is in no line it writes."""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from realtime_proto._redact import is_credential_name, scrub_secrets
from realtime_proto.cassette import (
    BinaryFrame,
    Cassette,
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

HEADER = CassetteHeader(
    dialect="ga", url="wss://example.test/v1/realtime", started_at="2025-06-01T12:00:00Z"
)


def clean(text: str) -> bool:
    """Nothing in ``text`` that the package's rule takes for a credential."""
    return scrub_secrets(text, ()) == text


seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
directions = st.sampled_from(Direction)
texts = st.text(max_size=20).filter(clean)
json_values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts
message_types = st.sampled_from(
    [
        "session.created", "response.output_audio.delta", "response.audio.delta",
        "input_audio_buffer.append", "response.output_text.delta", "error",
    ]
)  # fmt: skip
audio_keys = st.sampled_from(["delta", "audio", "data"])
messages = st.builds(
    lambda kind, key, audio, rest: json.dumps({**rest, "type": kind, key: audio}),
    message_types,
    audio_keys,
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.dictionaries(texts, json_values | st.lists(json_values, max_size=2), max_size=2),
).filter(clean)
preview_audio = st.builds(
    lambda event, audio: json.dumps({"event": event, "type": "audio", "data": audio}),
    st.sampled_from(["add_user_audio", "add_content"]),
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
)
header_names = st.text(string.ascii_letters + "-", min_size=1, max_size=12).filter(
    lambda name: not is_credential_name(name) and name.lower() != "sec-websocket-protocol"
)
headers = st.lists(st.tuples(header_names, texts), max_size=3)
targets = st.builds(
    lambda path, model: f"/{path}?model={model}" if model else f"/{path}",
    st.text(string.ascii_letters + "/._-", max_size=20),
    st.text(string.ascii_letters + string.digits + "-", max_size=12),
)

entries: st.SearchStrategy[Entry] = st.one_of(
    st.builds(HandshakeRequest, at=seconds, target=targets, headers=headers),
    st.builds(
        HandshakeResponse,
        at=seconds,
        status=st.integers(100, 599),
        headers=headers,
        body=texts,
    ),
    st.builds(
        TextFrame,
        at=seconds,
        direction=directions,
        text=texts | messages | preview_audio,
        truncated_from=st.none() | st.integers(0, 10**9),
    ),
    st.builds(BinaryFrame, at=seconds, direction=directions, data=st.binary(max_size=64)),
    st.builds(
        CloseFrame, at=seconds, direction=directions, code=st.integers(0, 4999), reason=texts
    ),
)


@given(st.lists(entries, max_size=5))
def test_entries_without_credentials_come_back_as_written(written: list[Entry]) -> None:
    writer = CassetteWriter(HEADER)
    lines = [writer.header_line(), *(writer.entry_line(entry) for entry in written)]
    assert read_cassette(lines) == Cassette(header=HEADER, entries=written)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for member in value.values() for s in strings_in(member))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def placed(secret: str, text: str, where: int) -> str:
    where %= len(text) + 1
    return text[:where] + secret + text[where:]


# A secret of letters only cannot be spelt by a number, the base64 of a cut, or "<redacted>"
# next to other text; only a word the format itself writes could, and those are left out.
FORMAT_WORDS = "realtime-cassette library_version started_at response truncated_from <redacted>"
secrets = st.text(string.ascii_letters, min_size=8, max_size=12).filter(
    lambda s: s not in FORMAT_WORDS
)


@given(
    secret=secrets,
    written=st.lists(entries, max_size=5),
    places=st.lists(st.integers(0, 100), min_size=5, max_size=5),
    max_audio_bytes=st.none() | st.integers(0, 64),
)
def test_a_secret_the_writer_knows_is_in_no_line(
    secret: str, written: list[Entry], places: list[int], max_audio_bytes: int | None
) -> None:
    def leak(entry: Entry, where: int) -> Entry:
        if isinstance(entry, TextFrame):
            return TextFrame(
                at=entry.at, direction=entry.direction, text=placed(secret, entry.text, where)
            )
        if isinstance(entry, BinaryFrame):
            data = placed(secret, entry.data.hex(), where).encode()
            return BinaryFrame(at=entry.at, direction=entry.direction, data=data)
        if isinstance(entry, CloseFrame):
            reason = placed(secret, entry.reason, where)
            return CloseFrame(at=entry.at, direction=entry.direction, code=1000, reason=reason)
        headers = [*entry.headers, ("X-Echo", placed(secret, "v", where))]
        if isinstance(entry, HandshakeRequest):
            return HandshakeRequest(at=entry.at, target=f"/?q={secret}", headers=headers)
        return HandshakeResponse(at=entry.at, status=entry.status, headers=headers, body=secret)

    assume(secret not in HEADER.url)
    leaked = [leak(entry, where) for entry, where in zip(written, places, strict=False)]
    writer = CassetteWriter(HEADER, secrets=[secret], max_audio_bytes=max_audio_bytes)
    lines = [writer.header_line(), *(writer.entry_line(entry) for entry in leaked)]
    for line in lines:
        fields = json.loads(line)
        found = strings_in(fields)
        if fields.get("kind") == "text":
            try:
                message = json.loads(fields["text"])
            except ValueError:
                message = None
            if isinstance(message, dict):  # a message: what it says, not how JSON escapes it
                found = strings_in(message)
        if fields.get("kind") == "binary":
            found = [base64.b64decode(fields["data"]).decode("utf-8", "replace")]
        assert not [s for s in found if secret in s], line
    assert len(read_cassette(lines).entries) == len(leaked)
