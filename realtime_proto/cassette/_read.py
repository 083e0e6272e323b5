"""The cassette reader: lines in, the header and the entries out, or one error naming the line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from .._codec import DecodeFailure, decode_object
from .._dialects._convert import WireError, decode_base64
from .._errors import RealtimeError
from .._redact import safe_text_summary
from ._entries import (
    FORMAT_NAME,
    FORMAT_VERSION,
    BinaryFrame,
    Cassette,
    CassetteHeader,
    CloseFrame,
    Direction,
    Entry,
    HandshakeRequest,
    HandshakeResponse,
    Headers,
    TextFrame,
)

__all__ = ["CassetteError", "read_cassette"]


class CassetteError(RealtimeError, ValueError):
    """A cassette could not be read. ``line`` is the number of the offending line (from 1)
    and ``problem`` what is wrong with it; the message says both."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"cassette line {line}: {problem}")
        self.line = line
        self.problem = problem


class _Problem(Exception):
    """Internal: what is wrong with the line being read."""


def read_cassette(lines: Iterable[bytes | str] | bytes | str) -> Cassette:
    """The header and the entries of a cassette, from its lines (``bytes`` or ``str``, with
    or without their line ends: a file opened in either mode will do) or its whole content.

    Blank lines are allowed at the end only. Members a line has beyond those of its kind are
    ignored (a later version 1 may add some). Raises :class:`CassetteError` naming the first
    line that is not valid UTF-8 or JSON, lacks a member or has one of the wrong type, has an
    unknown kind, or a header of an unsupported version.
    """
    if isinstance(lines, str):
        lines = lines.split("\n")
    elif isinstance(lines, bytes):
        lines = lines.split(b"\n")
    header: CassetteHeader | None = None
    entries: list[Entry] = []
    blank: int | None = None
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
        except UnicodeDecodeError as exc:
            raise CassetteError(number, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
        if not text.strip():
            blank = blank or number
            continue
        if blank is not None:
            raise CassetteError(blank, "a blank line before the end of the cassette")
        try:
            fields = _Fields(decode_object(text))
            if header is None:
                header = _header(fields)
            else:
                entries.append(_entry(fields))
        except (DecodeFailure, _Problem, ValueError) as exc:  # ValueError: from the entries' checks
            raise CassetteError(number, str(exc)) from None
    if header is None:
        raise CassetteError(1, "the cassette is empty: its first line must be a header")
    return Cassette(header=header, entries=entries)


class _Fields:
    """The members of one line, each checked for its type as it is taken."""

    def __init__(self, members: dict[str, Any]) -> None:
        self.members = members
        self.what = "the line"  # named better once its kind is known

    def _take(self, name: str, kinds: tuple[type, ...], expected: str) -> Any:
        if name not in self.members:
            raise _Problem(f"{self.what} has no {name!r}")
        value = self.members[name]
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise _Problem(f"{name!r} must be {expected}, got {_json_type(value)}")
        return value

    def text(self, name: str) -> str:
        value: str = self._take(name, (str,), "a string")
        return value

    def integer(self, name: str) -> int:
        value: int = self._take(name, (int,), "an integer")
        return value

    def number(self, name: str) -> float:
        value: float = self._take(name, (int, float), "a number")
        return value

    def optional_text(self, name: str) -> str:
        return self.text(name) if self.members.get(name) is not None else ""

    def optional_integer(self, name: str) -> int | None:
        return self.integer(name) if self.members.get(name) is not None else None

    def headers(self) -> Headers:
        pairs: list[Any] = self._take("headers", (list,), "a list of [name, value] pairs")
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and all(_is_str(p) for p in pair)):
                shown = safe_text_summary(str(pair))
                raise _Problem(f"'headers' holds {shown}: not a [name, value] pair of strings")
        return tuple((name, value) for name, value in pairs)

    def data(self) -> bytes:
        try:
            return decode_base64(self.text("data"))
        except WireError as exc:
            raise _Problem(f"'data' is {exc}") from None


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _json_type(value: Any) -> str:
    names = {str: "a string", int: "a number", float: "a number", list: "a list", dict: "an object"}
    if value is None:
        return "null"
    return names.get(type(value), "true or false")


def _header(fields: _Fields) -> CassetteHeader:
    fields.what = "the header"
    if fields.members.get("format") != FORMAT_NAME:
        raise _Problem(f'not a cassette header (no "format": "{FORMAT_NAME}")')
    version = fields.integer("version")
    if version != FORMAT_VERSION:
        raise _Problem(
            f"unsupported cassette version {version} (this library reads version {FORMAT_VERSION})"
        )
    return CassetteHeader(
        version=version,
        dialect=fields.text("dialect"),
        url=fields.text("url"),
        library_version=fields.text("library_version"),
        started_at=fields.text("started_at"),
    )


def _entry(fields: _Fields) -> Entry:
    fields.what = "the entry"
    at = fields.number("at")
    sender = fields.text("from")
    try:
        direction = Direction(sender)
    except ValueError:
        shown = safe_text_summary(sender)
        raise _Problem(f"'from' must be 'client' or 'server', got {shown}") from None
    kind = fields.text("kind")
    read = _READERS.get(kind)
    if read is None:
        raise _Problem(f"unknown entry kind {safe_text_summary(kind)}")
    fields.what = f"a {kind} entry"
    return read(fields, at, direction)


def _handshake(direction: Direction, expected: Direction, kind: str) -> None:
    if direction is not expected:
        raise _Problem(f"a {kind} comes from the {expected.value}, not the {direction.value}")


def _request(fields: _Fields, at: float, direction: Direction) -> Entry:
    _handshake(direction, HandshakeRequest.direction, HandshakeRequest.kind)
    return HandshakeRequest(at=at, target=fields.text("target"), headers=fields.headers())


def _response(fields: _Fields, at: float, direction: Direction) -> Entry:
    _handshake(direction, HandshakeResponse.direction, HandshakeResponse.kind)
    return HandshakeResponse(
        at=at,
        status=fields.integer("status"),
        headers=fields.headers(),
        body=fields.optional_text("body"),
    )


_READERS: Final[dict[str, Callable[[_Fields, float, Direction], Entry]]] = {
    "request": _request,
    "response": _response,
    "text": lambda f, at, d: TextFrame(
        at=at,
        direction=d,
        text=f.text("text"),
        truncated_from=f.optional_integer("truncated_from"),
    ),
    "binary": lambda f, at, d: BinaryFrame(at=at, direction=d, data=f.data()),
    "close": lambda f, at, d: CloseFrame(
        at=at, direction=d, code=f.integer("code"), reason=f.text("reason")
    ),
}
