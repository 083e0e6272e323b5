"""What a transport's conversation client is made of, without I/O: the target and settings,
the conversation (start, inbox, output queue, failures, close), audio send plans and tool
runs. The transports ``realtime_anyio`` and ``realtime_blocking`` drive it."""

from ._conversation import DEFAULT_MAX_QUEUED_BYTES, OUTPUT_HIGH_WATER, ClientConversation
from ._history import ConversationHistory
from ._loading import loaded_when_named
from ._plans import AudioSendPlan, PlannedSend, ToolRun, audio_piece, single_append
from ._resume import RESUMING, ResumeInProgress, ResumePolicy, Resuming, Resumption
from ._target import (
    ClientSettings,
    ConversationClientBase,
    RecordTarget,
    ServiceTarget,
    TokenProvider,
)
from ._tools import PreparedToolCall, ToolHandlers, prepare_tool_call, tool_failure, tool_output
from ._view import ConversationView

__all__ = [
    "DEFAULT_MAX_QUEUED_BYTES",
    "OUTPUT_HIGH_WATER",
    "RESUMING",
    "AudioSendPlan",
    "ClientConversation",
    "ClientSettings",
    "ConversationClientBase",
    "ConversationHistory",
    "ConversationView",
    "PlannedSend",
    "PreparedToolCall",
    "RecordTarget",
    "ResumeInProgress",
    "ResumePolicy",
    "Resuming",
    "Resumption",
    "ServiceTarget",
    "TokenProvider",
    "ToolHandlers",
    "ToolRun",
    "audio_piece",
    "loaded_when_named",
    "prepare_tool_call",
    "single_append",
    "tool_failure",
    "tool_output",
]
