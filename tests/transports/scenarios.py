"""Server sides of the transport tests: each is a handler for :class:`TestServer`, shared by
the anyio and the blocking transport tests. Assertions here check what the client sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import realtime_proto as rp
from tests.helpers import response_events
from tests.transports.server import Peer, default_session

AUDIO_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
WEATHER_WAV = AUDIO_DIR / "whats_the_weather_pcm16_24khz_mono.wav"

OPTIONS = rp.ConversationOptions(
    system_message="You are a test.",
    voice="verse",
    turn_detection=rp.NoTurnDetection(),
    tools=(rp.ToolDefinition(name="get_weather", description="The weather"),),
    transcribe_input=rp.InputTranscription(model="whisper-1"),
)
AUDIO_REPLY = (b"\x01\x02" * 2400, b"\x03\x04" * 2400, b"\x05\x06" * 1200)
TRANSCRIPT = ("It is ", "sunny ", "in Paris.")
TOOL_ARGS = ('{"city": ', '"Paris"}')
SECRET = "sk-test-SECRETKEY1234567890"

Handler = Callable[[Peer], None]


def full_conversation(peer: Peer) -> None:
    """Options, streamed audio, an audio reply with transcript and a tool call, the tool's
    answer, a second response that the client cancels, and a clean close."""
    peer.accept()
    update = peer.expect(rp.UpdateSession)
    assert update.options.system_message == OPTIONS.system_message
    assert update.options.voice == "verse"
    merged = attrs.evolve(default_session().options, system_message="You are a test.")
    peer.send(rp.SessionUpdated(session=attrs.evolve(default_session(), options=merged)))

    commands = peer.collect_until(rp.CreateResponse)
    appends = [c for c in commands if isinstance(c, rp.AppendAudio)]
    assert [type(c) for c in commands[len(appends) :]] == [rp.CommitAudio, rp.CreateResponse]
    heard = b"".join(c.audio for c in appends)
    peer.send(
        rp.InputAudioCommitted(item_id="item_u1"),
        rp.InputTranscriptionCompleted(
            item_id="item_u1", audio_transcript=f"{len(heard)} bytes heard"
        ),
    )
    peer.send(
        *response_events(
            response_id="resp_1",
            audio_deltas=AUDIO_REPLY,
            transcript_deltas=TRANSCRIPT,
            tool_calls=[("call_1", "get_weather", TOOL_ARGS)],
        )
    )

    answer = peer.expect(rp.SendToolResponse)
    assert answer.tool_call_id == "call_1"
    assert json.loads(answer.output) == {"sky": "sunny"}
    peer.expect(rp.CreateResponse)
    started = rp.ResponseInfo(id="resp_2", status="in_progress", conversation_id="conv_1")
    keys: dict[str, Any] = {
        "response_id": "resp_2",
        "item_id": "item_a2",
        "output_index": 0,
        "content_index": 0,
    }
    peer.send(rp.TurnStarted(response=started), rp.TextDelta(**keys, text="Also"))
    peer.expect(rp.CancelResponse)
    peer.send(
        rp.TurnFinished(
            response=attrs.evolve(
                started, status="cancelled", status_details={"reason": "client_cancelled"}
            )
        )
    )
    closed = peer.finish()
    assert closed.code == 1000


def reject_with_key_echo(peer: Peer) -> None:
    """401 with a JSON body that quotes the key, as OpenAI does."""
    body = {
        "error": {
            "message": f"Incorrect API key provided: {SECRET}. Find your key at the dashboard.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    peer.reject(401, json.dumps(body).encode())


def reject_in_two_reads(peer: Peer) -> None:
    """429 whose head and body arrive in separate reads (separate TLS records over TLS), with
    headers that echo the credential, as proxies do."""
    peer.request = peer.expect(rp.ConnectionRequested)
    body = json.dumps({"error": {"message": f"Rate limit for key {SECRET}", "code": "rate"}})
    head = (
        "HTTP/1.1 429 Too Many Requests\r\n"
        "Content-Type: application/json\r\n"
        f"X-Echo-Authorization: Bearer {SECRET}\r\n"
        "Retry-After: 2\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    peer.sock.sendall(head.encode())
    time.sleep(0.05)
    peer.sock.sendall(body[:10].encode())
    time.sleep(0.05)
    peer.sock.sendall(body[10:].encode())


def close_mid_response(peer: Peer) -> None:
    """Half a response, then a server close (1011) with no response.done."""
    peer.accept()
    peer.expect(rp.CreateResponse)
    events = response_events(text_deltas=("one ", "two ", "three"))
    peer.send(*events[:5])
    peer.close(1011, "internal error")
    peer.finish()


def drop_mid_response(peer: Peer) -> None:
    """Half a response, then the TCP connection is cut with no closing handshake."""
    peer.accept()
    peer.expect(rp.CreateResponse)
    peer.send(*response_events(text_deltas=("one ", "two ", "three"))[:5])
    peer.drop()


def never_answer_close(peer: Peer) -> None:
    """Accepts, then ignores everything: the client's close is never answered."""
    peer.accept()
    ignore_everything(peer)


def ignore_everything(peer: Peer) -> None:
    """Read and drop bytes until the client goes away."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if not peer.sock.recv(65536):
                return
        except OSError:
            return


def never_create_session(peer: Peer) -> None:
    """Accepts the upgrade but never sends ``session.created``."""
    peer.expect(rp.ConnectionRequested)
    peer.connection.send(rp.AcceptConnection())
    peer.flush()
    ignore_everything(peer)


def never_answer_pings(peer: Peer) -> None:
    """A session, then silence: pings go unanswered."""
    never_answer_close(peer)


def slow_events(count: int, interval: float) -> tuple[list[rp.TextDelta], Handler]:
    """``count`` text deltas sent ``interval`` apart, then a close."""
    keys: dict[str, Any] = {
        "response_id": "resp_1",
        "item_id": "item_a1",
        "output_index": 0,
        "content_index": 0,
    }
    events = [rp.TextDelta(**keys, text=f"{n} ") for n in range(count)]

    def handler(peer: Peer) -> None:
        peer.accept()
        for event in events:
            time.sleep(interval)
            peer.send(event)
        peer.close()
        peer.finish()

    return events, handler


class AudioSink:
    """Accepts a session and records every command until the close."""

    def __init__(self) -> None:
        self.commands: list[rp.Command] = []
        self.closed = threading.Event()
        self.requests: list[rp.ConnectionRequested] = []

    def __call__(self, peer: Peer) -> None:
        peer.accept()
        assert peer.request is not None
        self.requests.append(peer.request)
        while True:
            item = peer.next()
            if isinstance(item, rp.ConnectionClosed):
                self.closed.set()
                return
            self.commands.append(item)

    def audio(self) -> bytes:
        return b"".join(c.audio for c in self.commands if isinstance(c, rp.AppendAudio))

    def kinds(self) -> list[type]:
        return [type(c) for c in self.commands]


def wav_samples(path: Path) -> bytes:
    import wave

    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())
