"""``realtime-proto``: hold a realtime conversation, or serve the simulator."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any

from realtime_proto import Dialect

from ._converse import converse
from ._serve import serve

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="realtime-proto",
        description="Hold a realtime conversation (with the embedded simulator unless Azure "
        "OpenAI or OpenAI is configured), or serve the simulator.",
    )
    commands = parser.add_subparsers(dest="command")
    talk = commands.add_parser("converse", help="one conversation turn (the default)")
    talk.add_argument("audio", nargs="?", help="a WAV file to say (any usual encoding)")
    talk.add_argument("--text", help="text to send instead of audio")
    talk.add_argument("--out", help="write the reply audio to this WAV file")
    talk.add_argument(
        "--simulator", action="store_true", help="use the simulator even if a service is set"
    )
    talk.add_argument(
        "--dialect",
        choices=[d.value for d in Dialect],
        default=Dialect.GA.value,
        help="the simulator's wire dialect (preview: the 2024 event-keyed protocol)",
    )
    listen = commands.add_parser("serve", help="run the simulator on a local port")
    listen.add_argument("--host", default="127.0.0.1", help="address to listen on")
    listen.add_argument("--port", type=int, default=8765, help="port (0: any free one)")
    listen.add_argument("--pace-audio", action="store_true", help="send reply audio in real time")
    listen.add_argument(
        "--session-duration", type=float, help="end each session after this many seconds"
    )
    args: Any = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    if args.command == "serve":
        return serve(
            args.host,
            args.port,
            pace_audio=args.pace_audio,
            session_duration=args.session_duration,
        )
    if args.command is None:
        return converse(None, None, None, environ=env)
    return converse(
        args.text,
        args.audio,
        args.out,
        environ=env,
        simulator=args.simulator,
        dialect=Dialect(args.dialect),
    )
