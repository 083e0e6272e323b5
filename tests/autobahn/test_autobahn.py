"""Autobahn|Testsuite fuzzingserver cases, in process: our CLIENT against hand-built server frames.

Each test keeps its Autobahn case id (``case_5_6`` is Autobahn case 5.6). Frames are written here
from RFC 6455 section 5; server frames are never masked, and the frames the client writes back
(pongs, close replies) are unmasked and checked. The realtime protocol carries JSON text, so text
payloads are JSON objects of an unknown type, padded to the case's length, which arrive as
``UnknownEvent``; binary messages arrive as ``UnexpectedBinaryMessage(size=...)``. Group 9 is
capped at 4 MiB. See README.md in this directory for the list and the NON-STRICT cases.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import pytest

import realtime_proto as rp
from tests.helpers import ConnectionPair, drain

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0

KIB = 1024
MIB = 1024 * KIB

# "κόσμε" in UTF-8, the sample text of the UTF-8 cases.
KOSME = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
# "κόσμε", then a UTF-16 surrogate encoded as UTF-8 (invalid), then "edited".
INVALID_UTF8 = KOSME + b"\xed\xa0\x80" + b"edited"
# "κόσμε", then U+110000 in the UTF-8 bit scheme (out of range: invalid at its 2nd octet).
OUT_OF_RANGE = b"\xf4\x90\x80\x80"
# Raw bytes go inside a JSON object of an unknown type, between these two.
BEFORE, AFTER = b'{"type":"x.y","pad":"', b'"}'


# -- the frame factory (RFC 6455 5.2) --------------------------------------------------------


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0) -> bytes:
    """One unmasked frame, with the shortest length encoding."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    length = len(payload)
    if length < 126:
        header = bytes([first, length])
    elif length < 1 << 16:
        header = bytes([first, 126]) + struct.pack("!H", length)
    else:
        header = bytes([first, 127]) + struct.pack("!Q", length)
    return header + payload


def text_frame(payload: bytes | str, *, fin: bool = True, rsv: int = 0) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return frame(TEXT, data, fin=fin, rsv=rsv)


def cont_frame(payload: bytes | str, *, fin: bool = True) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return frame(CONTINUATION, data, fin=fin)


def ping_frame(payload: bytes = b"") -> bytes:
    return frame(PING, payload)


def close_frame(code: int | None = 1000, reason: bytes = b"") -> bytes:
    return frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)


def fragments(opcode: int, payload: bytes, size: int) -> list[bytes]:
    """``payload`` as one message in frames of ``size`` bytes (the last may be shorter)."""
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
    last = len(pieces) - 1
    return [
        frame(opcode if i == 0 else CONTINUATION, piece, fin=i == last)
        for i, piece in enumerate(pieces)
    ]


