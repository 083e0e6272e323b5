"""Endpoints: URLs and headers for each service, and the credential safety rules."""

from __future__ import annotations

from typing import Any

import pytest

import realtime_proto as rp

SECRET = "sk-proj-VERYSECRET0123456789"


def everything_printable(endpoint: rp.Endpoint) -> str:
    return " ".join([repr(endpoint), str(endpoint), endpoint.safe_url, repr(endpoint.headers[:0])])


def test_openai_ga() -> None:
    endpoint = rp.Endpoint.openai(api_key=SECRET, model="gpt-realtime")
    assert (endpoint.host, endpoint.port, endpoint.secure) == ("api.openai.com", 443, True)
    assert endpoint.target == "/v1/realtime?model=gpt-realtime"
    assert endpoint.headers == (("Authorization", f"Bearer {SECRET}"),)
    assert endpoint.dialect is rp.Dialect.GA
    assert endpoint.host_header == "api.openai.com"
    assert endpoint.safe_url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert SECRET not in everything_printable(endpoint)


def test_openai_beta_and_extra_query() -> None:
    endpoint = rp.Endpoint.openai(
        api_key=SECRET, model="gpt 4o/realtime", beta=True, extra_query={"call_id": "c1"}
    )
    assert ("OpenAI-Beta", "realtime=v1") in endpoint.headers
    assert endpoint.dialect is rp.Dialect.BETA
    assert endpoint.target == "/v1/realtime?model=gpt%204o%2Frealtime&call_id=c1"


def test_azure_ga_with_a_key() -> None:
    endpoint = rp.Endpoint.azure(
        endpoint="https://res.openai.azure.com/", deployment="my-rt", api_key=SECRET
    )
    assert endpoint.host == "res.openai.azure.com"
    assert endpoint.secure
    assert endpoint.target == "/openai/v1/realtime?model=my-rt"
    assert endpoint.headers == (("api-key", SECRET),)
    assert endpoint.dialect is rp.Dialect.GA
    assert "api-version" not in endpoint.target
    assert SECRET not in everything_printable(endpoint)


def test_azure_preview_with_a_token() -> None:
    endpoint = rp.Endpoint.azure(
        endpoint="https://res.openai.azure.com/openai",
        deployment="dep",
        token="eyJ-token",
        api_version="2025-04-01-preview",
    )
    assert endpoint.target == "/openai/realtime?api-version=2025-04-01-preview&deployment=dep"
    assert endpoint.headers == (("Authorization", "Bearer eyJ-token"),)
    assert endpoint.dialect is rp.Dialect.BETA
    assert "eyJ-token" not in everything_printable(endpoint)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"api_key": "a", "token": "b"}, {"api_key": ""}, {"token": "  "}],
    ids=["none", "both", "empty-key", "blank-token"],
)
def test_azure_needs_exactly_one_credential(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"api_key|token"):
        rp.Endpoint.azure(endpoint="https://r.openai.azure.com", deployment="d", **kwargs)


def test_local_simulator_url() -> None:
    endpoint = rp.Endpoint.from_url("ws://127.0.0.1:8765/v1/realtime?model=sim")
    assert (endpoint.host, endpoint.port, endpoint.secure) == ("127.0.0.1", 8765, False)
    assert endpoint.host_header == "127.0.0.1:8765"
    assert endpoint.target == "/v1/realtime?model=sim"
    assert not endpoint.carries_credentials


def test_ipv6_loopback_and_default_ports() -> None:
    endpoint = rp.Endpoint.from_url("ws://[::1]:9000/x", api_key=SECRET)
    assert endpoint.host == "::1"
    assert endpoint.host_header == "[::1]:9000"
    assert rp.Endpoint.from_url("http://example.test").host_header == "example.test"
    assert rp.Endpoint.from_url("https://example.test:443/").host_header == "example.test"
    assert rp.Endpoint.from_url("wss://example.test:8443/").host_header == "example.test:8443"
    assert rp.Endpoint.from_url("ws://example.test").target == "/"


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "ws:///nohost", "ws://host:99999/", "ws://host:abc/"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match=r"scheme|host|port"):
        rp.Endpoint.from_url(url)


