"""The battery: numbered cases, each a server behaviour seen in the wild or allowed by the
protocol, and what a correct client does about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._case import Action, AwaitPong, Case, Close, Expect, Pings, Send
from ._checks import (
    AnsweredClose,
    Check,
    ClosedWith,
    ErrorMentions,
    NoError,
    NotReceived,
    PongTo,
    Received,
    ReceivedInOrder,
    SentNothing,
    SentTurn,
    TextIs,
)
from ._messages import response_messages, session_created, user_audio_item
from ._observation import TurnRequest

__all__ = ["BATTERY", "CASES"]

_TEXT: Final = TurnRequest(text="Hello from the conformance battery")
_SPEECH: Final = TurnRequest(audio=bytes(4800))  # 100 ms of PCM16 silence at 24 kHz
_LONG_SPEECH: Final = TurnRequest(audio=bytes(96000))  # 2 s
_OVER: Final = Close(1000, "case over")
_LIFECYCLE: Final = ("session.created", "response.created", "response.done")


def _turn(request: TurnRequest, text: str, *more: Check) -> tuple[Check, ...]:
    return (SentTurn(request), NoError(), TextIs(text), *more)


def _answer(
    *responses: Sequence[Mapping[str, Any]], first: Sequence[Action] = ()
) -> tuple[Action, ...]:
    """session.created, whatever ``first`` does, then each of ``responses`` once the client
    asks for one, then the close."""
    sent = tuple(Send(list(messages)) for messages in responses)
    return (Send([session_created()]), *first, Expect("response.create"), *sent, _OVER)


def _error(code: str, message: str, **more: Any) -> dict[str, Any]:
    detail = {"type": "invalid_request_error", "code": code, "message": message, **more}
    return {"type": "error", "error": {**detail, "param": None, "event_id": None}}


def _refused(case_id: str, status: int, code: str, message: str) -> Case:
    """The case of an upgrade refused with ``status`` and an error body of ``code``."""
    body = f'{{"error":{{"type":"invalid_request_error","code":"{code}","message":"{message}"}}}}'
    return Case(
        id=case_id,
        title=f"{status} on connect",
        description=f"The upgrade is refused with HTTP {status} and a JSON body ({code}).",
        must="Raise an error naming the status; send nothing.",
        request=_TEXT,
        reject=(status, body),
        checks=(ErrorMentions(str(status)), SentNothing()),
    )


_SPLIT_TEXT: Final = ("Split ", "at ", "any ", "byte: ", "ünïcödé ✓ 🎧")
_STORM_HEAD, _STORM_TAIL = (
    response_messages("resp_1", "item_1", ("Pinged ", "and ", "pinged"))[:5],
    response_messages("resp_1", "item_1", ("Pinged ", "and ", "pinged"))[5:],
)
_LATE = [
    {
        "type": "conversation.item.input_audio_transcription.delta",
        "item_id": "item_user",
        "content_index": 0,
        "delta": "late words",
    },
    {
        "type": "conversation.item.input_audio_transcription.completed",
        "item_id": "item_user",
        "content_index": 0,
        "transcript": "late words",
        "usage": {"type": "tokens", "input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
    },
]
_WRONG_TYPED = response_messages("resp_1", "item_1", ("Still ", "decoded"))
_WRONG_TYPED[0]["response"] = {**_WRONG_TYPED[0]["response"], "metadata": "not an object"}
_WRONG_TYPED[1]["item"] = {**_WRONG_TYPED[1]["item"], "status": 3}
_WRONG_TYPED[-1]["response"] = {
    **_WRONG_TYPED[-1]["response"],
    "usage": "unknown",
    "status_details": 42,
    "conversation_id": ["not", "a", "string"],
}
_EXTENDED = response_messages("resp_1", "item_1", ("Extended ", "fields"))
_EXTENDED[4] = {**_EXTENDED[4], "x_trace_id": "trace-4"}
_EXTENDED[-1] = {**_EXTENDED[-1], "x_billing": {"units": 3, "region": "eu"}}
_UNKNOWN = response_messages("resp_1", "item_1", ("Unknown ", "types ", "skipped"))
_UNKNOWN.insert(1, {"type": "vendor.telemetry", "latency_ms": 12})
_UNKNOWN.insert(6, {"type": "response.future_feature.delta", "response_id": "resp_1", "delta": "?"})

BATTERY: Final[tuple[Case, ...]] = (
    Case(
        id="1.1",
        title="Frames split at any byte",
        description="The server's bytes arrive a few at a time (TCP writes of 1 to 7 bytes), "
        "so frame headers, payloads and UTF-8 code points are cut anywhere.",
        must="Reassemble every frame and message; the turn's text is exact.",
        request=_TEXT,
        actions=_answer(response_messages("resp_1", "item_1", _SPLIT_TEXT)),
        checks=_turn(_TEXT, "".join(_SPLIT_TEXT), ReceivedInOrder(_LIFECYCLE)),
        split_writes=True,
    ),
    Case(
        id="1.2",
        title="Messages fragmented into continuation frames",
        description="Every message comes as a text frame and continuation frames of 7 bytes "
        "(code points cut), with an empty fragment and a ping between the first two.",
        must="Join the fragments into one message (answering the ping); nothing is lost.",
        request=_TEXT,
        actions=(
            Send([session_created()], fragment=7),
            Expect("response.create"),
            Send(response_messages("resp_1", "item_1", _SPLIT_TEXT), fragment=7),
            _OVER,
        ),
        checks=_turn(_TEXT, "".join(_SPLIT_TEXT), ReceivedInOrder(_LIFECYCLE)),
    ),
    Case(
        id="1.3",
        title="Ping storm",
        description="20 pings after session.created, then 30 more in the middle of the "
        "response; the server closes only once the last one is answered.",
        must="Answer the pings (at least the last of each burst) while the turn goes on.",
        request=_TEXT,
        actions=(
            Send([session_created()]),
            Pings(20, "early"),
            Expect("response.create"),
            Send(_STORM_HEAD),
            Pings(30, "storm"),
            Send(_STORM_TAIL),
            AwaitPong(b"storm-29"),
            _OVER,
        ),
        checks=_turn(_TEXT, "Pinged and pinged", PongTo(b"early-19"), PongTo(b"storm-29")),
    ),
    Case(
        id="1.4",
        title="A server that stops reading",
        description="Once the upgrade is answered the server reads nothing for 1 s while the "
        "client sends 2 s of audio (96,000 bytes), then reads it all and answers.",
        must="Wait for the writes to drain without giving up or losing a byte.",
        request=_LONG_SPEECH,
        actions=_answer(
            response_messages("resp_1", "item_1", ("Heard ", "you")),
            first=(Expect("input_audio_buffer.commit"), Send(user_audio_item("item_user"))),
        ),
        checks=_turn(_LONG_SPEECH, "Heard you"),
        stall_reading=1.0,
    ),
    Case(
        id="2.1",
        title="Beta audio event names from a GA server",
        description="An audio response named as the beta protocol names it: "
        "response.audio.delta, response.audio_transcript.delta, ..., "
        "conversation.item.created (as Azure preview api-versions still send).",
        must="Understand them as their GA events; the transcript is the turn's text.",
        request=_TEXT,
        actions=_answer(
            response_messages(
                "resp_1", "item_1", ("Beta ", "names ", "heard"), audio=True, beta=True
            )
        ),
        checks=_turn(
            _TEXT,
            "Beta names heard",
            ReceivedInOrder(
                (
                    "response.output_audio.delta",
                    "response.output_audio_transcript.delta",
                    "response.output_audio_transcript.done",
                    "response.done",
                )
            ),
            NotReceived("response.audio.delta"),
            NotReceived("response.audio_transcript.delta"),
        ),
    ),
    Case(
        id="2.2",
        title="Beta text event names from a GA server",
        description="A text response named as the beta protocol names it: "
        "response.text.delta, response.text.done, conversation.item.created.",
        must="Understand them as their GA events; the text is the turn's text.",
        request=_TEXT,
        actions=_answer(response_messages("resp_1", "item_1", ("Beta ", "text"), beta=True)),
        checks=_turn(
            _TEXT,
            "Beta text",
            ReceivedInOrder(
                ("conversation.item.added", "response.output_text.delta", "response.done")
            ),
            NotReceived("response.text.delta"),
            NotReceived("conversation.item.created"),
        ),
    ),
    Case(
        id="2.3",
        title="Unknown event types",
        description="Events of types no client knows (vendor.telemetry, "
        "response.future_feature.delta) in the middle of a response.",
        must="Pass them on as they are and go on with the turn.",
        request=_TEXT,
        actions=_answer(_UNKNOWN),
        checks=_turn(
            _TEXT,
            "Unknown types skipped",
            Received("vendor.telemetry", {"latency_ms": 12}),
            Received("response.future_feature.delta", {"delta": "?"}),
            ReceivedInOrder(_LIFECYCLE),
        ),
    ),
    Case(
        id="2.4",
        title="Extension fields",
        description="Known events with fields the protocol does not define (x_trace_id on a "
        "delta, x_billing on response.done, x_region on session.created), as Azure and "
        "proxies add.",
        must="Decode the events as usual and keep the extra fields.",
        request=_TEXT,
        actions=(
            Send([session_created(x_region="westeurope")]),
            Expect("response.create"),
            Send(_EXTENDED),
            _OVER,
        ),
        checks=_turn(
            _TEXT,
            "Extended fields",
            Received("session.created", {"x_region": "westeurope"}),
            Received("response.output_text.delta", {"x_trace_id": "trace-4"}),
            Received("response.done", {"x_billing.units": 3}),
        ),
    ),
    Case(
        id="2.5",
        title="Wrong-typed descriptive fields",
        description="Descriptive fields of the wrong type: response metadata a string, an "
        "item status a number, response.done with usage 'unknown', status_details 42 and a "
        "list for conversation_id.",
        must="Deliver every lifecycle event anyway (the unusable fields dropped); the turn "
        "finishes with its text.",
        request=_TEXT,
        actions=_answer(_WRONG_TYPED),
        checks=_turn(
            _TEXT,
            "Still decoded",
            ReceivedInOrder(("response.created", "response.output_item.added", "response.done")),
        ),
    ),
    Case(
        id="2.6",
        title="A late input-audio transcript",
        description="The transcript of the user's audio (input_audio_transcription.delta "
        "and .completed) arrives after response.done, as it often does.",
        must="Deliver it for the user's item; the response's text stays as it was.",
        request=_SPEECH,
        actions=_answer(
            [*response_messages("resp_1", "item_1", ("Answered ", "first")), *_LATE],
            first=(Expect("input_audio_buffer.commit"), Send(user_audio_item("item_user"))),
        ),
        checks=_turn(
            _SPEECH,
            "Answered first",
            Received(
                "conversation.item.input_audio_transcription.completed",
                {"item_id": "item_user", "transcript": "late words"},
            ),
            ReceivedInOrder(
                ("response.done", "conversation.item.input_audio_transcription.completed")
            ),
        ),
    ),
    Case(
        id="3.1",
        title="An error event that keeps the session",
        description="An error event (invalid_request_error, unknown_parameter) before the "
        "response; the session goes on.",
        must="Report the error as an event, raise nothing, and finish the turn.",
        request=_TEXT,
        actions=_answer(
            [
                _error("unknown_parameter", "Unknown parameter: 'session.x_feature'."),
                *response_messages("resp_1", "item_1", ("Carried ", "on")),
            ]
        ),
        checks=_turn(
            _TEXT,
            "Carried on",
            Received("error", {"error.code": "unknown_parameter"}),
            ReceivedInOrder(("error", "response.done")),
        ),
    ),
    Case(
        id="3.2",
        title="conversation_already_has_active_response",
        description="The server answers response.create with the error "
        "conversation_already_has_active_response, then streams the response in progress.",
        must="Treat the error as news, not a failure: report it, keep the session, and "
        "take the response that follows as the turn.",
        request=_TEXT,
        actions=_answer(
            [
                _error(
                    "conversation_already_has_active_response",
                    "Conversation already has an active response in progress: resp_1. Wait "
                    "until the response is finished before creating a new one.",
                ),
                *response_messages("resp_1", "item_1", ("One ", "at ", "a ", "time")),
            ]
        ),
        checks=_turn(
            _TEXT,
            "One at a time",
            Received("error", {"error.code": "conversation_already_has_active_response"}),
        ),
    ),
    Case(
        id="3.3",
        title="session_expired, then the close",
        description="After a whole response the server sends the error session_expired "
        "(the 60-minute cap) and closes the connection.",
        must="Report the error and the close, answer the close, keep the turn; never hang.",
        request=_TEXT,
        actions=(
            Send([session_created()]),
            Expect("response.create"),
            Send(response_messages("resp_1", "item_1", ("Before ", "expiry"))),
            Send(
                [_error("session_expired", "Your session hit the maximum duration of 60 minutes.")]
            ),
            Close(1000, "session expired"),
        ),
        checks=(
            SentTurn(_TEXT),
            TextIs("Before expiry"),
            Received("error", {"error.code": "session_expired"}),
            AnsweredClose(),
        ),
    ),
    Case(
        id="3.4",
        title="A close in the middle of a response",
        description="The server closes with 1001 (going away) after two deltas of a response, "
        "before response.done.",
        must="Deliver what came before the close, keep the partial text, report code 1001 "
        "and answer the close; never hang.",
        request=_TEXT,
        actions=(
            Send([session_created()]),
            Expect("response.create"),
            Send(response_messages("resp_1", "item_1", ("Cut ", "short"), done=False)),
            Close(1001, "going away"),
        ),
        checks=(
            SentTurn(_TEXT),
            TextIs("Cut short"),
            ReceivedInOrder(("response.created", "response.output_text.delta")),
            ClosedWith(1001),
            AnsweredClose(),
        ),
    ),
    _refused("3.5", 401, "invalid_api_key", "Incorrect API key provided."),
    _refused("3.6", 429, "rate_limit_exceeded", "Rate limit reached. Try again later."),
)

CASES: Final[Mapping[str, Case]] = {case.id: case for case in BATTERY}
"""The cases of :data:`BATTERY` by id."""
