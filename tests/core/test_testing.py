"""realtime_proto.testing: the public conformance strategies, their tables, their values, and
the README's example of testing a client with them."""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, settings
from hypothesis.errors import HypothesisWarning

import realtime_proto as rp
from realtime_proto import testing as kit
from tests.helpers import ConnectionPair, drain

FIRST = settings(database=None, phases=[Phase.generate], max_examples=2_000)


def first(strategy: Any, condition: Callable[[Any], bool] = lambda _: True) -> Any:
    """The first value drawn that meets ``condition`` (no shrinking: it need not be small, and
    hypothesis warns that a large value's repr is costly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisWarning)
        return find(strategy, condition, settings=FIRST)


def test_importing_without_hypothesis_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in sys.modules if name.startswith("realtime_proto.testing")]:
        monkeypatch.delitem(sys.modules, name)  # restored after the test
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=r'pip install "realtime-proto\[testing\]"'):
        importlib.import_module("realtime_proto.testing")


def test_the_testing_extra_brings_hypothesis() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert re.search(r'^testing = \["hypothesis>=6\.100"\]$', pyproject, re.M)


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)
@pytest.mark.parametrize("cls", kit.SERVER_EVENT_CLASSES, ids=lambda cls: cls.__name__)
def test_a_server_event_class_is_on_the_wire_where_the_table_says(
    cls: type[rp.Event], dialect: rp.Dialect
) -> None:
    event = first(kit.server_event(cls, dialect))
    assert type(event) is cls
    if cls in kit.server_event_classes(dialect):
        assert len(kit.encode_event(event, dialect)) == 1
    else:  # implied by the dialect (nothing to send) or beyond what it can say
        with contextlib.suppress(rp.LocalProtocolError):
            assert kit.encode_event(event, dialect) == ()


@pytest.mark.parametrize("dialect", list(rp.Dialect), ids=str)
@pytest.mark.parametrize("cls", kit.CLIENT_COMMAND_CLASSES, ids=lambda cls: cls.__name__)
def test_a_client_command_class_is_sent_where_the_table_says(
    cls: type[rp.Command], dialect: rp.Dialect
) -> None:
    command = first(kit.client_command(cls, dialect))
    assert type(command) is cls
    if cls in kit.client_command_classes(dialect):
        assert len(kit.encode_command(command, dialect)) == 1
    else:
        with pytest.raises(rp.LocalProtocolError):
            kit.encode_command(command, dialect)


def test_what_is_not_an_event_or_a_command_is_refused() -> None:
    with pytest.raises(ValueError, match="Connected is not a server event class"):
        kit.server_event(rp.Connected)
    with pytest.raises(ValueError, match="Close is not a client command class"):
        kit.client_command(rp.Close)
    with pytest.raises(ValueError, match="at least one response"):
        kit.server_sessions(max_responses=0)


def test_the_strategies_draw_only_the_classes_asked_for() -> None:
    message = first(kit.server_messages(rp.Dialect.BETA, classes=[rp.TextDelta]))
    assert isinstance(message.event, rp.TextDelta)
    assert [wire["type"] for wire in message.messages] == ["response.text.delta"]
    sent = first(kit.client_messages(rp.Dialect.PREVIEW, classes=[rp.CreateConversation]))
    assert isinstance(sent.command, rp.CreateConversation)
    assert sent.messages == ({"event": "create_conversation", "label": sent.command.label},)


def test_extension_fields_never_replace_a_field() -> None:
    text = kit.with_extension_fields('{"type":"x","a":1}', {"a": 2, "x_new": [1, {"b": None}]})
    assert text == '{"type":"x","a":1,"x_new":[1,{"b":null}]}'


def test_a_ping_frame_is_answered_by_a_client() -> None:
    assert kit.ping_frame(b"hi") == b"\x89\x02hi"
    with pytest.raises(ValueError, match="125 bytes"):
        kit.ping_frame(bytes(126))
    pair = ConnectionPair()
    pair.client.receive_data(kit.ping_frame(b"hi"))
    assert drain(pair.client) == []
    assert pair.client.data_to_send()[0] == 0x8A  # the pong


def test_an_expected_turn_is_read_from_a_turn() -> None:
    call = rp.ToolCall(call_id="c", name="f", arguments="{}", item_id="i", output_index=1)
    turn = rp.Turn(
        response_id="r",
        status="incomplete",
        finish_reason="max_output_tokens",
        text="t",
        audio=b"a",
        audio_transcript="s",
        tool_calls=(call,),
        item_ids=("i",),
    )
    assert kit.ExpectedTurn.of(turn) == kit.ExpectedTurn(
        response_id="r",
        status="incomplete",
        finish_reason="max_output_tokens",
        text="t",
        audio_transcript="s",
        audio=b"a",
        tool_calls=(call,),
    )


def test_a_session_finds_its_turns_by_response_id() -> None:
    session = first(kit.server_sessions(max_responses=1))
    (turn,) = session.turns
    assert session.turn(turn.response_id) is turn
    with pytest.raises(KeyError):
        session.turn("resp_none")
    assert "ServerSession(dialect=<Dialect.GA: 'ga'>" in repr(session)


# -- every variation the session strategy promises, found in a few drawn sessions -------------


def late_transcript(session: kit.ServerSession) -> bool:
    """A transcript that arrives after the response that followed its commit has ended."""
    committed: dict[str, bool] = {}  # item -> whether a response has ended since its commit
    for event in session.events:
        if isinstance(event, rp.InputAudioCommitted):
            committed[event.item_id] = False
        elif isinstance(event, rp.TurnFinished):
            committed = dict.fromkeys(committed, True)
        elif isinstance(event, rp.InputTranscriptionCompleted) and committed[event.item_id]:
            return True
    return False


def interleaved_items(session: kit.ServerSession) -> bool:
    """A delta of one item before another item of its response is done."""
    open_items: set[str] = set()
    for event in session.events:
        if isinstance(event, rp.OutputItemAdded):
            open_items.add(str(event.item.id))
        elif isinstance(event, rp.OutputItemDone):
            open_items.discard(str(event.item.id))
        elif isinstance(event, (rp.TextDelta, rp.AudioDelta, rp.ToolCallArgumentsDelta)) and (
            open_items - {event.item_id}
        ):
            return True
    return False


def interleaved_parts(session: kit.ServerSession) -> bool:
    """A part started before the one before it is done."""
    open_parts: set[tuple[str, int]] = set()
    for event in session.events:
        if isinstance(event, rp.ContentPartAdded):
            if (event.item_id, event.content_index - 1) in open_parts:
                return True
            open_parts.add((event.item_id, event.content_index))
        elif isinstance(event, rp.ContentPartDone):
            open_parts.discard((event.item_id, event.content_index))
    return False


def overlapping_responses(session: kit.ServerSession) -> bool:
    running = 0
    for event in session.events:
        running += isinstance(event, rp.TurnStarted) - isinstance(event, rp.TurnFinished)
        if running > 1:
            return True
    return False


def has(cls: type[rp.Event]) -> Callable[[kit.ServerSession], bool]:
    return lambda session: any(isinstance(event, cls) for event in session.events)


VARIATIONS: dict[str, Callable[[kit.ServerSession], bool]] = {
    "updated": has(rp.SessionUpdated),
    "vad": has(rp.SpeechStopped),
    "late transcript": late_transcript,
    "failed transcript": has(rp.InputTranscriptionFailed),
    "interleaved items": interleaved_items,
    "interleaved parts": interleaved_parts,
    "tool calls": lambda session: any(turn.tool_calls for turn in session.turns),
    "audio": lambda session: any(turn.audio and turn.audio_transcript for turn in session.turns),
    "rate limits": has(rp.RateLimitsUpdated),
    "out of band": overlapping_responses,
    "failed response": lambda session: "failed" in {turn.status for turn in session.turns},
    "unknown event": has(rp.UnknownEvent),
    "extension field": lambda session: any('"x_' in text for text in session.texts),
    "ping": lambda session: any(frame[0] == 0x89 for frame in session.frames),
    "error": has(rp.ServerError),
}


@pytest.mark.parametrize("variation", VARIATIONS)
def test_the_session_strategy_mixes_in(variation: str) -> None:
    first(kit.server_sessions(), VARIATIONS[variation])


def test_a_preview_session_speaks_in_turns_and_calls_tools() -> None:
    session = first(
        kit.server_sessions(rp.Dialect.PREVIEW),
        lambda s: bool(s.input_transcripts) and any(t.tool_calls for t in s.turns),
    )
    numbers = range(1, len(session.turns) + 1)  # the preview dialect numbers its turns
    assert [turn.response_id for turn in session.turns] == [f"turn_{n}" for n in numbers]


# -- the README's example -------------------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_example_of_testing_a_client_runs() -> None:
    section = README.read_text().split("### Testing your own client", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]  # then the plugin's example
    namespace: dict[str, Any] = {"__name__": "readme_testing"}
    exec(compile(block, str(README), "exec"), namespace)  # our own README
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        settings(settings.default, max_examples=25)(test)()  # the strategies are tested above
