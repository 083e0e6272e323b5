"""Reading what ``send_audio`` is given, piece by piece."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, Final, TypeAlias

from realtime_proto.client import audio_piece

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
            yield audio_piece(piece, "the file's read()")
    elif isinstance(source, Iterable):
        for piece in source:
            yield audio_piece(piece, "the iterable")
    else:
        raise TypeError(
            "send_audio needs bytes, a path, a binary file or an iterable of bytes, "
            f"got {type(source).__name__}"
        )