def chops(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into reads of ``size`` bytes, as a TCP stream may deliver it."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def octets(data: bytes) -> list[bytes]:
    return chops(data, 1)


def json_text(length: int) -> str:
    """A JSON object of an unknown event type, exactly ``length`` bytes of UTF-8."""
    head, tail = '{"type":"x.y","pad":"', '"}'
    if length >= len(head) + len(tail):
        return head + "a" * (length - len(head) - len(tail)) + tail
    assert length >= 12, "too short for a JSON object with a type"
    return '{"type":"' + "x" * (length - 11) + '"}'


# -- the client side ---------------------------------------------------------------------------


class Sent(NamedTuple):
    """A frame the client wrote."""

    fin: bool
    rsv: int
    opcode: int
    payload: bytes


def parse_client_frames(data: bytes) -> list[Sent]:
    """Split what the client wrote into frames; every client frame must be masked (RFC 5.3)."""
    frames: list[Sent] = []
    pos = 0
    while pos < len(data):
        first, second = data[pos], data[pos + 1]
        assert second & 0x80, "a client frame must be masked"
        length = second & 0x7F
        pos += 2
        if length == 126:
            length = int.from_bytes(data[pos : pos + 2], "big")
            pos += 2
        elif length == 127:
            length = int.from_bytes(data[pos : pos + 8], "big")
            pos += 8
        key = data[pos : pos + 4]
        pos += 4
        masked = data[pos : pos + length]
        assert len(masked) == length, "a client frame was cut short"
        pos += length
        payload = bytes(byte ^ key[i % 4] for i, byte in enumerate(masked))
        frames.append(Sent(bool(first & 0x80), (first >> 4) & 0x7, first & 0x0F, payload))
    return frames


class Client:
    """Our CLIENT after the opening handshake, fed server bytes read by read."""

    def __init__(self) -> None:
        self.connection = ConnectionPair().client
        self.events: list[Any] = []
        self.sent: list[Sent] = []

    def feed(self, *reads: bytes) -> list[Any]:
        """Feed each read in turn, collecting the events and the client's frames after each."""
        new: list[Any] = []
        for data in reads:
            self.connection.receive_data(data)
            new.extend(drain(self.connection))
            self.sent.extend(parse_client_frames(self.connection.data_to_send()))
        self.events.extend(new)
        return new

    def feed_all(self, reads: Iterable[bytes]) -> list[Any]:
        return self.feed(*reads)

    @property
    def pongs(self) -> list[bytes]:
        return [sent.payload for sent in self.sent if sent.opcode == PONG]

    @property
    def closes(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.opcode == CLOSE]

    @property
    def messages(self) -> list[Any]:
        return [event for event in self.events if not isinstance(event, rp.ConnectionClosed)]

    def assert_open(self) -> None:
        assert self.connection.state is rp.ConnectionState.OPEN
        assert not any(isinstance(event, rp.ConnectionClosed) for event in self.events)
        assert self.closes == []

    def assert_failed(self, code: int) -> rp.ConnectionClosed:
        """The connection was failed: a final error event and exactly one CLOSE with ``code``."""
        final = self.events[-1]
        assert isinstance(final, rp.ConnectionClosed), self.events
        assert (final.code, final.initiator) == (code, "error"), final
        assert sum(isinstance(e, rp.ConnectionClosed) for e in self.events) == 1
        [close] = self.closes
        assert self.sent[-1] == close, "nothing is written after the CLOSE"
        assert close.fin
        assert close_code(close) == code
        assert self.connection.state is rp.ConnectionState.CLOSED
        # Whatever comes next is ignored.
        assert self.feed(text_frame(json_text(40)), ping_frame(b"late")) == []
        assert self.sent[-1] == close
        return final

    def assert_closed_by_peer(self, code: int | None, reason: str = "") -> None:
        """The peer closed: a final remote event and a CLOSE reply echoing ``code``."""
        final = self.events[-1]
        assert final == rp.ConnectionClosed(
            code=1005 if code is None else code, reason=reason, initiator="remote"
        )
        [close] = self.closes
        assert self.sent[-1] == close
        assert close_code(close) == code
        assert self.connection.state is rp.ConnectionState.CLOSED
        with pytest.raises(rp.LocalProtocolError):
            self.connection.send(rp.SendText(text="after the close"))
        assert self.connection.data_to_send() == b""

    def finish_cleanly(self) -> None:
        """End an OK case as Autobahn does: a normal close, echoed."""
        self.assert_open()
        self.feed(close_frame(1000))
        self.assert_closed_by_peer(1000)


def close_code(sent: Sent) -> int | None:
    assert sent.opcode == CLOSE
    if not sent.payload:
        return None
    code: int = struct.unpack("!H", sent.payload[:2])[0]
    return code


def assert_text_event(event: Any, text: str) -> None:
    """A JSON text message from :func:`json_text` (or alike) arrived whole, as one event."""
    assert isinstance(event, rp.UnknownEvent), event
    assert event.raw == text
    assert event.payload == json.loads(text)


def feed_modes(frames: Sequence[bytes], mode: str) -> list[bytes]:
    """The reads of a case: all ``frames`` in one chop, frame-wise, or octet-wise."""
    if mode == "chop":
        return [b"".join(frames)]
    if mode == "frame":
        return list(frames)
    assert mode == "octet"
    return octets(b"".join(frames))


# -- 1: framing --------------------------------------------------------------------------------

TEXT_LENGTHS = [
    ("case_1_1_1", 0, None),
    ("case_1_1_2", 125, None),
    ("case_1_1_3", 126, None),
    ("case_1_1_4", 127, None),
    ("case_1_1_5", 128, None),
    ("case_1_1_6", 65535, None),
    ("case_1_1_7", 65536, None),
    ("case_1_1_8", 65536, 997),  # sent in chops of 997 octets
]


@pytest.mark.parametrize(
    ("length", "chop"),
    [pytest.param(length, chop, id=case) for case, length, chop in TEXT_LENGTHS],
)
def test_case_1_1_text_messages(length: int, chop: int | None) -> None:
    client = Client()
    if length == 0:
        # An empty text message is a valid WebSocket message but no JSON: it arrives as a
        # typed InvalidMessage and the session goes on.
        data = text_frame(b"")
        client.feed_all(chops(data, chop) if chop else [data])
        [event] = client.events
        assert isinstance(event, rp.InvalidMessage)
        assert event.raw == ""
    else:
        message = json_text(length)
        assert len(message.encode()) == length
        data = text_frame(message)
        client.feed_all(chops(data, chop) if chop else [data])
        [event] = client.events
        assert_text_event(event, message)
    client.finish_cleanly()


BINARY_LENGTHS = [
    ("case_1_2_1", 0, None),
    ("case_1_2_2", 125, None),
    ("case_1_2_3", 126, None),
    ("case_1_2_4", 127, None),
    ("case_1_2_5", 128, None),
    ("case_1_2_6", 65535, None),
    ("case_1_2_7", 65536, None),
    ("case_1_2_8", 65536, 997),
]


@pytest.mark.parametrize(
    ("length", "chop"),
    [pytest.param(length, chop, id=case) for case, length, chop in BINARY_LENGTHS],
)
def test_case_1_2_binary_messages(length: int, chop: int | None) -> None:
    client = Client()
    data = frame(BINARY, b"\xfe" * length)
    client.feed_all(chops(data, chop) if chop else [data])
    assert client.events == [rp.UnexpectedBinaryMessage(size=length)]
    client.finish_cleanly()


# -- 2: pings and pongs ------------------------------------------------------------------------

PING_PAYLOADS = [
    ("case_2_1", b"", False),
    ("case_2_2", b"Hello, world!", False),
    ("case_2_3", b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff", False),
    ("case_2_4", b"\xfe" * 125, False),
    ("case_2_6", b"\xfe" * 125, True),  # sent in octet-wise chops
]


@pytest.mark.parametrize(
    ("payload", "octet_wise"),
    [pytest.param(payload, octet_wise, id=case) for case, payload, octet_wise in PING_PAYLOADS],
)
def test_case_2_ping_is_answered_with_its_payload(payload: bytes, octet_wise: bool) -> None:
    client = Client()
    data = ping_frame(payload)
    client.feed_all(octets(data) if octet_wise else [data])
    assert client.events == []
    assert client.sent == [Sent(fin=True, rsv=0, opcode=PONG, payload=payload)]
    client.finish_cleanly()


def test_case_2_5() -> None:
    """A ping with 126 bytes of payload: control frames carry at most 125 (RFC 5.5)."""
    client = Client()
    client.feed(ping_frame(b"\xfe" * 126))
    assert client.pongs == []
    client.assert_failed(1002)


@pytest.mark.parametrize(
    "payload",
    [pytest.param(b"", id="case_2_7"), pytest.param(b"unsolicited pong payload", id="case_2_8")],
)
def test_case_2_unsolicited_pong_is_ignored(payload: bytes) -> None:
    client = Client()
    client.feed(frame(PONG, payload))
    assert client.events == []
    assert client.sent == []
    client.finish_cleanly()


def test_case_2_9() -> None:
    """An unsolicited pong, then a ping: only the ping is answered."""
    client = Client()
    client.feed(frame(PONG, b"unsolicited pong payload"), ping_frame(b"ping payload"))
    assert client.events == []
    assert client.pongs == [b"ping payload"]
    client.finish_cleanly()


@pytest.mark.parametrize(
    "octet_wise", [pytest.param(False, id="case_2_10"), pytest.param(True, id="case_2_11")]
)
def test_case_2_ten_pings_are_answered_in_order(octet_wise: bool) -> None:
    payloads = [f"payload-{i}".encode() for i in range(10)]
    data = b"".join(ping_frame(payload) for payload in payloads)
    client = Client()
    client.feed_all(octets(data) if octet_wise else [data])
    assert client.pongs == payloads
    assert [sent.opcode for sent in client.sent] == [PONG] * 10
    client.finish_cleanly()


# -- 3: reserved bits --------------------------------------------------------------------------


def test_case_3_1() -> None:
    """A small text message with RSV = 1 (no extension was negotiated)."""
    client = Client()
    client.feed(text_frame(json_text(30), rsv=1))
    assert client.messages == []
    client.assert_failed(1002)


@pytest.mark.parametrize(
    ("rsv", "mode"),
    [
        pytest.param(2, "chop", id="case_3_2"),
        pytest.param(3, "frame", id="case_3_3"),
        pytest.param(4, "octet", id="case_3_4"),
    ],
)
def test_case_3_good_text_then_reserved_bits_then_ping(rsv: int, mode: str) -> None:
    good = json_text(30)
    frames = [text_frame(good), text_frame(good, rsv=rsv), ping_frame(b"after")]
    client = Client()
    client.feed_all(feed_modes(frames, mode))
    assert len(client.messages) == 1
    assert_text_event(client.messages[0], good)
    assert client.pongs == [], "the ping after the bad frame is not answered"
    client.assert_failed(1002)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(frame(BINARY, b"\x00\xff\xfe\xfd", rsv=5), id="case_3_5"),
        pytest.param(frame(PING, b"ping", rsv=6), id="case_3_6"),
        pytest.param(frame(CLOSE, struct.pack("!H", 1000), rsv=7), id="case_3_7"),
    ],
)
def test_case_3_reserved_bits_on_other_frames(bad: bytes) -> None:
    client = Client()
    client.feed(bad)
    assert client.messages == []
    assert client.pongs == []
    client.assert_failed(1002)


