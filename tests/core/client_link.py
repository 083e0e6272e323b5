"""A :class:`ClientConversation` wired in memory to a SERVER connection, for the tests of the
conversation: bytes move only when a test says so."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import realtime_proto as rp
from realtime_proto.client import ClientConversation, ClientSettings, ServiceTarget
from tests.helpers import LOCAL_URL, drain, written

SECRET = "sk-proj-abcdefghijklmnop0123"
PREVIEW = rp.Dialect.PREVIEW
ALAW = rp.AudioFormat.G711_ALAW
ULAW = rp.AudioFormat.G711_ULAW
PCM16 = rp.AudioFormat.PCM16
AT: dict[str, Any] = {"response_id": "r", "item_id": "i", "output_index": 0, "content_index": 0}


def session(fmt: rp.AudioFormat | None = None) -> rp.Session:
    options = rp.ConversationOptions(input_audio_format=fmt)
    return rp.Session(id="sess_1", model="m", options=options)


class Link:
    """A ClientConversation and a SERVER connection, wired in memory. Bytes move only when
    a test says so, and the conversation's messages stay in its inbox until read."""

    def __init__(
        self,
        options: rp.ConversationOptions | None = None,
        *,
        dialect: rp.Dialect = rp.Dialect.GA,
        api_key: str | None = None,
        **client_settings: Any,
    ) -> None:
        target = ServiceTarget.url(LOCAL_URL, dialect=dialect, api_key=api_key)
        self.settings = ClientSettings(target=target, **client_settings)
        self.conversation = self.settings.start(options)
        self.server = rp.Connection.server(dialect=dialect)
        self.commands: list[Any] = []

    def up(self) -> None:
        """What the conversation wrote, to the server."""
        data = written(self.conversation)
        if data:
            self.server.receive_data(data)
        self.commands += drain(self.server)

    def down(self) -> None:
        """What the server wrote, to the conversation, in one read."""
        data = self.server.data_to_send()
        if data:
            self.conversation.receive_data(data)

    def accept(self) -> None:
        self.up()
        self.server.send(rp.AcceptConnection())
        self.down()

    def start(self, created: rp.Session | None = None) -> None:
        """Accept, announce the session, and carry the options the conversation sends."""
        self.accept()
        self.serve([rp.SessionCreated(session=created or session())])
        self.up()

    def serve(self, events: Iterable[rp.Event | rp.Command]) -> None:
        for event in events:
            self.server.send(event)
        self.down()

    def updates(self) -> list[rp.UpdateSession]:
        return [c for c in self.commands if isinstance(c, rp.UpdateSession)]


def noise(count: int, size: int = 0) -> list[rp.SendRaw]:
    """Messages the client decodes as unknown events, each with ``size`` bytes of padding."""
    return [
        rp.SendRaw(message={"type": "x.noise", "n": i, "pad": "p" * size}) for i in range(count)
    ]


def feed_while_wanted(conversation: ClientConversation, data: bytes) -> bytes:
    """A reader that respects ``wants_data``: one byte per read; returns what is left."""
    pos = 0
    while pos < len(data) and conversation.wants_data:
        conversation.receive_data(data[pos : pos + 1])
        pos += 1
    return data[pos:]


def types(events: Iterable[object]) -> list[type]:
    return [type(event) for event in events]
