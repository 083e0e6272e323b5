"""The file a conversation is recorded to: the core hands out the lines, this writes them.

Plain blocking writes on both transports (the anyio one writes small batches of lines to the
page cache from its writer task), so the anyio transport uses this class too."""

from __future__ import annotations

import contextlib
import os
from typing import BinaryIO

from realtime_proto.client import RecordTarget

__all__ = ["RecordingFile"]


class RecordingFile:
    """Writes the cassette lines of one conversation to ``target``: a path is opened here, at
    once (so that a path that cannot be written fails before connecting), and closed by
    :meth:`close`; a file object the caller gave is flushed by :meth:`close` and left open.

    A write that fails stops the recording, not the conversation (a full disk should not cut
    a call short): later lines are dropped, and :meth:`close`, at the end of the
    conversation, raises the error.
    """

    def __init__(self, target: RecordTarget) -> None:
        if isinstance(target, (str, os.PathLike)):
            self._file: BinaryIO = open(target, "wb")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._file, self._owned = target, False
        self._error: Exception | None = None
        self._closed = False

    def write(self, lines: bytes) -> None:
        if not lines or self._error is not None or self._closed:
            return
        try:
            self._file.write(lines)
        except Exception as exc:
            self._error = exc

    def close(self) -> None:
        """Flush, and close the file if it was opened here; then raise what a write or the
        flush raised, if anything did."""
        self._closed = True
        try:
            if self._error is None:
                self._file.flush()
        except Exception as exc:
            self._error = exc
        finally:
            if self._owned:
                with contextlib.suppress(OSError):  # flushed above, or already failed
                    self._file.close()
        if self._error is not None:
            raise self._error