# -- 4: reserved opcodes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opcode", "payload", "around"),
    [
        pytest.param(3, b"", False, id="case_4_1_1"),
        pytest.param(4, b"reserved payload", False, id="case_4_1_2"),
        pytest.param(5, b"", True, id="case_4_1_3"),
        pytest.param(6, b"reserved payload", True, id="case_4_1_4"),
        pytest.param(7, b"reserved payload", True, id="case_4_1_5"),
        pytest.param(11, b"", False, id="case_4_2_1"),
        pytest.param(12, b"reserved payload", False, id="case_4_2_2"),
        pytest.param(13, b"", True, id="case_4_2_3"),
        pytest.param(14, b"reserved payload", True, id="case_4_2_4"),
        pytest.param(15, b"reserved payload", True, id="case_4_2_5"),
    ],
)
def test_case_4_reserved_opcodes(opcode: int, payload: bytes, around: bool) -> None:
    """Alone, or after a good text message and followed by a ping."""
    good = json_text(30)
    frames = [frame(opcode, payload)]
    if around:
        frames = [text_frame(good), *frames, ping_frame(b"after")]
    client = Client()
    client.feed(b"".join(frames))
    if around:
        assert len(client.messages) == 1
        assert_text_event(client.messages[0], good)
    else:
        assert client.messages == []
    assert client.pongs == []
    client.assert_failed(1002)


