"""The core is pure: importing it pulls in no I/O or event-loop module."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("socket", "ssl", "select", "selectors", "asyncio", "anyio", "trio")


def test_importing_the_core_imports_no_io_module() -> None:
    # attrs itself pulls in threading, and on Python 3.10 platform -> subprocess -> selectors:
    # those come from the dependencies, so only what the core adds on top of them counts.
    probe = (
        "import sys, attrs, cattrs, wsproto\n"
        "before = set(sys.modules)\n"
        "import realtime_proto, realtime_proto.__main__\n"
        "added = set(sys.modules) - before\n"
        f"print(','.join(sorted(m for m in added if m.split('.')[0] in {FORBIDDEN!r})))\n"
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
