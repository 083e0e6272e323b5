"""The house plan: the protocol below, audio above it, the simulator and the client plumbing
above both; no arrow ever points up, no module grows past 600 lines, and the old top-level
names of what moved still resolve, with a warning, for one release."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import realtime_proto

PACKAGE = Path(realtime_proto.__file__).parent

# What each household may import from the package, besides itself.
MAY_IMPORT = {
    "protocol": set(),
    "audio": {"protocol"},
    "simulator": {"protocol", "audio"},
    "client": {"protocol", "audio", "cassette"},
    "cassette": {"protocol"},
    "testing": {"protocol", "cassette"},
}
# Tables of classes, one per event: long by nature, not by mixing jobs.
TABLES = {"_events.py"}


def household(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    first = relative.parts[0]
    return first if first in ("audio", "simulator", "client", "cassette", "testing") else "protocol"


def imported_households(path: Path) -> set[str]:
    """The households of the package a module imports, relative and absolute, at any depth."""
    tree = ast.parse(path.read_text())
    package_parts = path.relative_to(PACKAGE).parent.parts
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[tuple[str, ...]] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                module = tuple(node.module.split(".")) if node.module else ()
                if module:
                    targets.append((*base, *module))
                else:
                    targets.extend((*base, alias.name) for alias in node.names)
            elif node.module and node.module.split(".")[0] == "realtime_proto":
                targets.append(tuple(node.module.split(".")[1:]))
        elif isinstance(node, ast.Import):
            targets.extend(
                tuple(alias.name.split(".")[1:])
                for alias in node.names
                if alias.name.split(".")[0] == "realtime_proto"
            )
        for target in targets:
            first = target[0] if target else ""
            found.add(
                first
                if first in ("audio", "simulator", "client", "cassette", "testing")
                else "protocol"
            )
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_only(path: Path) -> None:
    own = household(path)
    upward = imported_households(path) - MAY_IMPORT[own] - {own}
    assert not upward, f"{own} module imports {sorted(upward)}"


def test_the_protocol_imports_no_subpackage() -> None:
    protocol = [p for p in SOURCES if household(p) == "protocol"]
    assert len(protocol) > 15
    for path in protocol:
        assert imported_households(path) <= {"protocol"}, path


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_is_over_600_lines_unless_it_is_a_table(path: Path) -> None:
    if path.name in TABLES:
        return
    assert len(path.read_text().splitlines()) < 600


@pytest.mark.parametrize("name", ["audio", "simulator", "client", "testing"])
def test_each_subpackage_has_its_own_public_names(name: str) -> None:
    module = importlib.import_module(f"realtime_proto.{name}")
    assert module.__all__
    for public in module.__all__:
        assert getattr(module, public) is not None
        assert public not in realtime_proto.__all__


def test_the_top_level_carries_the_protocol_only() -> None:
    assert "Connection" in realtime_proto.__all__
    assert "RealtimeError" in realtime_proto.__all__
    for moved in ("Simulator", "ClientConversation", "read_wav", "ServiceTarget"):
        assert moved not in realtime_proto.__all__


@pytest.mark.parametrize(
    ("name", "home"),
    [("read_wav", "audio"), ("Simulator", "simulator"), ("ServiceTarget", "client")],
)
def test_a_moved_name_still_resolves_with_a_warning(name: str, home: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"realtime_proto.{home}.{name}"):
        old = getattr(realtime_proto, name)
    assert old is getattr(importlib.import_module(f"realtime_proto.{home}"), name)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = realtime_proto.NoSuchThing