# -- 5: fragmentation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opcode", [pytest.param(PING, id="case_5_1"), pytest.param(PONG, id="case_5_2")]
)
def test_case_5_fragmented_control_frame(opcode: int) -> None:
    client = Client()
    client.feed(frame(opcode, b"fragment1", fin=False) + cont_frame(b"fragment2"))
    assert client.pongs == []
    client.assert_failed(1002)


MESSAGE = json_text(60)
HALVES = (MESSAGE[:25], MESSAGE[25:])


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("chop", id="case_5_3"),
        pytest.param("frame", id="case_5_4"),
        pytest.param("octet", id="case_5_5"),
    ],
)
def test_case_5_text_in_two_fragments(mode: str) -> None:
    client = Client()
    client.feed_all(feed_modes([text_frame(HALVES[0], fin=False), cont_frame(HALVES[1])], mode))
    [event] = client.events
    assert_text_event(event, MESSAGE)
    client.finish_cleanly()


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("chop", id="case_5_6"),
        pytest.param("frame", id="case_5_7"),
        pytest.param("octet", id="case_5_8"),
    ],
)
def test_case_5_ping_between_two_fragments(mode: str) -> None:
    client = Client()
    first = text_frame(HALVES[0], fin=False) + ping_frame(b"ping payload")
    client.feed_all(feed_modes([first], mode))
    # The pong goes out at once, before the message is complete.
    assert client.pongs == [b"ping payload"]
    assert client.events == []
    client.feed_all(feed_modes([cont_frame(HALVES[1])], mode))
    [event] = client.events
    assert_text_event(event, MESSAGE)
    client.finish_cleanly()