def test_credentials_over_plain_ws_to_a_remote_host_are_refused() -> None:
    with pytest.raises(rp.InsecureCredentialsError) as caught:
        rp.Endpoint.from_url("ws://realtime.example.test/v1", api_key=SECRET)
    message = str(caught.value)
    assert "realtime.example.test" in message
    assert "allow_insecure_credentials" in message
    assert SECRET not in message
    assert isinstance(caught.value, rp.LocalProtocolError)
    with pytest.raises(rp.InsecureCredentialsError):
        rp.Endpoint.openai(api_key=SECRET, model="m", base_url="http://10.0.0.8/v1")
    with pytest.raises(rp.InsecureCredentialsError):
        rp.Endpoint.from_url("ws://host.test/?api-key=abc")
    with pytest.raises(rp.InsecureCredentialsError):
        rp.Endpoint.from_url("ws://host.test/", subprotocols=["openai-insecure-api-key.k"])
    with pytest.raises(rp.InsecureCredentialsError):
        rp.Endpoint.from_url("ws://host.test/", headers={"Cookie": "session=1"})


def test_plain_ws_with_credentials_is_fine_on_loopback_or_when_opted_in() -> None:
    for host in ("127.0.0.1", "127.8.9.10", "localhost", "[::1]"):
        assert rp.Endpoint.from_url(f"ws://{host}:1/", api_key=SECRET).carries_credentials
    opted = rp.Endpoint.from_url(
        "ws://lan-box.test/", api_key=SECRET, allow_insecure_credentials=True
    )
    assert opted.carries_credentials
    assert SECRET not in everything_printable(opted)


def test_credentials_in_the_query_are_redacted() -> None:
    endpoint = rp.Endpoint.from_url(f"wss://r.test/realtime?api-key={SECRET}&deployment=d")
    assert endpoint.carries_credentials
    assert SECRET not in everything_printable(endpoint)
    assert "deployment=d" in endpoint.safe_url
    assert "api-key=%3Credacted%3E" in endpoint.safe_url or "<redacted>" in endpoint.safe_url


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-Bad", "a\r\nInjected: 1"), ("X-Bad", "nul\x00"), ("Bad Name", "v"), ("", "v")],
)
def test_header_injection_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="header"):
        rp.Endpoint.from_url("wss://r.test/", headers=[(name, value)])


def test_subprotocol_credentials_are_redacted() -> None:
    endpoint = rp.Endpoint.from_url(
        "wss://r.test/", subprotocols=["realtime", f"openai-insecure-api-key.{SECRET}"]
    )
    assert endpoint.carries_credentials
    assert SECRET not in repr(endpoint)
    with pytest.raises(ValueError, match="subprotocol"):
        rp.Endpoint.from_url("wss://r.test/", subprotocols=["a b"])


def test_the_client_connection_repr_shows_no_secret() -> None:
    connection = rp.Connection.client(rp.Endpoint.openai(api_key=SECRET, model="m"))
    assert SECRET not in repr(connection)
    assert "wss://api.openai.com/v1/realtime?model=m" in repr(connection)
    request = connection.data_to_send()
    assert f"Bearer {SECRET}".encode() in request  # it does go out, over TLS


@pytest.mark.parametrize("api_version", [None, "2024-10-01-preview"])
def test_azure_takes_any_dialect_drop_in(api_version: str | None) -> None:
    import realtime_anyio
    import realtime_blocking

    for client_class in (realtime_anyio.ConversationClient, realtime_blocking.ConversationClient):
        client = client_class.azure(
            endpoint="https://example.openai.azure.com",
            deployment="gpt-4o-realtime",
            api_key="azure-key-0123456789",
            api_version=api_version,
            dialect=rp.Dialect.PREVIEW,
        )
        endpoint = client.settings.target.endpoint()
        assert endpoint.dialect is rp.Dialect.PREVIEW
        assert "azure-key-0123456789" not in repr(client)
    implied = rp.Endpoint.azure(
        endpoint="https://example.openai.azure.com",
        deployment="d",
        api_key="k" * 12,
        api_version=api_version,
    )
    assert implied.dialect is (rp.Dialect.GA if api_version is None else rp.Dialect.BETA)
