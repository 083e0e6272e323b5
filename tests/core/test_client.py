"""The client side shared by the transports: targets, settings, and the conversation start."""

from __future__ import annotations

import json
from typing import Any

import pytest

import realtime_proto as rp
from realtime_proto._redact import scrub_secrets
from realtime_proto.client import ClientSettings, ConversationClientBase, ServiceTarget
from tests.helpers import LOCAL_URL, drain, messages, written

SECRET = "sk-proj-abcdefghijklmnop0123"


class Pair:
    """A ClientProtocol and a SERVER connection, wired in memory."""

    def __init__(self, options: rp.ConversationOptions | None = None, **settings: Any) -> None:
        self.settings = ClientSettings(target=ServiceTarget.url(LOCAL_URL), **settings)
        self.client = self.settings.start(options)
        self.server = rp.Connection.server()
        self.events: list[rp.Event] = []
        self.commands: list[Any] = []

    def pump(self) -> None:
        while True:
            up, down = written(self.client), self.server.data_to_send()
            if up:
                self.server.receive_data(up)
            if down:
                self.client.receive_data(down)
            self.commands += drain(self.server)
            self.events += messages(self.client)
            if not up and not down:
                return

    def accept(self) -> None:
        self.pump()
        self.server.send(rp.AcceptConnection())
        self.pump()


def session() -> rp.Session:
    return rp.Session(id="sess_1", model="m")


def test_options_are_sent_once_the_session_exists() -> None:
    options = rp.ConversationOptions(system_message="be brief")
    pair = Pair(options)
    pair.accept()
    assert not pair.client.ready
    pair.server.send(rp.SessionCreated(session=session()))
    pair.pump()
    assert pair.client.ready
    (update,) = [c for c in pair.commands if isinstance(c, rp.UpdateSession)]
    assert update.options.system_message == "be brief"
    assert [type(e) for e in pair.events] == [rp.Connected, rp.SessionCreated]
    pair.server.send(rp.SessionCreated(session=session()))  # a second one changes nothing
    pair.pump()
    assert len([c for c in pair.commands if isinstance(c, rp.UpdateSession)]) == 1


def test_without_options_nothing_is_sent() -> None:
    pair = Pair()
    pair.accept()
    pair.server.send(rp.SessionCreated(session=session()))
    pair.pump()
    assert pair.client.ready
    assert [c for c in pair.commands if not isinstance(c, rp.ConnectionRequested)] == []


def test_the_input_format_follows_the_session() -> None:
    pair = Pair()
    assert pair.client.input_format is rp.AudioFormat.PCM16
    pair.accept()
    options = rp.ConversationOptions(input_audio_format=rp.AudioFormat.G711_ALAW)
    pair.server.send(rp.SessionCreated(session=rp.Session(id="s", model="m", options=options)))
    pair.pump()
    assert pair.client.input_format is rp.AudioFormat.G711_ALAW


def test_a_rejection_becomes_a_handshake_error_without_secrets() -> None:
    target = ServiceTarget.url(LOCAL_URL, api_key=SECRET)
    client = ClientSettings(target=target).start(None)
    server = rp.Connection.server()
    server.receive_data(written(client))
    drain(server)
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {SECRET}" + "x" * 400}})
    server.send(rp.RejectConnection(status_code=401, body=body.encode()))
    client.receive_data(server.data_to_send())
    (rejected,) = messages(client)
    assert isinstance(rejected, rp.HandshakeRejected)
    error = client.error
    assert isinstance(error, rp.HandshakeError)
    assert error.status_code == 401
    assert SECRET not in str(error)
    assert "<redacted>" in error.body
    assert error.body.endswith("...")
    assert len(error.body) < 320
    assert client.ended
    with pytest.raises(rp.HandshakeError):
        client.send(rp.SendText(text="hi"))


def test_a_partial_key_echo_is_scrubbed_too() -> None:
    text = scrub_secrets("Incorrect API key provided: sk-proj-****************wxyz.", ())
    assert "wxyz" not in text
    assert "<redacted>" in text


def test_a_normal_close_ends_iteration_quietly() -> None:
    pair = Pair()
    pair.accept()
    pair.server.send(rp.SessionCreated(session=session()))
    pair.pump()
    pair.client.send(rp.Close())
    with pytest.raises(rp.ConnectionClosedError, match="closing"):
        pair.client.send(rp.SendText(text="late"))
    pair.pump()
    assert isinstance(pair.events[-1], rp.ConnectionClosed)
    assert isinstance(pair.client.error, rp.ConnectionClosedError)
    assert pair.client.error.code == 1000
    assert pair.client.end_error is None
    with pytest.raises(rp.ConnectionClosedError):
        pair.client.send(rp.SendText(text="late"))


def test_an_abnormal_close_is_the_end_error() -> None:
    pair = Pair()
    pair.accept()
    pair.server.send(rp.Close(code=1011, reason="boom"))
    pair.pump()
    error = pair.client.end_error
    assert isinstance(error, rp.ConnectionClosedError)
    assert (error.code, error.reason, error.initiator) == (1011, "boom", "remote")
    assert "1011" in str(error)


