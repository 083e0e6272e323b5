"""Where a client connects and what its upgrade request carries, for each service.

Pure: no DNS, no sockets. Credentials ride in headers (or, for browsers, a subprotocol); they
never appear in a repr or an error message, and they are refused over plain ``ws://`` to a host
that is not loopback unless the caller opts in. A header or query parameter is a credential
when its name says so (:func:`~realtime_proto._redact.is_credential_name`: ``api-key``,
``Ocp-Apim-Subscription-Key``, ``access_token``, ``sig``, ``Cookie``, ...).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import attrs

from ._errors import LocalProtocolError
from ._options import Dialect
from ._record import Record
from ._redact import INSECURE_SUBPROTOCOL, credentials_in, is_credential_name

__all__ = ["Endpoint", "InsecureCredentialsError"]

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_SCHEMES = {"ws": False, "http": False, "wss": True, "https": True}


class InsecureCredentialsError(LocalProtocolError):
    """Credentials would travel unencrypted to a host that is not this machine."""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _redact_target(target: str) -> str:
    path, _, query = target.partition("?")
    if not query:
        return target
    pairs = [
        (key, "<redacted>" if is_credential_name(key) else value)
        for key, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs, safe='<>')}"


def _headers_repr(headers: tuple[tuple[str, str], ...]) -> str:
    shown = [(name, "<redacted>" if is_credential_name(name) else value) for name, value in headers]
    return repr(tuple(shown))


def _subprotocols_repr(subprotocols: tuple[str, ...]) -> str:
    shown = [
        INSECURE_SUBPROTOCOL + "<redacted>" if p.startswith(INSECURE_SUBPROTOCOL) else p
        for p in subprotocols
    ]
    return repr(tuple(shown))


def _check_header(name: str, value: str) -> None:
    if not _TOKEN.match(name):
        raise ValueError(f"invalid header name {name!r}")
    if any(char in value for char in "\r\n\x00"):
        raise ValueError(f"the value of header {name!r} contains CR, LF or NUL")


def _header_tuple(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in headers)


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _secret(value: str | None, what: str) -> str:
    if not value or not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Endpoint(Record):
    """The address and upgrade request of one realtime service."""

    host: str
    port: int
    secure: bool
    target: str = attrs.field(repr=_redact_target)
    headers: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_header_tuple, repr=_headers_repr
    )
    subprotocols: tuple[str, ...] = attrs.field(
        default=(), converter=_str_tuple, repr=_subprotocols_repr
    )
    dialect: Dialect = Dialect.GA
    allow_insecure_credentials: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.host:
            raise ValueError("the endpoint needs a host")
        if not 0 < self.port < 65536:
            raise ValueError(f"invalid port {self.port}")
        if not self.target.startswith("/"):
            raise ValueError("the request target must start with '/'")
        for name, value in self.headers:
            _check_header(name, value)
        for protocol in self.subprotocols:
            if not protocol or any(c in protocol for c in "\r\n\x00, "):
                raise ValueError("invalid subprotocol")
        if (
            self.carries_credentials
            and not self.secure
            and not _is_loopback(self.host)
            and not self.allow_insecure_credentials
        ):
            raise InsecureCredentialsError(
                f"refusing to send credentials over plain ws:// to {self.host}; use wss:// "
                "or pass allow_insecure_credentials=True"
            )

    def __str__(self) -> str:
        return self.safe_url

    @property
    def carries_credentials(self) -> bool:
        if any(is_credential_name(name) for name, _ in self.headers):
            return True
        if any(p.startswith(INSECURE_SUBPROTOCOL) for p in self.subprotocols):
            return True
        _, _, query = self.target.partition("?")
        return any(is_credential_name(key) for key, _ in parse_qsl(query, keep_blank_values=True))

    @property
    def credentials(self) -> tuple[str, ...]:
        """The secret values this endpoint sends, so that they can be scrubbed from text."""
        return credentials_in(self.headers, self.subprotocols, self.target)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.secure else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def safe_url(self) -> str:
        scheme = "wss" if self.secure else "ws"
        return f"{scheme}://{self.host_header}{_redact_target(self.target)}"

    # -- constructors -----------------------------------------------------------------------

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
        dialect: Dialect = Dialect.GA,
        subprotocols: Sequence[str] = (),
        allow_insecure_credentials: bool = False,
    ) -> Endpoint:
        """Any ``ws://`` / ``wss://`` URL (``http``/``https`` are mapped to them)."""
        host, port, secure, target = _split(url)
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if api_key is not None:
            pairs.append(("Authorization", f"Bearer {_secret(api_key, 'api_key')}"))
        return cls(
            host=host,
            port=port,
            secure=secure,
            target=target,
            headers=tuple(pairs),
            subprotocols=tuple(subprotocols),
            dialect=dialect,
            allow_insecure_credentials=allow_insecure_credentials,
        )

    @classmethod
    def openai(
        cls,
        *,
        api_key: str,
        model: str,
        base_url: str = "wss://api.openai.com/v1",
        beta: bool = False,
        extra_query: Mapping[str, str] | None = None,
        allow_insecure_credentials: bool = False,
    ) -> Endpoint:
        """OpenAI: ``<base_url>/realtime?model=<model>`` with a bearer key."""
        query = urlencode({"model": model, **(extra_query or {})}, quote_via=quote)
        headers = [("Authorization", f"Bearer {_secret(api_key, 'api_key')}")]
        if beta:
            headers.append(("OpenAI-Beta", "realtime=v1"))
        return cls.from_url(
            f"{base_url.rstrip('/')}/realtime?{query}",
            headers=headers,
            dialect=Dialect.BETA if beta else Dialect.GA,
            allow_insecure_credentials=allow_insecure_credentials,
        )

    @classmethod
    def azure(
        cls,
        *,
        endpoint: str,
        deployment: str,
        api_key: str | None = None,
        token: str | None = None,
        api_version: str | None = None,
        extra_headers: Sequence[tuple[str, str]] = (),
        dialect: Dialect | None = None,
        allow_insecure_credentials: bool = False,
    ) -> Endpoint:
        """Azure OpenAI. Without ``api_version``: the GA ``/openai/v1/realtime?model=``
        path (which answers 401 if an api-version is sent); with it: the preview
        ``/openai/realtime?api-version=&deployment=`` path, which speaks the beta dialect.
        ``dialect`` overrides the dialect the path implies (``Dialect.PREVIEW`` for a
        deployment that speaks the 2024 ``event``-keyed protocol)."""
        if (api_key is None) == (token is None):
            raise ValueError("pass exactly one of api_key and token")
        if api_key is not None:
            credential = ("api-key", _secret(api_key, "api_key"))
        else:
            credential = ("Authorization", f"Bearer {_secret(token, 'token')}")
        parts = urlsplit(endpoint)
        base = f"{parts.scheme}://{parts.netloc}"
        if not parts.netloc:
            raise ValueError("the Azure endpoint must be a URL like https://NAME.openai.azure.com")
        if api_version is None:
            query = urlencode({"model": deployment}, quote_via=quote)
            url, implied = f"{base}/openai/v1/realtime?{query}", Dialect.GA
        else:
            query = urlencode(
                {"api-version": api_version, "deployment": deployment}, quote_via=quote
            )
            url, implied = f"{base}/openai/realtime?{query}", Dialect.BETA
        return cls.from_url(
            url,
            headers=[credential, *extra_headers],
            dialect=dialect or implied,
            allow_insecure_credentials=allow_insecure_credentials,
        )


def _split(url: str) -> tuple[str, int, bool, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"unsupported scheme {parts.scheme!r}: use ws://, wss://, http(s)://")
    secure = _SCHEMES[scheme]
    host = parts.hostname
    if not host:
        raise ValueError("the URL has no host")
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError:
        raise ValueError("the URL has an invalid port") from None
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return host, port, secure, target
