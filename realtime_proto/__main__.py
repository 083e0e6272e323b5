"""``realtime-proto``: hold a conversation with the embedded simulator, in memory.

The client and the simulated service are both sans-IO connections here, wired back to back,
so the whole protocol (handshake, framing, JSON, turn accumulation) runs with no network.
"""

from __future__ import annotations

import argparse
import sys
import wave
from collections.abc import Sequence

from ._commands import AppendAudio, Close, FinishTurn, SendText, UpdateSession
from ._events import (
    AudioDelta,
    Event,
    OutputTranscriptDelta,
    SessionCreated,
    SessionUpdated,
    TextDelta,
    TurnFinished,
)
from ._options import ConversationOptions, NoTurnDetection
from ._simulator import LocalConversation

__all__ = ["main"]


def _show(event: Event, streamed: list[str]) -> None:
    """Print one event as it happens; the reply's text streams on one line."""
    if isinstance(event, (OutputTranscriptDelta, TextDelta)):
        if not streamed:
            print("assistant: ", end="")
        streamed.append(event.delta if isinstance(event, OutputTranscriptDelta) else event.text)
        print(streamed[-1], end="", flush=True)
        return
    if isinstance(event, AudioDelta):
        return  # the audio is counted on the finished turn
    if streamed:
        print()
        streamed.clear()
    if isinstance(event, (SessionCreated, SessionUpdated)):
        print(f"[{event.kind.value}] session {event.session.id}")
    elif isinstance(event, TurnFinished):
        print(f"[{event.kind.value}] {event.finish_reason}")
    else:
        print(f"[{event.kind.value}]")


def converse(text: str | None, audio_path: str | None, out_path: str | None) -> int:
    conversation = LocalConversation()
    shown: list[str] = []
    for event in conversation.exchange():
        _show(event, shown)
    options = ConversationOptions(
        system_message="You are a helpful assistant.", turn_detection=NoTurnDetection()
    )
    conversation.send(UpdateSession(options=options))
    if audio_path is not None:
        with wave.open(audio_path, "rb") as source:
            if (source.getsampwidth(), source.getframerate(), source.getnchannels()) != (
                2,
                24_000,
                1,
            ):
                print("the input WAV must be PCM16, 24 kHz, mono", file=sys.stderr)
                return 2
            pcm = source.readframes(source.getnframes())
        for offset in range(0, len(pcm), 4800):
            conversation.send(AppendAudio(audio=pcm[offset : offset + 4800]))
    else:
        conversation.send(SendText(text=text or "Hello there!"))
    conversation.send(FinishTurn())
    for event in conversation.exchange():
        _show(event, shown)
    turn = conversation.client.last_turn
    if turn is None:
        print("no reply", file=sys.stderr)
        return 1
    print(f"full text: {turn.text or turn.audio_transcript}")
    print(f"reply audio: {len(turn.audio)} bytes ({len(turn.audio) * 1000 // 48_000} ms)")
    if out_path is not None and turn.audio:
        with wave.open(out_path, "wb") as sink:
            sink.setnchannels(1)
            sink.setsampwidth(2)
            sink.setframerate(24_000)
            sink.writeframes(turn.audio)
        print(f"reply audio written to {out_path}")
    conversation.send(Close())
    for event in conversation.exchange():
        _show(event, shown)
    return 0


def serve(host: str, port: int) -> int:
    """Run the simulator on a local port until interrupted."""
    from realtime_blocking import SimulatorServer  # the I/O lives in the transport

    server = SimulatorServer(host, port)
    print(f"simulator listening on {server.url}", flush=True)
    print(f"openai package: AsyncOpenAI(websocket_base_url={server.base_url!r})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="realtime-proto",
        description="Hold a realtime conversation with the embedded simulator (offline).",
    )
    commands = parser.add_subparsers(dest="command")
    talk = commands.add_parser("converse", help="one conversation turn (the default)")
    talk.add_argument("audio", nargs="?", help="a PCM16 24 kHz mono WAV to send")
    talk.add_argument("--text", help="text to send instead of audio")
    talk.add_argument("--out", help="write the reply audio to this WAV file")
    listen = commands.add_parser("serve", help="run the simulator on a local port")
    listen.add_argument("--host", default="127.0.0.1", help="address to listen on")
    listen.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args.host, args.port)
    if args.command is None:
        return converse(None, None, None)
    return converse(args.text, args.audio, args.out)


if __name__ == "__main__":
    sys.exit(main())