def test_no_session_within_the_open_timeout() -> None:
    pair = Pair(timeouts=rp.Timeouts(open_timeout=2.0, keepalive_interval=None))
    pair.accept()
    client = pair.client
    assert client.next_deadline() == float("-inf")  # arm now
    client.handle_timer(100.0)
    assert client.next_deadline() == 102.0
    client.handle_timer(101.0)
    assert not client.ended
    client.handle_timer(102.0)
    pair.pump()
    assert isinstance(client.error, rp.ConnectTimeout)
    assert "session.created" in str(client.error)
    assert client.next_deadline() is None


def test_the_session_deadline_does_not_hide_an_earlier_one() -> None:
    pair = Pair(timeouts=rp.Timeouts(open_timeout=10.0, keepalive_interval=1.0))
    pair.accept()
    pair.client.handle_timer(0.0)
    pair.client.handle_timer(0.0)
    assert pair.client.next_deadline() == 1.0  # the ping comes first


def test_an_opening_handshake_timeout_is_a_connect_timeout() -> None:
    pair = Pair(timeouts=rp.Timeouts(open_timeout=1.0))
    pair.client.handle_timer(0.0)
    pair.client.handle_timer(1.0)
    assert [type(e) for e in messages(pair.client)] == [rp.ConnectionClosed]
    assert isinstance(pair.client.error, rp.ConnectTimeout)


def test_settings_check_the_token() -> None:
    target = ServiceTarget.azure(
        endpoint="https://res.openai.azure.com", deployment="d", token_provider=lambda: "t"
    )
    settings = ClientSettings(target=target)
    with pytest.raises(TypeError, match="must return a str"):
        settings.start(None, None)
    protocol = settings.start(None, "token-9")
    assert protocol.connection.endpoint is not None
    assert ("Authorization", "Bearer token-9") in protocol.connection.endpoint.headers
    with pytest.raises(rp.LocalProtocolError):
        target.endpoint(None)
    with pytest.raises(ValueError, match="max_queued_messages"):
        ClientSettings(target=target, max_queued_messages=0)


def test_targets() -> None:
    openai = ServiceTarget.openai(api_key=SECRET, model="gpt-realtime")
    assert openai.description == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert SECRET not in repr(openai)
    assert openai.endpoint().dialect is rp.Dialect.GA
    legacy = ServiceTarget.azure(
        endpoint="https://res.openai.azure.com/",
        deployment="dep",
        api_key=SECRET,
        api_version="2024-10-01-preview",
    )
    endpoint = legacy.endpoint()
    assert endpoint.target == "/openai/realtime?api-version=2024-10-01-preview&deployment=dep"
    assert endpoint.dialect is rp.Dialect.BETA
    assert SECRET in endpoint.credentials
    with pytest.raises(ValueError, match="exactly one"):
        ServiceTarget.azure(endpoint="https://res.openai.azure.com", deployment="d")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ServiceTarget.url("ws://example.com/v1/realtime", api_key=SECRET),
        lambda: ServiceTarget.openai(api_key=SECRET, model="m", base_url="ws://api.example.com/v1"),
        lambda: ServiceTarget.azure(
            endpoint="http://res.openai.azure.com", deployment="d", api_key=SECRET
        ),
        lambda: ServiceTarget.azure(
            endpoint="http://res.openai.azure.com", deployment="d", token_provider=lambda: "t"
        ),
    ],
)
def test_credentials_over_plain_ws_to_a_remote_host_are_refused(make: Any) -> None:
    with pytest.raises(rp.InsecureCredentialsError) as refused:
        make()
    assert SECRET not in str(refused.value)


def test_credentials_over_plain_ws_with_explicit_consent() -> None:
    target = ServiceTarget.url(
        "ws://example.com/v1/realtime", api_key=SECRET, allow_insecure_credentials=True
    )
    assert target.endpoint().host == "example.com"


class Client(ConversationClientBase):
    pass


def test_client_base_constructors() -> None:
    client = Client.openai(api_key=SECRET, model="gpt-realtime", connect_timeout=3.0)
    assert client.settings.connect_timeout == 3.0
    assert SECRET not in repr(client)
    assert repr(client) == "<Client wss://api.openai.com/v1/realtime?model=gpt-realtime>"
    azure = Client.azure(endpoint="https://r.openai.azure.com", deployment="d", api_key=SECRET)
    assert "/openai/v1/realtime?model=d" in repr(azure)
    plain = Client.for_url(LOCAL_URL, headers={"X-Test": "1"})
    assert ("X-Test", "1") in plain.settings.target.endpoint().headers
    assert Client(LOCAL_URL).settings.target.description == LOCAL_URL


def test_describe_tls_error() -> None:
    class Verify(Exception):
        verify_message = "unable to get local issuer certificate"

    class Reason(Exception):
        reason = "WRONG_VERSION_NUMBER"

    assert rp.describe_tls_error(Verify()) == (
        "certificate verify failed: unable to get local issuer certificate"
    )
    assert rp.describe_tls_error(Reason()) == "WRONG_VERSION_NUMBER"
    assert rp.describe_tls_error(OSError("eof")) == "eof"


def test_endpoint_credentials() -> None:
    endpoint = rp.Endpoint.from_url(
        "wss://h/v1/realtime?api-key=qk123",
        api_key="bear123",
        subprotocols=["realtime", "openai-insecure-api-key.sub123"],
    )
    assert set(endpoint.credentials) >= {"Bearer bear123", "bear123", "sub123", "qk123"}