@pytest.mark.parametrize(
    ("fin", "mode"),
    [
        pytest.param(True, "chop", id="case_5_9"),
        pytest.param(True, "frame", id="case_5_10"),
        pytest.param(True, "octet", id="case_5_11"),
        pytest.param(False, "chop", id="case_5_12"),
        pytest.param(False, "frame", id="case_5_13"),
        pytest.param(False, "octet", id="case_5_14"),
    ],
)
def test_case_5_continuation_with_nothing_to_continue(fin: bool, mode: str) -> None:
    """A continuation frame with no message under way, then a good text message."""
    frames = [cont_frame(b"non-continuation payload", fin=fin), text_frame(json_text(30))]
    client = Client()
    client.feed_all(feed_modes(frames, mode))
    assert client.messages == []
    client.assert_failed(1002)


def test_case_5_15() -> None:
    """A good fragmented message, then a continuation with nothing to continue."""
    frames = [
        text_frame(HALVES[0], fin=False),
        cont_frame(HALVES[1]),
        cont_frame(b"fragment3", fin=False),
        text_frame(b"fragment4"),
    ]
    client = Client()
    client.feed(b"".join(frames))
    [event] = client.messages
    assert_text_event(event, MESSAGE)
    client.assert_failed(1002)


@pytest.mark.parametrize(
    "fin", [pytest.param(False, id="case_5_16"), pytest.param(True, id="case_5_17")]
)
def test_case_5_orphan_continuation_before_fragmented_message(fin: bool) -> None:
    once = [
        cont_frame(b"fragment1", fin=fin),
        text_frame(HALVES[0], fin=False),
        cont_frame(HALVES[1]),
    ]
    client = Client()
    client.feed(b"".join(once * 2))
    assert client.messages == []
    client.assert_failed(1002)


def test_case_5_18() -> None:
    """A fragmented text message whose second frame is a text frame, not a continuation."""
    client = Client()
    client.feed(text_frame(HALVES[0], fin=False) + text_frame(HALVES[1]))
    assert client.messages == []
    client.assert_failed(1002)


@pytest.mark.parametrize(
    "mode", [pytest.param("chop", id="case_5_19"), pytest.param("frame", id="case_5_20")]
)
def test_case_5_five_fragments_with_two_pings(mode: str) -> None:
    message = json_text(100)
    pieces = [message[i * 20 : (i + 1) * 20] for i in range(5)]
    client = Client()
    first = [
        text_frame(pieces[0], fin=False),
        cont_frame(pieces[1], fin=False),
        ping_frame(b"pongme 1!"),
    ]
    client.feed_all(feed_modes(first, mode))
    assert client.pongs == [b"pongme 1!"], "the first ping is answered before the message ends"
    assert client.events == []
    rest = [
        cont_frame(pieces[2], fin=False),
        cont_frame(pieces[3], fin=False),
        ping_frame(b"pongme 2!"),
        cont_frame(pieces[4]),
    ]
    client.feed_all(feed_modes(rest, mode))
    assert client.pongs == [b"pongme 1!", b"pongme 2!"]
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


# -- 6.1-6.4: UTF-8 handling -------------------------------------------------------------------


def test_case_6_1_1() -> None:
    """A text message of length 0: valid, and reported as InvalidMessage (it is no JSON)."""
    client = Client()
    client.feed(text_frame(b""))
    [event] = client.events
    assert isinstance(event, rp.InvalidMessage)
    client.finish_cleanly()


def test_case_6_1_2() -> None:
    """A text message in 3 fragments, each of length 0."""
    client = Client()
    client.feed(text_frame(b"", fin=False) + cont_frame(b"", fin=False) + cont_frame(b""))
    [event] = client.events
    assert isinstance(event, rp.InvalidMessage)
    assert event.raw == ""
    client.finish_cleanly()


def test_case_6_1_3() -> None:
    """A text message in 3 fragments, the first and the last of length 0."""
    message = json_text(40)
    client = Client()
    client.feed(text_frame(b"", fin=False) + cont_frame(message, fin=False) + cont_frame(b""))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


HELLO = "Hello-µ@ßöäüàá-UTF-8!!"
HELLO_MESSAGE = json.dumps({"type": "x.y", "pad": HELLO}, ensure_ascii=False)
KOSME_MESSAGE = json.dumps({"type": "x.y", "pad": KOSME.decode()}, ensure_ascii=False)


