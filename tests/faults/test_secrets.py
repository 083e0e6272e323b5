"""Every public object: a credential never shows in a repr, str, log record or exception, and
a 1 MB payload is elided from reprs."""

from __future__ import annotations

import enum
import logging
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import attrs
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
import realtime_proto.audio as rp_audio
import realtime_proto.client as rp_client
import realtime_proto.simulator as rp_simulator
from realtime_proto._redact import scrub_secrets
from realtime_proto.client import ClientSettings, ServiceTarget

KEY = "sk-proj-SECRETSECRETSECRET0123456789abcdef"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.TOKENTOKENTOKEN"
OPAQUE = "opaque-7Hq2ZCredentialValue9"  # no known key shape: only its context shows it
BIG = 1_000_000


def leaks(text: str) -> bool:
    return KEY in text or KEY[:12] in text or TOKEN in text or OPAQUE in text


def credential_holders() -> list[object]:
    endpoint = rp.Endpoint.openai(api_key=KEY, model="m")
    azure = rp.Endpoint.azure(endpoint="https://r.openai.azure.com", deployment="d", token=TOKEN)
    subprotocol = rp.Endpoint.from_url(
        "wss://h/v1/realtime?api-key=" + KEY, subprotocols=["openai-insecure-api-key." + KEY]
    )
    target = ServiceTarget.azure(
        endpoint="https://r.openai.azure.com", deployment="d", token_provider=lambda: TOKEN
    )
    settings = ClientSettings(target=ServiceTarget.openai(api_key=KEY, model="m"))
    protocol = settings.start(None)
    rejected = rp.HandshakeError(401, scrub_secrets(f"bad key {KEY}", (KEY,)))
    echoed = rp.HandshakeError(
        401,
        f'{{"error": "bad Bearer {TOKEN}", "api_key": "{OPAQUE}"}}',
        (("Set-Cookie", f"sid={OPAQUE}"), ("X-Echo", f"access_token={TOKEN}")),
        secrets=(KEY,),
    )
    closed = rp.ConnectionClosedError(1008, f"bad Bearer {TOKEN}", secrets=(OPAQUE,))
    try:
        rp.Endpoint.from_url("ws://example.com/x", api_key=KEY)
    except rp.InsecureCredentialsError as exc:
        insecure = exc
    try:
        rp.Endpoint.from_url(f"ws://example.com/x?api_key={OPAQUE}")
    except rp.InsecureCredentialsError as exc:
        insecure_query = exc
    by_name = rp.Endpoint.from_url(
        f"wss://h.test/x?sig={OPAQUE}",
        headers=[("Ocp-Apim-Subscription-Key", OPAQUE), ("X-Goog-Api-Key", TOKEN)],
    )
    return [
        endpoint,
        azure,
        subprotocol,
        target,
        settings,
        protocol,
        protocol.connection,
        rejected,
        echoed,
        echoed.headers,
        closed,
        insecure,
        insecure_query,
        by_name,
        ServiceTarget.url(f"wss://example.invalid/x?api_key={OPAQUE}"),
        realtime_anyio.ConversationClient(f"wss://example.invalid/x?api_key={OPAQUE}"),
        realtime_blocking.ConversationClient(f"ws://127.0.0.1:9/x?access_token={OPAQUE}"),
        rp.ConnectionClosed(code=1008, reason=f"bad Bearer {TOKEN}"),
        rp.ServerError(error=rp.ErrorDetail(message=f"Bearer {OPAQUE}", param=f"key={TOKEN}")),
        rp.InvalidMessage(reason=f'bad {{"client_secret": "{OPAQUE}"}}'),
        realtime_anyio.ConversationClient.openai(api_key=KEY, model="m"),
        realtime_blocking.ConversationClient.azure(
            endpoint="https://r.openai.azure.com", deployment="d", api_key=KEY
        ),
        realtime_blocking.ConversationClient.openai(api_key=KEY, model="m").start_conversation(),
    ]


def test_no_credential_in_any_repr_str_or_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    holders = credential_holders()
    for holder in holders:
        assert not leaks(repr(holder)), type(holder).__name__
        assert not leaks(str(holder)), type(holder).__name__
        logging.getLogger("realtime_proto").debug("holder %r", holder)
    assert not leaks(caplog.text)
    # the secrets are really there, only hidden
    endpoint = holders[0]
    assert isinstance(endpoint, rp.Endpoint)
    assert KEY in endpoint.credentials


# -- a whole conversation with a key on loopback: the key shows nowhere ---------------------------


def assert_nothing_leaks(
    caplog: pytest.LogCaptureFixture, seen: list[object], errors: list[BaseException]
) -> None:
    for shown in seen:  # as an application would log what it got
        logging.getLogger("app").debug("got %r (%s)", shown, shown)
    for error in errors:
        logging.getLogger("app").debug("failed", exc_info=error)
    assert len(caplog.records) >= len(seen)
    for record in caplog.records:
        assert not leaks(record.getMessage()), record.getMessage()
        assert not leaks(repr(record.args)), record.args
        if record.exc_info and record.exc_info[1] is not None:
            assert not leaks(repr(record.exc_info[1]))
    assert not leaks(caplog.text)
    assert seen
    for shown in seen:
        assert not leaks(repr(shown)), type(shown).__name__
        assert not leaks(str(shown)), type(shown).__name__
    for error in errors:
        assert not leaks(str(error))
        assert not leaks(repr(error))
        assert not leaks(repr(getattr(error, "__dict__", {})))


