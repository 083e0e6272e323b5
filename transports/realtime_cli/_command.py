"""``realtime-proto``: hold a realtime conversation, serve the simulator, replay a cassette, or
record another client's conversations through a proxy.

Every mistake is told in one line on stderr, ``realtime-proto: error: ...``, saying what to do;
the exit status is 2 for usage errors (found before connecting), 1 for failures while running,
130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from realtime_proto import Dialect, __version__

from ._conformance import add_conformance, conformance
from ._converse import converse
from ._errors import CommandError, one_line
from ._proxy import proxy
from ._replay import replay
from ._serve import serve

__all__ = ["main"]

PROG = "realtime-proto"
INTERRUPTED = 130  # 128 + SIGINT, as shells report it

_DESCRIPTION = (
    "Hold a realtime conversation turn, serve the simulator, replay a recorded conversation, or "
    "record other clients' conversations through a proxy. "
    "'converse' (the default) talks "
    "to --url when given, to Azure OpenAI when AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY "
    "are set, to OpenAI when OPENAI_API_KEY is, and otherwise to the embedded simulator "
    "(offline, no key)."
)
_EXIT_STATUS = "Exit status: 0 done, 1 failed while running, 2 usage error, 130 interrupted."
_CONVERSE = (
    "One conversation turn: say a WAV file (default: a generated utterance) or type --text, "
    "and see the reply stream; --out keeps its audio. It talks to --url when given, to Azure "
    "OpenAI or OpenAI when the environment names one, otherwise to the embedded simulator."
)
_CONVERSE_EPILOG = (
    "Environment: OPENAI_API_KEY (+ OPENAI_REALTIME_MODEL, default gpt-realtime); "
    "AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY (+ AZURE_OPENAI_DEPLOYMENT, default "
    "gpt-realtime; AZURE_OPENAI_API_VERSION for the preview URL). A key goes only to its own "
    "service, never to another --url. The first line, on stderr, says whom the command talks "
    "to; the conversation is on stdout. " + _EXIT_STATUS
)


class _Parser(argparse.ArgumentParser):
    """Its errors take one line: the mistake, and where the help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}; see '{self.prog} --help'\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number: give 0 to 65535 (0: any free one)"
        ) from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is not a port number: give 0 to 65535 (0: any free one)"
        )
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return seconds


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description=_DESCRIPTION, epilog=_EXIT_STATUS)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="{converse,serve,replay,proxy,conformance}"
    )
    dialects = [d.value for d in Dialect]
    talk = commands.add_parser(
        "converse",
        help="one conversation turn (the default)",
        description=_CONVERSE,
        epilog=_CONVERSE_EPILOG,
    )
    talk.add_argument(
        "audio",
        nargs="?",
        help="a WAV file to say, in any usual encoding (default: a generated utterance)",
    )
    talk.add_argument("--text", help="type this text instead of saying audio")
    talk.add_argument(
        "--out", metavar="FILE", help="write the reply audio to this WAV file (checked first)"
    )
    talk.add_argument(
        "--record",
        metavar="FILE",
        help="record the conversation to this cassette file (JSON Lines: every message both "
        "ways, with credentials redacted; checked first)",
    )
    talk.add_argument(
        "--simulator",
        action="store_true",
        help="talk to the embedded simulator even if the environment names a service",
    )
    talk.add_argument(
        "--url",
        help="talk to this realtime server, such as the one 'realtime-proto serve' prints (a "
        "key from the environment goes only to its own service's host)",
    )
    talk.add_argument(
        "--dialect",
        choices=dialects,
        help="the wire dialect of the simulator or --url (default: the URL's dialect= query, "
        "else ga; preview: the 2024 event-keyed protocol); a service from the environment "
        "speaks its own",
    )
    talk.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="give up connecting after this long (default: 10)",
    )
    listen = commands.add_parser(
        "serve",
        help="run the simulator on a local port",
        description="Run the embedded simulator on a local port until Ctrl-C; it prints the "
        "URL to give clients ('realtime-proto converse --url URL', the openai package).",
        epilog=_EXIT_STATUS,
    )
    listen.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    listen.add_argument(
        "--port", type=_port, default=8765, help="0 to 65535 (default: 8765; 0: any free one)"
    )
    listen.add_argument(
        "--dialect",
        choices=dialects,
        default=Dialect.GA.value,
        help="the dialect spoken to clients whose URL names none (default: ga); a client's "
        "dialect=ga, beta or preview query still chooses, and the printed URL names it",
    )
    listen.add_argument("--pace-audio", action="store_true", help="send reply audio in real time")
    listen.add_argument(
        "--session-duration",
        type=_seconds,
        metavar="SECONDS",
        help="end each session after this many seconds",
    )
    player = commands.add_parser(
        "replay",
        help="serve a recorded conversation (a cassette) on a local port",
        description="Serve a cassette on a local port until Ctrl-C, to every client that "
        "connects: the recorded server messages in order, each waiting for the client "
        "messages recorded before it, which must match by type and key fields (not ids or "
        "timestamps). A client that departs from the recording is told in one line on stderr "
        "(the cassette line, and the difference), and its connection is closed (code 1008).",
        epilog=_EXIT_STATUS,
    )
    player.add_argument("cassette", metavar="FILE", help="the cassette (a JSON Lines file)")
    player.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    player.add_argument(
        "--port", type=_port, default=8765, help="0 to 65535 (default: 8765; 0: any free one)"
    )
    player.add_argument(
        "--pace",
        action="store_true",
        help="send the server messages at their recorded pace (default: as soon as the client "
        "has sent what they wait for)",
    )
    relay = commands.add_parser(
        "proxy",
        help="relay clients to a realtime service, recording the conversations",
        description="Listen on a local port until Ctrl-C and relay every client that connects "
        "(the openai package's included) to --target, message by message, recording each "
        "conversation to --record. The key for --target comes from the environment, as for "
        "'converse --url': OPENAI_API_KEY for api.openai.com, AZURE_OPENAI_API_KEY for the "
        "host of AZURE_OPENAI_ENDPOINT; the clients' own credentials are dropped.",
        epilog=_EXIT_STATUS,
    )
    relay.add_argument("--target", required=True, metavar="URL", help="the service's URL")
    relay.add_argument(
        "--record",
        metavar="FILE",
        help="record each connection to this cassette file (the second to FILE-2, ...; "
        "credentials redacted)",
    )
    relay.add_argument(
        "--forward-credentials",
        action="store_true",
        help="send the clients' own credential headers to the service (default: dropped)",
    )
    relay.add_argument(
        "--dialect",
        choices=dialects,
        help="the dialect the cassette names (default: the URL's dialect= query, else ga)",
    )
    relay.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    relay.add_argument(
        "--port", type=_port, default=8765, help="0 to 65535 (default: 8765; 0: any free one)"
    )
    add_conformance(commands, _port, _seconds, _EXIT_STATUS)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """The command: ``argv`` as on the command line (default ``sys.argv[1:]``), ``environ``
    the environment (default ``os.environ``). Returns the exit status."""
    try:
        return _run(argv, os.environ if environ is None else environ)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr, flush=True)
        return INTERRUPTED
    except CommandError as exc:
        print(f"{PROG}: error: {one_line(str(exc), 1000)}", file=sys.stderr, flush=True)
        return exc.exit_code
    except Exception as exc:
        if not _interrupted(exc):
            raise
        print(f"{PROG}: interrupted", file=sys.stderr, flush=True)
        return INTERRUPTED


def _interrupted(error: BaseException) -> bool:
    """Whether ``error`` arose while a Ctrl-C was being handled (a clean-up that failed because
    the interruption came at an awkward moment)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__context__
    return False


def _run(argv: Sequence[str] | None, env: Mapping[str, str]) -> int:
    parser = _parser()
    args: Any = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["converse"])
    if args.command == "conformance":
        return conformance(args)
    if args.command == "replay":
        return replay(args.cassette, args.host, args.port, pace=args.pace)
    if args.command == "proxy":
        return proxy(
            args.target,
            args.host,
            args.port,
            environ=env,
            record_path=args.record,
            forward_credentials=args.forward_credentials,
            dialect=None if args.dialect is None else Dialect(args.dialect),
        )
    if args.command == "serve":
        return serve(
            args.host,
            args.port,
            pace_audio=args.pace_audio,
            session_duration=args.session_duration,
            dialect=Dialect(args.dialect),
        )
    return converse(
        args.text,
        args.audio,
        args.out,
        environ=env,
        simulator=args.simulator,
        dialect=None if args.dialect is None else Dialect(args.dialect),
        url=args.url,
        timeout=args.timeout,
        record_path=args.record,
    )
