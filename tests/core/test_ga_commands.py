"""Client commands of the ``type``-keyed dialect, in the GA and the beta generation.

Each command is sent by the CLIENT side of a :class:`ConnectionPair`; the JSON is read from what
the SERVER side receives (``command.raw`` is the frame text) and compared with the JSON the wire
spec documents (``realtime-ga-protocol.md`` sections 2.1, 2.2 and 3). The same frames are
validated against the ``openai`` package's client event models, and the SERVER role must decode
each one back into an equal command.
"""

from __future__ import annotations

import base64
import json
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import attrs
import pytest

import realtime_proto as rp
from tests.core.sdk_models import adapter, client_models, members_by_type, validate
from tests.core.wire_examples import (
    ASSISTANT_ITEM,
    CALL_ID,
    MANUAL_OPTIONS,
    RESPONSE_OVERRIDES,
    SEMANTIC_OPTIONS,
    SEMANTIC_WIRE,
    SYSTEM_ITEM,
    SYSTEM_ITEM_WIRE,
    TRANSCRIPTION_WIRE,
    USER_ITEM,
    VAD_OPTIONS,
    VAD_WIRE,
    WEATHER_TOOL_WIRE,
)
from tests.helpers import ConnectionPair


class _LibraryEventId(str):
    """Stands for an ``event_id`` the library makes itself (``response.create`` gets one)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other != ""

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<an event_id made by the library>"


ANY_ID: Any = _LibraryEventId()

# -- values used below ----------------------------------------------------------------------

AUDIO = bytes(range(256)) * 4
AUDIO_B64 = base64.b64encode(AUDIO).decode()
USER_AUDIO_ITEM = rp.ConversationItem(
    type="message",
    id="item_user_7",
    role="user",
    content=(
        rp.ContentPart(type="input_audio", audio=AUDIO),
        rp.ContentPart(type="input_text", text="And tomorrow?"),
    ),
)
USER_AUDIO_ITEM_WIRE = {
    "type": "message",
    "id": "item_user_7",
    "role": "user",
    "content": [
        {"type": "input_audio", "audio": AUDIO_B64},
        {"type": "input_text", "text": "And tomorrow?"},
    ],
}
APPROVAL_ITEM = rp.ConversationItem(
    type="mcp_approval_response",
    id="mcpr_resp_1",
    extra={"approval_request_id": "mcpr_req_1", "approve": True},
)

CLASSIFY_ITEM = rp.ConversationItem(
    type="message",
    role="user",
    content=(rp.ContentPart(type="input_text", text="Classify the last turn."),),
)
OUT_OF_BAND = rp.CreateResponse(
    instructions="Reply with one word: the topic.",
    output_modalities=("text",),
    conversation="none",
    input=(rp.ConversationItem(type="item_reference", id=USER_ITEM), CLASSIFY_ITEM),
    metadata={"purpose": "classify"},
    event_id="evt_oob",
)
OUT_OF_BAND_INPUT = [
    {"type": "item_reference", "id": USER_ITEM},
    {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "Classify the last turn."}],
    },
]


class Case(NamedTuple):
    """Commands a CLIENT sends; the frames the SERVER receives, and the commands it decodes.

    ``beta`` is ``None`` for a command that has no beta form.
    """

    send: tuple[rp.Command, ...]
    ga: list[dict[str, Any]]
    beta: list[dict[str, Any]] | None
    decoded_ga: tuple[Any, ...]
    decoded_beta: tuple[Any, ...]
    # the GA frames that hold item references validate against the "with references" schema
    ga_references: bool = False


def case(
    *send: rp.Command,
    ga: list[dict[str, Any]],
    beta: list[dict[str, Any]] | Literal["same as GA"] | None = "same as GA",
    decoded: Sequence[Any] | None = None,
    decoded_ga: Sequence[Any] | None = None,
    decoded_beta: Sequence[Any] | None = None,
    ga_references: bool = False,
) -> Case:
    both = tuple(send if decoded is None else decoded)
    return Case(
        send=send,
        ga=ga,
        beta=ga if isinstance(beta, str) else beta,
        decoded_ga=both if decoded_ga is None else tuple(decoded_ga),
        decoded_beta=both if decoded_beta is None else tuple(decoded_beta),
        ga_references=ga_references,
    )


CASES: dict[str, Case] = {
    "UpdateSession[server_vad+tools+transcription]": case(
        rp.UpdateSession(options=VAD_OPTIONS, event_id="evt_session_1"),
        ga=[
            {
                "type": "session.update",
                "event_id": "evt_session_1",
                "session": {
                    "type": "realtime",
                    "instructions": "You are a weather bot. Keep answers short.",
                    "output_modalities": ["audio"],
                    "audio": {
                        "input": {
                            "format": {"type": "audio/pcm", "rate": 24000},
                            "turn_detection": VAD_WIRE,
                            "transcription": TRANSCRIPTION_WIRE,
                        },
                        "output": {"format": {"type": "audio/pcmu"}, "voice": "coral"},
                    },
                    "tools": [WEATHER_TOOL_WIRE],
                    "tool_choice": "auto",
                    "max_output_tokens": 1024,
                    # GA has no temperature: it is not sent
                },
            }
        ],
        beta=[
            {
                "type": "session.update",
                "event_id": "evt_session_1",
                "session": {
                    "instructions": "You are a weather bot. Keep answers short.",
                    "modalities": ["text", "audio"],
                    "voice": "coral",
                    "input_audio_format": "pcm16",
                    "output_audio_format": "g711_ulaw",
                    "turn_detection": VAD_WIRE,
                    "input_audio_transcription": TRANSCRIPTION_WIRE,
                    "tools": [WEATHER_TOOL_WIRE],
                    "tool_choice": "auto",
                    "temperature": 0.7,
                    "max_response_output_tokens": 1024,
                },
            }
        ],
        decoded_ga=[
            rp.UpdateSession(
                options=attrs.evolve(VAD_OPTIONS, temperature=None), event_id="evt_session_1"
            )
        ],
    ),
    "UpdateSession[semantic_vad+text-only+g711]": case(
        rp.UpdateSession(options=SEMANTIC_OPTIONS),
        ga=[
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "output_modalities": ["text"],
                    "max_output_tokens": "inf",
                    "audio": {
                        "input": {
                            "format": {"type": "audio/pcma"},
                            "turn_detection": SEMANTIC_WIRE,
                        },
                        "output": {"format": {"type": "audio/pcma"}},
                    },
                },
            }
        ],
        beta=[
            {
                "type": "session.update",
                "session": {
                    "modalities": ["text"],
                    "input_audio_format": "g711_alaw",
                    "output_audio_format": "g711_alaw",
                    "turn_detection": SEMANTIC_WIRE,
                    "max_response_output_tokens": "inf",
                },
            }
        ],
    ),
    "UpdateSession[no-turn-detection+clear]": case(
        rp.UpdateSession(options=MANUAL_OPTIONS),
        ga=[
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "instructions": "",
                    "audio": {"input": {"turn_detection": None}},
                    "tools": [],
                    "tool_choice": "none",
                },
            }
        ],
        beta=[
            {
                "type": "session.update",
                "session": {
                    "instructions": "",
                    "turn_detection": None,
                    "tools": [],
                    "tool_choice": "none",
                },
            }
        ],
    ),
    "UpdateSession[empty]": case(
        rp.UpdateSession(),
        ga=[{"type": "session.update", "session": {"type": "realtime"}}],
        beta=[{"type": "session.update", "session": {}}],
    ),
    "AppendAudio": case(
        rp.AppendAudio(audio=AUDIO, event_id="evt_append_1"),
        ga=[{"type": "input_audio_buffer.append", "event_id": "evt_append_1", "audio": AUDIO_B64}],
    ),
    "CommitAudio": case(
        rp.CommitAudio(event_id="evt_commit_1"),
        ga=[{"type": "input_audio_buffer.commit", "event_id": "evt_commit_1"}],
    ),
    "ClearAudio": case(rp.ClearAudio(), ga=[{"type": "input_audio_buffer.clear"}]),
    "SendText": case(
        rp.SendText(text="What's the weather in Paris? ☀"),
        ga=[
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "What's the weather in Paris? ☀"}],
                },
            }
        ],
    ),
    "SendToolResponse": case(
        rp.SendToolResponse(
            tool_call_id=CALL_ID, output='{"temperature_c": 24}', event_id="evt_tool_1"
        ),
        ga=[
            {
                "type": "conversation.item.create",
                "event_id": "evt_tool_1",
                "item": {
                    "type": "function_call_output",
                    "call_id": CALL_ID,
                    "output": '{"temperature_c": 24}',
                },
            }
        ],
    ),
    "CreateItem[system-at-root]": case(
        rp.CreateItem(item=SYSTEM_ITEM, previous_item_id="root"),
        ga=[
            {
                "type": "conversation.item.create",
                "previous_item_id": "root",
                "item": SYSTEM_ITEM_WIRE,
            }
        ],
    ),
    "CreateItem[user-audio-and-text]": case(
        rp.CreateItem(item=USER_AUDIO_ITEM, previous_item_id="item_sys_1", event_id="evt_item_2"),
        ga=[
            {
                "type": "conversation.item.create",
                "event_id": "evt_item_2",
                "previous_item_id": "item_sys_1",
                "item": USER_AUDIO_ITEM_WIRE,
            }
        ],
    ),
    "CreateItem[mcp_approval_response]": case(
        rp.CreateItem(item=APPROVAL_ITEM),
        ga=[
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "mcp_approval_response",
                    "id": "mcpr_resp_1",
                    "approval_request_id": "mcpr_req_1",
                    "approve": True,
                },
            }
        ],
        beta=None,  # MCP is GA only
    ),
    "CreateResponse[plain]": case(
        rp.CreateResponse(),
        ga=[{"type": "response.create", "event_id": ANY_ID}],
        decoded=[rp.CreateResponse(event_id=ANY_ID)],
    ),
    "CreateResponse[overrides]": case(
        RESPONSE_OVERRIDES,
        ga=[
            {
                "type": "response.create",
                "event_id": "evt_resp_1",
                "response": {
                    "instructions": "Answer in French.",
                    "output_modalities": ["text"],
                    "audio": {"output": {"voice": "coral", "format": {"type": "audio/pcmu"}}},
                    "tools": [WEATHER_TOOL_WIRE],
                    "tool_choice": "required",
                    "max_output_tokens": 500,
                    "metadata": {"topic": "weather"},
                },
            }
        ],
        beta=[
            {
                "type": "response.create",
                "event_id": "evt_resp_1",
                "response": {
                    "instructions": "Answer in French.",
                    "modalities": ["text"],
                    "voice": "coral",
                    "output_audio_format": "g711_ulaw",
                    "tools": [WEATHER_TOOL_WIRE],
                    "tool_choice": "required",
                    "max_response_output_tokens": 500,
                    "temperature": 0.9,
                    "metadata": {"topic": "weather"},
                },
            }
        ],
        decoded_ga=[attrs.evolve(RESPONSE_OVERRIDES, temperature=None)],
    ),
    "CreateResponse[out-of-band]": case(
        OUT_OF_BAND,
        ga=[
            {
                "type": "response.create",
                "event_id": "evt_oob",
                "response": {
                    "instructions": "Reply with one word: the topic.",
                    "output_modalities": ["text"],
                    "conversation": "none",
                    "input": OUT_OF_BAND_INPUT,
                    "metadata": {"purpose": "classify"},
                },
            }
        ],
        beta=[
            {
                "type": "response.create",
                "event_id": "evt_oob",
                "response": {
                    "instructions": "Reply with one word: the topic.",
                    "modalities": ["text"],
                    "conversation": "none",
                    "input": OUT_OF_BAND_INPUT,
                    "metadata": {"purpose": "classify"},
                },
            }
        ],
        ga_references=True,
    ),
    "CreateResponse[empty-context]": case(
        # input=() is "[]": a fresh, empty context (spec 3), not "no input given"
        rp.CreateResponse(conversation="none", input=(), metadata={}, event_id="evt_empty"),
        ga=[
            {
                "type": "response.create",
                "event_id": "evt_empty",
                "response": {"conversation": "none", "input": [], "metadata": {}},
            }
        ],
    ),
    "CancelResponse": case(rp.CancelResponse(), ga=[{"type": "response.cancel"}]),
    "CancelResponse[response_id]": case(
        rp.CancelResponse(response_id="resp_CCXHw7gJoZ1hQYsvKMMzp", event_id="evt_cancel_1"),
        ga=[
            {
                "type": "response.cancel",
                "event_id": "evt_cancel_1",
                "response_id": "resp_CCXHw7gJoZ1hQYsvKMMzp",
            }
        ],
    ),
    "TruncateItem": case(
        rp.TruncateItem(item_id=ASSISTANT_ITEM, audio_end_ms=1500),
        ga=[
            {
                "type": "conversation.item.truncate",
                "item_id": ASSISTANT_ITEM,
                "content_index": 0,
                "audio_end_ms": 1500,
            }
        ],
    ),
    "DeleteItem": case(
        rp.DeleteItem(item_id=USER_ITEM, event_id="evt_del_1"),
        ga=[{"type": "conversation.item.delete", "event_id": "evt_del_1", "item_id": USER_ITEM}],
    ),
    "RetrieveItem": case(
        rp.RetrieveItem(item_id=USER_ITEM),
        ga=[{"type": "conversation.item.retrieve", "item_id": USER_ITEM}],
    ),
    "ClearOutputAudio": case(rp.ClearOutputAudio(), ga=[{"type": "output_audio_buffer.clear"}]),
    "SendRaw[dict]": case(
        rp.SendRaw(message={"type": "input_audio_buffer.clear", "event_id": "raw_1"}),
        ga=[{"type": "input_audio_buffer.clear", "event_id": "raw_1"}],
        decoded=[rp.ClearAudio(event_id="raw_1")],
    ),
    "SendRaw[str]": case(
        rp.SendRaw(message='{ "type": "conversation.item.delete", "item_id": "item_9" }'),
        ga=[{"type": "conversation.item.delete", "item_id": "item_9"}],
        decoded=[rp.DeleteItem(item_id="item_9")],
    ),
    "SendRaw[bytes]": case(
        rp.SendRaw(message='{"type":"response.cancel","event_id":"é_1"}'.encode()),
        ga=[{"type": "response.cancel", "event_id": "é_1"}],
        decoded=[rp.CancelResponse(event_id="é_1")],
    ),
    "FinishTurn[no-pending-audio]": case(
        rp.FinishTurn(),
        ga=[{"type": "response.create", "event_id": ANY_ID}],
        decoded=[rp.CreateResponse(event_id=ANY_ID)],
    ),
    "FinishTurn[pending-audio]": case(
        rp.AppendAudio(audio=AUDIO),
        rp.FinishTurn(response=rp.CreateResponse(instructions="Be brief.")),
        ga=[
            {"type": "input_audio_buffer.append", "audio": AUDIO_B64},
            {"type": "input_audio_buffer.commit"},
            {
                "type": "response.create",
                "event_id": ANY_ID,
                "response": {"instructions": "Be brief."},
            },
        ],
        decoded=[
            rp.AppendAudio(audio=AUDIO),
            rp.CommitAudio(),
            rp.CreateResponse(instructions="Be brief.", event_id=ANY_ID),
        ],
    ),
    "FinishTurn[after-commit]": case(
        rp.AppendAudio(audio=AUDIO),
        rp.CommitAudio(),
        rp.FinishTurn(),
        ga=[
            {"type": "input_audio_buffer.append", "audio": AUDIO_B64},
            {"type": "input_audio_buffer.commit"},
            {"type": "response.create", "event_id": ANY_ID},
        ],
        decoded=[rp.AppendAudio(audio=AUDIO), rp.CommitAudio(), rp.CreateResponse(event_id=ANY_ID)],
    ),
}

DIALECTS = [rp.Dialect.GA, rp.Dialect.BETA]


def case_params() -> list[Any]:
    return [
        pytest.param(name, dialect, id=f"{name}-{dialect.value}")
        for name, c in CASES.items()
        for dialect in DIALECTS
        if not (dialect is rp.Dialect.BETA and c.beta is None)
    ]


def test_every_client_command_class_is_covered() -> None:
    public = (getattr(rp, name) for name in rp.__all__)
    commands = {c for c in public if isinstance(c, type) and issubclass(c, rp.Command)}
    # the base class, and the commands that are about the connection, not the protocol
    commands -= {rp.Command, rp.Close, rp.AcceptConnection, rp.RejectConnection}
    # the preview dialect's only (below)
    commands -= {rp.CreateConversation, rp.DeleteConversation, rp.SubscribeToUserAudio}
    sent = {type(command) for c in CASES.values() for command in c.send}
    assert sent == commands


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA])
def test_a_preview_only_command_is_refused(dialect: rp.Dialect) -> None:
    pair = ConnectionPair(dialect=dialect)
    with pytest.raises(rp.LocalProtocolError, match="CreateConversation"):
        pair.client.send(rp.CreateConversation(label="side"))
    assert pair.client.data_to_send() == b""


def exchange(commands: Sequence[rp.Command], dialect: rp.Dialect) -> list[Any]:
    """What the SERVER side receives when a fresh CLIENT sends these commands."""
    pair = ConnectionPair(dialect=dialect)
    for command in commands:
        pair.client.send(command)
    _, received = pair.pump()
    return received


_EXCHANGES: dict[tuple[str, rp.Dialect], list[Any]] = {}


def exchange_case(name: str, dialect: rp.Dialect) -> list[Any]:
    """``exchange`` of one case, done once per dialect and shared by the tests below."""
    key = (name, dialect)
    if key not in _EXCHANGES:
        _EXCHANGES[key] = exchange(CASES[name].send, dialect)
    return _EXCHANGES[key]


def expected_frames(c: Case, dialect: rp.Dialect) -> list[dict[str, Any]]:
    frames = c.ga if dialect is rp.Dialect.GA else c.beta
    assert frames is not None
    return frames


@pytest.mark.parametrize(("name", "dialect"), case_params())
def test_command_encodes_to_the_documented_json(name: str, dialect: rp.Dialect) -> None:
    received = exchange_case(name, dialect)
    assert all(isinstance(r, rp.Command) for r in received), received
    assert [json.loads(r.raw) for r in received] == expected_frames(CASES[name], dialect)


@pytest.mark.parametrize(("name", "dialect"), case_params())
def test_server_decodes_an_equal_command(name: str, dialect: rp.Dialect) -> None:
    c = CASES[name]
    received = exchange_case(name, dialect)
    expected = c.decoded_ga if dialect is rp.Dialect.GA else c.decoded_beta
    assert [type(r) for r in received] == [type(e) for e in expected]
    assert received == list(expected)
    for command in received:
        assert command.event_id == json.loads(command.raw).get("event_id")


# -- validation against the openai package --------------------------------------------------


def _materialise(value: Any) -> Any:
    """pydantic validates ``Iterable`` fields of a TypedDict lazily: walk them to force it."""
    if isinstance(value, Mapping):
        return {k: _materialise(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        return [_materialise(v) for v in value]
    return value


def validate_ga(frame: dict[str, Any], *, references: bool) -> None:
    from openai.types.realtime import RealtimeClientEventParam
    from openai.types.realtime.response_create_event_with_references_param import (
        ResponseCreateEventWithReferencesParam,
    )

    if references:
        # response.input may hold item_reference entries, a shape only this TypedDict knows
        _materialise(
            adapter(ResponseCreateEventWithReferencesParam).validate_python(frame, strict=True)
        )
        return
    validate(frame, client_models(rp.Dialect.GA))
    param_union: Any = RealtimeClientEventParam
    param = members_by_type(typing.Annotated[param_union, None])[frame["type"]]
    _materialise(adapter(param).validate_python(frame, strict=True))


def validate_beta(frame: dict[str, Any]) -> None:
    try:
        models = client_models(rp.Dialect.BETA)
    except ImportError:  # pragma: no cover - depends on the installed openai
        pytest.skip("this openai version has no openai.types.beta.realtime client event union")
    validate(frame, models)


@pytest.mark.parametrize(("name", "dialect"), case_params())
def test_command_json_validates_against_the_sdk(name: str, dialect: rp.Dialect) -> None:
    for command in exchange_case(name, dialect):
        frame = json.loads(command.raw)
        if dialect is rp.Dialect.GA:
            validate_ga(frame, references=CASES[name].ga_references)
        else:
            validate_beta(frame)


def test_the_validators_reject_a_missing_required_field() -> None:
    from pydantic import ValidationError

    bad = {"type": "conversation.item.truncate", "item_id": "item_1", "content_index": 0}
    with pytest.raises(ValidationError):
        validate_ga(bad, references=False)
    with pytest.raises(ValidationError):
        validate_beta(bad)
    # GA requires session.type
    with pytest.raises(ValidationError):
        validate_ga({"type": "session.update", "session": {"instructions": "x"}}, references=False)
    # an item without its required content, inside an Iterable of the TypedDict
    with pytest.raises(ValidationError):
        validate_ga(
            {
                "type": "response.create",
                "response": {"input": [{"type": "message", "role": "user"}]},
            },
            references=True,
        )


# -- details ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        '{ "type": "input_audio_buffer.commit" }',
        '{"event_id":"x","type":"input_audio_buffer.commit"}',
        b'{"type":"input_audio_buffer.commit","event_id":"\xc3\xa9"}',
    ],
    ids=["str-with-spaces", "str-key-order", "bytes-utf8"],
)
def test_send_raw_sends_text_verbatim(message: str | bytes) -> None:
    (received,) = exchange([rp.SendRaw(message=message)], rp.Dialect.GA)
    assert isinstance(received, rp.CommitAudio)
    text = message.decode() if isinstance(message, bytes) else message
    assert received.raw == text


def test_send_raw_dict_is_compact_json() -> None:
    message = {"type": "input_audio_buffer.clear", "event_id": "ü"}
    (received,) = exchange([rp.SendRaw(message=message)], rp.Dialect.GA)
    assert received.raw == '{"type":"input_audio_buffer.clear","event_id":"ü"}'


def test_send_raw_rejects_bytes_that_are_not_utf8() -> None:
    pair = ConnectionPair()
    with pytest.raises(rp.LocalProtocolError):
        pair.client.send(rp.SendRaw(message=b'{"type":"x","v":"\xff"}'))
    assert pair.client.data_to_send() == b""


def test_send_raw_of_an_unknown_type_reaches_the_server_as_unknown() -> None:
    text = '{"type":"session.custom_thing","value":1}'
    (received,) = exchange([rp.SendRaw(message=text)], rp.Dialect.GA)
    assert isinstance(received, rp.UnknownEvent)
    assert received.event_type == "session.custom_thing"
    assert received.raw == text


def test_beta_transcription_session_update_decodes_to_update_session() -> None:
    text = json.dumps(
        {
            "type": "transcription_session.update",
            "event_id": "evt_ts_1",
            "session": {
                "input_audio_format": "g711_ulaw",
                "input_audio_transcription": {"model": "gpt-4o-transcribe", "language": "de"},
                "turn_detection": None,
            },
        }
    )
    validate_beta(json.loads(text))
    (received,) = exchange([rp.SendRaw(message=text)], rp.Dialect.BETA)
    assert received == rp.UpdateSession(
        options=rp.ConversationOptions(
            input_audio_format=rp.AudioFormat.G711_ULAW,
            transcribe_input=rp.InputTranscription(model="gpt-4o-transcribe", language="de"),
            turn_detection=rp.NoTurnDetection(),
        ),
        event_id="evt_ts_1",
    )


def test_finish_turn_after_a_vad_commit_does_not_commit_again() -> None:
    """The server's ``input_audio_buffer.committed`` empties the pending audio (spec 5.3)."""
    pair = ConnectionPair()
    pair.client.send(rp.AppendAudio(audio=AUDIO))
    pair.pump()
    assert pair.client.pending_input_audio == len(AUDIO)
    pair.server.send(rp.InputAudioCommitted(item_id=USER_ITEM))
    pair.pump()
    assert pair.client.pending_input_audio == 0
    pair.client.send(rp.FinishTurn())
    _, received = pair.pump()
    assert [json.loads(r.raw)["type"] for r in received] == ["response.create"]


def test_library_event_ids_are_distinct() -> None:
    pair = ConnectionPair(policy=rp.ResponsePolicy.SEND)
    pair.client.send(rp.CreateResponse())
    pair.client.send(rp.CreateResponse(conversation="none"))
    _, received = pair.pump()
    ids = [json.loads(r.raw)["event_id"] for r in received]
    assert len(ids) == 2
    assert len(set(ids)) == 2


def test_azure_preview_response_create_extras_are_sent_and_kept() -> None:
    """Azure 2024-10-01-preview ``response.create`` keys (4.12) ride in ``extra``."""
    command = rp.CreateResponse(
        extra={"commit": False, "cancel_previous": False}, event_id="evt_az_1"
    )
    (received,) = exchange([command], rp.Dialect.BETA)
    frame = json.loads(received.raw)
    assert frame == {
        "type": "response.create",
        "event_id": "evt_az_1",
        "response": {"commit": False, "cancel_previous": False},
    }
    validate_beta(frame)
    assert received == command
