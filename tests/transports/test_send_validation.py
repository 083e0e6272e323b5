"""Wrong arguments to the verbs fail at the call, on both transports, before anything is sent;
the conversation goes on afterwards."""

from __future__ import annotations

import os
import struct
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto.audio import wav_bytes
from tests.transports import scenarios
from tests.transports.server import TestServer

NAN_MESSAGE = {"type": "conversation.item.retrieve", "item_id": "x", "score": float("nan")}
# Wrong on purpose; typed Any so that the calls below type-check.
NO_TEXT: Any = None
NOT_AUDIO: Any = 5
TEXT_PIECES: Any = ["ab"]
OPTIONS_DICT: Any = {"voice": "ash"}


def truncated_wav(samples: bytes, declared: int) -> bytes:
    """A 24 kHz mono PCM16 WAV whose data chunk claims ``declared`` bytes."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 24_000, 48_000, 2, 16)
    data = b"data" + struct.pack("<I", declared) + samples
    return b"RIFF" + struct.pack("<I", 4 + len(fmt) + len(data)) + b"WAVE" + fmt + data


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    notes = tmp_path / "notes.txt"
    notes.write_text("Remember: this is not audio.\n", encoding="utf-8")
    noise = tmp_path / "x.wav"
    noise.write_bytes(b"\x00" + os.urandom(4095))  # the first byte rules out a RIFF header
    good = tmp_path / "good.wav"
    good.write_bytes(wav_bytes(b"\x01\x00" * 2400, rp.AudioFormat.PCM16))
    cut = tmp_path / "cut.wav"
    cut.write_bytes(truncated_wav(b"\x01\x00" * 100 + b"\x01", declared=48_000))
    return {"notes": notes, "noise": noise, "good": good, "cut": cut}


# -- the refusals, as (exception, message, verb, arguments) for either transport -----------

Refusal = tuple[type[Exception], str, str, tuple[Any, ...], dict[str, Any]]


async def _strings() -> AsyncIterator[Any]:
    yield "not bytes"


def refusals(files: dict[str, Path], *, asynchronous: bool) -> list[Refusal]:
    odd = rp.AppendAudio(audio=b"\x01\x02\x03")
    notes, noise, good = files["notes"], files["noise"], files["good"]
    table: list[Refusal] = [
        (TypeError, r"SendText.text must be a str, got None", "send_text", (NO_TEXT,), {}),
        (ValueError, "whole samples", "send", (odd,), {}),
        (ValueError, "got 3 bytes", "send_audio", (b"\x01\x02\x03",), {}),
        (ValueError, "notes.txt.*not a WAV file", "send_audio", (str(notes),), {}),
        (ValueError, "notes.txt.*not a WAV file", "send_audio", (notes,), {}),
        (ValueError, "x.wav.*not a WAV file", "send_audio", (noise,), {}),
        (ValueError, "chunk_ms must be", "send_audio", (b"\0\0",), {"chunk_ms": 0}),
        (ValueError, "chunk_ms must be", "send_audio", (good,), {"chunk_ms": 5}),
        (ValueError, "chunk_ms", "send_audio", (b"\0\0",), {"chunk_ms": float("inf")}),
        (rp.LocalProtocolError, r"message\['score'\] is nan", "send_message", (NAN_MESSAGE,), {}),
        (TypeError, "send_audio needs bytes, a path", "send_audio", (NOT_AUDIO,), {}),
        (TypeError, "the iterable gave str, not bytes$", "send_audio", (TEXT_PIECES,), {}),
        (ValueError, "TruncateItem.audio_end_ms", "truncate", ("item_1", -1), {}),
        (TypeError, "UpdateSession.options", "reconfigure", (OPTIONS_DICT,), {}),
    ]
    if asynchronous:
        table.append((TypeError, "the async iterable gave str", "send_audio", (None,), {}))
    return table


def arguments_of(refusal: Refusal) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments, with a fresh async generator where one is asked for (``None``)."""
    _, _, verb, arguments, keywords = refusal
    if verb == "send_audio" and arguments == (None,):
        return (_strings(),), keywords
    return arguments, keywords


