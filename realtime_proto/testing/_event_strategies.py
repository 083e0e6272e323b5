"""One strategy per server event class, and the classes each dialect puts on the wire."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar, cast

from hypothesis import strategies as st

from .._durations import samples_for_ms
from .._events import (
    AudioDelta,
    AudioDone,
    ContentPartAdded,
    ContentPartDone,
    ConversationCreated,
    DtmfReceived,
    Event,
    InputAudioCleared,
    InputAudioCommitted,
    InputTimeoutTriggered,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InputTranscriptionFailed,
    InputTranscriptionSegment,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    McpCallArgumentsDelta,
    McpCallArgumentsDone,
    McpCallStatus,
    McpListToolsStatus,
    ModelListening,
    OutputAudioBufferStatus,
    OutputItemAdded,
    OutputItemDone,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RateLimitsUpdated,
    ServerError,
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
from ._values import (
    EVENT_PARTS,
    INDEXES,
    MILLISECONDS,
    assistant_items,
    content_parts,
    conversation_items,
    error_details,
    ids,
    rate_limits,
    response_infos,
    sessions,
    texts,
    tool_names,
)

__all__ = [
    "SERVER_EVENT_CLASSES",
    "server_event",
    "server_event_classes",
    "server_events",
]

E = TypeVar("E", bound=Event)

_DEFAULT_RATE: Final = AudioFormat.PCM16.sample_rate
_STATUSES: Final = ("in_progress", "completed", "failed")


def _speech(started: bool, event_ids: st.SearchStrategy[str | None]) -> st.SearchStrategy[Event]:
    """Speech events carry the sample index a client works out from the milliseconds at the
    default input rate (a session in G.711 counts 8 kHz samples instead)."""

    def build(ms: int, item_id: str, event_id: str | None) -> Event:
        index = samples_for_ms(ms, _DEFAULT_RATE)
        if started:
            return SpeechStarted(
                audio_start_ms=ms, item_id=item_id, audio_sample_index=index, event_id=event_id
            )
        return SpeechStopped(
            audio_end_ms=ms, item_id=item_id, audio_sample_index=index, event_id=event_id
        )

    return st.builds(build, MILLISECONDS, ids("item_"), event_ids)


def _arguments_deltas(
    dialect: Dialect, event_ids: st.SearchStrategy[str | None]
) -> st.SearchStrategy[Event]:
    """The preview dialect names a call by its item until the call is complete."""

    def build(
        response_id: str, item_id: str, index: int, call_id: str, delta: str, event_id: str | None
    ) -> Event:
        return ToolCallArgumentsDelta(
            response_id=response_id,
            item_id=item_id,
            output_index=index,
            tool_call_id=item_id if dialect is Dialect.PREVIEW else call_id,
            delta=delta,
            event_id=event_id,
        )

    return st.builds(build, ids("resp_"), ids("item_"), INDEXES, ids("call_"), texts(), event_ids)


def _strategies(dialect: Dialect) -> dict[type[Event], st.SearchStrategy[Any]]:
    # The preview dialect has no event ids: what a client decodes has none.
    event_ids = st.none() if dialect is Dialect.PREVIEW else ids("event_")
    common: dict[str, Any] = {"event_id": event_ids}
    item_id = ids("item_")
    response_id = ids("resp_")
    part = {
        "response_id": response_id,
        "item_id": item_id,
        "output_index": INDEXES,
        "content_index": INDEXES,
    }
    call = {"response_id": response_id, "item_id": item_id, "output_index": INDEXES}
    items = conversation_items(dialect)

    def of(cls: Callable[..., Event], **fields: Any) -> st.SearchStrategy[Event]:
        return st.builds(cls, **common, **fields)

    return {
        SessionCreated: of(SessionCreated, session=sessions(dialect)),
        SessionUpdated: of(SessionUpdated, session=sessions(dialect)),
        ConversationCreated: of(ConversationCreated, conversation_id=ids("conv_")),
        ItemAdded: of(ItemAdded, item=items, previous_item_id=st.none() | item_id),
        ItemDone: of(ItemDone, item=items, previous_item_id=st.none() | item_id),
        ItemRetrieved: of(ItemRetrieved, item=items),
        ItemTruncated: of(
            ItemTruncated, item_id=item_id, content_index=INDEXES, audio_end_ms=MILLISECONDS
        ),
        ItemDeleted: of(ItemDeleted, item_id=item_id),
        InputAudioCommitted: of(
            InputAudioCommitted, item_id=item_id, previous_item_id=st.none() | item_id
        ),
        InputAudioCleared: of(InputAudioCleared),
        SpeechStarted: _speech(True, event_ids),
        SpeechStopped: _speech(False, event_ids),
        InputTimeoutTriggered: of(
            InputTimeoutTriggered,
            audio_start_ms=MILLISECONDS,
            audio_end_ms=MILLISECONDS,
            item_id=item_id,
        ),
        DtmfReceived: of(
            DtmfReceived, key=st.sampled_from("0123456789*#"), received_at=st.integers(0, 2**31)
        ),
        InputTranscriptionDelta: of(
            InputTranscriptionDelta,
            item_id=item_id,
            content_index=st.none() | INDEXES,
            delta=texts(),
        ),
        InputTranscriptionSegment: of(
            InputTranscriptionSegment,
            item_id=item_id,
            content_index=INDEXES,
            segment_id=ids("seg_"),
            segment_text=texts(),
            speaker=st.sampled_from(["A", "B", "speaker_0"]),
            start=st.floats(min_value=0, max_value=600),
            end=st.floats(min_value=0, max_value=600),
        ),
        InputTranscriptionCompleted: of(
            InputTranscriptionCompleted,
            item_id=item_id,
            content_index=INDEXES,
            audio_transcript=texts(),
            usage=st.fixed_dictionaries(
                {"type": st.just("duration"), "seconds": st.floats(min_value=0, max_value=60)}
            ),
        ),
        InputTranscriptionFailed: of(
            InputTranscriptionFailed,
            item_id=item_id,
            content_index=INDEXES,
            error=error_details(with_event_id=False),
        ),
        TurnStarted: of(TurnStarted, response=response_infos(dialect, finished=False)),
        TurnFinished: of(TurnFinished, response=response_infos(dialect)),
        OutputItemAdded: of(
            OutputItemAdded,
            response_id=response_id,
            output_index=INDEXES,
            item=assistant_items(dialect),
        ),
        OutputItemDone: of(
            OutputItemDone,
            response_id=response_id,
            output_index=INDEXES,
            item=assistant_items(dialect),
        ),
        ContentPartAdded: of(ContentPartAdded, **part, part=content_parts(EVENT_PARTS)),
        ContentPartDone: of(ContentPartDone, **part, part=content_parts(EVENT_PARTS)),
        TextDelta: of(TextDelta, **part, text=texts()),
        TextDone: of(TextDone, **part, text=texts()),
        AudioDelta: of(AudioDelta, **part, audio_bytes=st.binary(max_size=32)),
        AudioDone: of(AudioDone, **part),
        OutputTranscriptDelta: of(OutputTranscriptDelta, **part, delta=texts()),
        OutputTranscriptDone: of(OutputTranscriptDone, **part, transcript=texts()),
        ToolCallArgumentsDelta: _arguments_deltas(dialect, event_ids),
        ToolCallArgumentsDone: of(
            ToolCallArgumentsDone,
            **call,
            tool_call_id=ids("call_"),
            tool_name=tool_names(),
            tool_arguments=texts(),
        ),
        McpCallArgumentsDelta: of(McpCallArgumentsDelta, **call, delta=texts()),
        McpCallArgumentsDone: of(McpCallArgumentsDone, **call, arguments=texts()),
        McpListToolsStatus: of(
            McpListToolsStatus, item_id=item_id, status=st.sampled_from(_STATUSES)
        ),
        McpCallStatus: of(
            McpCallStatus,
            item_id=item_id,
            output_index=INDEXES,
            status=st.sampled_from(_STATUSES),
        ),
        OutputAudioBufferStatus: of(
            OutputAudioBufferStatus,
            response_id=response_id,
            status=st.sampled_from(["started", "stopped", "cleared"]),
        ),
        RateLimitsUpdated: of(RateLimitsUpdated, rate_limits=rate_limits()),
        ServerError: of(ServerError, error=error_details()),
        ModelListening: of(ModelListening),
    }


SERVER_EVENT_CLASSES: Final[tuple[type[Event], ...]] = tuple(
    sorted(_strategies(Dialect.GA), key=lambda cls: cls.__name__)
)
"""Every event class a server sends as a message, in some dialect."""

# GA-only classes: beta carries their news elsewhere or has no way to say them.
_NOT_IN_BETA: Final = frozenset(
    {
        ItemDone,
        InputTimeoutTriggered,
        InputTranscriptionSegment,
        DtmfReceived,
        McpListToolsStatus,
        McpCallArgumentsDelta,
        McpCallArgumentsDone,
        McpCallStatus,
    }
)
_ON_THE_WIRE: Final[Mapping[Dialect, frozenset[type[Event]]]] = {
    Dialect.GA: frozenset(SERVER_EVENT_CLASSES) - {ModelListening},
    Dialect.BETA: frozenset(SERVER_EVENT_CLASSES) - _NOT_IN_BETA - {ModelListening},
    Dialect.PREVIEW: frozenset(
        {
            SessionCreated,
            ServerError,
            SpeechStarted,
            SpeechStopped,
            InputTranscriptionCompleted,
            OutputItemAdded,
            TextDelta,
            OutputTranscriptDelta,
            AudioDelta,
            ToolCallArgumentsDelta,
            OutputItemDone,
            TurnFinished,
            ModelListening,
        }
    ),
}


def server_event_classes(dialect: Dialect = Dialect.GA) -> frozenset[type[Event]]:
    """The event classes a server of ``dialect`` sends as at least one message. (It accepts
    more: the preview dialect, for example, implies ``TurnStarted`` and sends nothing for it.)"""
    return _ON_THE_WIRE[dialect]


@functools.cache
def _table(dialect: Dialect) -> dict[type[Event], st.SearchStrategy[Any]]:
    return _strategies(dialect)


def server_event(cls: type[E], dialect: Dialect = Dialect.GA) -> st.SearchStrategy[E]:
    """Events of class ``cls`` (one of :data:`SERVER_EVENT_CLASSES`), every field drawn.

    Values take the shapes ``dialect`` carries whole (content-part names, session options, no
    event ids in the preview dialect), so that in GA and beta a client decodes an event equal to
    the one drawn (a client fills in ``TurnFinished.turn``). Raises ``ValueError`` for a class
    that is not a server event.
    """
    strategy = _table(dialect).get(cls)
    if strategy is None:
        raise ValueError(f"{cls.__name__} is not a server event class")
    return cast(st.SearchStrategy[E], strategy)


def server_events(
    dialect: Dialect = Dialect.GA, *, classes: Iterable[type[Event]] | None = None
) -> st.SearchStrategy[Event]:
    """Events of every class a server of ``dialect`` puts on the wire, or of ``classes``."""
    chosen = server_event_classes(dialect) if classes is None else frozenset(classes)
    return _one_of(dialect, chosen)


@functools.cache
def _one_of(dialect: Dialect, classes: frozenset[type[Event]]) -> st.SearchStrategy[Event]:
    ordered = sorted(classes, key=lambda cls: cls.__name__)
    return st.one_of([server_event(cls, dialect) for cls in ordered])