def test_a_blocking_conversation_with_a_key_on_loopback_logs_and_shows_no_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[object] = []
    errors: list[BaseException] = []
    with realtime_blocking.SimulatorServer() as server:
        client = realtime_blocking.ConversationClient.for_url(
            server.url, headers=[("api-key", OPAQUE)], api_key=KEY
        )
        seen.append(client)
        with client.start_conversation() as conversation:
            seen.append(conversation)
            conversation.send_text("ping")
            conversation.generate()
            for message in conversation.receive_messages():
                seen.append(message)
                if isinstance(message, rp.TurnFinished):
                    break
            conversation.close()
            seen.extend(conversation.receive_messages())
        with pytest.raises(rp.RealtimeError) as after_close:
            conversation.send_text("too late")
        errors.append(after_close.value)
    assert any(isinstance(m, rp.TurnFinished) for m in seen)
    assert_nothing_leaks(caplog, seen, errors)
    assert_each_layer_logged(caplog, "realtime_blocking")


def assert_each_layer_logged(caplog: pytest.LogCaptureFixture, transport: str) -> None:
    """Lifecycle at INFO per layer, and one DEBUG line per frame with its type and ids."""
    by_logger = {(r.name, r.levelno) for r in caplog.records}
    for logger in (transport, "realtime_proto.client", "realtime_proto.connection"):
        assert (logger, logging.INFO) in by_logger, logger
    frames = [r.getMessage() for r in caplog.records if r.name == "realtime_proto.connection"]
    assert any(line.startswith("client out conversation.item.create") for line in frames)
    assert any(
        line.startswith("client in response.done") and "event_id=" in line for line in frames
    )
    assert any("closed with code 1000" in line for line in frames)


def test_an_anyio_conversation_with_a_key_on_loopback_logs_and_shows_no_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[object] = []
    errors: list[BaseException] = []

    async def converse(url: str) -> None:
        client = realtime_anyio.ConversationClient.for_url(
            url, headers=[("Ocp-Apim-Subscription-Key", OPAQUE)], api_key=KEY
        )
        seen.append(client)
        async with client.start_conversation() as conversation:
            seen.append(conversation)
            await conversation.send_text("ping")
            await conversation.generate()
            async for message in conversation.receive_messages():
                seen.append(message)
                if isinstance(message, rp.TurnFinished):
                    break
        with pytest.raises(rp.RealtimeError) as after_close:
            await conversation.send_text("too late")
        errors.append(after_close.value)

    with realtime_blocking.SimulatorServer() as server:
        anyio.run(converse, server.url)
    assert any(isinstance(m, rp.TurnFinished) for m in seen)
    assert_nothing_leaks(caplog, seen, errors)
    assert_each_layer_logged(caplog, "realtime_anyio")


# -- payload elision: build every public attrs class with huge strings and bytes ------------------


def value_for(hint: Any, name: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return value_for(options[0], name)
    if origin is typing.Literal:
        return typing.get_args(hint)[0]
    if hint is str:
        return "s" * BIG
    if hint is bytes:
        return b"\x00" * BIG
    if hint is bool:
        return False
    if hint is int:
        return 400 if name == "status_code" else 1  # a rejection's status is 4xx or 5xx
    if hint is float:
        return 0.5
    if origin is tuple:
        return ()
    if origin in (Mapping, dict) or hint in (Mapping, dict):
        return {}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    if isinstance(hint, type) and attrs.has(hint):
        return build(hint)
    if origin is Callable or hint is Callable:
        return print
    raise NotImplementedError(f"{name}: {hint}")


def build(cls: type) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for field in attrs.fields(cls):
        if field.default is attrs.NOTHING or field.type in ("str", "bytes", str, bytes):
            kwargs[field.name] = value_for(hints[field.name], field.name)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError):  # a validator wants a real value: keep its defaults
        required = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
        return cls(**{k: v for k, v in kwargs.items() if k in required})


NOT_PAYLOAD = {"Endpoint", "ServiceTarget", "ClientSettings", "Limits", "Timeouts", "WavFormat"}
PUBLIC_ATTRS = sorted(
    (
        getattr(module, name)
        for module in (rp, rp_audio, rp_client, rp_simulator)
        for name in module.__all__
        if isinstance(getattr(module, name), type)
        and attrs.has(getattr(module, name))
        and name not in NOT_PAYLOAD  # configuration, checked above for credentials
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("cls", PUBLIC_ATTRS, ids=lambda cls: cls.__name__)
def test_a_huge_payload_is_elided_from_the_repr(cls: type) -> None:
    instance = build(cls)
    assert len(repr(instance)) < 10_000, cls.__name__
