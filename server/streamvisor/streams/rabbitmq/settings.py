"""RabbitMQ Streams' connection settings and spec rules. Pure: no rstream, no I/O
(tests/unit/test_rabbitmq_kind.py).

A supervisor's connection is two consumer properties: `rabbitmq.url` (where and as whom) and
`rabbitmq.super_stream` (how `stream` is read: auto, the default, reads a super stream of that name if
one exists and the single stream otherwise; true or false insist). The URL is parsed here, once, by
Endpoint.parse - for the spec rules, the adapter and the reader alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote, urlsplit

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import SupervisorSpec

URL = "rabbitmq.url"  # rabbitmq-stream://user:password@host:port/vhost
SUPER_STREAM = "rabbitmq.super_stream"  # auto (default) | true | false
PROPERTY_PREFIX = "rabbitmq."
SCHEME = "rabbitmq-stream"
DEFAULT_PORT = 5552
SUPER_STREAM_MODES = ("auto", "true", "false")
EXAMPLE_URL = f"{SCHEME}://guest:guest@127.0.0.1:5552/%2f"


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to connect: `rabbitmq-stream://user:password@host:port/vhost` (vhost URL-encoded,
    `%2f` for "/"; defaults guest:guest, port 5552, vhost "/")."""

    host: str
    port: int
    vhost: str
    username: str
    password: str

    @classmethod
    def parse(cls, url: str) -> "Endpoint":
        parts = urlsplit(url.strip())
        if parts.scheme != SCHEME:
            raise ValueError(f"must be a {SCHEME}://[user:password@]host[:port][/vhost] URL")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise ValueError("has an invalid port") from None
        if not parts.hostname:
            raise ValueError("must name a host")
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        vhost = unquote(path) if path else "/"
        return cls(parts.hostname, port, vhost, unquote(parts.username or "guest"),
                   unquote(parts.password or "guest"))

    @classmethod
    def of(cls, properties: Mapping[str, str]) -> "Endpoint":
        """The endpoint a spec's consumer properties name (ValueError if they name none)."""
        return cls.parse(properties.get(URL, ""))

    @property
    def redacted(self) -> str:
        """The URL without the password, for messages and error metadata."""
        vhost = "%2f" if self.vhost == "/" else self.vhost
        return f"{SCHEME}://{self.username}@{self.host}:{self.port}/{vhost}"


def super_stream_mode(properties: Mapping[str, str]) -> str:
    return properties.get(SUPER_STREAM, "auto").strip().lower()


def property_problems(properties: Mapping[str, str]) -> list[str]:
    """What is wrong with a RABBITMQ_STREAM spec's connection properties (empty if nothing)."""
    problems = []
    if not properties.get(URL, "").strip():
        problems.append(f"'{URL}' must be set, e.g. {EXAMPLE_URL}")
    else:
        try:
            Endpoint.of(properties)
        except ValueError:
            problems.append(f"'{URL}' must be a {SCHEME}://[user:password@]host[:port][/vhost] "
                            f"URL (vhost URL-encoded, %2f for /), e.g. {EXAMPLE_URL}")
    mode = super_stream_mode(properties)
    if mode not in SUPER_STREAM_MODES:
        problems.append(f"'{SUPER_STREAM}' must be one of {', '.join(SUPER_STREAM_MODES)}, got {mode!r}")
    return problems


def validate_spec(spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
    for problem in property_problems(spec.consumer_properties):
        violations.add(f"{field_prefix}.consumer_properties", problem)


def applicable_defaults(server_defaults: Mapping[str, str]) -> dict[str, str]:
    """The server's defaults are Kafka client properties: a RabbitMQ Streams spec takes only `rabbitmq.*` ones."""
    return {k: v for k, v in server_defaults.items() if k.startswith(PROPERTY_PREFIX)}


def connection_key(properties: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in properties.items() if k.startswith(PROPERTY_PREFIX)))
