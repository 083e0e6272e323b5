"""The SERVER role of the ``type``-keyed dialect: every event class it sends decodes back into
an equal event, the JSON it writes validates against the ``openai`` package's pydantic models of
the same generation, and what beta cannot say is refused or left out."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import realtime_proto as rp
from tests.core.ga_rows import EXPECTED_KINDS, GA_BY_TYPE, GA_ROWS, fields_of, frame
from tests.core.sdk_models import validate_server_event
from tests.core.wire_examples import (
    ASSISTANT_ITEM,
    AUDIO,
    BUFFER_STATUSES,
    CALL_ID,
    CALL_ITEM,
    CONVERSATION_ID,
    DELTA_KEYS,
    GA_SESSION_UPDATED_OPTIONS,
    MCP_ITEM,
    MCP_STATUSES,
    RESPONSE_ID,
    RESPONSE_USAGE,
    SESSION_ID,
    TRANSCRIPTION_USAGE,
    USER_AUDIO_ITEM,
    USER_ITEM,
)
from tests.helpers import ConnectionPair


def _strip_turn(event: rp.Event) -> rp.Event:
    return attrs.evolve(event, turn=None) if isinstance(event, rp.TurnFinished) else event


def sample_events(*, beta: bool) -> list[rp.Event]:
    """One event per class (per wire type for the status classes), with every field set.

    Assistant content parts use the names of the dialect (``output_text`` / ``output_audio`` in
    GA items, ``text`` / ``audio`` in beta items and in content-part events).
    """
    out_text, out_audio = ("text", "audio") if beta else ("output_text", "output_audio")
    assistant = rp.ConversationItem(
        type="message",
        id=ASSISTANT_ITEM,
        role="assistant",
        status="completed",
        content=(
            rp.ContentPart(type=out_text, text="Sunny."),
            rp.ContentPart(type=out_audio, transcript="It is sunny."),
        ),
    )
    user = rp.ConversationItem(
        type="message",
        id=USER_ITEM,
        role="user",
        status="completed",
        content=(rp.ContentPart(type="input_audio", audio=AUDIO, transcript="Weather?"),),
    )
    call = rp.ConversationItem(
        type="function_call",
        id=CALL_ITEM,
        status="completed",
        call_id=CALL_ID,
        name="get_weather",
        arguments='{"city":"Paris"}',
    )
    options = (
        GA_SESSION_UPDATED_OPTIONS
        if not beta
        else attrs.evolve(GA_SESSION_UPDATED_OPTIONS, temperature=0.7, disable_audio=False)
    )
    session = rp.Session(
        id=SESSION_ID, model="gpt-realtime", expires_at=1756324625, options=options
    )
    response = rp.ResponseInfo(
        id=RESPONSE_ID,
        status="incomplete",
        status_details={"type": "incomplete", "reason": "max_output_tokens"},
        output=(assistant, call),
        conversation_id=CONVERSATION_ID,
        metadata={"topic": "weather"},
        usage=RESPONSE_USAGE,
    )
    ids: dict[str, Any] = {"event_id": "event_rt"}
    keys: dict[str, Any] = dict(DELTA_KEYS)
    call_keys: dict[str, Any] = {
        "response_id": RESPONSE_ID,
        "item_id": CALL_ITEM,
        "output_index": 1,
    }
    events: list[rp.Event] = [
        rp.SessionCreated(session=session, **ids),
        rp.SessionUpdated(session=session, **ids),
        rp.ConversationCreated(conversation_id=CONVERSATION_ID, **ids),
        rp.ItemAdded(item=user, previous_item_id="item_000", **ids),
        rp.ItemDone(item=assistant, previous_item_id=USER_ITEM, **ids),
        rp.ItemRetrieved(item=user, **ids),
        rp.ItemTruncated(item_id=ASSISTANT_ITEM, content_index=0, audio_end_ms=1500, **ids),
        rp.ItemDeleted(item_id=USER_ITEM, **ids),
        rp.InputAudioCommitted(item_id=USER_ITEM, previous_item_id="item_000", **ids),
        rp.InputAudioCleared(**ids),
        rp.SpeechStarted(audio_start_ms=1000, item_id=USER_ITEM, audio_sample_index=24000, **ids),
        rp.SpeechStopped(audio_end_ms=2000, item_id=USER_ITEM, audio_sample_index=48000, **ids),
        rp.InputTimeoutTriggered(audio_start_ms=1, audio_end_ms=6001, item_id=USER_ITEM, **ids),
        rp.DtmfReceived(key="#", received_at=1759438080, **ids),
        rp.InputTranscriptionDelta(item_id=USER_ITEM, content_index=0, delta="Wea", **ids),
        rp.InputTranscriptionSegment(
            item_id=USER_ITEM,
            content_index=0,
            segment_id="seg_1",
            segment_text="Weather?",
            speaker="A",
            start=0.5,
            end=1.25,
            **ids,
        ),
        rp.InputTranscriptionCompleted(
            item_id=USER_ITEM,
            content_index=0,
            audio_transcript="Weather?",
            usage=TRANSCRIPTION_USAGE,
            **ids,
        ),
        rp.InputTranscriptionFailed(
            item_id=USER_ITEM,
            content_index=0,
            error=rp.ErrorDetail(
                type="transcription_error", code="audio_unintelligible", message="No speech."
            ),
            **ids,
        ),
        rp.TurnStarted(
            response=rp.ResponseInfo(id=RESPONSE_ID, conversation_id=CONVERSATION_ID), **ids
        ),
        rp.OutputItemAdded(
            response_id=RESPONSE_ID,
            output_index=0,
            item=attrs.evolve(assistant, status="in_progress", content=()),
            **ids,
        ),
        rp.ContentPartAdded(**keys, part=rp.ContentPart(type="audio", transcript=""), **ids),
        rp.TextDelta(**keys, text="Sun", **ids),
        rp.TextDone(**keys, text="Sunny.", **ids),
        rp.AudioDelta(**keys, audio_bytes=AUDIO, **ids),
        rp.AudioDone(**keys, **ids),
        rp.OutputTranscriptDelta(**keys, delta="It is", **ids),
        rp.OutputTranscriptDone(**keys, transcript="It is sunny.", **ids),
        rp.ContentPartDone(**keys, part=rp.ContentPart(type="audio", transcript="It is"), **ids),
        rp.ToolCallArgumentsDelta(**call_keys, tool_call_id=CALL_ID, delta='{"city"', **ids),
        rp.ToolCallArgumentsDone(
            **call_keys,
            tool_call_id=CALL_ID,
            tool_name="get_weather",
            tool_arguments='{"city":"Paris"}',
            **ids,
        ),
        rp.OutputItemDone(response_id=RESPONSE_ID, output_index=1, item=call, **ids),
        rp.McpCallArgumentsDelta(
            response_id=RESPONSE_ID, item_id="mcp_1", output_index=2, delta="{", **ids
        ),
        rp.McpCallArgumentsDone(
            response_id=RESPONSE_ID, item_id="mcp_1", output_index=2, arguments="{}", **ids
        ),
        *(rp.McpListToolsStatus(item_id=MCP_ITEM, status=s, **ids) for s in MCP_STATUSES),
        *(rp.McpCallStatus(item_id="mcp_1", output_index=2, status=s, **ids) for s in MCP_STATUSES),
        *(
            rp.OutputAudioBufferStatus(response_id=RESPONSE_ID, status=s, **ids)
            for s in BUFFER_STATUSES
        ),
        rp.TurnFinished(response=response, **ids),
        rp.RateLimitsUpdated(
            rate_limits=(rp.RateLimit(name="tokens", limit=5, remaining=4, reset_seconds=1.5),),
            **ids,
        ),
        rp.ServerError(
            error=rp.ErrorDetail(
                type="invalid_request_error",
                code="response_cancel_not_active",
                message="Cancellation failed: no active response found",
                event_id="client_3",
            ),
            **ids,
        ),
    ]
    return events


def _event_id(event: rp.Event) -> str:
    status = getattr(event, "status", None)
    return type(event).__name__ + (f"[{status}]" if status else "")


# Server events the beta generation does not have (4.11 "new" row): a BETA server refuses them.
# GA-only events whose news beta carries elsewhere or not at all: sent as nothing in beta
IMPLIED_IN_BETA = frozenset({rp.ItemDone, rp.InputTimeoutTriggered, rp.InputTranscriptionSegment})
# GA-only events that beta has no way to say: refused in beta
REFUSED_IN_BETA = frozenset(
    {
        rp.DtmfReceived,
        rp.McpListToolsStatus,
        rp.McpCallArgumentsDelta,
        rp.McpCallArgumentsDone,
        rp.McpCallStatus,
    }
)
NOT_IN_BETA = IMPLIED_IN_BETA | REFUSED_IN_BETA


def test_sample_events_cover_every_event_class_with_a_wire_form() -> None:
    classes = {type(e) for e in sample_events(beta=False)}
    assert classes == set(EXPECTED_KINDS)
    assert {type(r.expected) for r in GA_ROWS} == classes


_ROUND_TRIPS: dict[tuple[rp.Dialect, str], rp.Event] = {}


def _round_trip(event: rp.Event, dialect: rp.Dialect) -> rp.Event:
    """What a CLIENT decodes when its SERVER sends ``event`` (one exchange per event and
    dialect, shared by the equality and the validation tests)."""
    key = (dialect, _event_id(event))
    if key not in _ROUND_TRIPS:
        pair = ConnectionPair(dialect=dialect)
        pair.server.send(event)
        got, _ = pair.pump()
        assert len(got) == 1, got
        _ROUND_TRIPS[key] = got[0]
    return _ROUND_TRIPS[key]


@pytest.mark.parametrize("event", sample_events(beta=False), ids=_event_id)
def test_ga_server_round_trip(event: rp.Event) -> None:
    got = _round_trip(event, rp.Dialect.GA)
    assert type(got) is type(event)
    assert fields_of(_strip_turn(got)) == fields_of(event)
    assert _strip_turn(got) == event


@pytest.mark.parametrize("event", sample_events(beta=False), ids=_event_id)
def test_ga_server_json_validates_against_the_sdk(event: rp.Event) -> None:
    validate_server_event(_round_trip(event, rp.Dialect.GA).raw, rp.Dialect.GA)


@pytest.mark.parametrize(
    "event", [e for e in sample_events(beta=True) if type(e) in REFUSED_IN_BETA], ids=_event_id
)
def test_beta_server_refuses_ga_only_events(event: rp.Event) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    with pytest.raises(rp.LocalProtocolError):
        pair.server.send(event)
    assert pair.server.data_to_send() == b""


@pytest.mark.parametrize(
    "event", [e for e in sample_events(beta=True) if type(e) in IMPLIED_IN_BETA], ids=_event_id
)
def test_beta_server_sends_nothing_for_implied_ga_only_events(event: rp.Event) -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    pair.server.send(event)
    assert pair.server.data_to_send() == b""


BETA_SAMPLES = [e for e in sample_events(beta=True) if type(e) not in NOT_IN_BETA]


@pytest.mark.parametrize("event", BETA_SAMPLES, ids=_event_id)
def test_beta_server_round_trip(event: rp.Event) -> None:
    got = _round_trip(event, rp.Dialect.BETA)
    assert type(got) is type(event)
    assert fields_of(_strip_turn(got)) == fields_of(event)
    assert _strip_turn(got) == event


@pytest.mark.parametrize("event", BETA_SAMPLES, ids=_event_id)
def test_beta_server_json_validates_against_the_sdk(event: rp.Event) -> None:
    validate_server_event(_round_trip(event, rp.Dialect.BETA).raw, rp.Dialect.BETA)


def test_the_validator_rejects_a_missing_required_field() -> None:
    from pydantic import ValidationError

    text = frame({"type": "conversation.item.deleted", "event_id": "event_1"})
    with pytest.raises(ValidationError):
        validate_server_event(text, rp.Dialect.GA)
    text = frame({**GA_BY_TYPE["response.output_audio.delta"].message, "output_index": "0"})
    with pytest.raises(ValidationError):
        validate_server_event(text, rp.Dialect.GA)


def test_server_encodes_the_wire_names_of_its_dialect() -> None:
    pair = ConnectionPair(dialect=rp.Dialect.BETA)
    ga_pair = ConnectionPair()
    keys: dict[str, Any] = dict(DELTA_KEYS)
    names = []
    for p in (ga_pair, pair):
        for event in (
            rp.TextDelta(**keys, text="a"),
            rp.AudioDelta(**keys, audio_bytes=b"\x00\x01"),
            rp.OutputTranscriptDone(**keys, transcript="a"),
            rp.ItemAdded(item=USER_AUDIO_ITEM),
        ):
            p.server.send(event)
        got, _ = p.pump()
        names.append([json.loads(e.raw)["type"] for e in got])
    assert names == [
        [
            "response.output_text.delta",
            "response.output_audio.delta",
            "response.output_audio_transcript.done",
            "conversation.item.added",
        ],
        [
            "response.text.delta",
            "response.audio.delta",
            "response.audio_transcript.done",
            "conversation.item.created",
        ],
    ]


def test_server_event_ids_are_generated_when_missing() -> None:
    pair = ConnectionPair()
    pair.server.send(rp.InputAudioCleared())
    pair.server.send(rp.InputAudioCleared())
    got, _ = pair.pump()
    ids = [e.event_id for e in got if isinstance(e, rp.InputAudioCleared)]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 2


# Values for the fields an event class requires, to build each class with nothing else set.
_MINIMAL_VALUES: dict[str, Any] = {
    "session": rp.Session(),
    "conversation_id": CONVERSATION_ID,
    "item": rp.ConversationItem(
        type="message", role="user", content=(rp.ContentPart(type="input_text", text="hi"),)
    ),
    "item_id": USER_ITEM,
    "response_id": RESPONSE_ID,
    "response": rp.ResponseInfo(id=RESPONSE_ID),
    "output_index": 0,
    "content_index": 0,
    "audio_start_ms": 0,
    "audio_end_ms": 0,
    "key": "1",
    "received_at": 1759438080,
    "segment_id": "seg_1",
    "segment_text": "hi",
    "speaker": "A",
    "start": 0.0,
    "end": 0.5,
    "part": rp.ContentPart(type="text"),
    "text": "",
    "audio_bytes": b"",
    "delta": "",
    "tool_call_id": CALL_ID,
    "tool_name": "get_weather",
    "tool_arguments": "{}",
    "arguments": "{}",
    "rate_limits": (),
    "error": rp.ErrorDetail(type="server_error", message="Internal error."),
}
_FIRST_STATUS = {
    rp.McpListToolsStatus: "in_progress",
    rp.McpCallStatus: "in_progress",
    rp.OutputAudioBufferStatus: "started",
}


def minimal_event(cls: type[rp.Event]) -> rp.Event:
    required: dict[str, Any] = {
        a.name: _FIRST_STATUS[cls] if a.name == "status" else _MINIMAL_VALUES[a.name]
        for a in attrs.fields(cls)
        if a.default is attrs.NOTHING
    }
    return cls(**required)


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA], ids=lambda d: d.value)
@pytest.mark.parametrize("cls", list(EXPECTED_KINDS), ids=lambda c: c.__name__)
def test_server_never_writes_json_the_sdk_rejects(cls: type[rp.Event], dialect: rp.Dialect) -> None:
    """An event built with only its required fields either goes out as an SDK-valid frame or
    is refused by ``send``: optional-on-decode fields (a missing transcript, usage) must not be
    written as ``null`` where the SDK requires a value."""
    pair = ConnectionPair(dialect=dialect)
    try:
        pair.server.send(minimal_event(cls))
    except rp.LocalProtocolError:
        assert pair.server.data_to_send() == b""
        return
    got, _ = pair.pump()
    if dialect is rp.Dialect.BETA and cls in IMPLIED_IN_BETA:
        assert got == []
        return
    validate_server_event(got[0].raw, dialect)
