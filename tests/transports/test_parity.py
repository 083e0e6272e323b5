"""Both transports expose the same API: same public names, same parameters."""

from __future__ import annotations

import inspect

import pytest
import realtime_anyio
import realtime_blocking


def public_members(cls: type) -> dict[str, inspect.Signature | None]:
    members: dict[str, inspect.Signature | None] = {}
    for name, value in inspect.getmembers(cls):
        if name.startswith("_") and name not in ("__enter__", "__aenter__"):
            continue
        members[name] = inspect.signature(value) if callable(value) else None
    return members


def parameters(signature: inspect.Signature | None) -> list[tuple[str, object]]:
    if signature is None:
        return []
    return [(p.name, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("name", ["Conversation", "ConversationClient"])
def test_same_public_methods_and_parameters(name: str) -> None:
    ours = public_members(getattr(realtime_anyio, name))
    theirs = public_members(getattr(realtime_blocking, name))
    # entering differs by nature (async with / with); closing is aclose / close
    renames = {"__aenter__": "__enter__", "aclose": "close"}
    ours = {renames.get(key, key): value for key, value in ours.items()}
    assert sorted(ours) == sorted(theirs)
    for method in ours:
        if method == "receive":  # the blocking one also takes a timeout; anyio has scopes
            assert parameters(theirs[method])[:1] == parameters(ours[method])[:1]
            continue
        assert parameters(ours[method]) == parameters(theirs[method]), method


def test_the_anyio_verbs_are_coroutines() -> None:
    for name, value in inspect.getmembers(realtime_anyio.Conversation, inspect.isfunction):
        if name.startswith("send") or name in ("generate", "finish_turn", "commit_audio"):
            assert inspect.iscoroutinefunction(value), name
            blocking = getattr(realtime_blocking.Conversation, name)
            assert not inspect.iscoroutinefunction(blocking), name


def test_same_client_exports() -> None:
    client_api = {"AudioSource", "Conversation", "ConversationClient"}
    assert client_api <= set(realtime_anyio.__all__)
    assert client_api <= set(realtime_blocking.__all__)


def test_a_missing_extra_is_named() -> None:
    import subprocess
    import sys

    probe = "import sys\nsys.modules['anyio'] = None\nimport realtime_anyio\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode != 0
    assert "pip install 'realtime-proto[anyio]'" in result.stderr
