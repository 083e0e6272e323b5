"""Every session the public strategy draws keeps the protocol's rules, checked here by a reader
of the events that knows nothing of how they were laid out."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto.testing import ServerSession, server_sessions

SESSIONS = settings(max_examples=max(1, settings.default.max_examples // 3))

PART_EVENTS = (
    rp.TextDelta,
    rp.TextDone,
    rp.AudioDelta,
    rp.AudioDone,
    rp.OutputTranscriptDelta,
    rp.OutputTranscriptDone,
)


class RuleReader:
    """Reads a session's events in order and fails on the first broken rule."""

    def __init__(self) -> None:
        self.open_responses: set[str] = set()
        self.finished: list[str] = []
        self.items: dict[str, tuple[str, int]] = {}  # open output item -> (response, index)
        self.done_items: dict[str, dict[int, rp.ConversationItem]] = {}
        self.next_index: Counter[str] = Counter()
        self.parts: dict[tuple[str, int], list[str]] = {}  # open part -> its text pieces
        self.closed_parts: set[tuple[str, int]] = set()
        self.arguments: dict[str, list[str]] = {}
        self.committed: set[str] = set()
        self.transcripts: dict[str, list[str]] = {}
        self.rate_limits = 0
        self.item_ids: set[str] = set()

    def read(self, event: rp.Event) -> None:
        name = "on_part" if isinstance(event, PART_EVENTS) else f"on_{type(event).__name__}"
        handler = getattr(self, name, None)
        if handler is not None:
            handler(event)

    def on_TurnStarted(self, event: rp.TurnStarted) -> None:
        rid = event.response.id
        assert rid not in self.open_responses, "response ids are unique"
        assert rid not in self.finished, "response ids are unique"
        self.open_responses.add(rid)
        self.done_items[rid] = {}

    def in_response(self, response_id: str) -> None:
        assert response_id in self.open_responses, "inside its response"

    def on_OutputItemAdded(self, event: rp.OutputItemAdded) -> None:
        self.in_response(event.response_id)
        item_id = event.item.id
        assert item_id is not None
        assert item_id not in self.item_ids, "item ids are unique"
        assert event.output_index == self.next_index[event.response_id], "items in output order"
        self.next_index[event.response_id] += 1
        self.item_ids.add(item_id)
        self.items[item_id] = (event.response_id, event.output_index)
        if event.item.type == "function_call":
            self.arguments[item_id] = []

    def in_item(self, event: Any, item_id: str | None = None) -> None:
        self.in_response(event.response_id)
        item_id = item_id or event.item_id
        assert self.items.get(item_id) == (event.response_id, event.output_index), "in its item"

    def on_ContentPartAdded(self, event: rp.ContentPartAdded) -> None:
        self.in_item(event)
        key = (event.item_id, event.content_index)
        assert key not in self.parts
        assert key not in self.closed_parts
        assert event.content_index == 0 or (event.item_id, event.content_index - 1) in {
            *self.parts,
            *self.closed_parts,
        }, "parts in content order"
        self.parts[key] = []

    def on_part(self, event: Any) -> None:
        self.in_item(event)
        pieces = self.parts.get((event.item_id, event.content_index))
        assert pieces is not None, "deltas and dones inside their part"
        if isinstance(event, rp.TextDelta):
            pieces.append(event.text)
        elif isinstance(event, rp.OutputTranscriptDelta):
            pieces.append(event.delta)
        elif isinstance(event, rp.TextDone):
            assert event.text == "".join(pieces), "the done text is the deltas'"
        elif isinstance(event, rp.OutputTranscriptDone):
            assert event.transcript == "".join(pieces), "the done transcript is the deltas'"

    def on_ContentPartDone(self, event: rp.ContentPartDone) -> None:
        self.in_item(event)
        key = (event.item_id, event.content_index)
        assert key in self.parts
        del self.parts[key]
        self.closed_parts.add(key)

    def on_ToolCallArgumentsDelta(self, event: rp.ToolCallArgumentsDelta) -> None:
        self.in_item(event)
        self.arguments[event.item_id].append(event.delta)

    def on_ToolCallArgumentsDone(self, event: rp.ToolCallArgumentsDone) -> None:
        self.in_item(event)
        assert event.tool_arguments == "".join(self.arguments[event.item_id])

    def on_OutputItemDone(self, event: rp.OutputItemDone) -> None:
        item_id = event.item.id
        assert item_id is not None
        self.in_item(event, item_id)
        assert not [key for key in self.parts if key[0] == item_id], "parts close first"
        if event.item.type == "function_call":
            assert event.item.arguments == "".join(self.arguments[item_id])
        del self.items[item_id]
        self.done_items[event.response_id][event.output_index] = event.item

    def on_TurnFinished(self, event: rp.TurnFinished) -> None:
        rid = event.response.id
        self.in_response(rid)
        assert not [i for i, (r, _) in self.items.items() if r == rid], "items close first"
        done = self.done_items[rid]
        assert list(event.response.output) == [done[index] for index in sorted(done)], "output"
        self.open_responses.remove(rid)
        self.finished.append(rid)

    def on_RateLimitsUpdated(self, event: rp.RateLimitsUpdated) -> None:
        self.rate_limits += 1
        assert self.rate_limits <= len(self.finished), "rate limits follow a response.done"

    def on_InputAudioCommitted(self, event: rp.InputAudioCommitted) -> None:
        assert event.item_id not in self.committed
        self.committed.add(event.item_id)
        self.transcripts[event.item_id] = []

    def on_InputTranscriptionDelta(self, event: rp.InputTranscriptionDelta) -> None:
        assert event.item_id in self.committed, "a transcript follows the commit"
        self.transcripts[event.item_id].append(event.delta)

    def on_InputTranscriptionCompleted(self, event: rp.InputTranscriptionCompleted) -> None:
        assert event.item_id in self.committed, "a transcript follows the commit"
        assert event.audio_transcript == "".join(self.transcripts[event.item_id])

    def on_InputTranscriptionFailed(self, event: rp.InputTranscriptionFailed) -> None:
        assert event.item_id in self.committed, "a failure follows the commit"


def check_rules(session: ServerSession) -> RuleReader:
    events = session.events
    assert isinstance(events[0], rp.SessionCreated), "session.created comes first"
    assert not [e for e in events[1:] if isinstance(e, rp.SessionCreated)]
    reader = RuleReader()
    for event in events:
        reader.read(event)
    assert not reader.open_responses, "every response ends"
    assert reader.finished == [turn.response_id for turn in session.turns]
    ids = [event.event_id for event in events if not isinstance(event, rp.UnknownEvent)]
    if session.dialect is rp.Dialect.PREVIEW:
        assert set(ids) == {None}, "the preview dialect has no event ids"
    else:
        assert None not in ids
        assert len(set(ids)) == len(ids), "event ids are unique"
    return reader


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)
@SESSIONS
@given(data=st.data())
def test_every_session_keeps_the_rules(dialect: rp.Dialect, data: st.DataObject) -> None:
    session = data.draw(server_sessions(dialect), label="session")
    check_rules(session)
    # one frame per text message, and pings: opcode 0x1 or 0x9, FIN set, never masked
    assert [frame[0] for frame in session.frames].count(0x81) == len(session.texts)
    assert {frame[0] for frame in session.frames} <= {0x81, 0x89}
    assert not [frame for frame in session.frames if frame[1] & 0x80]
