"""What a conversation holds, as the server confirmed it, kept so that a new session can be
given it again: user and assistant messages as text (transcripts standing in for audio),
tool calls and their outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs

from .._events import (
    Event,
    InputTranscriptionCompleted,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    OutputItemAdded,
    OutputItemDone,
    TurnFinished,
)
from .._values import ContentPart, ConversationItem

__all__ = ["ConversationHistory"]

_TEXT_ROLES: Final = {"user": "input_text", "system": "input_text", "assistant": "text"}


class ConversationHistory:
    """The items of a conversation in the order the server added them, folded from the events
    a client receives (:meth:`observe`), and the text form they can be restored in
    (:meth:`restorable`)."""

    def __init__(self) -> None:
        self._items: dict[str, ConversationItem] = {}  # by id, or by a key of our own
        self._transcripts: dict[str, str] = {}  # user audio items' input transcripts
        self._turn_text: dict[str, str] = {}  # a finished turn's text, for its one message
        self._cut: set[str] = set()  # truncated: the server dropped what was not heard

    def __repr__(self) -> str:
        return f"<ConversationHistory items={len(self._items)}>"

    def __len__(self) -> int:
        return len(self._items)

    def observe(self, event: Event) -> None:
        """Fold in one received event (any event: most change nothing)."""
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def restorable(self) -> tuple[tuple[ConversationItem, ...], tuple[ConversationItem, ...]]:
        """The items to create in a new session, in order and in text form, and the items that
        cannot be: audio without a transcript, truncated or unfinished output, and kinds
        other than messages, function calls and their outputs."""
        restored: list[ConversationItem] = []
        left: list[ConversationItem] = []
        for item in self._items.values():
            text_form = None if item.id in self._cut else self._text_form(item)
            (left if text_form is None else restored).append(text_form or item)
        return tuple(restored), tuple(left)

    def sent(self, item: ConversationItem) -> None:
        """An item the client added, for a dialect whose server does not confirm them (the
        preview dialect); kept in the order sent, restored without its id."""
        self._items[f"sent:{len(self._items)}:{id(item)}"] = attrs.evolve(item, id=None)

    # -- folding ----------------------------------------------------------------------------

    def _keep(self, item: ConversationItem) -> None:
        if item.id is not None:
            self._items[item.id] = item

    def _on_item(self, event: ItemAdded | ItemDone | ItemRetrieved) -> None:
        self._keep(event.item)

    def _on_output_item(self, event: OutputItemAdded | OutputItemDone) -> None:
        self._keep(event.item)

    def _on_transcript(self, event: InputTranscriptionCompleted) -> None:
        self._transcripts[event.item_id] = event.audio_transcript

    def _on_deleted(self, event: ItemDeleted) -> None:
        self._items.pop(event.item_id, None)
        self._cut.discard(event.item_id)

    def _on_truncated(self, event: ItemTruncated) -> None:
        self._cut.add(event.item_id)

    def _on_turn(self, event: TurnFinished) -> None:
        turn = event.turn
        if turn is None or turn.status == "interrupted":
            return
        messages = [i for i in turn.item_ids if self._is_message(i)]
        text = turn.text or turn.audio_transcript
        if len(messages) == 1 and text:
            self._turn_text[messages[0]] = text

    def _is_message(self, item_id: str) -> bool:
        item = self._items.get(item_id)
        return item is not None and item.type == "message"

    # -- restoring --------------------------------------------------------------------------

    def _text_form(self, item: ConversationItem) -> ConversationItem | None:
        if item.status == "in_progress":  # cut by the drop: the server never finished it
            return None
        if item.type == "message":
            return self._message_text(item)
        if item.type == "function_call" and item.call_id and item.name:
            return ConversationItem(
                type="function_call",
                id=item.id,
                call_id=item.call_id,
                name=item.name,
                arguments=item.arguments or "{}",
            )
        if item.type == "function_call_output" and item.call_id and item.output is not None:
            return ConversationItem(
                type="function_call_output", id=item.id, call_id=item.call_id, output=item.output
            )
        return None

    def _message_text(self, item: ConversationItem) -> ConversationItem | None:
        part_type = _TEXT_ROLES.get(item.role or "")
        if part_type is None:
            return None
        texts = [part.text or part.transcript for part in item.content]
        if not any(texts) and item.id is not None:
            heard = self._transcripts.get(item.id) or self._turn_text.get(item.id)
            texts = [heard] if heard else []
        parts = tuple(ContentPart(type=part_type, text=text) for text in texts if text)
        if not parts:
            return None
        return ConversationItem(type="message", id=item.id, role=item.role, content=parts)


_HANDLERS: Final[dict[type[Event], Callable[[ConversationHistory, Event], None]]] = {
    ItemAdded: ConversationHistory._on_item,  # type: ignore[dict-item]
    ItemDone: ConversationHistory._on_item,  # type: ignore[dict-item]
    ItemRetrieved: ConversationHistory._on_item,  # type: ignore[dict-item]
    OutputItemAdded: ConversationHistory._on_output_item,  # type: ignore[dict-item]
    OutputItemDone: ConversationHistory._on_output_item,  # type: ignore[dict-item]
    InputTranscriptionCompleted: ConversationHistory._on_transcript,  # type: ignore[dict-item]
    ItemDeleted: ConversationHistory._on_deleted,  # type: ignore[dict-item]
    ItemTruncated: ConversationHistory._on_truncated,  # type: ignore[dict-item]
    TurnFinished: ConversationHistory._on_turn,  # type: ignore[dict-item]
}
