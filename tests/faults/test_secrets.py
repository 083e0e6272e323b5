"""Every public object: a credential never shows in a repr, str, log record or exception, and
a 1 MB payload is elided from reprs."""

from __future__ import annotations

import enum
import logging
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
import realtime_anyio
import realtime_blocking

import realtime_proto as rp
from realtime_proto._redact import scrub_secrets

KEY = "sk-proj-SECRETSECRETSECRET0123456789abcdef"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.TOKENTOKENTOKEN"
BIG = 1_000_000


def leaks(text: str) -> bool:
    return KEY in text or KEY[:12] in text or TOKEN in text


def credential_holders() -> list[object]:
    endpoint = rp.Endpoint.openai(api_key=KEY, model="m")
    azure = rp.Endpoint.azure(endpoint="https://r.openai.azure.com", deployment="d", token=TOKEN)
    subprotocol = rp.Endpoint.from_url(
        "wss://h/v1/realtime?api-key=" + KEY, subprotocols=["openai-insecure-api-key." + KEY]
    )
    target = rp.ServiceTarget.azure(
        endpoint="https://r.openai.azure.com", deployment="d", token_provider=lambda: TOKEN
    )
    settings = rp.ClientSettings(target=rp.ServiceTarget.openai(api_key=KEY, model="m"))
    protocol = settings.start(None)
    rejected = rp.HandshakeError(401, scrub_secrets(f"bad key {KEY}", (KEY,)))
    try:
        rp.Endpoint.from_url("ws://example.com/x", api_key=KEY)
    except rp.InsecureCredentialsError as exc:
        insecure = exc
    return [
        endpoint,
        azure,
        subprotocol,
        target,
        settings,
        protocol,
        protocol.connection,
        rejected,
        insecure,
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
        return 1
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
        getattr(rp, name)
        for name in rp.__all__
        if isinstance(getattr(rp, name), type)
        and attrs.has(getattr(rp, name))
        and name not in NOT_PAYLOAD  # configuration, checked above for credentials
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("cls", PUBLIC_ATTRS, ids=lambda cls: cls.__name__)
def test_a_huge_payload_is_elided_from_the_repr(cls: type) -> None:
    instance = build(cls)
    assert len(repr(instance)) < 10_000, cls.__name__
