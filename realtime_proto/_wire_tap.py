"""What a recorder is told of the wire: the :class:`WireTap` interface that the WebSocket layer
calls, in wire order, when one is attached, and the readings of the bytes it sends that the
tap is told of (an HTTP head, a close frame), so that it hears exactly what went out."""

from __future__ import annotations

from typing import Protocol, TypeAlias

from ._options import Role

__all__ = ["Headers", "WireTap", "close_frame_fields", "http_head"]

Headers: TypeAlias = tuple[tuple[str, str], ...]


class WireTap(Protocol):
    """Told of everything a connection sends and receives, in the order it does (a recorder
    such as :class:`realtime_proto.cassette.CassetteRecorder`). ``sender`` is the role of the
    end that sent the frame. Messages and close frames are told in both roles; the opening
    handshake on the CLIENT side only (its request as sent, the server's answer as read).
    What is sent is told once it is queued for the network, what is received once it is
    read whole. Pings and pongs are not told."""

    def request(self, target: str, headers: Headers) -> None:
        """The opening handshake the client sent: its request target and headers."""

    def response(self, status: int, headers: Headers, body: str) -> None:
        """The server's answer to it; ``body`` (as far as it was read) of a rejection."""

    def text(self, sender: Role, text: str) -> None:
        """One whole text message."""

    def binary(self, sender: Role, data: bytes) -> None:
        """One whole binary message."""

    def close(self, sender: Role, code: int, reason: str) -> None:
        """A close frame (code 1005 when it carried none)."""


def http_head(head: bytes) -> tuple[str, Headers]:
    """The first line and the header fields of an HTTP head that h11 wrote or accepted, with
    the names spelled as on the wire."""
    first, *fields = head.decode("latin-1").split("\r\n")
    headers = []
    for field in fields:
        if field:
            name, _, value = field.partition(":")
            headers.append((name, value.strip(" \t")))
    return first, tuple(headers)


def close_frame_fields(frame: bytes) -> tuple[int, str]:
    """The code and reason of one close frame as serialised (masked or not: a control frame's
    payload has at most 125 bytes, so its length is in the second byte)."""
    length = frame[1] & 0x7F
    if frame[1] & 0x80:
        mask = frame[2:6]
        payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(frame[6 : 6 + length]))
    else:
        payload = frame[2 : 2 + length]
    if len(payload) < 2:
        return 1005, ""
    return int.from_bytes(payload[:2], "big"), payload[2:].decode("utf-8", "replace")
