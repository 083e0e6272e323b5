"""What a cassette holds: its header, and one frozen class per kind of thing on the wire."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import ClassVar, Final, TypeAlias

import attrs

from .. import __version__
from .._options import Dialect
from .._record import Record
from .._redact import bytes_summary, safe_text_summary, text_summary
from ._scrub import redact_target, redact_url, shown_headers

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "BinaryFrame",
    "Cassette",
    "CassetteHeader",
    "CloseFrame",
    "Direction",
    "Entry",
    "HandshakeRequest",
    "HandshakeResponse",
    "TextFrame",
]

FORMAT_NAME: Final = "realtime-cassette"
FORMAT_VERSION: Final = 1

Headers: TypeAlias = tuple[tuple[str, str], ...]


class Direction(enum.Enum):
    """Who sent an entry: the client or the server."""

    CLIENT = "client"
    SERVER = "server"


def _seconds(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"'at' must be a number of seconds, got {type(value).__name__}")
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"'at' must be a finite number of seconds, not negative: got {seconds!r}")
    return seconds


def _header_pairs(headers: Iterable[tuple[str, str]]) -> Headers:
    pairs = tuple(headers)
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[0], str) or not isinstance(pair[1], str):
            raise TypeError("headers must be (name, value) pairs of strings")
    return tuple((name, value) for name, value in pairs)


def _dialect_name(value: Dialect | str) -> str:
    return Dialect(value).value


def _utc_timestamp(value: str | datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2025-06-01T12:00:00Z`` (fractions of a second kept)."""
    if isinstance(value, str):
        given = value
        try:
            value = datetime.fromisoformat(given[:-1] + "+00:00" if given[-1:] == "Z" else given)
        except ValueError:
            raise ValueError(f"'started_at' is not ISO 8601: {text_summary(given)}") from None
    if value.utcoffset() is None:
        raise ValueError("'started_at' must name its time zone (UTC: a trailing 'Z')")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _version(_: object, __: object, value: int) -> None:
    if value != FORMAT_VERSION:
        raise ValueError(f"this library writes cassette version {FORMAT_VERSION}, not {value!r}")


def _entry_tuple(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(entries)


def _url_repr(url: str) -> str:
    return repr(redact_url(url))


def _target_repr(target: str) -> str:
    return repr(redact_target(target))


def _count_repr(entries: tuple[object, ...]) -> str:
    return f"<{len(entries)} entries>"


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CassetteHeader(Record):
    """The first line of a cassette: what was recorded, where and when.

    ``url`` is shown and written without credentials; ``started_at`` takes an aware
    ``datetime`` or an ISO 8601 string and is kept as ISO 8601 in UTC (``...Z``); ``dialect``
    takes a :class:`~realtime_proto.Dialect` or its value and is kept as the value.
    """

    dialect: str = attrs.field(converter=_dialect_name)
    url: str = attrs.field(repr=_url_repr)
    started_at: str = attrs.field(converter=_utc_timestamp)
    library_version: str = __version__
    version: int = attrs.field(default=FORMAT_VERSION, validator=_version)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class HandshakeRequest(Record):
    """The client's opening handshake: the request target (path and query) and its headers."""

    kind: ClassVar[str] = "request"
    direction: ClassVar[Direction] = Direction.CLIENT
    at: float = attrs.field(converter=_seconds)
    target: str = attrs.field(repr=_target_repr)
    headers: Headers = attrs.field(default=(), converter=_header_pairs, repr=shown_headers)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class HandshakeResponse(Record):
    """The server's answer to the handshake: 101, or an HTTP error with its ``body``."""

    kind: ClassVar[str] = "response"
    direction: ClassVar[Direction] = Direction.SERVER
    at: float = attrs.field(converter=_seconds)
    status: int
    headers: Headers = attrs.field(default=(), converter=_header_pairs, repr=shown_headers)
    body: str = attrs.field(default="", repr=safe_text_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class TextFrame(Record):
    """One whole text message (its fragments joined), as sent.

    ``truncated_from`` is set when the recording cut the audio it carries: the length in bytes
    of the decoded audio as it was sent; ``text`` then holds the same message with less audio.
    """

    kind: ClassVar[str] = "text"
    at: float = attrs.field(converter=_seconds)
    direction: Direction
    text: str = attrs.field(repr=safe_text_summary)
    truncated_from: int | None = None

    @property
    def truncated(self) -> bool:
        """Whether the recording cut this message's audio."""
        return self.truncated_from is not None


@attrs.frozen(kw_only=True, repr=False, eq=False)
class BinaryFrame(Record):
    """One whole binary message (the protocol sends none; recorded if a peer does)."""

    kind: ClassVar[str] = "binary"
    at: float = attrs.field(converter=_seconds)
    direction: Direction
    data: bytes = attrs.field(repr=bytes_summary)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CloseFrame(Record):
    """A close frame: its code (1005 when it carried none) and reason."""

    kind: ClassVar[str] = "close"
    at: float = attrs.field(converter=_seconds)
    direction: Direction
    code: int
    reason: str = attrs.field(default="", repr=safe_text_summary)


Entry: TypeAlias = HandshakeRequest | HandshakeResponse | TextFrame | BinaryFrame | CloseFrame


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Cassette(Record):
    """A whole recording: its header and its entries in wire order."""

    header: CassetteHeader
    entries: tuple[Entry, ...] = attrs.field(default=(), converter=_entry_tuple, repr=_count_repr)
