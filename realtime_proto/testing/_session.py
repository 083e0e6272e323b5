"""Whole server sessions that keep the protocol's rules, with the turns they imply.

A session is drawn as a plan (the user's turns, each response's items, parts and deltas, how
it ends), laid out as the events a server sends, in an order the protocol allows, then written
by a SERVER connection in memory. The variations a client must survive are mixed in: late
input transcripts, interleaved items and parts, an out-of-band response beside the others,
errors that keep the session, unknown events, extension fields and pings.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from .._durations import samples_for_ms
from .._events import (
    AudioDelta,
    AudioDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    Event,
    InputAudioCommitted,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    ItemAdded,
    ItemDone,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RateLimitsUpdated,
    ServerError,
    Session,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    TextDelta,
    TextDone,
    ToolCallArgumentsDelta,
    ToolCallArgumentsDone,
    TurnFinished,
    TurnStarted,
)
from .._options import AudioFormat, Dialect
from .._record import Record
from .._values import ContentPart, ConversationItem, ResponseInfo
from ._plans import (
    ERRORS,
    EXTENSIONS,
    FunctionCallPlan,
    MessagePlan,
    PartPlan,
    ResponsePlan,
    UserTurn,
    reported_sessions,
    response_plans,
    unknown_messages,
    user_turns,
)
from ._turns import ExpectedTurn, implied_turn
from ._wire import EncodedEvent, ServerWire, ping_frame, with_extension_fields

__all__ = ["ServerSession", "server_sessions"]

_CONVERSATION: Final = "conv_1"
# Item content as each dialect spells it in an item (the part events say text and audio).
_ITEM_PARTS: Final = {Dialect.GA: ("output_text", "output_audio")}


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ServerSession(Record):
    """A server's side of a whole session, and what a client must make of it.

    - ``messages``: every message in order, each a typed event and its wire texts (none for an
      event the dialect implies); an unknown event is the ``UnknownEvent`` a client decodes.
    - ``frames``: the WebSocket frames after the opening handshake, one per text message, with
      pings between them. The session is not closed.
    - ``turns``: the turn each response implies, in the order of their ``response.done``.
    - ``input_transcripts``: the transcript of each user audio item that has one, by item id.
    """

    dialect: Dialect
    messages: tuple[EncodedEvent, ...]
    frames: tuple[bytes, ...]
    turns: tuple[ExpectedTurn, ...]
    input_transcripts: Mapping[str, str]

    @property
    def events(self) -> tuple[Event, ...]:
        """The typed events, in order, unknown ones included."""
        return tuple(message.event for message in self.messages)

    @property
    def texts(self) -> tuple[str, ...]:
        """The text messages, in order."""
        return tuple(text for message in self.messages for text in message.texts)

    @property
    def data(self) -> bytes:
        """The frames as one byte stream, as a client reads it after the handshake."""
        return b"".join(self.frames)

    def turn(self, response_id: str) -> ExpectedTurn:
        """The turn of one response; ``KeyError`` for an id the session does not have."""
        for turn in self.turns:
            if turn.response_id == response_id:
                return turn
        raise KeyError(response_id)


def _interleave(streams: list[list[Event]], rng: random.Random, *, ordered: bool) -> list[Event]:
    """The streams merged, each keeping its order; ``ordered``: stream ``n + 1`` starts only
    after stream ``n`` has (output items are added in output order, parts in content order)."""
    pending = [list(stream) for stream in streams if stream]
    merged: list[Event] = []
    started = 0
    while any(pending):
        ready = [i for i, stream in enumerate(pending) if stream and (not ordered or i <= started)]
        chosen = rng.choice(ready)
        if chosen == started:
            started += 1
        merged.append(pending[chosen].pop(0))
    return merged


class _Layout:
    """Lays a session's plan out as the events a server sends (ids from counters, so that
    they are unique), and works out the turns it implies."""

    def __init__(self, dialect: Dialect, rng: random.Random) -> None:
        self.dialect = dialect
        self.rng = rng
        self.events: list[Event] = []
        self._floating: list[tuple[list[Event], Event]] = []
        self._serial: Iterator[int] = itertools.count(1)
        self._responses = itertools.count(1)
        self.input_rate = AudioFormat.PCM16.sample_rate
        self.expected: dict[str, ExpectedTurn] = {}
        self.transcripts: dict[str, str] = {}
        self._out_text, self._out_audio = _ITEM_PARTS.get(dialect, ("text", "audio"))

    def event_id(self) -> str | None:
        return None if self.dialect is Dialect.PREVIEW else f"event_{next(self._serial)}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._serial)}"

    def float_after(self, anchor: Event, stream: list[Event]) -> None:
        """``stream`` goes anywhere after ``anchor``, keeping its order, once laid out."""
        self._floating.append((stream, anchor))

    def settle(self) -> list[Event]:
        for stream, anchor in self._floating:
            start = next(i for i, event in enumerate(self.events) if event is anchor) + 1
            places = sorted(self.rng.randint(start, len(self.events)) for _ in stream)
            for place, event in reversed(list(zip(places, stream, strict=True))):
                self.events.insert(place, event)
        return self.events

    # -- the user -------------------------------------------------------------------------

    def user_turn(self, turn: UserTurn) -> None:
        if turn.kind == "none":
            return
        item_id = self.new_id("item")
        if turn.kind == "text":
            part = ContentPart(type="input_text", text=turn.text)
            item = ConversationItem(
                type="message", id=item_id, role="user", status="completed", content=(part,)
            )
            self.events.append(ItemAdded(item=item, event_id=self.event_id()))
            return
        if turn.kind == "speech":
            end_ms = turn.start_ms + 900
            self.events += [
                SpeechStarted(
                    audio_start_ms=turn.start_ms,
                    item_id=item_id,
                    audio_sample_index=samples_for_ms(turn.start_ms, self.input_rate),
                    event_id=self.event_id(),
                ),
                SpeechStopped(
                    audio_end_ms=end_ms,
                    item_id=item_id,
                    audio_sample_index=samples_for_ms(end_ms, self.input_rate),
                    event_id=self.event_id(),
                ),
            ]
        committed = InputAudioCommitted(item_id=item_id, event_id=self.event_id())
        audio = ContentPart(type="input_audio")
        item = ConversationItem(
            type="message", id=item_id, role="user", status="completed", content=(audio,)
        )
        self.events += [committed, ItemAdded(item=item, event_id=self.event_id())]
        self.float_after(committed, self._transcription(item_id, turn))

    def _transcription(self, item_id: str, turn: UserTurn) -> list[Event]:
        """The transcript of an audio item: it may arrive at any time after the commit."""
        ids: dict[str, Any] = {"item_id": item_id, "content_index": 0}
        if turn.failure is not None:
            return [InputTranscriptionFailed(**ids, error=turn.failure, event_id=self.event_id())]
        if turn.transcript is None:
            return []
        whole = "".join(turn.transcript)
        self.transcripts[item_id] = whole
        usage = {"type": "duration", "seconds": 0.9}
        return [
            *(
                InputTranscriptionDelta(**ids, delta=piece, event_id=self.event_id())
                for piece in turn.transcript
            ),
            InputTranscriptionCompleted(
                **ids, audio_transcript=whole, usage=usage, event_id=self.event_id()
            ),
        ]

    # -- responses ------------------------------------------------------------------------

    def response(self, plan: ResponsePlan, *, in_band: bool) -> list[Event]:
        """The events of one response, its items and their parts interleaved; the response
        is named as a client of the dialect names it (the preview dialect numbers turns)."""
        number = next(self._responses)
        prefix = "turn" if self.dialect is Dialect.PREVIEW else "resp"
        response_id = f"{prefix}_{number}"
        conversation = _CONVERSATION if in_band else None  # out of band: no conversation
        started = ResponseInfo(id=response_id, conversation_id=conversation)
        item_ids = [self.new_id("item") for _ in plan.items]
        call_ids: dict[int, str] = {}
        streams: list[list[Event]] = []
        finals: list[ConversationItem] = []
        for index, item in enumerate(plan.items):
            if isinstance(item, FunctionCallPlan):
                call_ids[index] = self.new_id("call")
                stream, final = self._call(response_id, index, item_ids[index], call_ids, item)
            else:
                stream, final = self._message(response_id, index, item_ids[index], item, plan)
            streams.append(stream)
            finals.append(final)
        finished = ResponseInfo(
            id=response_id,
            status=plan.ending.status,
            status_details=plan.ending.details,
            output=tuple(finals),
            conversation_id=conversation,
            usage=plan.usage,
        )
        events: list[Event] = [
            TurnStarted(response=started, event_id=self.event_id()),
            *_interleave(streams, self.rng, ordered=True),
            TurnFinished(response=finished, event_id=self.event_id()),
        ]
        if plan.rate_limits is not None:  # the service reports them after each response.done
            events.append(RateLimitsUpdated(rate_limits=plan.rate_limits, event_id=self.event_id()))
        self.expected[response_id] = implied_turn(
            response_id, plan, item_ids, call_ids, self.dialect
        )
        return events

    def _item_events(
        self, response_id: str, index: int, added: ConversationItem, done: ConversationItem
    ) -> tuple[list[Event], list[Event]]:
        """What opens an output item and what closes it."""
        opening: list[Event] = [
            OutputItemAdded(
                response_id=response_id, output_index=index, item=added, event_id=self.event_id()
            ),
            ItemAdded(item=added, event_id=self.event_id()),
        ]
        closing: list[Event] = [
            OutputItemDone(
                response_id=response_id, output_index=index, item=done, event_id=self.event_id()
            ),
            ItemDone(item=done, event_id=self.event_id()),
        ]
        return opening, closing

    def _call(
        self,
        response_id: str,
        index: int,
        item_id: str,
        call_ids: Mapping[int, str],
        call: FunctionCallPlan,
    ) -> tuple[list[Event], ConversationItem]:
        call_id = call_ids[index]
        fields: dict[str, Any] = {"type": "function_call", "id": item_id, "call_id": call_id}
        added = ConversationItem(**fields, name=call.name, arguments="", status="in_progress")
        done = ConversationItem(
            **fields, name=call.name, arguments=call.arguments, status="completed"
        )
        keys: dict[str, Any] = {
            "response_id": response_id,
            "item_id": item_id,
            "output_index": index,
            "tool_call_id": call_id,
        }
        opening, closing = self._item_events(response_id, index, added, done)
        deltas = [
            ToolCallArgumentsDelta(**keys, delta=piece, event_id=self.event_id())
            for piece in call.pieces
        ]
        arguments = ToolCallArgumentsDone(
            **keys, tool_name=call.name, tool_arguments=call.arguments, event_id=self.event_id()
        )
        return [*opening, *deltas, arguments, *closing], done

    def _message(
        self,
        response_id: str,
        index: int,
        item_id: str,
        message: MessagePlan,
        plan: ResponsePlan,
    ) -> tuple[list[Event], ConversationItem]:
        fields: dict[str, Any] = {"type": "message", "id": item_id, "role": "assistant"}
        streams: list[list[Event]] = []
        finals: list[ContentPart] = []
        for content_index, part in enumerate(message.parts):
            keys: dict[str, Any] = {
                "response_id": response_id,
                "item_id": item_id,
                "output_index": index,
                "content_index": content_index,
            }
            stream, final = (self._audio_part if part.audio else self._text_part)(keys, part)
            streams.append(stream)
            finals.append(final)
        added = ConversationItem(**fields, status="in_progress")
        status = "completed" if plan.ending.status == "completed" else "incomplete"
        done = ConversationItem(**fields, status=status, content=tuple(finals))
        opening, closing = self._item_events(response_id, index, added, done)
        return [*opening, *_interleave(streams, self.rng, ordered=True), *closing], done

    def _text_part(self, keys: dict[str, Any], part: PartPlan) -> tuple[list[Event], ContentPart]:
        text = part.text
        return [
            ContentPartAdded(
                **keys, part=ContentPart(type="text", text=""), event_id=self.event_id()
            ),
            *(TextDelta(**keys, text=piece, event_id=self.event_id()) for piece in part.pieces),
            TextDone(**keys, text=text, event_id=self.event_id()),
            ContentPartDone(
                **keys, part=ContentPart(type="text", text=text), event_id=self.event_id()
            ),
        ], ContentPart(type=self._out_text, text=text)

    def _audio_part(self, keys: dict[str, Any], part: PartPlan) -> tuple[list[Event], ContentPart]:
        transcript = part.text
        spoken: list[list[Event]] = [
            [
                OutputTranscriptDelta(**keys, delta=piece, event_id=self.event_id())
                for piece in part.pieces
            ],
            [
                AudioDelta(**keys, audio_bytes=chunk, event_id=self.event_id())
                for chunk in part.chunks
            ],
        ]
        done = ContentPart(type="audio", transcript=transcript)
        return [
            ContentPartAdded(
                **keys, part=ContentPart(type="audio", transcript=""), event_id=self.event_id()
            ),
            *_interleave(spoken, self.rng, ordered=False),
            AudioDone(**keys, event_id=self.event_id()),
            OutputTranscriptDone(**keys, transcript=transcript, event_id=self.event_id()),
            ContentPartDone(**keys, part=done, event_id=self.event_id()),
        ], ContentPart(type=self._out_audio, transcript=transcript)


def _input_rate(*sessions: Session) -> int:
    """The input rate a client uses after the session events: the last format reported."""
    rate = AudioFormat.PCM16.sample_rate
    for session in sessions:
        fmt = session.options.input_audio_format
        rate = rate if fmt is None else fmt.sample_rate
    return rate


@st.composite
def _server_session(draw: st.DrawFn, dialect: Dialect, max_responses: int) -> ServerSession:
    preview = dialect is Dialect.PREVIEW
    layout = _Layout(dialect, random.Random(draw(st.integers(0, 2**32))))
    created = SessionCreated(session=draw(reported_sessions(dialect)), event_id=layout.event_id())
    reported = [created.session]
    layout.events.append(created)
    if not preview and draw(st.booleans()):
        layout.events.append(
            ConversationCreated(conversation_id=_CONVERSATION, event_id=layout.event_id())
        )
    if draw(st.booleans()):
        updated = SessionUpdated(
            session=draw(reported_sessions(dialect)), event_id=layout.event_id()
        )
        reported.append(updated.session)
        layout.events.append(updated)
    # The preview dialect reports no formats: its client counts samples at 24 kHz.
    layout.input_rate = AudioFormat.PCM16.sample_rate if preview else _input_rate(*reported)
    for _ in range(draw(st.integers(1, max_responses))):
        layout.user_turn(draw(user_turns(dialect)))
        layout.events += layout.response(draw(response_plans(dialect)), in_band=True)
    if not preview and draw(st.booleans()):  # an out-of-band response, beside the others
        layout.float_after(created, layout.response(draw(response_plans(dialect)), in_band=False))
    for error in draw(st.lists(st.sampled_from(ERRORS), max_size=2)):  # the session goes on
        layout.float_after(created, [ServerError(error=error, event_id=layout.event_id())])
    events = layout.settle()

    wire = ServerWire(dialect)
    messages = [
        EncodedEvent(event=event, dialect=dialect, texts=wire.texts(event)) for event in events
    ]
    for index in draw(st.lists(st.integers(0, len(messages) - 1), max_size=4)):
        message = messages[index]  # a newer server's fields
        fields = draw(EXTENSIONS)
        texts = tuple(with_extension_fields(text, fields) for text in message.texts)
        messages[index] = attrs.evolve(message, texts=texts)
    type_key = "event" if preview else "type"
    for unknown in draw(st.lists(unknown_messages(dialect, type_key), max_size=2)):
        messages.insert(draw(st.integers(1, len(messages))), unknown)
    frames = [wire.frame(text) for message in messages for text in message.texts]
    for payload in draw(st.lists(st.binary(max_size=8), max_size=3)):
        frames.insert(draw(st.integers(0, len(frames))), ping_frame(payload))
    turns = [layout.expected[e.response.id] for e in events if isinstance(e, TurnFinished)]
    return ServerSession(
        dialect=dialect,
        messages=tuple(messages),
        frames=tuple(frames),
        turns=tuple(turns),
        input_transcripts=dict(layout.transcripts),
    )


def server_sessions(
    dialect: Dialect = Dialect.GA, *, max_responses: int = 3
) -> st.SearchStrategy[ServerSession]:
    """Whole server sessions in ``dialect`` that keep the protocol's rules, with the turns
    they imply.

    Every session starts with ``session.created``, perhaps ``conversation.created`` and a
    ``session.updated``, then 1 to ``max_responses`` exchanges: the user speaks (server VAD:
    speech started and stopped, the commit and the user item), commits audio, types, or does
    nothing, and a response follows. A response is created, adds its output items in order
    (assistant messages with text or audio parts, function calls), streams their deltas, items
    and parts interleaved, closes each part and item after its deltas, and ends with
    ``response.done`` (completed, cancelled, incomplete or failed), perhaps followed by
    ``rate_limits.updated``. Ids are unique and consistent throughout.

    Mixed in: input transcripts (deltas, then completed or failed) arriving any time after the
    commit, even after later responses; an out-of-band response interleaved with the others;
    error events that keep the session; unknown event types; unknown top-level keys on
    messages; WebSocket pings between frames.

    The preview dialect says less: a turn has no id (a client numbers them ``turn_1``,
    ``turn_2``, ... as they start, and so do its sessions), an item one content stream, and
    the model's speech arrives as its text; it cannot say that a transcription or a response
    failed, and runs one response at a time.
    """
    if max_responses < 1:
        raise ValueError("a session has at least one response")
    return _server_session(dialect, max_responses)
