"""Credentials by rule: which header and query-parameter names carry one, the ws:// refusal
for them, and the scrubbing of anything a peer echoes back (patterns, headers, reprs)."""

from __future__ import annotations

import string
import time

import attrs
import pytest
import realtime_anyio
import realtime_blocking
from hypothesis import assume, given
from hypothesis import strategies as st

import realtime_proto as rp
from realtime_proto._record import Record
from realtime_proto._redact import (
    is_credential_name,
    safe_text_summary,
    scrub_headers,
    scrub_secrets,
)
from realtime_proto.client import ServiceTarget

SECRET = "Zq7-opaque.VALUE_0123456789xyz"  # no known key shape: only the name gives it away

CREDENTIAL_HEADERS = [
    "Authorization",
    "authorization",
    "Proxy-Authorization",
    "api-key",
    "X-Api-Key",
    "Ocp-Apim-Subscription-Key",
    "X-Goog-Api-Key",
    "X-Auth-Token",
    "X-Amz-Security-Token",
    "Cookie",
    "X-Client-Secret",
    "X-Hub-Signature-256",
    "X-Password",
    "X-Credential",
    "apiKey",
    "APIKEY",
]
CREDENTIAL_PARAMS = [
    "api_key",
    "api-key",
    "apiKey",
    "key",
    "token",
    "access_token",
    "id_token",
    "sig",
    "signature",
    "client_secret",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "credential",
    "X-Amz-Credential",
    "X-Amz-Signature",
]
NOT_CREDENTIALS = [
    "Sec-WebSocket-Key",
    "sec-websocket-key",
    "Sec-WebSocket-Protocol",
    "OpenAI-Beta",
    "User-Agent",
    "Host",
    "Content-Type",
    "X-Request-Id",
    "WWW-Authenticate",
    "model",
    "deployment",
    "api-version",
    "max_tokens",
    "input_tokens",
    "session",
    "monkey",
    "keyboard",
    "design",
    "authority",
]


def printable(endpoint: rp.Endpoint) -> str:
    return " ".join([repr(endpoint), str(endpoint), endpoint.safe_url])


