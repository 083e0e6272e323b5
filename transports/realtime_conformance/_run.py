"""Running a client adapter through the battery: each case on its own thread, against a
server of the battery, each verdict from what the client reported and what it sent."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from realtime_proto.testing.conformance import (
    Case,
    CaseResult,
    ClientAdapter,
    ClientRecord,
    Observation,
    TurnRequest,
    judge,
)

from ._server import ConformanceServer

__all__ = ["run_battery"]

_GRACE: Final = 2.0  # seconds beyond a case's timeout for an adapter or a connection to end


def _observe(
    adapter: ClientAdapter, url: str, request: TurnRequest, timeout: float, grace: float
) -> Observation:
    """The adapter's observation; a hang or an exception of the adapter itself, as its error."""
    outcome: list[Observation | BaseException] = []

    def run() -> None:
        try:
            outcome.append(adapter.run(url, request, timeout))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, name=f"conformance-{adapter.name}", daemon=True)
    thread.start()
    thread.join(timeout + grace)
    if not outcome:
        return Observation(
            error="AdapterHung", error_message=f"the adapter did not return within {timeout:g} s"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        return Observation(
            error=type(result).__name__, error_message=f"the adapter raised: {result}"
        )
    return result


def _one(
    adapter: ClientAdapter,
    case: Case,
    server: ConformanceServer,
    run: str,
    timeout: float,
    grace: float,
) -> CaseResult:
    started = time.monotonic()
    observation = _observe(adapter, server.url(case.id, run), case.request, timeout, grace)
    record = server.wait_record(case.id, run, grace) or ClientRecord(case_id=case.id, run=run)
    return judge(case, adapter.name, observation, record, time.monotonic() - started)


def run_battery(
    adapter: ClientAdapter,
    server: ConformanceServer,
    case_ids: Sequence[str] | None = None,
    *,
    timeout: float = 10.0,
    concurrency: int = 8,
    grace: float = _GRACE,
) -> list[CaseResult]:
    """The results of ``adapter`` in the cases ``case_ids`` (default: all of ``server``'s),
    in that order, up to ``concurrency`` at once, each given ``timeout`` seconds (and
    ``grace`` more to return, and for its connection to end). Raises ``KeyError`` for an id
    the server does not serve."""
    cases = [server.cases[case_id] for case_id in case_ids or list(server.cases)]
    run = uuid.uuid4().hex[:12]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(_one, adapter, case, server, run, timeout, grace) for case in cases]
        return [future.result() for future in futures]
