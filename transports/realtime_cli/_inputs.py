"""The files ``converse`` reads and writes, checked before it connects."""

from __future__ import annotations

import contextlib
import os

from realtime_proto import AudioFormat
from realtime_proto.audio import WavError, is_wav, read_wav, to_session_format

from ._errors import UsageError

__all__ = ["check_out", "read_input"]


def read_input(path: str) -> tuple[bytes, list[str]]:
    """A WAV file in any usual encoding, as the session's PCM16 24 kHz mono, and the notes worth
    a line about it (a conversion, a truncated file). Raises :class:`UsageError` for a file
    that is missing, unreadable or not a WAV."""
    try:
        with open(path, "rb") as source:
            data = source.read()
    except FileNotFoundError:
        raise UsageError(
            f"cannot read {path}: no such file; give the path of a WAV file, or --text to type"
        ) from None
    except IsADirectoryError:
        raise UsageError(f"cannot read {path}: it is a directory; give a WAV file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not is_wav(data):
        raise UsageError(
            f"cannot read {path}: not a WAV file (no RIFF/WAVE header); convert it to WAV, "
            "or type with --text"
        )
    try:
        wav = read_wav(data)
        audio = to_session_format(wav, AudioFormat.PCM16)
    except WavError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    notes = []
    if wav.truncated:
        notes.append(
            f"realtime-proto: warning: {path} is truncated (its header promises more audio "
            f"than the file holds); sending the {wav.duration_ms:.0f} ms it has"
        )
    if wav.format.session_format() is not AudioFormat.PCM16:
        notes.append(f"converting {wav.format.describe()} to PCM16 24 kHz mono")
    return audio, notes


def check_out(path: str, *, option: str = "--out", example: str = "reply.wav") -> None:
    """Refuse, before connecting, a file to write (the reply for ``--out``, the recording for
    ``--record``) that could not be written: a missing directory, a directory, a place
    without write permission. Opens the file to append (which leaves an existing file as it
    is); a file made by the check is removed again."""
    if os.path.isdir(path):
        raise UsageError(
            f"{option} {path} is a directory: name a file in it, like {os.path.join(path, example)}"
        )
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        what = "is not a directory" if os.path.exists(parent) else "does not exist"
        raise UsageError(f"{option} {path}: {parent} {what}; create it, or write elsewhere")
    existed = os.path.exists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise UsageError(
            f"{option} {path} cannot be written ({exc.strerror or exc}); choose another path"
        ) from None
    if not existed:
        with contextlib.suppress(OSError):
            os.remove(path)
