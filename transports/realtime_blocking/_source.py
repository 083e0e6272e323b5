"""Reading what ``send_audio`` is given, piece by piece."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, Final, TypeAlias

__all__ = ["AudioSource", "read_source"]

_READ_SIZE: Final = 65536

AudioSource: TypeAlias = (
    "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | Iterable[bytes]"
)


def read_source(source: AudioSource) -> Iterator[bytes]:
    """The bytes of ``source``, in pieces. Raises ``TypeError`` for a source of another kind,
    a file opened in text mode, or an iterable that yields anything but bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as file:
            while piece := file.read(_READ_SIZE):
                yield piece
    elif hasattr(source, "read"):
        while piece := source.read(_READ_SIZE):
            yield _as_bytes(piece, "the file's read()")
    elif isinstance(source, Iterable):
        for piece in source:
            yield _as_bytes(piece, "the iterable")
    else:
        raise TypeError(
            "send_audio needs bytes, a path, a binary file or an iterable of bytes, "
            f"got {type(source).__name__}"
        )


def _as_bytes(piece: object, origin: str) -> bytes:
    """A piece of a source as ``bytes``; ``TypeError`` naming ``origin`` if it is not bytes."""
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    text_file = isinstance(piece, str) and origin.startswith("the file")
    hint = " (open the file in binary mode, 'rb')" if text_file else ""
    raise TypeError(f"send_audio: {origin} gave {type(piece).__name__}, not bytes{hint}")
