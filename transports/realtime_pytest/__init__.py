"""realtime_pytest: the pytest plugin of realtime-proto, active when the package is installed
(the ``pytest11`` entry point ``realtime_proto``; ``pytest -p no:realtime_proto`` turns it
off).

Fixtures, each serving on 127.0.0.1 in background threads (``realtime_blocking``'s servers,
which any client can reach, async or not) and stopped when the test ends:

- ``realtime_simulator``: the embedded simulator (``realtime_blocking.SimulatorServer``),
  configured per test by the ``realtime_simulator`` marker, or by indirect parametrisation
  with a dict of the same keywords: ``policy`` (a reply policy), ``dialect`` (a
  ``realtime_proto.Dialect`` or its value), ``pace_audio`` and ``session_duration``;
- ``realtime_url``: the URL of that simulator, asking for its dialect;
- ``realtime_script``: call it with a ``realtime_proto.testing.Script`` to serve the script
  (a ``ScriptedServer``, at ``.url``); when the test ends, or at ``.finish()``, it fails with
  the first step where the client left the script.

This module imports pytest only: the package and its servers load when a fixture is used,
so the plugin costs nothing to test runs that do not use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from realtime_blocking import ReplayServer, SimulatorServer

    from realtime_proto.cassette import Replay, ReplaySession
    from realtime_proto.testing import Script

__all__ = ["ScriptedServer"]

_MARKER = "realtime_simulator"
_SIMULATOR_KEYWORDS = frozenset({"policy", "dialect", "pace_audio", "session_duration"})
_DIALECT: pytest.StashKey[Any] = pytest.StashKey()  # the simulator's, for realtime_url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(policy=None, dialect=None, pace_audio=False, session_duration=None): "
        "configure the realtime_simulator fixture of realtime-proto for this test",
    )


def _simulator_keywords(request: pytest.FixtureRequest) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(_MARKER))):  # the closest wins
        if marker.args:
            pytest.fail(f"@pytest.mark.{_MARKER} takes keywords only", pytrace=False)
        chosen.update(marker.kwargs)
    chosen.update(getattr(request, "param", None) or {})
    unknown = set(chosen) - _SIMULATOR_KEYWORDS
    if unknown:
        pytest.fail(
            f"{_MARKER} does not take {', '.join(sorted(unknown))} "
            f"(it takes {', '.join(sorted(_SIMULATOR_KEYWORDS))})",
            pytrace=False,
        )
    return chosen


@pytest.fixture
def realtime_simulator(request: pytest.FixtureRequest) -> Iterator[SimulatorServer]:
    """The embedded simulator on a loopback port: a fresh one for each connection."""
    from realtime_blocking import SimulatorServer

    from realtime_proto import Dialect
    from realtime_proto.simulator import Simulator

    keywords = _simulator_keywords(request)
    dialect = Dialect(keywords.pop("dialect", None) or Dialect.GA)

    def simulator() -> Simulator:
        return Simulator(default_dialect=dialect, **keywords)

    request.node.stash[_DIALECT] = dialect
    with SimulatorServer(simulator=simulator) as server:
        yield server


@pytest.fixture
def realtime_url(request: pytest.FixtureRequest, realtime_simulator: SimulatorServer) -> str:
    """The URL of ``realtime_simulator``, naming its dialect."""
    return realtime_simulator.url_for(request.node.stash[_DIALECT])


class ScriptedServer:
    """A :class:`~realtime_proto.testing.Script` served on a loopback port by
    ``realtime_blocking.ReplayServer``: point the client at :attr:`url` (:attr:`base_url`
    for the openai package's ``websocket_base_url``)."""

    def __init__(self, script: Script) -> None:
        from realtime_blocking import ReplayServer

        self.script = script
        self.replays: list[Replay] = []
        self._server: ReplayServer = ReplayServer(
            script.cassette(), on_session_end=self._ended
        ).__enter__()
        self._finished = False

    def __repr__(self) -> str:
        return f"<ScriptedServer {self.url}>"

    def _ended(self, session: ReplaySession) -> None:
        self.replays.append(session.replay)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def finish(self) -> None:
        """Stop serving (connections in progress end within half a second) and raise
        ``ScriptError`` if no client connected, a client left the script, or one ended before
        the script did. Runs once; the fixture calls it when the test ends."""
        if self._finished:
            return
        self._finished = True
        self._server.close()
        self.script.check(self.replays)


@pytest.fixture
def realtime_script() -> Iterator[Callable[[Script], ScriptedServer]]:
    """Call it with a ``Script`` to serve it: the :class:`ScriptedServer`, checked when the
    test ends."""
    served: list[ScriptedServer] = []

    def serve(script: Script) -> ScriptedServer:
        server = ScriptedServer(script)
        served.append(server)
        return server

    yield serve
    from realtime_proto.testing import ScriptError

    failures: list[str] = []
    for server in served:
        try:
            server.finish()
        except ScriptError as failure:
            failures.append(str(failure))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