def calls(
    conversation: Any, files: dict[str, Path], *, asynchronous: bool
) -> list[tuple[type[Exception], str, Callable[[], Any]]]:
    """Each refusal as (exception, message, a call of ``conversation``'s verb)."""
    made: list[tuple[type[Exception], str, Callable[[], Any]]] = []
    for refusal in refusals(files, asynchronous=asynchronous):
        arguments, keywords = arguments_of(refusal)
        verb = getattr(conversation, refusal[2])
        made.append((refusal[0], refusal[1], partial(verb, *arguments, **keywords)))
    return made


# -- blocking ------------------------------------------------------------------------------


def blocking_file_refusals(
    conversation: realtime_blocking.Conversation, files: dict[str, Path]
) -> None:
    with files["notes"].open("rb") as binary, pytest.raises(ValueError, match=r"notes\.txt"):
        conversation.send_audio(binary)
    with (
        files["notes"].open("r", encoding="utf-8") as text,
        pytest.raises(TypeError, match="binary mode"),
    ):
        conversation.send_audio(text)  # type: ignore[arg-type]


def test_blocking_refuses_wrong_arguments_then_goes_on(files: dict[str, Path]) -> None:
    with realtime_blocking.ConversationClient().start_conversation() as conversation:
        for kind, match, call in calls(conversation, files, asynchronous=False):
            with pytest.raises(kind, match=match):
                call()
        blocking_file_refusals(conversation, files)
        conversation.send_text("ping")
        conversation.generate()
        for message in conversation.receive_messages():
            if isinstance(message, rp.TurnFinished):
                break
        assert conversation.last_turn_full_response_text == "You said: ping"


def test_blocking_sends_nothing_for_a_refused_call(files: dict[str, Path]) -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = realtime_blocking.ConversationClient(server.url)
        with client.start_conversation() as conversation:
            for kind, match, call in calls(conversation, files, asynchronous=False):
                with pytest.raises(kind, match=match):
                    call()
            blocking_file_refusals(conversation, files)
            conversation.send_audio(files["cut"], finish=False)  # truncated: what is there
            conversation.send_text("after")
        assert sink.closed.wait(5)
    assert sink.kinds() == [rp.AppendAudio, rp.SendText]
    assert sink.audio() == b"\x01\x00" * 100  # the half sample at the cut is dropped


# -- anyio ------------------------------------------------------------------------------------


async def anyio_file_refusals(
    conversation: realtime_anyio.Conversation, files: dict[str, Path]
) -> None:
    with files["notes"].open("rb") as binary, pytest.raises(ValueError, match=r"notes\.txt"):
        await conversation.send_audio(binary)
    with (
        files["notes"].open("r", encoding="utf-8") as text,
        pytest.raises(TypeError, match="binary mode"),
    ):
        await conversation.send_audio(text)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_anyio_refuses_wrong_arguments_then_goes_on(files: dict[str, Path]) -> None:
    async with realtime_anyio.ConversationClient().start_conversation() as conversation:
        for kind, match, call in calls(conversation, files, asynchronous=True):
            with pytest.raises(kind, match=match):
                await call()
        await anyio_file_refusals(conversation, files)
        await conversation.send_text("ping")
        await conversation.generate()
        async for message in conversation.receive_messages():
            if isinstance(message, rp.TurnFinished):
                break
        assert conversation.last_turn_full_response_text == "You said: ping"


@pytest.mark.anyio
async def test_anyio_sends_nothing_for_a_refused_call(files: dict[str, Path]) -> None:
    sink = scenarios.AudioSink()
    with TestServer(sink) as server:
        client = realtime_anyio.ConversationClient(server.url)
        async with client.start_conversation() as conversation:
            for kind, match, call in calls(conversation, files, asynchronous=True):
                with pytest.raises(kind, match=match):
                    await call()
            await anyio_file_refusals(conversation, files)
            await conversation.send_audio(files["cut"], finish=False)
            await conversation.send_text("after")
        assert sink.closed.wait(5)
    assert sink.kinds() == [rp.AppendAudio, rp.SendText]
    assert sink.audio() == b"\x01\x00" * 100
