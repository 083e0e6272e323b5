"""Adapters that drive a client through a case (``realtime_proto.testing.conformance``'s
``ClientAdapter``): this package's two transports and the openai package's realtime client."""

from __future__ import annotations

import base64
import importlib
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from realtime_proto.testing.conformance import ClientAdapter, EventLog, Observation, TurnRequest

__all__ = ["AnyioAdapter", "BlockingAdapter", "OpenAIAdapter", "load_adapter"]

_KEY = "sk-conformance-not-a-key"


class BlockingAdapter:
    """``realtime_blocking.ConversationClient``: ``send_text`` + ``generate`` (or
    ``send_audio`` + ``finish_turn``), then ``receive_messages`` to the end."""

    name = "blocking"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        from realtime_blocking import ConversationClient

        log, text = EventLog(), ""
        try:
            with ConversationClient(url).start_conversation() as conversation:
                try:
                    if request.audio is not None:
                        conversation.send_audio(request.audio)
                        conversation.finish_turn()
                    else:
                        conversation.send_text(request.text or "")
                        conversation.generate()
                    for message in conversation.receive_messages():
                        log.add(message)
                finally:
                    text = conversation.last_turn_full_response_text
        except Exception as exc:
            return log.observation(text, exc)
        return log.observation(text)


class AnyioAdapter:
    """``realtime_anyio.ConversationClient`` on ``backend`` (``"asyncio"`` or ``"trio"``),
    used as :class:`BlockingAdapter` uses the blocking one, within ``timeout``."""

    def __init__(self, backend: str = "asyncio") -> None:
        self.backend = backend
        self.name = "anyio" if backend == "asyncio" else f"anyio-{backend}"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        import anyio

        observation: Observation = anyio.run(self._run, url, request, timeout, backend=self.backend)
        return observation

    async def _run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        import anyio
        from realtime_anyio import ConversationClient

        log, text = EventLog(), ""
        try:
            with anyio.fail_after(timeout):
                async with ConversationClient(url).start_conversation() as conversation:
                    try:
                        if request.audio is not None:
                            await conversation.send_audio(request.audio)
                            await conversation.finish_turn()
                        else:
                            await conversation.send_text(request.text or "")
                            await conversation.generate()
                        async for message in conversation.receive_messages():
                            log.add(message)
                    finally:
                        text = conversation.last_turn_full_response_text
        except Exception as exc:
            return log.observation(text, exc)
        return log.observation(text)


class OpenAIAdapter:
    """The openai package's ``AsyncOpenAI().realtime.connect``, its ``websocket_base_url``
    the case's URL: ``conversation.item.create`` (or appends and a commit), then
    ``response.create``, then its events to the end. The events are its parsed models,
    dumped; the text is the last response's ``response.output_text.delta`` deltas (else its
    ``response.output_audio_transcript.delta`` deltas), as its events name them."""

    name = "openai"

    def run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        import asyncio

        return asyncio.run(self._run(url, request, timeout))

    async def _run(self, url: str, request: TurnRequest, timeout: float) -> Observation:
        import asyncio

        reading = _Reading()
        try:
            await asyncio.wait_for(self._converse(url, request, reading), timeout)
        except Exception as exc:
            return reading.observation(exc)
        return reading.observation()

    async def _converse(self, url: str, request: TurnRequest, reading: _Reading) -> None:
        from openai import AsyncOpenAI

        parts = urlsplit(url)
        query = {key: value for key, value in parse_qsl(parts.query) if key != "model"}
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        client = AsyncOpenAI(api_key=_KEY, websocket_base_url=base)
        try:
            async with client.realtime.connect(
                model="conformance", extra_query=query
            ) as connection:
                try:
                    await _say(connection, request)
                    async for event in connection:
                        reading.add(event)
                finally:
                    websocket: Any = getattr(connection, "_connection", None)
                    reading.close_code = getattr(websocket, "close_code", None)
        finally:
            await client.close()


async def _say(connection: Any, request: TurnRequest) -> None:
    if request.audio is not None:
        audio = base64.b64encode(request.audio).decode()
        await connection.input_audio_buffer.append(audio=audio)
        await connection.input_audio_buffer.commit()
    else:
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": request.text or ""}],
            }
        )
    await connection.response.create()


class _Reading:
    """The openai client's events as an observation."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.text = ""
        self.transcript = ""
        self.close_code: int | None = None

    def add(self, event: Any) -> None:
        dumped = event.model_dump(mode="json", exclude_unset=True, warnings=False)
        self.events.append(dumped)
        kind = dumped.get("type")
        if kind == "response.created":
            self.text = self.transcript = ""
        elif kind == "response.output_text.delta":
            self.text += str(dumped.get("delta", ""))
        elif kind == "response.output_audio_transcript.delta":
            self.transcript += str(dumped.get("delta", ""))

    def observation(self, error: BaseException | None = None) -> Observation:
        return Observation(
            events=tuple(self.events),
            text=self.text or self.transcript,
            error=None if error is None else type(error).__name__,
            error_message="" if error is None else str(error),
            close_code=self.close_code,
        )


_NAMED: dict[str, Any] = {
    "blocking": BlockingAdapter,
    "anyio": AnyioAdapter,
    "trio": lambda: AnyioAdapter("trio"),
    "openai": OpenAIAdapter,
}


def load_adapter(name: str) -> ClientAdapter:
    """The adapter ``name`` names: ``blocking``, ``anyio``, ``trio``, ``openai``, or
    ``package.module:attribute`` (an adapter, or a class or function that makes one).
    Raises ``ValueError`` for a name that is none of these, ``ImportError`` (or
    ``AttributeError``) when the module or attribute cannot be found."""
    if name in _NAMED:
        made: ClientAdapter = _NAMED[name]()
        return made
    module_name, colon, attribute = name.partition(":")
    if not colon or not module_name or not attribute:
        known = ", ".join(_NAMED)
        raise ValueError(f"no adapter {name!r}: give one of {known}, or package.module:attribute")
    found: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    if not hasattr(found, "run") and callable(found):
        try:
            found = found()
        except TypeError as exc:
            raise ValueError(f"{name} is not an adapter, nor makes one: {exc}") from None
    if not callable(getattr(found, "run", None)):
        raise ValueError(f"{name} is not an adapter: it has no run(url, request, timeout)")
    adapter: ClientAdapter = found
    if not isinstance(getattr(adapter, "name", None), str):
        raise ValueError(f"{name} is not an adapter: it has no name")
    return adapter
