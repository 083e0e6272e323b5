"""Test helpers: a CLIENT and a SERVER core wired together in memory, and wire builders."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any, AnyStr

import realtime_proto as rp
from realtime_proto.client import ClientConversation

# The message fields of the .NET alpha, on every event (None where they do not apply).
PAYLOAD_FIELDS = (
    "text",
    "audio_bytes",
    "audio_transcript",
    "audio_sample_index",
    "tool_call_id",
    "tool_name",
    "tool_arguments",
    "finish_reason",
)

LOCAL_URL = "ws://127.0.0.1:8765/v1/realtime?model=test-model"


class ConnectionPair:
    """A client and a server connection whose bytes are shuttled by :meth:`pump`."""

    def __init__(
        self,
        *,
        dialect: rp.Dialect = rp.Dialect.GA,
        limits: rp.Limits | None = None,
        policy: rp.ResponsePolicy = rp.ResponsePolicy.DEFER,
        timeouts: rp.Timeouts | None = None,
        open_now: bool = True,
    ) -> None:
        endpoint = rp.Endpoint.from_url(LOCAL_URL, dialect=dialect)
        self.client = rp.Connection.client(
            endpoint, limits=limits, response_policy=policy, dialect=dialect, timeouts=timeouts
        )
        self.server = rp.Connection.server(dialect=dialect)
        self.client_events: list[rp.Event] = []
        self.server_events: list[Any] = []
        self.client_bytes = bytearray()  # everything the server sent, for replays
        if open_now:
            self.open()

    def open(self) -> None:
        self.pump()
        request = self.server_events.pop()
        assert isinstance(request, rp.ConnectionRequested)
        self.server.send(rp.AcceptConnection())
        self.pump()
        connected = self.client_events.pop()
        assert isinstance(connected, rp.Connected)

    def pump(self) -> tuple[list[rp.Event], list[Any]]:
        """Move bytes both ways until neither side has anything to say; returns the events
        and commands each side received during this call."""
        got_client: list[rp.Event] = []
        got_server: list[Any] = []
        while True:
            to_server = self.client.data_to_send()
            to_client = self.server.data_to_send()
            if to_server:
                self.server.receive_data(to_server)
            if to_client:
                self.client_bytes += to_client
                self.client.receive_data(to_client)
            got_server.extend(drain(self.server))
            got_client.extend(drain(self.client))
            if not to_server and not to_client:
                break
        self.client_events.extend(got_client)
        self.server_events.extend(got_server)
        return got_client, got_server

    def serve(self, events: Iterable[rp.Event]) -> list[rp.Event]:
        for event in events:
            self.server.send(event)
        return self.pump()[0]


def drain(connection: rp.Connection) -> list[Any]:
    """Every event available right now (stops at NEED_DATA or after the final event)."""
    out: list[Any] = []
    while True:
        if out and isinstance(out[-1], (rp.ConnectionClosed, rp.HandshakeRejected)):
            return out
        try:
            event = connection.next_event()
        except rp.LocalProtocolError:
            return out
        if event is rp.NEED_DATA:
            return out
        out.append(event)


def response_events(
    *,
    response_id: str = "resp_1",
    item_id: str = "item_a1",
    text_deltas: Sequence[str] = (),
    audio_deltas: Sequence[bytes] = (),
    transcript_deltas: Sequence[str] = (),
    tool_calls: Sequence[tuple[str, str, Sequence[str]]] = (),
    status: str = "completed",
    reason: str | None = None,
) -> list[rp.Event]:
    """The server events of one response, in the order of the GA spec (5.2, 5.6)."""
    info = rp.ResponseInfo(id=response_id, status="in_progress", conversation_id="conv_1")
    events: list[rp.Event] = [rp.TurnStarted(response=info)]
    keys: dict[str, Any] = {
        "response_id": response_id,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
    }
    has_message = bool(text_deltas or audio_deltas or transcript_deltas)
    if has_message:
        item = rp.ConversationItem(
            type="message", id=item_id, role="assistant", status="in_progress"
        )
        events.append(rp.OutputItemAdded(response_id=response_id, output_index=0, item=item))
        part_type = "audio" if audio_deltas or transcript_deltas else "text"
        events.append(rp.ContentPartAdded(**keys, part=rp.ContentPart(type=part_type)))
        for text in text_deltas:
            events.append(rp.TextDelta(**keys, text=text))
        for index in range(max(len(audio_deltas), len(transcript_deltas))):
            if index < len(transcript_deltas):
                events.append(rp.OutputTranscriptDelta(**keys, delta=transcript_deltas[index]))
            if index < len(audio_deltas):
                events.append(rp.AudioDelta(**keys, audio_bytes=audio_deltas[index]))
        if text_deltas:
            events.append(rp.TextDone(**keys, text="".join(text_deltas)))
        if audio_deltas:
            events.append(rp.AudioDone(**keys))
        if transcript_deltas:
            events.append(rp.OutputTranscriptDone(**keys, transcript="".join(transcript_deltas)))
        events.append(rp.OutputItemDone(response_id=response_id, output_index=0, item=item))
    for offset, (call_id, name, pieces) in enumerate(tool_calls, start=1 if has_message else 0):
        call_item_id = f"item_fc{offset}"
        call = rp.ConversationItem(
            type="function_call", id=call_item_id, call_id=call_id, name=name, arguments=""
        )
        fkeys: dict[str, Any] = {
            "response_id": response_id,
            "item_id": call_item_id,
            "output_index": offset,
        }
        events.append(rp.OutputItemAdded(response_id=response_id, output_index=offset, item=call))
        for piece in pieces:
            events.append(rp.ToolCallArgumentsDelta(**fkeys, tool_call_id=call_id, delta=piece))
        arguments = "".join(pieces)
        events.append(
            rp.ToolCallArgumentsDone(
                **fkeys, tool_call_id=call_id, tool_name=name, tool_arguments=arguments
            )
        )
        done_call = rp.ConversationItem(
            type="function_call",
            id=call_item_id,
            call_id=call_id,
            name=name,
            arguments=arguments,
            status="completed",
        )
        events.append(
            rp.OutputItemDone(response_id=response_id, output_index=offset, item=done_call)
        )
    details = None if reason is None else {"type": status, "reason": reason}
    usage = rp.Usage(total_tokens=30, input_tokens=10, output_tokens=20)
    done = rp.ResponseInfo(
        id=response_id, status=status, status_details=details, conversation_id="conv_1",
        usage=usage,
    )  # fmt: skip
    events.append(rp.TurnFinished(response=done))
    return events


def split_at(data: AnyStr, cuts: Iterable[int]) -> list[AnyStr]:
    """``data`` cut at the given points (taken modulo its length + 1): a partition of it."""
    points: list[int] = sorted({cut % (len(data) + 1) for cut in cuts})
    return [data[a:b] for a, b in itertools.pairwise([0, *points, len(data)])]


def written(conversation: ClientConversation) -> bytes:
    """Everything a client conversation has to write, as its writer would take it."""
    out = bytearray()
    while conversation.has_output:
        piece = conversation.take_output()
        conversation.output_written(len(piece))
        out += piece
    return bytes(out)


def messages(conversation: ClientConversation) -> list[rp.Event]:
    """Every message a client conversation holds for its caller, in order."""
    out: list[rp.Event] = []
    while (message := conversation.next_message()) is not None:
        out.append(message)
    return out
