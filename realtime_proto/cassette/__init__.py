r"""Cassettes: recordings of a realtime conversation as it went over the wire, in a documented
JSON Lines format, with a pure writer and reader. The writer is handed entries and returns
the bytes of each line; the reader takes lines and returns the entries. Neither does I/O.

The format, version 1: UTF-8 text, one JSON object per line. The first line is the header:

- ``format``: ``"realtime-cassette"``, and ``version``: ``1``;
- ``dialect``: ``"ga"``, ``"beta"`` or ``"preview"`` (the values of ``realtime_proto.Dialect``);
- ``url``: where the client connected, without credentials;
- ``library_version``: the version of ``realtime_proto`` that wrote it;
- ``started_at``: when the recording started, ISO 8601 in UTC (``2025-06-01T12:00:00Z``).

Then one line per thing on the wire, in the order it was seen, each with ``at`` (seconds since
``started_at``), ``from`` (``"client"`` or ``"server"``: who sent it) and ``kind``:

- ``request``: the client's opening handshake: ``target`` (path and query) and ``headers``
  (a list of ``[name, value]`` pairs);
- ``response``: the server's answer to it: ``status``, ``headers``, and ``body`` if not empty;
- ``text``: one whole text message: ``text``; and ``truncated_from`` when the recording cut
  the audio the message carries (the length in bytes of the decoded audio as it was sent);
- ``binary``: one whole binary message: ``data``, in base64;
- ``close``: a close frame: ``code`` and ``reason``.

A reader ignores members it does not know; any other change makes a new version. Credentials
never reach a cassette: the URL's, credential-named headers' and query parameters' values,
anything shaped like a credential in a message, close reason or body (the rule that
``realtime_proto`` applies everywhere), and every exact occurrence of a secret the writer was
given or saw in the handshake, such as a server's error message echoing the key, are written
as ``<redacted>``. ``max_audio_bytes`` keeps files small: audio deltas and appends, in every
dialect's spelling, keep that much audio. A short session, written with
``max_audio_bytes=4``::

    {"format":"realtime-cassette","version":1,"dialect":"ga","url":"wss://api.openai.com/v1/realtime?model=gpt-realtime","library_version":"0.1.0","started_at":"2025-06-01T12:00:00Z"}
    {"at":0.0,"from":"client","kind":"request","target":"/v1/realtime?model=gpt-realtime","headers":[["Host","api.openai.com"],["Authorization","<redacted>"]]}
    {"at":0.21,"from":"server","kind":"response","status":101,"headers":[["Upgrade","websocket"],["Connection","Upgrade"]]}
    {"at":0.25,"from":"server","kind":"text","text":"{\"type\":\"session.created\",\"event_id\":\"ev_1\",\"session\":{\"id\":\"sess_1\"}}"}
    {"at":0.4,"from":"client","kind":"text","text":"{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAAAA==\"}","truncated_from":4800}
    {"at":1.32,"from":"server","kind":"text","text":"{\"type\":\"response.output_audio.delta\",\"event_id\":\"ev_9\",\"item_id\":\"item_2\",\"delta\":\"AAAAAA==\"}","truncated_from":9600}
    {"at":1.7,"from":"client","kind":"close","code":1000,"reason":""}

Writing one (the caller owns the file and the clock)::

    writer = CassetteWriter(header, secrets=endpoint.credentials, max_audio_bytes=4800)
    out.write(writer.header_line())
    out.write(writer.entry_line(TextFrame(at=now - start, direction=Direction.SERVER, text=t)))

and reading it back: ``read_cassette(open(path, "rb"))``. Or let a connection record itself:
``CassetteRecorder`` is a connection's wire tap that collects the entries as it sends and
receives, and hands out the lines with :meth:`~CassetteRecorder.take` (both transports'
``ConversationClient(record_to=...)`` do this).

Replaying one as the server: :class:`Replay` (message by message, time handed in; its module
states the matching rule) and :class:`ReplaySession` (the same over a server WebSocket's
bytes, what the transports' ``ReplayServer`` pumps); a client that departs from the recording
is a :class:`Divergence`.

Recording another client's conversation: :class:`ProxyRelay` relays a client's WebSocket to
the service's, message by message and verbatim, recording the service's side (what the
transports' ``ProxyServer`` and ``realtime-proto proxy`` pump).
"""

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
    TextFrame,
)
from ._match import KEY_FIELDS
from ._proxy import ProxyRelay, ProxySide
from ._read import CassetteError, read_cassette
from ._recorder import CassetteRecorder
from ._replay import Divergence, DivergenceError, Replay, ReplayStep, ServerFrame
from ._served import ProxyAddress, ReplayAddress, ReplaySessions
from ._session import DIVERGENCE_CLOSE_CODE, ReplaySession
from ._write import CassetteWriter

__all__ = [
    "DIVERGENCE_CLOSE_CODE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "KEY_FIELDS",
    "BinaryFrame",
    "Cassette",
    "CassetteError",
    "CassetteHeader",
    "CassetteRecorder",
    "CassetteWriter",
    "CloseFrame",
    "Direction",
    "Divergence",
    "DivergenceError",
    "Entry",
    "HandshakeRequest",
    "HandshakeResponse",
    "ProxyAddress",
    "ProxyRelay",
    "ProxySide",
    "Replay",
    "ReplayAddress",
    "ReplaySession",
    "ReplaySessions",
    "ReplayStep",
    "ServerFrame",
    "TextFrame",
    "read_cassette",
]