def test_case_6_2_1() -> None:
    """Valid UTF-8 with multi-byte code points, in one frame."""
    client = Client()
    client.feed(text_frame(HELLO_MESSAGE))
    [event] = client.events
    assert_text_event(event, HELLO_MESSAGE)
    assert event.payload["pad"] == HELLO
    client.finish_cleanly()


def test_case_6_2_2() -> None:
    """The same in two fragments, split at every byte boundary (inside code points too)."""
    data = HELLO_MESSAGE.encode()
    for cut in range(len(data) + 1):
        client = Client()
        client.feed(text_frame(data[:cut], fin=False) + cont_frame(data[cut:]))
        [event] = client.events
        assert_text_event(event, HELLO_MESSAGE)
        client.finish_cleanly()


@pytest.mark.parametrize(
    "message",
    [pytest.param(HELLO_MESSAGE, id="case_6_2_3"), pytest.param(KOSME_MESSAGE, id="case_6_2_4")],
)
def test_case_6_2_one_octet_fragments(message: str) -> None:
    """Frames of one octet each: most end inside a code point."""
    client = Client()
    client.feed(*fragments(TEXT, message.encode(), 1))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


@pytest.mark.parametrize(
    "one_octet_fragments",
    [pytest.param(False, id="case_6_3_1"), pytest.param(True, id="case_6_3_2")],
)
def test_case_6_3_invalid_utf8(one_octet_fragments: bool) -> None:
    data = BEFORE + INVALID_UTF8 + AFTER
    good = json_text(30)
    client = Client()
    client.feed(text_frame(good))
    if one_octet_fragments:
        frames = fragments(TEXT, data, 1)
        start = len(BEFORE + KOSME)  # where the encoded surrogate ED A0 80 begins
        client.feed(*frames[:start])
        client.assert_open()
        client.feed(*frames[start : start + 3])  # fails fast, within the bad sequence
        assert isinstance(client.events[-1], rp.ConnectionClosed)
    else:
        client.feed(text_frame(data))
    [event] = client.messages
    assert_text_event(event, good)
    client.assert_failed(1007)


def utf8_parts(case: str) -> tuple[bytes, bytes, bytes]:
    """The three parts of cases 6.4.x, in a JSON object: the invalid octet opens part 2."""
    whole = BEFORE + KOSME + OUT_OF_RANGE + b"edited" + AFTER
    if case in ("6.4.1", "6.4.3"):
        split = len(BEFORE + KOSME)
        return whole[:split], OUT_OF_RANGE, whole[split + len(OUT_OF_RANGE) :]
    split = len(BEFORE + KOSME) + 1  # part 2 is only the octet that makes it invalid
    return whole[:split], whole[split : split + 1], whole[split + 1 :]


@pytest.mark.parametrize(
    ("case", "as_frames"),
    [
        pytest.param("6.4.1", True, id="case_6_4_1"),
        pytest.param("6.4.2", True, id="case_6_4_2"),
        pytest.param("6.4.3", False, id="case_6_4_3"),
        pytest.param("6.4.4", False, id="case_6_4_4"),
    ],
)
def test_case_6_4_invalid_utf8_in_three_parts(case: str, as_frames: bool) -> None:
    """Three parts, as three frames (6.4.1/2) or three reads of one frame (6.4.3/4), the
    invalid octet in part 2. Earlier events are delivered.

    As frames, the connection fails on part 2, before part 3 arrives (OK). As reads of one
    unfragmented frame it fails once the frame is complete, on part 3 (NON-STRICT): a whole
    text frame is buffered until its last byte and validated in one piece."""
    part1, part2, part3 = utf8_parts(case)
    good = json_text(30)
    client = Client()
    client.feed(text_frame(good))
    if as_frames:
        reads = [text_frame(part1, fin=False), cont_frame(part2, fin=False), cont_frame(part3)]
    else:
        whole = text_frame(part1 + part2 + part3)
        split = len(whole) - len(part2 + part3)
        reads = [whole[:split], part2, part3]
    client.feed(reads[0])
    client.assert_open()
    client.feed(reads[1])
    if not as_frames:  # NON-STRICT: no fail-fast inside one frame
        client.assert_open()
        client.feed(reads[2])
    [event] = client.messages
    assert_text_event(event, good)
    client.assert_failed(1007)
    if as_frames:
        assert client.feed(reads[2]) == []


# -- 7: closing --------------------------------------------------------------------------------


