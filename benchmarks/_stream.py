"""A seeded, realistic server stream: many audio-heavy turns, as the service sends them."""

from __future__ import annotations

import random
from typing import Any

import realtime_proto as rp

_SENTENCE = (
    "the weather in oslo is cold today with light snow and a gentle wind from the north "
    "tomorrow should bring some sun but please bring a warm coat if you go out this evening"
)
WORDS = _SENTENCE.split()


def turn_events(rng: random.Random, turn: int, seconds: float) -> list[rp.Event]:
    """The server events of one user turn and the model's spoken answer (GA spec 5.3, 5.2)."""
    user, rid, item = f"item_u{turn}", f"resp_{turn}", f"item_a{turn}"
    keys: dict[str, Any] = {
        "response_id": rid,
        "item_id": item,
        "output_index": 0,
        "content_index": 0,
    }
    start_ms = turn * 20_000
    events: list[rp.Event] = [
        rp.SpeechStarted(audio_start_ms=start_ms, item_id=user),
        rp.SpeechStopped(audio_end_ms=start_ms + 2_500, item_id=user),
        rp.InputAudioCommitted(item_id=user),
        rp.ItemAdded(
            item=rp.ConversationItem(
                type="message",
                id=user,
                role="user",
                status="completed",
                content=(rp.ContentPart(type="input_audio"),),
            )
        ),
        rp.InputTranscriptionDelta(item_id=user, content_index=0, delta="what is the "),
        rp.InputTranscriptionCompleted(item_id=user, audio_transcript="what is the weather?"),
        rp.TurnStarted(response=rp.ResponseInfo(id=rid, conversation_id="conv_1")),
        rp.OutputItemAdded(
            response_id=rid,
            output_index=0,
            item=rp.ConversationItem(type="message", id=item, role="assistant"),
        ),
        rp.ContentPartAdded(**keys, part=rp.ContentPart(type="audio")),
    ]
    spoken_ms = 0.0
    transcript = []
    while spoken_ms < seconds * 1000:
        chunk_ms = rng.uniform(100, 200)
        samples = int(24 * chunk_ms)
        audio = rng.randbytes(samples * 2)
        if rng.random() < 0.5:
            word = rng.choice(WORDS) + " "
            transcript.append(word)
            events.append(rp.OutputTranscriptDelta(**keys, delta=word))
        events.append(rp.AudioDelta(**keys, audio_bytes=audio))
        spoken_ms += chunk_ms
    text = "".join(transcript)
    part = rp.ContentPart(type="audio", transcript=text)
    events += [
        rp.AudioDone(**keys),
        rp.OutputTranscriptDone(**keys, transcript=text),
        rp.ContentPartDone(**keys, part=part),
        rp.OutputItemDone(
            response_id=rid,
            output_index=0,
            item=rp.ConversationItem(
                type="message", id=item, role="assistant", status="completed", content=(part,)
            ),
        ),
        rp.TurnFinished(
            response=rp.ResponseInfo(
                id=rid,
                status="completed",
                conversation_id="conv_1",
                usage=rp.Usage(total_tokens=420, input_tokens=120, output_tokens=300),
            )
        ),
        rp.RateLimitsUpdated(
            rate_limits=(
                rp.RateLimit(name="requests", limit=1000, remaining=999, reset_seconds=0.06),
                rp.RateLimit(name="tokens", limit=50000, remaining=49000, reset_seconds=1.2),
            )
        ),
    ]
    return events


def open_pair() -> tuple[rp.Connection, rp.Connection]:
    """A CLIENT and a SERVER connection past the opening handshake, in memory."""
    client = rp.Connection.client(rp.Endpoint.from_url("ws://127.0.0.1/v1/realtime?model=m"))
    server = rp.Connection.server()
    server.receive_data(client.data_to_send())
    assert isinstance(server.next_event(), rp.ConnectionRequested)
    server.send(rp.AcceptConnection())
    client.receive_data(server.data_to_send())
    assert isinstance(client.next_event(), rp.Connected)
    return client, server


def server_stream(minutes: float, seed: int) -> bytes:
    """The frames a server sends over ``minutes`` of conversation (after the handshake).

    About half the time the model speaks, in 5-15 s answers.
    """
    rng = random.Random(seed)
    _, server = open_pair()
    frames = bytearray()
    server.send(rp.SessionCreated(session=rp.Session(id="sess_1", model="m")))
    spoken = 0.0
    turn = 0
    while spoken < minutes * 60 / 2:
        seconds = rng.uniform(5, 15)
        for event in turn_events(rng, turn, seconds):
            server.send(event)
        frames += server.data_to_send()
        spoken += seconds
        turn += 1
    return bytes(frames)
