"""Deliberately broken client adapters, each failing the battery in its own way: they drive
a real client (the blocking transport's) and then get something wrong, or do wrong
themselves."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs
import wsproto
import wsproto.events as ws
from realtime_conformance import BlockingAdapter

from realtime_proto.testing.conformance import Observation, TurnRequest


class SaysSomethingElse:
    """Sends another text, and half the audio, than the case asks for."""

    name = "says-something-else"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        if request.audio is not None:
            request = TurnRequest(audio=request.audio[: len(request.audio) // 2])
        else:
            request = TurnRequest(text="something else")
        return BlockingAdapter().run(url, request, timeout)


class SwallowsErrors:
    """Reports no error, whatever its client raised."""

    name = "swallows-errors"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        observed = BlockingAdapter().run(url, request, timeout)
        return attrs.evolve(observed, error=None, error_message="")


class Hangs:
    """Never returns (until the test ends)."""

    name = "hangs"
    released = threading.Event()

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        self.released.wait(30)
        return Observation()


class Crashes:
    """Raises instead of returning an observation."""

    name = "crashes"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        raise RuntimeError("the adapter itself failed")


class NeverAsks:
    """Connects and says nothing: the server waits for response.create until the case's
    time runs out."""

    name = "never-asks"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        from realtime_blocking import ConversationClient

        with ConversationClient(url).start_conversation() as conversation:
            for _ in conversation.receive_messages():
                pass
        return Observation()


def make_swallower() -> SwallowsErrors:
    return SwallowsErrors()


class Nameless:
    """Has a run, but no name."""

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        return Observation()  # pragma: no cover - never run


class Misreports:
    """A client that gets the case's point wrong in what it understood: the blocking
    transport's run, reported through ``change``."""

    name = "misreports"

    def __init__(self, change: Callable[[Observation], Observation]) -> None:
        self._change = change

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        return self._change(BlockingAdapter().run(url, request, timeout))


class RawClient:
    """A client written on wsproto by hand, which forgets to answer pings
    (``answers_pings``) or the server's close (``answers_close``). Says text only."""

    name = "raw"

    def __init__(self, *, answers_pings: bool = True, answers_close: bool = True) -> None:
        self._pings, self._close = answers_pings, answers_close

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        parts = urlsplit(url)
        assert parts.hostname is not None
        assert parts.port is not None
        connection = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
        received: list[dict[str, Any]] = []
        pieces: list[str] = []
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
            target = f"{parts.path}?{parts.query}"
            sock.sendall(connection.send(ws.Request(host=parts.netloc, target=target)))
            while data := sock.recv(65536):
                connection.receive_data(data)
                for event in connection.events():
                    out = self._answer(event, request, received, pieces)
                    if out:
                        sock.sendall(
                            connection.send(out[0])
                            + b"".join(connection.send(more) for more in out[1:])
                        )
                    if isinstance(event, ws.CloseConnection):
                        return self._observed(received, event.code)
        return self._observed(received, None)

    def _answer(
        self,
        event: ws.Event,
        request: TurnRequest,
        received: list[dict[str, Any]],
        pieces: list[str],
    ) -> list[ws.Event]:
        if isinstance(event, ws.AcceptConnection):
            item = {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": request.text or ""}],
            }
            return [
                ws.Message(data=json.dumps({"type": "conversation.item.create", "item": item})),
                ws.Message(data=json.dumps({"type": "response.create"})),
            ]
        if isinstance(event, ws.TextMessage):
            pieces.append(event.data)
            if event.message_finished:
                received.append(json.loads("".join(pieces)))
                pieces.clear()
        if isinstance(event, ws.Ping) and self._pings:
            return [event.response()]
        if isinstance(event, ws.CloseConnection) and self._close:
            return [event.response()]
        return []

    @staticmethod
    def _observed(received: list[dict[str, Any]], code: int | None) -> Observation:
        text = "".join(
            str(event.get("delta", ""))
            for event in received
            if event.get("type") == "response.output_text.delta"
        )
        return Observation(events=tuple(received), text=text, close_code=code)
