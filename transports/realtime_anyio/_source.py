"""Reading what ``send_audio`` is given, piece by piece, without blocking the event loop."""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Iterable
from typing import IO, Final, Protocol, TypeAlias, cast

import anyio

from realtime_proto.client import audio_piece

__all__ = ["AsyncReadable", "AudioSource", "read_source"]

_READ_SIZE: Final = 262144


class AsyncReadable(Protocol):
    """A binary file with an async ``read`` (``anyio.open_file``, aiofiles)."""

    def read(self, size: int, /) -> Awaitable[bytes]: ...


AudioSource: TypeAlias = (
    "bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes] | AsyncReadable "
    "| Iterable[bytes] | AsyncIterable[bytes]"
)


async def read_source(source: AudioSource) -> AsyncGenerator[bytes, None]:
    """The bytes of ``source``, in pieces. Raises ``TypeError`` for a source of another kind,
    a file opened in text mode, or an iterable that yields anything but bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        async with await anyio.open_file(source, "rb") as file:
            while piece := await file.read(_READ_SIZE):
                yield piece
    elif hasattr(source, "read"):
        while True:
            if isinstance(source, io.BytesIO):
                piece = source.read(_READ_SIZE)
            elif inspect.iscoroutinefunction(source.read):
                piece = await cast(AsyncReadable, source).read(_READ_SIZE)
            else:  # a file or a pipe may block: read it off the event loop
                piece = await anyio.to_thread.run_sync(cast("IO[bytes]", source).read, _READ_SIZE)
            if not piece:
                return
            yield audio_piece(piece, "the file's read()")
    elif isinstance(source, AsyncIterable):
        try:
            async for piece in source:
                yield audio_piece(piece, "the async iterable")
        finally:
            if inspect.isasyncgen(source):  # given up (an error): closed here, not by the GC
                await source.aclose()
    elif isinstance(source, Iterable):
        for piece in source:
            yield audio_piece(piece, "the iterable")
    else:
        raise TypeError(
            "send_audio needs bytes, a path, a binary file or an (async) iterable of bytes, "
            f"got {type(source).__name__}"
        )
