"""What importing each package loads: only what a first conversation's first event needs. The
simulator, audio conversion, cassettes and the preview dialect load when first used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LOADED_WHEN_USED = (
    "realtime_proto.simulator",
    "realtime_proto.audio",
    "realtime_proto.cassette",
    "realtime_proto.testing",
    "realtime_proto._dialects.preview",
    "realtime_anyio._serve",
    "realtime_blocking._serve",
)


def loaded_after(statement: str) -> list[str]:
    probe = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("package", ["realtime_proto", "realtime_anyio", "realtime_blocking"])
def test_importing_a_package_loads_only_what_a_conversation_needs(package: str) -> None:
    loaded = loaded_after(f"import {package}")
    assert "realtime_proto._dialects.ga" in loaded  # the default dialect: the first event's
    assert not [name for name in loaded if name.startswith(LOADED_WHEN_USED)]


@pytest.mark.parametrize("package", ["realtime_anyio", "realtime_blocking"])
def test_the_simulator_server_loads_when_named(package: str) -> None:
    loaded = loaded_after(f"import {package}; {package}.SimulatorServer")
    assert f"{package}._serve" in loaded
    assert "realtime_proto.simulator" in loaded


def test_the_pytest_plugin_loads_only_pytest_until_a_fixture_is_used() -> None:
    # pytest imports it in every run of every project that has the package installed.
    loaded = loaded_after("import realtime_pytest")
    ours = ("realtime_proto", "realtime_anyio", "realtime_blocking", "hypothesis")
    assert not [name for name in loaded if name.startswith(ours)]


def test_other_names_are_still_missing() -> None:
    import realtime_anyio
    import realtime_blocking

    for package in (realtime_anyio, realtime_blocking):
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            package.Nope  # noqa: B018
