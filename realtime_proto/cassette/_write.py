"""The cassette writer: a header and entries in, redacted JSON lines out. Pure: the caller
writes the bytes wherever it likes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from .._codec import encode_object
from .._dialects._convert import b64encode
from .._redact import scrub_headers, scrub_secrets
from ._audio import audio_message, cut_audio
from ._entries import (
    FORMAT_NAME,
    BinaryFrame,
    CassetteHeader,
    CloseFrame,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    Headers,
    TextFrame,
)
from ._scrub import (
    MIN_SECRET,
    handshake_credentials,
    redact_target,
    redact_url,
    replace_secrets,
    scrub_bytes,
    scrub_message,
    scrub_text,
    url_credentials,
)

__all__ = ["CassetteWriter"]


class CassetteWriter:
    """Turns a header and the entries of a recording into the lines of a cassette.

    Pure: it is handed entries and returns bytes (UTF-8 JSON, one line each, ending in a
    newline) for the caller to write. Everything written is redacted first by the package's
    credential rule: the URL's user information and credential-named query values, the value
    of every credential-named header, anything shaped like a credential in text messages, close
    reasons and bodies, and every exact occurrence of a secret, anywhere. The secrets are those
    given in ``secrets`` (the API key the client used, ...) and those the header's URL and the
    handshake entries carry, learnt as they pass, so that a later echo is redacted too.

    ``max_audio_bytes`` bounds the decoded audio kept of each audio-carrying message (server
    audio deltas and client audio appends, in every dialect's spelling); a message that had
    more is written with the first ``max_audio_bytes`` (rounded down to whole 16-bit samples)
    and ``truncated_from`` set. ``None`` keeps all the audio.
    """

    def __init__(
        self,
        header: CassetteHeader,
        *,
        secrets: Iterable[str] = (),
        max_audio_bytes: int | None = None,
    ) -> None:
        if isinstance(secrets, str):
            raise TypeError("secrets must be an iterable of strings, not one string")
        if max_audio_bytes is not None and (
            isinstance(max_audio_bytes, bool) or not isinstance(max_audio_bytes, int)
        ):
            raise TypeError("max_audio_bytes must be an int or None")
        if max_audio_bytes is not None and max_audio_bytes < 0:
            raise ValueError("max_audio_bytes must not be negative")
        self.header: Final = header
        self.max_audio_bytes: Final = max_audio_bytes
        self._secrets: list[str] = []
        self._learn(secrets)
        self._learn(url_credentials(header.url))

    def header_line(self) -> bytes:
        """The first line of the cassette."""
        header = self.header
        return _line(
            {
                "format": FORMAT_NAME,
                "version": header.version,
                "dialect": header.dialect,
                "url": self._scrub(redact_url(header.url)),
                "library_version": self._scrub(header.library_version),
                "started_at": header.started_at,
            }
        )

    def entry_line(self, entry: Entry) -> bytes:
        """The line of one entry, redacted (:meth:`redact`). Raises ``TypeError`` for anything
        that is not an entry, ``ValueError`` for text no WebSocket can carry (a lone
        surrogate)."""
        entry = self.redact(entry)
        common = {"at": entry.at, "from": entry.direction.value, "kind": entry.kind}
        return _line({**common, **_FIELDS[type(entry)](entry)})

    def redact(self, entry: Entry) -> Entry:
        """``entry`` as :meth:`entry_line` writes it: credentials redacted, audio cut to
        ``max_audio_bytes``. A handshake entry first teaches the writer its secrets."""
        redactor = _REDACTORS.get(type(entry))
        if redactor is None:
            raise TypeError(f"not a cassette entry: {type(entry).__name__}")
        return redactor(self, entry)

    # -- one redactor per kind of entry -------------------------------------------------------

    def _request(self, entry: HandshakeRequest) -> HandshakeRequest:
        self._learn(handshake_credentials(entry.headers, entry.target))
        target = self._scrub(redact_target(entry.target))
        return attrs.evolve(entry, target=target, headers=self._headers(entry.headers))

    def _response(self, entry: HandshakeResponse) -> HandshakeResponse:
        self._learn(handshake_credentials(entry.headers))
        return attrs.evolve(
            entry, headers=self._headers(entry.headers), body=self._scrub(entry.body)
        )

    def _text(self, entry: TextFrame) -> TextFrame:
        found = audio_message(entry.text)
        if found is None:
            return attrs.evolve(entry, text=scrub_text(entry.text, self._secrets))
        message, key = found
        sent: str = message[key]
        cut = None if self.max_audio_bytes is None else cut_audio(sent, self.max_audio_bytes)
        # The audio takes exact secrets only: base64 can spell a credential-named pair by
        # chance ("...apiKey=="), and redacting that would break the audio.
        audio = replace_secrets(sent if cut is None else cut[0], self._secrets)
        rest = {**message, key: ""}
        cleaned = {**scrub_message(rest, self._secrets), key: audio}
        if audio == sent and cleaned == message:
            return entry
        truncated_from = entry.truncated_from
        if cut is not None and truncated_from is None:
            truncated_from = cut[1]
        return attrs.evolve(entry, text=encode_object(cleaned), truncated_from=truncated_from)

    def _binary(self, entry: BinaryFrame) -> BinaryFrame:
        return attrs.evolve(entry, data=scrub_bytes(entry.data, self._secrets))

    def _close(self, entry: CloseFrame) -> CloseFrame:
        return attrs.evolve(entry, reason=self._scrub(entry.reason))

    # -- plumbing -----------------------------------------------------------------------------

    def _learn(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if len(secret) >= MIN_SECRET and secret not in self._secrets:
                self._secrets.append(secret)

    def _scrub(self, text: str) -> str:
        return scrub_secrets(text, self._secrets)

    def _headers(self, headers: Headers) -> Headers:
        scrubbed = scrub_headers(headers, self._secrets)
        return tuple((self._scrub(name), value) for name, value in scrubbed)


_REDACTORS: Final[dict[type, Callable[[CassetteWriter, Any], Entry]]] = {
    HandshakeRequest: CassetteWriter._request,
    HandshakeResponse: CassetteWriter._response,
    TextFrame: CassetteWriter._text,
    BinaryFrame: CassetteWriter._binary,
    CloseFrame: CassetteWriter._close,
}


def _pairs(headers: Headers) -> list[list[str]]:
    return [[name, value] for name, value in headers]


def _response_fields(entry: HandshakeResponse) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": entry.status, "headers": _pairs(entry.headers)}
    if entry.body:
        fields["body"] = entry.body
    return fields


def _text_fields(entry: TextFrame) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": entry.text}
    if entry.truncated_from is not None:
        fields["truncated_from"] = entry.truncated_from
    return fields


# What each kind of entry writes after the common "at", "from" and "kind".
_FIELDS: Final[dict[type, Callable[[Any], dict[str, Any]]]] = {
    HandshakeRequest: lambda e: {"target": e.target, "headers": _pairs(e.headers)},
    HandshakeResponse: _response_fields,
    TextFrame: _text_fields,
    BinaryFrame: lambda e: {"data": b64encode(e.data)},
    CloseFrame: lambda e: {"code": e.code, "reason": e.reason},
}


def _line(fields: dict[str, Any]) -> bytes:
    try:
        return (encode_object(fields) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "the entry holds a lone surrogate, which no WebSocket text can carry"
        ) from None
