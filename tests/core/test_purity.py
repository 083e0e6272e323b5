"""The core is pure: importing it pulls in no I/O or event-loop module, and no transport."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import realtime_proto

FORBIDDEN = ("socket", "ssl", "select", "selectors", "asyncio", "anyio", "trio")
TRANSPORTS = ("realtime_anyio", "realtime_blocking", "realtime_cli")


def test_importing_the_core_imports_no_io_module() -> None:
    # attrs itself pulls in threading, and on Python 3.10 platform -> subprocess -> selectors:
    # those come from the dependencies, so only what the core adds on top of them counts.
    probe = (
        "import sys, attrs, cattrs, wsproto\n"
        "before = set(sys.modules)\n"
        "import realtime_proto\n"
        "added = set(sys.modules) - before\n"
        f"print(','.join(sorted(m for m in added if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_importing_the_core_imports_no_transport() -> None:
    probe = (
        "import sys, realtime_proto\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {TRANSPORTS!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _imported_packages(tree: ast.AST) -> set[str]:
    """The top-level package of every import anywhere in a module, nested ones included."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_the_core_names_a_transport() -> None:
    # Also catches imports inside functions and under TYPE_CHECKING, which the probe cannot.
    package = Path(realtime_proto.__file__).parent
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 10
    offenders = {
        str(path.relative_to(package)): sorted(found)
        for path in sources
        if (
            found := _imported_packages(ast.parse(path.read_text(encoding="utf-8")))
            & set(TRANSPORTS)
        )
    }
    assert offenders == {}


def test_the_import_scan_sees_nested_and_type_checking_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from realtime_blocking import Conversation\n"
        "def later():\n"
        "    import realtime_anyio._client\n"
        "    from . import realtime_cli\n"
    )
    assert _imported_packages(ast.parse(source)) & set(TRANSPORTS) == {
        "realtime_blocking",
        "realtime_anyio",
    }


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
        "import sys, time, logging, attrs, cattrs, wsproto, h11\n"
        f"for name in {FORBIDDEN!r}:\n"
        "    sys.modules[name] = None\n"
        "def no_clock(*args):\n"
        "    raise AssertionError('the core read a clock')\n"
        "for name in ('time', 'monotonic', 'perf_counter', 'time_ns', 'monotonic_ns', 'sleep'):\n"
        "    setattr(time, name, no_clock)\n"
        "import realtime_proto as rp\n"
        "from realtime_proto.simulator import LocalConversation\n"
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
