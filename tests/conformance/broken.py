"""Deliberately broken client adapters, each failing the battery in its own way: they drive
a real client (the blocking transport's) and then get something wrong, or do wrong
themselves."""

from __future__ import annotations

import threading

import attrs
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
