"""``realtime-proto conformance``: the conformance battery served for any client
(``serve``), or run against a Python client through an adapter (``run``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._errors import CommandError, UsageError
from ._serve import _cannot_listen as cannot_listen

__all__ = ["add_conformance", "conformance"]

_SERVE = (
    "Serve every case of the battery on a local port until Ctrl-C: a client connects to "
    "ws://HOST:PORT/case/<id> (anything may follow: /realtime?model=...). Each case's URL is "
    "printed, and what each client sent once its connection is over."
)
_RUN = (
    "Drive a Python client through the battery with an adapter and judge each case on what "
    "the client reported and what it sent. Exit status 1 if any case fails."
)


def add_conformance(
    commands: Any, port: Callable[[str], int], seconds: Callable[[str], float], epilog: str
) -> None:
    """Add the ``conformance`` command, with ``serve`` and ``run``, to ``commands``."""
    battery = commands.add_parser(
        "conformance",
        help="the conformance battery for realtime clients",
        description="A conformance battery for realtime clients (Autobahn-style): numbered "
        "cases of server behaviour seen in the wild, and what a correct client does.",
        epilog=epilog,
    )
    actions = battery.add_subparsers(dest="action", metavar="{serve,run}", required=True)
    serve = actions.add_parser("serve", help="serve the battery", description=_SERVE)
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=port, default=9001, help="default: 9001; 0: any free one")
    serve.add_argument(
        "--case-timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="close a case that has not ended after this long (default: 10)",
    )
    run = actions.add_parser("run", help="run a client through the battery", description=_RUN)
    run.add_argument(
        "--client",
        required=True,
        metavar="ADAPTER",
        help="blocking, anyio, trio, openai, or package.module:attribute (an adapter with "
        "name and run(url, request, timeout); see realtime_proto.testing.conformance)",
    )
    run.add_argument(
        "--case", action="append", metavar="ID", help="run only this case (again for more)"
    )
    run.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    run.add_argument("--html", metavar="FILE", help="write the results as an HTML page to FILE")
    run.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="the time a client has for each case (default: 10)",
    )


def conformance(args: Any) -> int:
    """Run ``conformance serve`` or ``conformance run`` as ``args`` say."""
    try:
        from realtime_conformance import ConformanceServer
    except ImportError as exc:
        raise UsageError(f"the conformance battery needs the testing extra: {exc}") from None
    if args.action == "run":
        with ConformanceServer(time_limit=args.timeout + 1) as server:
            return _run(server, args)
    try:
        server = ConformanceServer(
            args.host, args.port, time_limit=args.case_timeout, on_record=_print_record
        )
    except OSError as exc:
        raise CommandError(cannot_listen(args.host, args.port, exc)) from None
    return _serve(server)


def _serve(server: Any) -> int:
    try:
        print(f"conformance battery listening on {server.base_url}", flush=True)
        for case_id, url in server.urls().items():
            print(f"  {case_id:<5} {server.cases[case_id].title:<46} {url}", flush=True)
        print(
            "openai package: AsyncOpenAI(websocket_base_url="
            f"'{server.base_url}/case/<id>').realtime.connect(model=...)",
            flush=True,
        )
        server.serve_forever()
    finally:
        server.close()
    return 0  # serve_forever returns only once the server was closed


def _print_record(record: Any) -> None:
    types = ", ".join(dict.fromkeys(record.types)) or "nothing"
    waited = f"; timed out {record.timed_out}" if record.timed_out else ""
    print(
        f"case {record.case_id}: the client sent {len(record.messages)} messages ({types}), "
        f"{len(record.pongs)} pongs; its close: {record.close}{waited}",
        flush=True,
    )


def _run(server: Any, args: Any) -> int:
    from realtime_conformance import load_adapter, run_battery

    from realtime_proto.testing.conformance import render_html, render_json, render_text

    unknown = [case_id for case_id in args.case or () if case_id not in server.cases]
    if unknown:
        raise UsageError(f"no case {unknown[0]!r}: the cases are {', '.join(server.cases)}")
    try:
        adapter = load_adapter(args.client)
    except (ValueError, ImportError, AttributeError) as exc:
        raise UsageError(f"cannot load the adapter {args.client!r}: {exc}") from None
    results = run_battery(adapter, server, args.case, timeout=args.timeout)
    sys.stdout.write(render_text(results))
    for path, render in ((args.json, render_json), (args.html, render_html)):
        if path is not None:
            try:
                Path(path).write_text(render(results), encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    return 0 if all(result.passed for result in results) else 1
