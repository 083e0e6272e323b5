"""One strategy per client command class, and the classes each dialect can send."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar, cast

from hypothesis import strategies as st

from .._commands import (
    AppendAudio,
    CancelResponse,
    ClearAudio,
    ClearOutputAudio,
    Command,
    CommitAudio,
    CreateConversation,
    CreateItem,
    CreateResponse,
    DeleteConversation,
    DeleteItem,
    FinishTurn,
    RetrieveItem,
    SendText,
    SendToolResponse,
    SubscribeToUserAudio,
    TruncateItem,
    UpdateSession,
)
from .._options import AudioFormat, Dialect
from .._values import ContentPart, ConversationItem
from ._values import (
    INDEXES,
    MILLISECONDS,
    conversation_items,
    conversation_options,
    extension_fields,
    ids,
    texts,
    tool_definitions,
)

__all__ = [
    "CLIENT_COMMAND_CLASSES",
    "client_command",
    "client_command_classes",
    "client_commands",
]

C = TypeVar("C", bound=Command)

_LABELS: Final = ids("conversation_")


@functools.cache
def _preview_items() -> st.SearchStrategy[ConversationItem]:
    """Items the preview dialect carries whole: messages with text and audio parts."""
    part = st.one_of(
        st.builds(ContentPart, type=st.just("input_text"), text=texts()),
        st.builds(ContentPart, type=st.just("input_audio"), audio=st.binary(max_size=16)),
    )
    return st.builds(
        ConversationItem,
        type=st.just("message"),
        id=ids("item_"),
        role=st.sampled_from(["user", "assistant", "system"]),
        content=st.lists(part, max_size=2).map(tuple),
    )


@functools.cache
def _responses(dialect: Dialect) -> st.SearchStrategy[CreateResponse]:
    if dialect is Dialect.PREVIEW:  # ``generate`` names a conversation, nothing more
        return st.builds(CreateResponse, conversation=st.none() | _LABELS)
    ga = dialect is Dialect.GA
    # GA writes audio output as ["audio"], beta as ["text", "audio"]: each reads its own back
    audio = ("audio",) if ga else ("text", "audio")
    return st.builds(
        CreateResponse,
        event_id=st.none() | ids("client_"),
        instructions=st.none() | texts(),
        output_modalities=st.none() | st.sampled_from([("text",), audio]),
        voice=st.none() | st.sampled_from(["alloy", "marin"]),
        output_audio_format=st.none() | st.sampled_from(list(AudioFormat)),
        tools=st.none() | tool_definitions(),
        tool_choice=st.none() | st.sampled_from(["auto", "none", "required"]),
        max_output_tokens=st.none() | st.integers(1, 4096) | st.just("inf"),
        temperature=st.none() if ga else st.none() | st.floats(min_value=0.6, max_value=1.2),
        conversation=st.none() | st.sampled_from(["auto", "none"]),
        input=st.none() | st.lists(conversation_items(dialect), max_size=2).map(tuple),
        metadata=st.none() | st.dictionaries(st.text(max_size=6), texts(), max_size=2),
        extra=extension_fields(),
    )


def _strategies(dialect: Dialect) -> dict[type[Command], st.SearchStrategy[Any]]:
    preview = dialect is Dialect.PREVIEW
    # The preview dialect has no client event ids.
    common: dict[str, Any] = {"event_id": st.none() if preview else st.none() | ids("client_")}
    item_id = ids("item_")
    items = _preview_items() if preview else conversation_items(dialect)

    def of(cls: Callable[..., Command], **fields: Any) -> st.SearchStrategy[Command]:
        return st.builds(cls, **common, **fields)

    return {
        UpdateSession: of(UpdateSession, options=conversation_options(dialect)),
        AppendAudio: of(AppendAudio, audio=st.binary(max_size=64)),
        CommitAudio: of(CommitAudio),
        ClearAudio: of(ClearAudio),
        SendText: of(SendText, text=texts()),
        SendToolResponse: of(SendToolResponse, tool_call_id=ids("call_"), output=texts()),
        # An item with an id is not taken for the plain SendText or SendToolResponse it may look
        # like.
        CreateItem: of(CreateItem, item=items, previous_item_id=st.none() | item_id),
        CreateResponse: _responses(dialect),
        # In GA and beta a FinishTurn is sent as its response request (after a commit when audio
        # is pending); the preview dialect's client_turn_finished carries no request.
        FinishTurn: of(
            FinishTurn, response=st.none() if preview else st.none() | _responses(dialect)
        ),
        CancelResponse: of(
            CancelResponse, response_id=st.none() if preview else st.none() | ids("resp_")
        ),
        TruncateItem: of(
            TruncateItem, item_id=item_id, audio_end_ms=MILLISECONDS, content_index=INDEXES
        ),
        DeleteItem: of(DeleteItem, item_id=item_id),
        RetrieveItem: of(RetrieveItem, item_id=item_id),
        ClearOutputAudio: of(ClearOutputAudio),
        CreateConversation: of(CreateConversation, label=_LABELS),
        DeleteConversation: of(DeleteConversation, label=_LABELS),
        SubscribeToUserAudio: of(SubscribeToUserAudio, label=_LABELS, subscribe=st.booleans()),
    }


CLIENT_COMMAND_CLASSES: Final[tuple[type[Command], ...]] = tuple(
    sorted(_strategies(Dialect.GA), key=lambda cls: cls.__name__)
)
"""Every command class a client sends as a message, in some dialect (not ``SendRaw``, which
sends any text, nor the connection-level ``Close``, ``AcceptConnection``,
``RejectConnection``)."""

_PREVIEW_ONLY: Final = frozenset({CreateConversation, DeleteConversation, SubscribeToUserAudio})
_TYPE_KEYED: Final = frozenset(CLIENT_COMMAND_CLASSES) - _PREVIEW_ONLY
_SENT: Final[Mapping[Dialect, frozenset[type[Command]]]] = {
    Dialect.GA: _TYPE_KEYED,
    Dialect.BETA: _TYPE_KEYED,
    Dialect.PREVIEW: frozenset(CLIENT_COMMAND_CLASSES)
    - {ClearAudio, RetrieveItem, ClearOutputAudio},
}


def client_command_classes(dialect: Dialect = Dialect.GA) -> frozenset[type[Command]]:
    """The command classes a client of ``dialect`` can send (the others raise
    ``LocalProtocolError`` there)."""
    return _SENT[dialect]


@functools.cache
def _table(dialect: Dialect) -> dict[type[Command], st.SearchStrategy[Any]]:
    return _strategies(dialect)


def client_command(cls: type[C], dialect: Dialect = Dialect.GA) -> st.SearchStrategy[C]:
    """Commands of class ``cls`` (one of :data:`CLIENT_COMMAND_CLASSES`), every field drawn.

    Values take the shapes ``dialect`` carries whole, so that a server of that dialect decodes
    an equal command, but where the dialect says it another way: a ``FinishTurn`` in GA and
    beta arrives as its ``CreateResponse``, and a response request drawn without an event id
    gets one from the client connection that sends it. Raises ``ValueError`` for a class that
    is not a client command.
    """
    strategy = _table(dialect).get(cls)
    if strategy is None:
        raise ValueError(f"{cls.__name__} is not a client command class")
    return cast(st.SearchStrategy[C], strategy)


def client_commands(
    dialect: Dialect = Dialect.GA, *, classes: Iterable[type[Command]] | None = None
) -> st.SearchStrategy[Command]:
    """Commands of every class a client of ``dialect`` sends, or of ``classes``."""
    chosen = client_command_classes(dialect) if classes is None else frozenset(classes)
    return _one_of(dialect, chosen)


@functools.cache
def _one_of(dialect: Dialect, classes: frozenset[type[Command]]) -> st.SearchStrategy[Command]:
    ordered = sorted(classes, key=lambda cls: cls.__name__)
    return st.one_of([client_command(cls, dialect) for cls in ordered])