# -- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CREDENTIAL_HEADERS + CREDENTIAL_PARAMS)
def test_a_name_that_says_credential_is_one(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize("name", NOT_CREDENTIALS)
def test_other_names_are_not(name: str) -> None:
    assert not is_credential_name(name)


# -- the endpoint: refused over ws:// to a remote host, redacted everywhere ---------------------


@pytest.mark.parametrize("name", CREDENTIAL_HEADERS)
def test_a_credential_header_is_refused_over_plain_ws_to_a_remote_host(name: str) -> None:
    with pytest.raises(rp.InsecureCredentialsError) as refused:
        rp.Endpoint.from_url("ws://realtime.example.test/v1", headers=[(name, SECRET)])
    assert SECRET not in str(refused.value)
    assert SECRET not in repr(refused.value)


@pytest.mark.parametrize("name", CREDENTIAL_PARAMS)
def test_a_credential_query_parameter_is_refused_over_plain_ws_to_a_remote_host(name: str) -> None:
    with pytest.raises(rp.InsecureCredentialsError) as refused:
        rp.Endpoint.from_url(f"ws://realtime.example.test/v1?model=m&{name}={SECRET}")
    assert SECRET not in str(refused.value)
    with pytest.raises(rp.InsecureCredentialsError):
        ServiceTarget.url(f"ws://realtime.example.test/v1?{name}={SECRET}")


@pytest.mark.parametrize("name", CREDENTIAL_HEADERS)
@pytest.mark.parametrize(
    ("url", "opt_in"),
    [
        ("ws://lan-box.test/v1", True),
        ("ws://127.0.0.1:9/v1", False),
        ("ws://localhost:9/v1", False),
        ("ws://[::1]:9/v1", False),
        ("wss://realtime.example.test/v1", False),
    ],
)
def test_a_credential_header_is_allowed_with_the_opt_in_on_loopback_or_tls(
    name: str, url: str, opt_in: bool
) -> None:
    endpoint = rp.Endpoint.from_url(
        url, headers=[(name, SECRET)], allow_insecure_credentials=opt_in
    )
    assert endpoint.carries_credentials
    assert SECRET in endpoint.credentials
    assert SECRET not in printable(endpoint)
    assert f"'{name}', '<redacted>'" in repr(endpoint)


@pytest.mark.parametrize("name", CREDENTIAL_PARAMS)
@pytest.mark.parametrize(
    ("base", "opt_in"),
    [
        ("ws://lan-box.test/v1", True),
        ("ws://127.0.0.1:9/v1", False),
        ("wss://realtime.example.test/v1", False),
    ],
)
def test_a_credential_query_parameter_is_allowed_and_redacted(
    name: str, base: str, opt_in: bool
) -> None:
    endpoint = rp.Endpoint.from_url(
        f"{base}?model=m&{name}={SECRET}", allow_insecure_credentials=opt_in
    )
    assert endpoint.carries_credentials
    assert endpoint.credentials == (SECRET,)
    assert endpoint.safe_url.endswith(f"?model=m&{name}=<redacted>")
    assert SECRET not in printable(endpoint)


def test_safe_url_shows_the_parameter_redacted() -> None:
    endpoint = rp.Endpoint.from_url(f"wss://h.test/x?api_key={SECRET}")
    assert endpoint.safe_url == "wss://h.test/x?api_key=<redacted>"


@pytest.mark.parametrize(
    "headers",
    [
        [("OpenAI-Beta", "realtime=v1"), ("User-Agent", "t/1"), ("X-Request-Id", "r1")],
        [("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")],
    ],
)
def test_other_headers_travel_over_plain_ws_and_show(headers: list[tuple[str, str]]) -> None:
    endpoint = rp.Endpoint.from_url("ws://realtime.example.test/v1?model=m", headers=headers)
    assert not endpoint.carries_credentials
    assert endpoint.credentials == ()
    for _, value in headers:
        assert value in repr(endpoint)


def test_ordinary_query_parameters_are_not_credentials() -> None:
    url = "ws://realtime.example.test/v1?model=m&deployment=d&api-version=2025&max_tokens=5"
    endpoint = rp.Endpoint.from_url(url)
    assert not endpoint.carries_credentials
    assert endpoint.safe_url == url


def test_the_credentials_include_the_token_after_a_scheme_and_each_cookie() -> None:
    endpoint = rp.Endpoint.from_url(
        "wss://h.test/",
        headers=[("Proxy-Authorization", f"Basic {SECRET}"), ("Cookie", "sid=abcdef; theme=x")],
    )
    assert SECRET in endpoint.credentials
    assert "abcdef" in endpoint.credentials


# -- service targets and clients ----------------------------------------------------------------


def test_a_service_target_for_a_url_describes_it_without_the_credential() -> None:
    target = ServiceTarget.url(f"wss://example.invalid/x?api_key={SECRET}")
    assert target.description == "wss://example.invalid/x?api_key=<redacted>"
    loopback = ServiceTarget.url(f"ws://127.0.0.1:9/x?access_token={SECRET}")
    assert loopback.description == "ws://127.0.0.1:9/x?access_token=<redacted>"
    for shown in (target, loopback):
        assert SECRET not in repr(shown)
        assert SECRET not in str(shown)


def test_a_hand_made_description_is_scrubbed() -> None:
    endpoint = rp.Endpoint.from_url("wss://example.invalid/x")
    target = ServiceTarget(
        description=f"ws://example.invalid/x?api_key={SECRET}", build=lambda _token: endpoint
    )
    assert SECRET not in target.description
    assert SECRET not in repr(target)


@pytest.mark.parametrize(
    "client_class",
    [realtime_anyio.ConversationClient, realtime_blocking.ConversationClient],
    ids=["anyio", "blocking"],
)
@pytest.mark.parametrize(
    "url",
    [
        f"ws://example.invalid/x?api_key={SECRET}",
        f"wss://example.invalid/x?api_key={SECRET}",
        f"ws://127.0.0.1:9/x?key={SECRET}&model=m",
        f"wss://example.invalid/x?sig={SECRET}&client_secret={SECRET}",
    ],
)
def test_a_client_for_a_url_never_shows_its_credential(client_class: type, url: str) -> None:
    if url.startswith("ws://example.invalid"):
        with pytest.raises(rp.InsecureCredentialsError) as refused:
            client_class(url)
        assert SECRET not in str(refused.value)
        client = client_class.for_url(url, allow_insecure_credentials=True)
    else:
        client = client_class(url)
    assert SECRET not in repr(client)
    assert SECRET not in repr(client.settings)
    assert "<redacted>" in repr(client)


# -- errors and events --------------------------------------------------------------------------


def test_a_handshake_error_scrubs_its_body_and_headers() -> None:
    error = rp.HandshakeError(
        401,
        f'{{"error": {{"message": "bad Bearer {SECRET}"}}, "api_key": "{SECRET}"}} known-xyzw',
        (
            ("Set-Cookie", f"sid={SECRET}"),
            ("WWW-Authenticate", 'Bearer realm="api"'),
            ("X-Echo", f"api-key: {SECRET}"),
            ("X-Other", "known-xyzw"),
        ),
        secrets=("known-xyzw",),
    )
    for text in (str(error), repr(error), error.body, repr(error.headers)):
        assert SECRET not in text
        assert "known-xyzw" not in text
    assert error.status_code == 401
    assert dict(error.headers) == {
        "Set-Cookie": "<redacted>",
        "WWW-Authenticate": 'Bearer realm="api"',
        "X-Echo": "api-key: <redacted>",
        "X-Other": "<redacted>",
    }


def test_a_handshake_error_keeps_its_positional_signature() -> None:
    error = rp.HandshakeError(403, "forbidden", (("X-Request-Id", "r1"),))
    assert (error.status_code, error.body, error.headers) == (
        403,
        "forbidden",
        (("X-Request-Id", "r1"),),
    )
    assert str(error) == "the server rejected the connection with HTTP 403: forbidden"


def test_a_connection_closed_error_scrubs_its_reason() -> None:
    error = rp.ConnectionClosedError(
        1008, f"bad Bearer {SECRET} or known-xyzw", secrets=["known-xyzw"]
    )
    assert error.reason == "bad Bearer <redacted> or <redacted>"
    assert (error.code, error.initiator) == (1008, "remote")
    for text in (str(error), repr(error)):
        assert SECRET not in text
        assert "known-xyzw" not in text
    plain = rp.ConnectionClosedError(1000, "bye", "local")
    assert str(plain) == "the connection is closed: code 1000 (bye), by local"


@pytest.mark.parametrize(
    "event",
    [
        rp.ConnectionClosed(code=1008, reason=f"bad Bearer {SECRET}"),
        rp.ConnectionClosed(code=1008, reason=f"api_key={SECRET}", initiator="error"),
        rp.ServerError(
            error=rp.ErrorDetail(
                type="invalid_request_error",
                code="invalid_api_key",
                message=f"Incorrect API key provided: Bearer {SECRET}",
                param=f"access_token={SECRET}",
            )
        ),
        rp.InvalidMessage(reason=f'bad field in {{"client_secret": "{SECRET}"}}'),
        rp.InvalidMessage(reason="bad message", event_type=f"token: {SECRET}"),
    ],
    ids=["closed-bearer", "closed-pair", "server-error", "invalid-json", "invalid-type"],
)
def test_event_reprs_never_show_an_echoed_credential(event: rp.Event) -> None:
    assert SECRET not in repr(event)
    assert "<redacted>" in repr(event)


def test_text_fields_get_the_scrubbed_summary() -> None:
    @attrs.frozen(kw_only=True, repr=False, eq=False)
    class Echo(Record):
        text: str
        maybe: str | None = None

    shown = repr(Echo(text=f"Bearer {SECRET}", maybe="x" * 100 + f" api_key={SECRET}"))
    assert SECRET not in shown
    assert "Bearer <redacted>" in shown


def test_a_long_text_summary_is_scrubbed_at_its_head() -> None:
    text = f"Bearer {SECRET} " + "x" * 10_000
    shown = safe_text_summary(text)
    assert SECRET not in shown
    assert shown.startswith(f"<{len(text)} chars: 'Bearer <redacted>")
    assert safe_text_summary(None) == "None"
    assert safe_text_summary("hello") == "'hello'"


# -- scrubbing by pattern -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("bad Bearer abc.def", "bad Bearer <redacted>"),
        ("Authorization: Bearer Bearer abc.def", "Authorization: Bearer Bearer <redacted>"),
        ("got Bearer Bearer abc.def", "got Bearer Bearer <redacted>"),
        ('key: "key": "abc"', 'key: "<redacted>": "<redacted>"'),
        ("key:key:key:abc", "key:<redacted>"),
        ("authorization: bearer eyJ0.eyJ1.c2ln", "authorization: bearer <redacted>"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic <redacted>"),
        ("Basic dXNlcjpwYXNzd29yZA== was refused", "Basic <redacted> was refused"),
        ('{"error": "bad Bearer YWJjZA="}', '{"error": "bad Bearer <redacted>"}'),
        ("api_key=abc123&model=m", "api_key=<redacted>&model=m"),
        ('{"access_token":"xyz"}', '{"access_token":"<redacted>"}'),
        ("{'client_secret': 'a b c'}", "{'client_secret': '<redacted>'}"),
        ('{\\"api_key\\": \\"ab\\/cd\\"}', '{\\"api_key\\": \\"<redacted>\\"}'),
        ("api-key: foo", "api-key: <redacted>"),
        ("Ocp-Apim-Subscription-Key: 0123abcd", "Ocp-Apim-Subscription-Key: <redacted>"),
        ("password = hunter2;", "password = <redacted>;"),
        ("--api-key=abc", "--api-key=<redacted>"),
        ("wss://h/x?model=m&sig=abc&se=2030", "wss://h/x?model=m&sig=<redacted>&se=2030"),
        ("X-Auth-Token: token t0k3n", "X-Auth-Token: token <redacted>"),
        (
            "openai-insecure-api-key.abcdef, realtime",
            "openai-insecure-api-key.<redacted>, realtime",
        ),
        ("key sk-proj-abcdef123 leaked", "key <redacted> leaked"),
        ("ephemeral ek_abcdef123456", "ephemeral <redacted>"),
    ],
)
def test_scrub_secrets_by_pattern(text: str, scrubbed: str) -> None:
    assert scrub_secrets(text, ()) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nothing to see here",
        "model=gpt-realtime&deployment=d",
        '{"max_tokens": 4096, "input_tokens": 12, "type": "error"}',
        'WWW-Authenticate: Bearer realm="OpenAI", error="invalid_token"',
        "api_key=<redacted>",
        'token: ""',
        "sess_C9abcdef123 item_001 event_123",
        "time 12:30, ratio 1=1",
    ],
)
def test_scrub_secrets_leaves_ordinary_text_alone(text: str) -> None:
    assert scrub_secrets(text, ()) == text