def test_case_7_1_1() -> None:
    """A message, then a close: the message is delivered, the close echoed."""
    message = json_text(40)
    client = Client()
    client.feed(text_frame(message) + close_frame(1000))
    assert_text_event(client.events[0], message)
    assert len(client.events) == 2
    client.assert_closed_by_peer(1000)


def test_case_7_1_2() -> None:
    """Two close frames: the second is ignored."""
    client = Client()
    client.feed(close_frame(1000) + close_frame(1000))
    assert len(client.events) == 1
    client.assert_closed_by_peer(1000)
    assert client.feed(close_frame(1000)) == []


def test_case_7_1_3() -> None:
    """A ping after the close is not answered."""
    client = Client()
    client.feed(close_frame(1000), ping_frame(b"after close"))
    assert client.pongs == []
    client.assert_closed_by_peer(1000)


def test_case_7_1_4() -> None:
    """A text message after the close is not delivered."""
    client = Client()
    client.feed(close_frame(1000) + text_frame(json_text(40)))
    assert len(client.events) == 1
    client.assert_closed_by_peer(1000)


def test_case_7_1_5() -> None:
    """A first fragment, the close, then the last fragment: the message never completes."""
    client = Client()
    client.feed(text_frame(HALVES[0], fin=False) + close_frame(1000) + cont_frame(HALVES[1]))
    assert len(client.events) == 1
    client.assert_closed_by_peer(1000)


def test_case_7_1_6() -> None:
    """A 256 KiB message, a small message, the close and a ping, back to back (OK: both
    messages are processed before the close)."""
    big = json_text(256 * KIB)
    small = '{"type":"x.y","pad":"Hello World!"}'
    data = text_frame(big) + text_frame(small) + close_frame(1000) + ping_frame()
    client = Client()
    client.feed_all(chops(data, 4096))
    assert len(client.events) == 3
    assert_text_event(client.events[0], big)
    assert_text_event(client.events[1], small)
    assert client.pongs == []
    client.assert_closed_by_peer(1000)


def test_case_7_3_1() -> None:
    """A close without payload: reported as 1005 and answered with an empty close."""
    client = Client()
    client.feed(close_frame(None))
    client.assert_closed_by_peer(None)
    assert client.closes[0].payload == b""


def test_case_7_3_2() -> None:
    """A close with a 1-byte payload: a code needs 2."""
    client = Client()
    client.feed(frame(CLOSE, b"\x03"))
    client.assert_failed(1002)


def test_case_7_3_3() -> None:
    """A close with a code only."""
    client = Client()
    client.feed(close_frame(1000))
    client.assert_closed_by_peer(1000)


def test_case_7_3_4() -> None:
    """A close with a code and a reason."""
    client = Client()
    client.feed(close_frame(1000, b"Ok"))
    client.assert_closed_by_peer(1000, "Ok")


def test_case_7_3_5() -> None:
    """A reason of 123 bytes, the most that fits in a control frame."""
    client = Client()
    client.feed(close_frame(1000, b"*" * 123))
    client.assert_closed_by_peer(1000, "*" * 123)


def test_case_7_3_6() -> None:
    """A reason of 124 bytes: the payload is 126 bytes, too long for a control frame."""
    client = Client()
    client.feed(close_frame(1000, b"*" * 124))
    client.assert_failed(1002)


def test_case_7_5_1() -> None:
    """A close whose reason is not valid UTF-8."""
    client = Client()
    client.feed(close_frame(1000, INVALID_UTF8))
    client.assert_failed(1007)


VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]


@pytest.mark.parametrize(
    "code",
    [pytest.param(code, id=f"case_7_7_{i}") for i, code in enumerate(VALID_CODES, start=1)],
)
def test_case_7_7_valid_close_codes_are_echoed(code: int) -> None:
    client = Client()
    client.feed(close_frame(code))
    client.assert_closed_by_peer(code)


INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999]


@pytest.mark.parametrize(
    "code",
    [
        *[pytest.param(code, id=f"case_7_9_{i}") for i, code in enumerate(INVALID_CODES, start=1)],
        # 1015 (TLS handshake failure) is local-only too; older suite versions listed it in 7.9.
        pytest.param(1015, id="case_7_9_x_1015"),
        pytest.param(5000, id="case_7_13_1"),
        pytest.param(65535, id="case_7_13_2"),
    ],
)
def test_case_7_9_invalid_close_codes(code: int) -> None:
    client = Client()
    client.feed(close_frame(code))
    client.assert_failed(1002)


