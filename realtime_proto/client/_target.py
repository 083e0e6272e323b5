"""Where a conversation client connects and with which settings.

Pure like the rest of the core. A transport opens a socket to the endpoint of a
:class:`ServiceTarget`, then pumps bytes through the :class:`ClientConversation` that
:meth:`ClientSettings.start` makes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TypeAlias, TypeVar

import attrs

from .._endpoint import Endpoint
from .._errors import LocalProtocolError
from .._options import ConversationOptions, Dialect, Limits, ResponsePolicy, Timeouts
from .._record import Record
from .._redact import scrub_secrets
from ._conversation import DEFAULT_MAX_QUEUED_BYTES, ClientConversation
from ._resume import ResumePolicy, Resumption

if TYPE_CHECKING:
    import ssl
    from datetime import datetime

__all__ = [
    "ClientSettings",
    "ConversationClientBase",
    "RecordTarget",
    "ServiceTarget",
    "TokenProvider",
]

_Client = TypeVar("_Client", bound="ConversationClientBase")

TokenProvider = Callable[[], "str | Awaitable[str]"]
"""Returns a bearer token (or an awaitable of one); called before every connection."""

RecordTarget: TypeAlias = "str | os.PathLike[str] | BinaryIO"
"""Where a conversation is recorded: a path (the transport opens the file, and closes it)
or a binary file object open for writing (flushed at the end, and left open)."""

_VALIDATION_TOKEN: Final = "token-placeholder"  # builds the endpoint once, to validate it


def _safe_description(description: str) -> str:
    return scrub_secrets(description, ())


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ServiceTarget(Record):
    """Where a conversation client connects. Builds a fresh :class:`Endpoint` for every
    connection, with a fresh token when a token provider is configured. ``description`` (an
    endpoint's :attr:`~Endpoint.safe_url`) is scrubbed of anything that looks like a credential.
    """

    description: str = attrs.field(converter=_safe_description)
    build: Callable[[str | None], Endpoint] = attrs.field(repr=False)
    token_provider: TokenProvider | None = attrs.field(default=None, repr=False)
    simulator: bool = False  # the transport starts the embedded simulator and connects to it
    dialect: Dialect = Dialect.GA  # the embedded simulator's dialect

    def __attrs_post_init__(self) -> None:
        # Fail at construction (bad URL, credentials over ws://), not at the first connect.
        if not self.simulator:
            self.build(_VALIDATION_TOKEN if self.token_provider is not None else None)

    def endpoint(self, token: str | None = None) -> Endpoint:
        """The endpoint to connect to; ``token`` is what the token provider returned."""
        if (token is None) != (self.token_provider is None):
            raise LocalProtocolError("a token is needed exactly when a token provider is set")
        return self.build(token)

    @classmethod
    def embedded_simulator(cls, dialect: Dialect = Dialect.GA) -> ServiceTarget:
        """The simulator, which the transport starts on a loopback port for each conversation."""

        def build(_token: str | None) -> Endpoint:
            raise LocalProtocolError("the embedded simulator's address is known once it runs")

        described = "the embedded simulator" + (
            "" if dialect is Dialect.GA else f" ({dialect.value} dialect)"
        )
        return cls(description=described, build=build, simulator=True, dialect=dialect)

    @classmethod
    def url(
        cls,
        url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
        dialect: Dialect = Dialect.GA,
        allow_insecure_credentials: bool = False,
    ) -> ServiceTarget:
        """Any realtime URL, such as the embedded simulator's; ``api_key`` is sent as a bearer."""
        endpoint = Endpoint.from_url(
            url,
            api_key=api_key,
            headers=headers,
            dialect=dialect,
            allow_insecure_credentials=allow_insecure_credentials,
        )
        return cls(description=endpoint.safe_url, build=lambda _token: endpoint)

    @classmethod
    def openai(
        cls,
        *,
        api_key: str,
        model: str,
        base_url: str = "wss://api.openai.com/v1",
        beta: bool = False,
        allow_insecure_credentials: bool = False,
    ) -> ServiceTarget:
        """OpenAI: ``Authorization: Bearer <api_key>``, the model in the query."""
        endpoint = Endpoint.openai(
            api_key=api_key,
            model=model,
            base_url=base_url,
            beta=beta,
            allow_insecure_credentials=allow_insecure_credentials,
        )
        return cls(description=endpoint.safe_url, build=lambda _token: endpoint)

    @classmethod
    def azure(
        cls,
        *,
        endpoint: str,
        deployment: str,
        api_key: str | None = None,
        token_provider: TokenProvider | None = None,
        api_version: str | None = None,
        dialect: Dialect | None = None,
        allow_insecure_credentials: bool = False,
    ) -> ServiceTarget:
        """Azure OpenAI: the GA ``/openai/v1/realtime?model=`` URL, or with ``api_version`` the
        preview ``/openai/realtime?api-version=&deployment=`` URL; an ``api-key`` header or a
        bearer token from ``token_provider``, asked for on every connection."""
        if (api_key is None) == (token_provider is None):
            raise ValueError("pass exactly one of api_key and token_provider")

        def build(token: str | None) -> Endpoint:
            return Endpoint.azure(
                endpoint=endpoint,
                deployment=deployment,
                api_key=api_key,
                token=token,
                api_version=api_version,
                dialect=dialect,
                allow_insecure_credentials=allow_insecure_credentials,
            )

        described = build(_VALIDATION_TOKEN if api_key is None else None).safe_url
        return cls(description=described, build=build, token_provider=token_provider)


def _check_record_to(_: object, __: object, value: RecordTarget | None) -> None:
    if value is None:
        return
    if isinstance(value, (str, os.PathLike)):
        if not os.fspath(value):
            raise ValueError("record_to is an empty path: name the file to record to")
        return
    if isinstance(value, io.TextIOBase):
        raise TypeError("record_to must be a file opened in binary mode ('wb'), not text")
    if not callable(getattr(value, "write", None)):
        raise TypeError(
            f"record_to must be a path or a binary file object, not {type(value).__name__}"
        )


def _check_record_audio_bytes(_: object, __: object, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(
            f"record_audio_bytes must be None or a non-negative integer, got {value!r}"
        )


def _resume_policy(value: bool | ResumePolicy | None) -> ResumePolicy | None:
    return ResumePolicy.of(value)


@attrs.frozen(kw_only=True, repr=False, eq=False)
class ClientSettings(Record):
    """Everything a conversation client is configured with, apart from TLS.

    ``record_to``: record every conversation there as a cassette (see
    :mod:`realtime_proto.cassette`), keeping at most ``record_audio_bytes`` of the audio of
    each message that carries some (``None``: all of it). ``resume``: carry a conversation
    over new connections when one is lost or its session expires (``True`` or a
    :class:`ResumePolicy`).
    """

    target: ServiceTarget
    limits: Limits = attrs.field(factory=Limits)
    timeouts: Timeouts = attrs.field(factory=Timeouts)
    connect_timeout: float = 10.0
    response_policy: ResponsePolicy = ResponsePolicy.DEFER
    max_queued_messages: int = attrs.field(default=1024)
    max_queued_bytes: int = attrs.field(default=DEFAULT_MAX_QUEUED_BYTES)
    record_to: RecordTarget | None = attrs.field(default=None, validator=_check_record_to)
    record_audio_bytes: int | None = attrs.field(default=None, validator=_check_record_audio_bytes)
    resume: ResumePolicy | None = attrs.field(default=None, converter=_resume_policy)

    def __attrs_post_init__(self) -> None:
        if self.record_audio_bytes is not None and self.record_to is None:
            raise ValueError("record_audio_bytes cuts the audio of a recording: give record_to")

    @max_queued_messages.validator
    @max_queued_bytes.validator
    def _check_queue(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{attribute.name} must be a positive integer, got {value!r}")

    def start(
        self,
        options: ConversationOptions | None,
        token: object = None,
        *,
        simulator_url: str | None = None,
        record_since: tuple[float, datetime] | None = None,
        resume_from: Resumption | None = None,
    ) -> ClientConversation:
        """A new :class:`ClientConversation` for one connection; ``token`` is what the target's
        token provider returned (the transport calls it, and awaits it if it must);
        ``simulator_url`` is where the transport started the embedded simulator.
        ``record_since``, needed when :attr:`record_to` is set: when the recording starts, as
        a reading of the clock later given to ``take_recorded`` and as an aware ``datetime``
        (the wall clock, for the cassette's header). ``resume_from``: this connection carries
        on a conversation whose connection was lost (see :attr:`resume`); it is not recorded,
        and it is configured with the last options sent."""
        if self.target.token_provider is not None and not isinstance(token, str):
            raise TypeError(f"the token provider must return a str, not {type(token).__name__}")
        if self.target.simulator:
            if simulator_url is None:
                raise LocalProtocolError("start the embedded simulator and pass its URL")
            dialect = self.target.dialect
            url = simulator_url + ("" if dialect is Dialect.GA else f"&dialect={dialect.value}")
            endpoint = Endpoint.from_url(url, dialect=self.target.dialect)
        else:
            endpoint = self.target.endpoint(token if isinstance(token, str) else None)
        resumption = resume_from
        if resumption is None and self.resume is not None:
            resumption = Resumption(self.resume, options=options)
        recorder = None
        if self.record_to is not None and resume_from is None:
            if record_since is None:
                raise LocalProtocolError("a recorded conversation starts with record_since")
            from ..cassette import CassetteRecorder  # loaded when first used

            started, started_at = record_since
            recorder = CassetteRecorder.for_endpoint(
                endpoint,
                started=started,
                started_at=started_at,
                max_audio_bytes=self.record_audio_bytes,
            )
        return ClientConversation(
            endpoint,
            options if resume_from is None else resume_from.options,
            limits=self.limits,
            timeouts=self.timeouts,
            response_policy=self.response_policy,
            max_queued_messages=self.max_queued_messages,
            max_queued_bytes=self.max_queued_bytes,
            recorder=recorder,
            resumption=resumption,
            reconnect=resume_from is not None,
        )


class ConversationClientBase:
    """What both transports' ``ConversationClient`` share: the target and its settings.

    Construct it for a URL, or with :meth:`openai` or :meth:`azure`; with no target it talks to
    the embedded simulator. ``dialect`` picks the wire dialect for a URL or the simulator
    (``Dialect.PREVIEW``: the 2024 ``event``-keyed protocol). TLS verification is on for
    ``wss://`` with the system's trust store; ``ssl_context`` replaces that context.
    ``record_to`` (a path, or a binary file object) records each conversation as a cassette,
    credentials redacted, keeping at most ``record_audio_bytes`` of each message's audio.
    ``resume`` (``True`` or a :class:`ResumePolicy`) carries a conversation over new
    connections when one is lost or its session expires (see the README's "Resume").
    """

    def __init__(
        self,
        target: ServiceTarget | str | None = None,
        *,
        dialect: Dialect | None = None,
        ssl_context: ssl.SSLContext | None = None,
        limits: Limits | None = None,
        timeouts: Timeouts | None = None,
        connect_timeout: float = 10.0,
        response_policy: ResponsePolicy = ResponsePolicy.DEFER,
        max_queued_messages: int = 1024,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        record_to: RecordTarget | None = None,
        record_audio_bytes: int | None = None,
        resume: bool | ResumePolicy | None = None,
    ) -> None:
        if target is None:
            target = ServiceTarget.embedded_simulator(dialect or Dialect.GA)
        elif isinstance(target, str):
            target = ServiceTarget.url(target, dialect=dialect or Dialect.GA)
        elif dialect is not None:
            raise ValueError("give the dialect to the ServiceTarget, not beside it")
        self.settings = ClientSettings(
            target=target,
            limits=limits or Limits(),
            timeouts=timeouts or Timeouts(),
            connect_timeout=connect_timeout,
            response_policy=response_policy,
            max_queued_messages=max_queued_messages,
            max_queued_bytes=max_queued_bytes,
            record_to=record_to,
            record_audio_bytes=record_audio_bytes,
            resume=resume,
        )
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings.target.description}>"

    @classmethod
    def openai(
        cls: type[_Client],
        *,
        api_key: str,
        model: str,
        base_url: str = "wss://api.openai.com/v1",
        beta: bool = False,
        allow_insecure_credentials: bool = False,
        **client_options: Any,
    ) -> _Client:
        """A client for OpenAI (``Authorization: Bearer``); options as for the constructor."""
        target = ServiceTarget.openai(
            api_key=api_key,
            model=model,
            base_url=base_url,
            beta=beta,
            allow_insecure_credentials=allow_insecure_credentials,
        )
        return cls(target, **client_options)

    @classmethod
    def azure(
        cls: type[_Client],
        *,
        endpoint: str,
        deployment: str,
        api_key: str | None = None,
        token_provider: TokenProvider | None = None,
        api_version: str | None = None,
        dialect: Dialect | None = None,
        allow_insecure_credentials: bool = False,
        **client_options: Any,
    ) -> _Client:
        """A client for Azure OpenAI; see :meth:`ServiceTarget.azure` (``dialect`` overrides
        the one its path implies)."""
        target = ServiceTarget.azure(
            endpoint=endpoint,
            deployment=deployment,
            api_key=api_key,
            token_provider=token_provider,
            api_version=api_version,
            dialect=dialect,
            allow_insecure_credentials=allow_insecure_credentials,
        )
        return cls(target, **client_options)

    @classmethod
    def for_url(
        cls: type[_Client],
        url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
        dialect: Dialect = Dialect.GA,
        allow_insecure_credentials: bool = False,
        **client_options: Any,
    ) -> _Client:
        """A client for any realtime URL, such as the embedded simulator's."""
        target = ServiceTarget.url(
            url,
            api_key=api_key,
            headers=headers,
            dialect=dialect,
            allow_insecure_credentials=allow_insecure_credentials,
        )
        return cls(target, **client_options)
