"""Whom ``converse`` talks to: ``--url``, else Azure OpenAI or OpenAI when the environment names
one, else the embedded simulator; and which key goes where.

A key from the environment goes only to its own service: ``OPENAI_API_KEY`` to api.openai.com,
``AZURE_OPENAI_API_KEY`` to the host of ``AZURE_OPENAI_ENDPOINT``. Any other ``--url`` is sent
no key at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from realtime_blocking import ConversationClient

from realtime_proto import Dialect, InsecureCredentialsError, LocalProtocolError, Timeouts
from realtime_proto.simulator import requested_dialect

from ._errors import UsageError

__all__ = ["GOES_ONLY", "OPENAI_HOST", "Target", "choose_target", "dialect_asked", "service_key"]

OPENAI_HOST = "api.openai.com"
_SET_A_SERVICE = (
    "set OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY, or pass --url, "
    "to talk to a service"
)
GOES_ONLY = {
    "OPENAI_API_KEY": f"OPENAI_API_KEY goes only to {OPENAI_HOST}",
    "AZURE_OPENAI_API_KEY": "AZURE_OPENAI_API_KEY only to the host of AZURE_OPENAI_ENDPOINT",
}


@dataclass(frozen=True)
class Target:
    """A client, and what to tell the user about it."""

    client: ConversationClient
    why: str  # why this target was chosen and how to choose another
    reach_hint: str  # what to check when it cannot be reached
    key_hint: str  # what to check when it refuses the credentials

    @property
    def description(self) -> str:
        """Where it connects, with every credential scrubbed."""
        return self.client.settings.target.description

    @property
    def line(self) -> str:
        """The first line the command prints."""
        return f"talking to {self.description} ({self.why})"


def choose_target(
    environ: Mapping[str, str],
    *,
    simulator: bool = False,
    url: str | None = None,
    dialect: Dialect | None = None,
    timeout: float = 10.0,
    record_to: str | None = None,
) -> Target:
    """The target the options and the environment choose; its client records to
    ``record_to`` when given. Raises :class:`UsageError` for a configuration that cannot work
    or that would silently ignore an option."""
    options: dict[str, Any] = {
        "connect_timeout": timeout,
        "timeouts": Timeouts(open_timeout=timeout),
        "record_to": record_to,
    }
    if url is not None:
        return _url_target(url, environ, dialect, options)
    azure = environ.get("AZURE_OPENAI_ENDPOINT", "")
    openai_key = environ.get("OPENAI_API_KEY", "")
    if simulator or not (azure or openai_key):
        client = ConversationClient(dialect=dialect or Dialect.GA, **options)
        named = "AZURE_OPENAI_ENDPOINT" if azure else "OPENAI_API_KEY"
        why = (
            f"--simulator; drop it to talk to the service {named} names"
            if simulator and (azure or openai_key)
            else _SET_A_SERVICE
        )
        return Target(
            client,
            why,
            reach_hint="check that this machine allows connections to 127.0.0.1",
            key_hint="",
        )
    if azure:
        source, key_hint = "AZURE_OPENAI_ENDPOINT", "check AZURE_OPENAI_API_KEY"
        key = environ.get("AZURE_OPENAI_API_KEY", "")
        if not key:
            raise UsageError(
                "AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is not: set it, or "
                "unset AZURE_OPENAI_ENDPOINT, or pass --simulator"
            )
        try:
            client = ConversationClient.azure(
                endpoint=azure,
                deployment=environ.get("AZURE_OPENAI_DEPLOYMENT") or "gpt-realtime",
                api_key=key,
                api_version=environ.get("AZURE_OPENAI_API_VERSION") or None,
                **options,
            )
        except (ValueError, LocalProtocolError) as exc:
            raise UsageError(f"AZURE_OPENAI_ENDPOINT: {exc}") from None
        key_hint += " and AZURE_OPENAI_DEPLOYMENT"
    else:
        source, key_hint = "OPENAI_API_KEY", "check OPENAI_API_KEY (and OPENAI_REALTIME_MODEL)"
        try:
            client = ConversationClient.openai(
                api_key=openai_key,
                model=environ.get("OPENAI_REALTIME_MODEL") or "gpt-realtime",
                **options,
            )
        except (ValueError, LocalProtocolError) as exc:
            raise UsageError(f"OPENAI_API_KEY: {exc}") from None
    described = client.settings.target.description
    spoken = client.settings.target.endpoint().dialect
    if dialect is not None and dialect is not spoken:
        raise UsageError(
            f"--dialect {dialect.value} is for the simulator and --url, but {source} chooses "
            f"{described}, which speaks {spoken.value}: add --simulator or --url URL, or drop "
            "--dialect"
        )
    return Target(
        client,
        f"{source} is set; --simulator to stay offline, --url URL for another server",
        reach_hint=f"check the network and {source}",
        key_hint=key_hint,
    )


def dialect_asked(url: str, option: str = "--url") -> Dialect | None:
    """The dialect a URL asks the simulator for, as the simulator reads it."""
    try:
        return requested_dialect(url, strict=True)
    except ValueError as exc:
        raise UsageError(f"{option} asks for {exc}") from None


def service_key(
    host: str, environ: Mapping[str, str]
) -> tuple[str | None, list[tuple[str, str]], str]:
    """The key from the environment that goes to ``host``, if any: as a bearer ``api_key``
    (OpenAI) or as headers (Azure), and the name of its variable (``""``: none)."""
    azure = environ.get("AZURE_OPENAI_ENDPOINT", "")
    azure_host = (urlsplit(azure).hostname or "").lower() if azure else ""
    if host == OPENAI_HOST and environ.get("OPENAI_API_KEY"):
        return environ["OPENAI_API_KEY"], [], "OPENAI_API_KEY"
    if host and host == azure_host and environ.get("AZURE_OPENAI_API_KEY"):
        return None, [("api-key", environ["AZURE_OPENAI_API_KEY"])], "AZURE_OPENAI_API_KEY"
    return None, [], ""


def _url_target(
    url: str, environ: Mapping[str, str], dialect: Dialect | None, options: dict[str, Any]
) -> Target:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError as exc:
        raise UsageError(f"--url is not a URL: {exc}") from None
    asked = dialect_asked(url)
    if dialect is not None and asked is not None and dialect is not asked:
        raise UsageError(
            f"--dialect {dialect.value} contradicts the dialect={asked.value} of --url: "
            "drop one of them"
        )
    api_key, headers, sent = service_key(host, environ)
    try:
        client = ConversationClient.for_url(
            url, api_key=api_key, headers=headers, dialect=dialect or asked or Dialect.GA, **options
        )
    except InsecureCredentialsError:
        raise UsageError(
            f"--url is plain ws:// to {host}, which would carry {sent} unencrypted: use wss://"
        ) from None
    except (ValueError, LocalProtocolError) as exc:
        raise UsageError(f"--url: {exc}") from None
    unsent = [GOES_ONLY[name] for name in GOES_ONLY if environ.get(name) and name != sent]
    why = "from --url" + (f", with {sent}" if sent else "")
    if unsent:
        why += "; not sent: " + ", ".join(unsent)
    key_hint = f"check {sent}" if sent else "no key was sent: " + ", ".join(GOES_ONLY.values())
    return Target(
        client,
        why,
        reach_hint="check --url, or start a server there ('realtime-proto serve')",
        key_hint=key_hint,
    )
