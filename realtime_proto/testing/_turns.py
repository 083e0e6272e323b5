"""The turns a client must accumulate from a session's responses.

They are worked out from the plan of each response, not from its events: a client's
accumulation is checked against what the server meant to say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from .._options import Dialect
from .._record import Record
from .._redact import bytes_summary, text_summary
from .._values import ToolCall, Turn
from ._plans import FunctionCallPlan, ResponsePlan

__all__ = ["ExpectedTurn", "implied_turn"]


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ExpectedTurn(Record):
    """What a client must have accumulated for one response when its ``response.done``
    arrives: its status and finish reason, the full text, transcript and audio, and every
    function call with its complete arguments, in output order.

    Compare it with a :class:`~realtime_proto.Turn` through :meth:`of`, or field by field.
    """

    response_id: str
    status: str
    finish_reason: str | None
    text: str = attrs.field(default="", repr=text_summary)
    audio_transcript: str = attrs.field(default="", repr=text_summary)
    audio: bytes = attrs.field(default=b"", repr=bytes_summary)
    tool_calls: tuple[ToolCall, ...] = ()

    @classmethod
    def of(cls, turn: Turn) -> ExpectedTurn:
        """The fields of an accumulated turn that a session determines."""
        return cls(
            response_id=turn.response_id,
            status=turn.status,
            finish_reason=turn.finish_reason,
            text=turn.text,
            audio_transcript=turn.audio_transcript,
            audio=turn.audio,
            tool_calls=turn.tool_calls,
        )


def implied_turn(
    response_id: str,
    plan: ResponsePlan,
    item_ids: Sequence[str],
    call_ids: Mapping[int, str],
    dialect: Dialect,
) -> ExpectedTurn:
    """The turn of one response: its parts in output order (item, then content index), its
    calls in output order. ``item_ids`` names each item and ``call_ids`` each call by output
    index. The preview dialect has one content stream per item and no separate transcript:
    the model's speech arrives as its text."""
    preview = dialect is Dialect.PREVIEW
    text: list[str] = []
    transcript: list[str] = []
    audio: list[bytes] = []
    calls: list[ToolCall] = []
    for index, item in enumerate(plan.items):
        if isinstance(item, FunctionCallPlan):
            calls.append(
                ToolCall(
                    call_id=call_ids[index],
                    name=item.name,
                    arguments=item.arguments,
                    item_id=item_ids[index],
                    output_index=index,
                )
            )
            continue
        for part in item.parts:
            (transcript if part.audio and not preview else text).append(part.text)
            audio.extend(part.chunks)
    return ExpectedTurn(
        response_id=response_id,
        status=plan.ending.turn_status,
        finish_reason=plan.ending.finish_reason,
        text="".join(text),
        audio_transcript="".join(transcript),
        audio=b"".join(audio),
        tool_calls=tuple(calls),
    )
