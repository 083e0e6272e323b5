"""What the library writes, checked against the ``openai`` package's models of each generation.

GA frames are checked against ``openai.types.realtime``, beta frames against
``openai.types.beta.realtime``: strict pydantic validation of the model the frame's ``type``
names, then a walk of the validated model for keys it does not declare (the SDK models accept
unknown keys, so validation alone would let ``temperature`` through in a GA ``response.create``).

Three sources of frames: every client command built with every field set (encoded by the
dialect), every frame the embedded simulator sends in a scripted session, and random items of
``conversation.item.create``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import realtime_proto as rp
from realtime_proto._dialects import ga
from realtime_proto.simulator import SimulatorAddress
from tests.core.sdk_models import Models, client_models, server_models, validate
from tests.core.simulated import scripted_session, sdk_session
from tests.core.wire_examples import (
    FUNCTION_CALL,
    FUNCTION_CALL_OUTPUT,
    MANUAL_OPTIONS,
    RESPONSE_OVERRIDES,
    SEMANTIC_OPTIONS,
    SYSTEM_ITEM,
    USER_MESSAGE,
    VAD_OPTIONS,
    assistant_message,
)

GA = rp.Dialect.GA
BETA = rp.Dialect.BETA
GENERATIONS = pytest.mark.parametrize("dialect", [GA, BETA], ids=lambda d: d.value)


# -- the checker -----------------------------------------------------------------------------------


def unknown_keys(value: Any, path: str = "") -> Iterator[str]:
    """The path of every key of a validated model tree that its model does not declare."""
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            yield f"{path}{key}"
        for name in type(value).model_fields:
            yield from unknown_keys(getattr(value, name), f"{path}{name}.")
    elif isinstance(value, (list, tuple)):
        for index, element in enumerate(value):
            yield from unknown_keys(element, f"{path[:-1]}[{index}].")
    elif isinstance(value, dict):  # a free-form object (tool parameters): not a model
        for key, element in value.items():
            if isinstance(element, (BaseModel, list, dict)):
                yield from unknown_keys(element, f"{path}{key}.")


# Keys the service sends or accepts that the SDK's models leave out, by generation and type.
# The SDK types the session of ``session.created`` / ``session.updated`` as the *request*
# model; the service adds ``id``, ``object`` and ``expires_at`` (GA declares them on
# ``RealtimeSessionCreateResponse``). The frozen beta models never gained ``idle_timeout_ms``,
# which the beta service reports and accepts, nor the ``name`` of a finished function call,
# which the beta API reference declares (required).
_GA_SESSION = frozenset({"session.id", "session.object", "session.expires_at"})
_BETA_SESSION = frozenset(
    {"session.object", "session.expires_at", "session.turn_detection.idle_timeout_ms"}
)
SERVICE_KEYS: dict[tuple[rp.Dialect, str], frozenset[str]] = {
    (GA, "session.created"): _GA_SESSION,
    (GA, "session.updated"): _GA_SESSION,
    (BETA, "session.created"): _BETA_SESSION,
    (BETA, "session.updated"): _BETA_SESSION,
    (BETA, "session.update"): frozenset({"session.turn_detection.idle_timeout_ms"}),
    (BETA, "response.function_call_arguments.done"): frozenset({"name"}),
}


def conform(frame: dict[str, Any], models: Models, dialect: rp.Dialect) -> None:
    """Strict validation against the model of the frame's type (which the union picks too),
    then no undeclared key."""
    validated = validate(frame, models)
    allowed = SERVICE_KEYS.get((dialect, frame["type"]), frozenset())
    unknown = [key for key in unknown_keys(validated) if key not in allowed]
    assert not unknown, f"{frame['type']}: keys the {dialect.value} SDK model lacks: {unknown}"


def test_the_checker_catches_an_unknown_key_and_a_wrong_value() -> None:
    from pydantic import ValidationError

    with pytest.raises(AssertionError, match=r"response\.temperature"):
        conform(
            {"type": "response.create", "response": {"temperature": 0.8}}, client_models(GA), GA
        )
    part = {"type": "input_text", "text": "hi", "speaker": "A"}
    item = {"type": "message", "role": "user", "content": [part]}
    with pytest.raises(AssertionError, match=r"item\.content\[0\]\.speaker"):
        conform({"type": "conversation.item.create", "item": item}, client_models(BETA), BETA)
    item = {"type": "message", "role": "assistant", "content": [{"type": "text"}]}
    with pytest.raises(ValidationError):
        conform({"type": "conversation.item.create", "item": item}, client_models(GA), GA)


# -- (a) every command, with every field set -------------------------------------------------

AUDIO = bytes(range(64))
# ``extra`` is sent as given: each generation gets a key of its own session model
SESSION_EXTRA: dict[rp.Dialect, dict[str, Any]] = {GA: {"truncation": "auto"}, BETA: {"speed": 1.1}}


def every_field_response(dialect: rp.Dialect) -> rp.CreateResponse:
    return attrs.evolve(
        RESPONSE_OVERRIDES,
        output_modalities=("audio",),
        output_audio_format=rp.AudioFormat.PCM16,
        conversation="none",
        # beta takes only text in an assistant message given here: no audio part
        input=(
            SYSTEM_ITEM,
            USER_MESSAGE,
            assistant_message("output_text"),
            FUNCTION_CALL,
            FUNCTION_CALL_OUTPUT,
        ),
        extra={"parallel_tool_calls": False} if dialect is GA else {},
        event_id="evt_response",
    )


def commands(dialect: rp.Dialect) -> dict[str, rp.Command]:
    """Every command of the type-keyed protocol, each field set (several shapes of some)."""
    return {
        "UpdateSession[server_vad, every option]": rp.UpdateSession(
            options=attrs.evolve(VAD_OPTIONS, extra=SESSION_EXTRA[dialect]), event_id="evt_1"
        ),
        "UpdateSession[semantic_vad, text only, g711]": rp.UpdateSession(options=SEMANTIC_OPTIONS),
        "UpdateSession[no turn detection]": rp.UpdateSession(options=MANUAL_OPTIONS),
        "UpdateSession[nothing]": rp.UpdateSession(),
        "AppendAudio": rp.AppendAudio(audio=AUDIO, event_id="evt_2"),
        "CommitAudio": rp.CommitAudio(event_id="evt_3"),
        "ClearAudio": rp.ClearAudio(event_id="evt_4"),
        "SendText": rp.SendText(text="Hello.", event_id="evt_5"),
        "SendToolResponse": rp.SendToolResponse(
            tool_call_id="call_1", output='{"sky":"clear"}', event_id="evt_6"
        ),
        "CreateItem[user]": rp.CreateItem(
            item=USER_MESSAGE, previous_item_id="item_0", event_id="e7"
        ),
        "CreateItem[system]": rp.CreateItem(item=SYSTEM_ITEM, previous_item_id="root"),
        "CreateItem[assistant, GA part names]": rp.CreateItem(
            item=assistant_message("output_text", "output_audio"), previous_item_id="item_user"
        ),
        "CreateItem[assistant, beta part names]": rp.CreateItem(
            item=assistant_message("text", "audio"), previous_item_id="item_user"
        ),
        "CreateItem[function_call]": rp.CreateItem(item=FUNCTION_CALL, event_id="evt_8"),
        "CreateItem[function_call_output]": rp.CreateItem(item=FUNCTION_CALL_OUTPUT),
        "CreateResponse[every field]": every_field_response(dialect),
        "CreateResponse[nothing]": rp.CreateResponse(),
        "CancelResponse": rp.CancelResponse(response_id="resp_1", event_id="evt_9"),
        "TruncateItem": rp.TruncateItem(
            item_id="item_assistant", content_index=1, audio_end_ms=1500, event_id="evt_10"
        ),
        "DeleteItem": rp.DeleteItem(item_id="item_user", event_id="evt_11"),
        "RetrieveItem": rp.RetrieveItem(item_id="item_user", event_id="evt_12"),
        "ClearOutputAudio": rp.ClearOutputAudio(event_id="evt_13"),
    }


def test_every_wire_command_class_is_covered() -> None:
    public = (getattr(rp, name) for name in rp.__all__)
    classes = {c for c in public if isinstance(c, type) and issubclass(c, rp.Command)}
    classes -= {rp.Command, rp.Close, rp.AcceptConnection, rp.RejectConnection}  # not messages
    classes -= {rp.CreateConversation, rp.DeleteConversation, rp.SubscribeToUserAudio}  # preview
    classes -= {rp.FinishTurn, rp.SendRaw}  # the connection sends other commands, or the text
    for dialect in (GA, BETA):
        assert {type(c) for c in commands(dialect).values()} == classes


def _every_field_is_set(command: rp.Command) -> bool:
    unset = [
        a.name
        for a in attrs.fields(type(command))
        if a.name not in ("raw", "extra") and getattr(command, a.name) is None
    ]
    return not unset


def test_the_every_field_cases_leave_nothing_unset() -> None:
    for dialect in (GA, BETA):
        cases = commands(dialect)
        update = cases["UpdateSession[server_vad, every option]"]
        assert isinstance(update, rp.UpdateSession)
        assert _every_field_is_set(update)
        options = update.options
        assert all(getattr(options, a.name) is not None for a in attrs.fields(type(options)))
        assert _every_field_is_set(cases["CreateResponse[every field]"])


@GENERATIONS
@pytest.mark.parametrize("name", list(commands(GA)))
def test_command_conforms_to_the_sdk(name: str, dialect: rp.Dialect) -> None:
    frame = ga.encode_command(commands(dialect)[name], dialect)
    conform(json.loads(json.dumps(frame)), client_models(dialect), dialect)


@GENERATIONS
def test_assistant_parts_are_written_in_the_generation_of_the_connection(
    dialect: rp.Dialect,
) -> None:
    expected = ["output_text", "output_audio"] if dialect is GA else ["text", "audio"]
    for text_type, audio_type in (("output_text", "output_audio"), ("text", "audio")):
        command = rp.CreateItem(item=assistant_message(text_type, audio_type))
        frame = ga.encode_command(command, dialect)
        assert [part["type"] for part in frame["item"]["content"]] == expected
    response = ga.encode_command(every_field_response(dialect), dialect)["response"]
    assistant_wire = response["input"][2]
    assert [part["type"] for part in assistant_wire["content"]] == expected[:1]
    user = ga.encode_command(rp.CreateItem(item=USER_MESSAGE), dialect)["item"]
    assert [part["type"] for part in user["content"]] == ["input_text", "input_audio"]


@pytest.mark.parametrize(
    ("modalities", "ga_wire", "beta_wire"),
    [
        (("audio",), ["audio"], ["text", "audio"]),
        (("text", "audio"), ["audio"], ["text", "audio"]),
        (("audio", "text"), ["audio"], ["text", "audio"]),
        (("text",), ["text"], ["text"]),
    ],
)
def test_response_modalities_are_spelt_as_the_generation_takes_them(
    modalities: tuple[str, ...], ga_wire: list[str], beta_wire: list[str]
) -> None:
    command = rp.CreateResponse(output_modalities=modalities)
    assert ga.encode_command(command, GA)["response"] == {"output_modalities": ga_wire}
    assert ga.encode_command(command, BETA)["response"] == {"modalities": beta_wire}


def test_a_transcription_failure_has_no_error_event_id() -> None:
    error = rp.ErrorDetail(type="server_error", code="audio_unintelligible", message="No.")
    event = rp.InputTranscriptionFailed(item_id="item_1", error=error, event_id="event_1")
    for dialect in (GA, BETA):
        (wire,) = ga.encode_event(event, dialect) or []
        assert "event_id" not in wire["error"]
        conform(wire, server_models(dialect), dialect)


# -- (b) every frame the simulator sends (the script of ``tests.core.simulated``) ------------------

# What the script must have made the simulator send, in the names of each generation.
EXPECTED_TYPES = {
    "session.created", "session.updated", "input_audio_buffer.speech_started",
    "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
    "input_audio_buffer.cleared", "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed", "conversation.item.retrieved",
    "conversation.item.truncated", "conversation.item.deleted", "response.created",
    "response.output_item.added", "response.output_item.done", "response.content_part.added",
    "response.content_part.done", "response.function_call_arguments.delta",
    "response.function_call_arguments.done", "response.done", "error",
}  # fmt: skip
GA_TYPES = {
    "conversation.item.added", "conversation.item.done", "response.output_text.delta",
    "response.output_text.done", "response.output_audio.delta", "response.output_audio.done",
    "response.output_audio_transcript.delta", "response.output_audio_transcript.done",
}  # fmt: skip
BETA_TYPES = {
    "conversation.item.created", "response.text.delta", "response.text.done",
    "response.audio.delta", "response.audio.done", "response.audio_transcript.delta",
    "response.audio_transcript.done",
}  # fmt: skip


@GENERATIONS
def test_the_simulator_session_runs_in_the_dialect(dialect: rp.Dialect) -> None:
    s = scripted_session(dialect)
    frames = [json.loads(text) for text in s.tap.messages]
    types = {frame["type"] for frame in frames}
    assert EXPECTED_TYPES | (GA_TYPES if dialect is GA else BETA_TYPES) <= types
    assert not types & (BETA_TYPES if dialect is GA else GA_TYPES)
    # every frame reached the client as a known, well-formed event
    assert not [e for e in s.events if isinstance(e, (rp.InvalidMessage, rp.UnknownEvent))]
    assert len([e for e in s.events if e.raw]) == len(frames) > 100
    assert isinstance(s.events[-1], rp.ConnectionClosed)  # the expiry closed it
    codes = {e.code for e in s.events if isinstance(e, rp.ServerError)}
    assert {
        "response_cancel_not_active",
        "item_retrieve_invalid_item_id",
        "item_truncate_invalid_item_id",
        "item_delete_invalid_item_id",
        "input_audio_buffer_commit_empty",
        "invalid_event",
        "invalid_value",
        "session_expired",
    } <= codes
    statuses = {e.response.status for e in s.events if isinstance(e, rp.TurnFinished)}
    assert {"completed", "cancelled"} <= statuses


@GENERATIONS
def test_every_simulator_frame_conforms_to_the_sdk(dialect: rp.Dialect) -> None:
    s = scripted_session(dialect)
    assert s.tap.messages
    for text in s.tap.messages:
        conform(json.loads(text), server_models(dialect), dialect)


@GENERATIONS
def test_the_simulator_writes_item_parts_in_the_generation(dialect: rp.Dialect) -> None:
    s = scripted_session(dialect)
    allowed = (
        {"input_text", "input_audio", "output_text", "output_audio"}
        if dialect is GA
        else {"input_text", "input_audio", "text", "audio"}
    )
    seen: set[str] = set()
    for text in s.tap.messages:
        frame = json.loads(text)
        items = [frame["item"]] if "item" in frame else []
        items += frame.get("response", {}).get("output", [])
        for item in items:
            seen |= {part["type"] for part in item.get("content", [])}
        if "part" in frame:
            assert frame["part"]["type"] in ("text", "audio")  # content-part events, both
    assert seen == allowed


def test_the_simulator_speaks_beta_when_asked() -> None:
    address = SimulatorAddress()
    address.host, address.port = "127.0.0.1", 8000
    assert address.url_for(BETA) == address.url + "&dialect=beta"
    assert address.url_for(rp.Dialect.PREVIEW) == address.url + "&dialect=preview"
    assert address.url_for(GA) == address.url
    s = sdk_session(BETA)
    assert s.simulator.connection.dialect is BETA
    (created,) = [json.loads(text) for text in s.tap.messages]
    assert created["type"] == "session.created"
    session = created["session"]
    assert "input_audio_format" in session  # the beta session shape
    assert "audio" not in session
    assert "type" not in session
    assert sdk_session(GA).simulator.connection.dialect is GA


# -- (c) random items of conversation.item.create ---------------------------------------------

PART_TYPES = {
    "user": ("input_text", "input_audio"),
    "system": ("input_text",),
    "assistant": ("output_text", "output_audio", "text", "audio"),  # either generation's names
}
short_text = st.text(max_size=12)
maybe_text = st.none() | short_text
statuses = st.sampled_from([None, "completed", "incomplete", "in_progress"])
ids = st.sampled_from([None, "item_1", "item_B2"])


@st.composite
def parts(draw: st.DrawFn, role: str) -> rp.ContentPart:
    kind = draw(st.sampled_from(PART_TYPES[role]))
    if kind.endswith("text"):
        return rp.ContentPart(type=kind, text=draw(short_text))
    return rp.ContentPart(
        type=kind,
        audio=draw(st.none() | st.binary(max_size=12)),
        transcript=draw(maybe_text),
    )


@st.composite
def messages(draw: st.DrawFn) -> rp.ConversationItem:
    role = draw(st.sampled_from(sorted(PART_TYPES)))
    return rp.ConversationItem(
        type="message",
        id=draw(ids),
        role=role,
        status=draw(statuses),
        content=tuple(draw(st.lists(parts(role), max_size=3))),
    )


@st.composite
def calls(draw: st.DrawFn) -> rp.ConversationItem:
    return rp.ConversationItem(
        type="function_call",
        id=draw(ids),
        status=draw(statuses),
        call_id=draw(st.none() | st.just("call_1")),
        name=draw(st.sampled_from(["get_weather", "lookup"])),
        arguments=draw(st.sampled_from(["{}", '{"city":"Paris"}'])),
    )


@st.composite
def call_outputs(draw: st.DrawFn) -> rp.ConversationItem:
    return rp.ConversationItem(
        type="function_call_output",
        id=draw(ids),
        status=draw(statuses),
        call_id="call_1",
        output=draw(short_text),
    )


class ItemCase(NamedTuple):
    item: rp.ConversationItem
    previous_item_id: str | None


items = st.builds(
    ItemCase, st.one_of(messages(), calls(), call_outputs()), st.none() | st.just("item_0")
)


@settings(max_examples=50, deadline=None)
@given(case=items)
def test_random_items_conform_in_both_generations(case: ItemCase) -> None:
    command = rp.CreateItem(item=case.item, previous_item_id=case.previous_item_id)
    for dialect in (GA, BETA):
        frame = json.loads(json.dumps(ga.encode_command(command, dialect)))
        conform(frame, client_models(dialect), dialect)
        # the SERVER role reads it back: the same item, the parts in this generation's names
        decoded = ga.decode_command(frame, frame["type"], json.dumps(frame))
        assert isinstance(decoded, (rp.CreateItem, rp.SendText, rp.SendToolResponse))
        if isinstance(decoded, rp.CreateItem):
            assert len(decoded.item.content) == len(case.item.content)
            assert [p.text for p in decoded.item.content] == [p.text for p in case.item.content]
