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


def test_a_whole_conversation_runs_with_no_io_and_no_clock() -> None:
    # The dependencies are imported first (attrs may pull in threading and, on 3.10,
    # selectors); then I/O modules are made unimportable and every clock raises.
    probe = (
        "import sys, time, attrs, cattrs, wsproto, h11\n"
        f"for name in {FORBIDDEN!r}:\n"
        "    sys.modules[name] = None\n"
        "def no_clock(*args):\n"
        "    raise AssertionError('the core read a clock')\n"
        "for name in ('time', 'monotonic', 'perf_counter', 'time_ns', 'monotonic_ns', 'sleep'):\n"
        "    setattr(time, name, no_clock)\n"
        "import realtime_proto as rp\n"
        "from realtime_proto._simulator import LocalConversation\n"
        "conversation = LocalConversation()\n"
        "conversation.exchange()\n"
        "conversation.exchange(rp.SendText(text='hi'), rp.FinishTurn())\n"
        "conversation.client.handle_timer(100.0)\n"
        "conversation.exchange(rp.Close())\n"
        "print(conversation.client.last_turn.audio_transcript)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "You said: hi"