def test_known_secrets_are_scrubbed_longest_first() -> None:
    assert scrub_secrets("abcdefgh and abcd", ["abcd", "abcdefgh"]) == "<redacted> and <redacted>"
    assert scrub_secrets("abc", ["abc"]) == "abc"  # too short to scrub safely


def test_scrub_headers() -> None:
    headers = (
        ("Api-Key", "anything"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Content-Type", "application/json"),
        ("X-Echo", "Bearer abc.def and s3cr3t-value"),
    )
    assert scrub_headers(headers, ["s3cr3t-value"]) == (
        ("Api-Key", "<redacted>"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Content-Type", "application/json"),
        ("X-Echo", "Bearer <redacted> and <redacted>"),
    )
    assert scrub_headers(iter(headers[2:3]), iter(())) == headers[2:3]


TOKEN_CHARS = string.ascii_letters + string.digits + "-._~+/"
secrets_ = st.builds(
    "Q{}{}".format,
    st.text(TOKEN_CHARS, min_size=8, max_size=60),
    st.sampled_from(["", "=", "=="]),
)
surroundings = st.text(max_size=80)
names = st.sampled_from(CREDENTIAL_HEADERS + CREDENTIAL_PARAMS)
pair_formats = st.sampled_from(
    [
        "{name}={value}",
        '"{name}": "{value}"',
        "{name}: {value}",
        "'{name}':'{value}'",
        "{name} = {value}",
        "{name}: Bearer {value}",
        "Bearer {value}",
        "basic {value}",
        '\\"{name}\\":\\"{value}\\"',
        "?x=1&{name}={value}&y=2",
        "Bearer Bearer {value}",
        "{name}: Bearer Bearer {value}",
    ]
)


@given(before=surroundings, after=surroundings, name=names, form=pair_formats, secret=secrets_)
def test_an_embedded_credential_never_survives_scrubbing(
    before: str, after: str, name: str, form: str, secret: str
) -> None:
    assume(secret not in before and secret not in after)
    text = f"{before} {form.format(name=name, value=secret)} {after}"
    assert secret not in scrub_secrets(text, ())


@given(st.text(max_size=200))
def test_text_with_no_credential_word_is_unchanged(text: str) -> None:
    lowered = text.lower()
    assume(not any(w in lowered for w in ("key", "tok", "secret", "sig", "pass", "pwd")))
    assume(not any(w in lowered for w in ("auth", "cookie", "cred", "bearer", "basic", "ek_")))
    assume(not any(w in text for w in ("sk-", "sess-", "ek-")))
    assert scrub_secrets(text, ()) == text


KNOWN_CHARS = string.ascii_uppercase + string.digits  # none of them is in "<redacted>"


@given(
    st.text(max_size=300),
    st.lists(st.text(KNOWN_CHARS, min_size=4, max_size=12), max_size=3),
)
def test_known_secrets_never_survive_scrubbing(text: str, known: list[str]) -> None:
    scrubbed = scrub_secrets(text + "".join(known), known)
    for secret in known:
        assert secret not in scrubbed


HOSTILE = [
    "a" * 200_000,
    "a" * 200_000 + ":",
    "key" * 70_000,
    "key" * 70_000 + "=",
    "Bearer " * 30_000,
    "Bearer " + "a" * 200_000,
    "Bearer " + "a" * 200_000 + '="',
    '"' * 200_000,
    "api_key=" * 25_000,
    "key: " * 40_000,
    'key: "' + "a" * 200_000,
    "key" + " " * 200_000 + ":",
    "-" * 200_000 + "key",
    "\\" * 200_000 + "key=",
    '{"token": "a", "max_tokens": 5}' * 6_000,
    "key: " + "Bearer " * 30_000 + "<",
    "Bearer " * 30_000 + 'x="',
    'Bearer realm="a" ' * 12_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_scrubbing_takes_linear_time(text: str) -> None:
    started = time.perf_counter()
    scrub_secrets(text, ("abcd",))
    assert time.perf_counter() - started < 2.0


def test_a_connection_scrubs_what_the_peer_echoes_from_its_events() -> None:
    """Error events and close reasons that quote the credential reach the caller without it."""
    from tests.helpers import ConnectionPair

    token = "opaque-token-4f9c2b7d1e"
    pair = ConnectionPair(open_now=False)
    pair.client = rp.Connection.client(
        rp.Endpoint.from_url("ws://127.0.0.1:1/v1/realtime", headers={"X-Goog-Api-Key": token})
    )
    pair.open()
    message = {"type": "error", "error": {"type": "auth", "message": f"bad key {token}"}}
    pair.server.send(rp.SendRaw(message=message))
    pair.server.send(rp.Close(code=1008, reason=f"key {token} revoked"))
    got, _ = pair.pump()
    error, closed = got[0], got[-1]
    assert isinstance(error, rp.ServerError)
    assert isinstance(closed, rp.ConnectionClosed)
    for text in (error.error.message, error.raw, closed.reason, repr(error), repr(closed)):
        assert token not in text