# -- 9: limits and performance, at reduced sizes -----------------------------------------------

SIZES = [64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB]


@pytest.mark.parametrize(
    "size", [pytest.param(size, id=f"case_9_1_{i}") for i, size in enumerate(SIZES, start=1)]
)
def test_case_9_1_large_text_message(size: int) -> None:
    message = json_text(size)
    client = Client()
    client.feed_all(chops(text_frame(message), 64 * KIB))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


@pytest.mark.parametrize(
    "size", [pytest.param(size, id=f"case_9_2_{i}") for i, size in enumerate(SIZES, start=1)]
)
def test_case_9_2_large_binary_message(size: int) -> None:
    client = Client()
    client.feed_all(chops(frame(BINARY, b"\xfe" * size), 64 * KIB))
    assert client.events == [rp.UnexpectedBinaryMessage(size=size)]
    client.finish_cleanly()


FRAGMENT_SIZES = [64, 256, 1 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB]
FRAGMENTED = 4 * MIB


@pytest.mark.parametrize(
    "fragment",
    [pytest.param(size, id=f"case_9_3_{i}") for i, size in enumerate(FRAGMENT_SIZES, start=1)],
)
def test_case_9_3_fragmented_text_message(fragment: int) -> None:
    message = json_text(FRAGMENTED)
    client = Client()
    client.feed_all(chops(b"".join(fragments(TEXT, message.encode(), fragment)), 256 * KIB))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


@pytest.mark.parametrize(
    "fragment",
    [pytest.param(size, id=f"case_9_4_{i}") for i, size in enumerate(FRAGMENT_SIZES, start=1)],
)
def test_case_9_4_fragmented_binary_message(fragment: int) -> None:
    client = Client()
    data = b"".join(fragments(BINARY, b"\xfe" * FRAGMENTED, fragment))
    client.feed_all(chops(data, 256 * KIB))
    assert client.events == [rp.UnexpectedBinaryMessage(size=FRAGMENTED)]
    client.finish_cleanly()


CHOP_SIZES = [64, 128, 256, 512, 1024, 2048]


@pytest.mark.parametrize(
    "chop", [pytest.param(size, id=f"case_9_5_{i}") for i, size in enumerate(CHOP_SIZES, start=1)]
)
def test_case_9_5_text_message_in_small_reads(chop: int) -> None:
    message = json_text(1 * MIB)
    client = Client()
    client.feed_all(chops(text_frame(message), chop))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()


@pytest.mark.parametrize(
    "chop", [pytest.param(size, id=f"case_9_6_{i}") for i, size in enumerate(CHOP_SIZES, start=1)]
)
def test_case_9_6_binary_message_in_small_reads(chop: int) -> None:
    client = Client()
    client.feed_all(chops(frame(BINARY, b"\xfe" * MIB), chop))
    assert client.events == [rp.UnexpectedBinaryMessage(size=MIB)]
    client.finish_cleanly()


COUNT_SIZES = [0, 16, 64, 256, 1024, 4096]


@pytest.mark.parametrize(
    "size", [pytest.param(size, id=f"case_9_7_{i}") for i, size in enumerate(COUNT_SIZES, start=1)]
)
def test_case_9_7_many_text_messages(size: int) -> None:
    message = json_text(size) if size else ""
    client = Client()
    client.feed(text_frame(message) * 1000)
    assert len(client.events) == 1000
    for event in client.events:
        if size:
            assert_text_event(event, message)
        else:
            assert isinstance(event, rp.InvalidMessage)  # an empty message is no JSON
    client.finish_cleanly()


@pytest.mark.parametrize(
    "size", [pytest.param(size, id=f"case_9_8_{i}") for i, size in enumerate(COUNT_SIZES, start=1)]
)
def test_case_9_8_many_binary_messages(size: int) -> None:
    client = Client()
    client.feed(frame(BINARY, b"\xfe" * size) * 1000)
    assert client.events == [rp.UnexpectedBinaryMessage(size=size)] * 1000
    client.finish_cleanly()


# -- 10: miscellaneous -------------------------------------------------------------------------


def test_case_10_1_1() -> None:
    """A 64 KiB text message auto-fragmented into frames of 1300 bytes."""
    message = json_text(65536)
    client = Client()
    client.feed_all(chops(b"".join(fragments(TEXT, message.encode(), 1300)), 4096))
    [event] = client.events
    assert_text_event(event, message)
    client.finish_cleanly()
