"""The core is pure: importing it pulls in no I/O or event-loop module."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("socket", "ssl", "select", "selectors", "asyncio", "anyio", "trio")


def test_importing_the_core_imports_no_io_module() -> None:
    probe = (
        "import sys, realtime_proto, realtime_proto.__main__; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_core_starts_no_thread() -> None:
    probe = (
        "import threading, realtime_proto\n"
        "from tests.helpers import ConnectionPair\n"
        "pair = ConnectionPair()\n"
        "print(threading.active_count())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "1"
