"""Verdicts, and the reports of a run: a table for the terminal, JSON, and a self-contained
HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import attrs

from ..._record import Record
from ._case import Case
from ._observation import ClientRecord, Observation

__all__ = ["CaseResult", "judge", "render_html", "render_json", "render_text"]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class CaseResult(Record):
    """The verdict of one case for one client: ``problems`` (none: it passed), what the client
    reported and what the server saw, and how long it took (``seconds``)."""

    case: Case
    client: str
    problems: tuple[str, ...]
    observation: Observation
    record: ClientRecord
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def judge(
    case: Case, client: str, observation: Observation, record: ClientRecord, seconds: float = 0.0
) -> CaseResult:
    """The verdict of ``case`` for the client named ``client``."""
    return CaseResult(
        case=case,
        client=client,
        problems=case.problems(observation, record),
        observation=observation,
        record=record,
        seconds=seconds,
    )


def _summary(results: Sequence[CaseResult]) -> str:
    passed = sum(result.passed for result in results)
    clients = sorted({result.client for result in results})
    return f"{', '.join(clients) or 'no client'}: {passed} of {len(results)} cases passed"


def render_text(results: Sequence[CaseResult]) -> str:
    """A table: case, title, verdict, and the first problem of each case that failed."""
    width = max((len(result.case.title) for result in results), default=5)
    lines = [f"{'case':<6} {'title':<{width}}  verdict", "-" * (width + 16)]
    for result in results:
        verdict = "pass" if result.passed else "FAIL"
        lines.append(f"{result.case.id:<6} {result.case.title:<{width}}  {verdict}")
        lines.extend(f"{'':<6}   - {problem}" for problem in result.problems)
    lines.append(_summary(results))
    return "\n".join(lines) + "\n"


def _jsonable(result: CaseResult) -> dict[str, Any]:
    observation, record = result.observation, result.record
    return {
        "case": result.case.id,
        "title": result.case.title,
        "description": result.case.description,
        "must": result.case.must,
        "client": result.client,
        "passed": result.passed,
        "problems": list(result.problems),
        "seconds": round(result.seconds, 3),
        "observed": {
            "events": [dict(event) for event in observation.events],
            "text": observation.text,
            "error": observation.error,
            "error_message": observation.error_message,
            "close_code": observation.close_code,
        },
        "sent": {
            "messages": [dict(message) for message in record.messages],
            "undecodable": list(record.undecodable),
            "binary": record.binary,
            "pongs": [pong.decode("utf-8", "replace") for pong in record.pongs],
            "close": record.close,
            "timed_out": record.timed_out,
        },
    }


def render_json(results: Sequence[CaseResult]) -> str:
    """Every result with what was observed and sent, as a JSON document."""
    document = {
        "summary": _summary(results),
        "passed": sum(result.passed for result in results),
        "total": len(results),
        "results": [_jsonable(result) for result in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}"
    ".pass{background:#e6f4e6}.fail{background:#fbe3e3}"
    "details pre{white-space:pre-wrap;font-size:.85em;max-height:30em;overflow:auto}"
)


def _row(result: CaseResult) -> str:
    case = result.case
    verdict = "pass" if result.passed else "fail"
    problems = "".join(f"<li>{html.escape(problem)}</li>" for problem in result.problems)
    detail = html.escape(json.dumps(_jsonable(result), indent=2, ensure_ascii=False, default=str))
    return (
        f'<tr class="{verdict}"><td>{html.escape(case.id)}</td>'
        f"<td><b>{html.escape(case.title)}</b><br>{html.escape(case.description)}"
        f"<br><i>Must:</i> {html.escape(case.must)}</td>"
        f"<td>{verdict.upper()}<ul>{problems}</ul>"
        f"<details><summary>observed and sent</summary><pre>{detail}</pre></details></td></tr>"
    )


def render_html(results: Sequence[CaseResult]) -> str:
    """A self-contained page (no external asset): the table, each case's details folded."""
    rows = "\n".join(_row(result) for result in results)
    summary = html.escape(_summary(results))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>realtime conformance: {summary}</title><style>{_STYLE}</style></head>\n"
        f"<body><h1>Realtime conformance battery</h1><p>{summary}</p>\n"
        "<table><tr><th>case</th><th>behaviour</th><th>verdict</th></tr>\n"
        f"{rows}\n</table></body></html>\n"
    )
